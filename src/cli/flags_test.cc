#include "cli/flags.h"

#include <gtest/gtest.h>

namespace eddy::cli {
namespace {

TEST(FlagsTest, ParsesBothForms) {
  ParsedFlags f =
      ParseFlags({"--name", "a b", "--data-dir=/tmp/x", "--json"}, {"name", "data-dir"}, {"json"});
  EXPECT_TRUE(f.errors.empty());
  EXPECT_EQ(*f.Get("name"), "a b");
  EXPECT_EQ(*f.Get("data-dir"), "/tmp/x");
  EXPECT_TRUE(f.Has("json"));
}

TEST(FlagsTest, ReportsEveryProblem) {
  ParsedFlags f = ParseFlags({"stray", "--bogus", "--json=1", "--name"}, {"name"}, {"json"});
  EXPECT_EQ(f.errors.size(), 4u);
}

TEST(FlagsTest, Durations) {
  EXPECT_EQ(ParseDuration("90"), 90);
  EXPECT_EQ(ParseDuration("45s"), 45);
  EXPECT_EQ(ParseDuration("30m"), 1800);
  EXPECT_EQ(ParseDuration("1h"), 3600);
  EXPECT_EQ(ParseDuration("2d"), 172800);
  EXPECT_EQ(ParseDuration("1w"), -1);
  EXPECT_EQ(ParseDuration("h"), -1);
  EXPECT_EQ(ParseDuration(""), -1);
  EXPECT_EQ(ParseDuration("99999999999999999999"), -1);
}

}  // namespace
}  // namespace eddy::cli
