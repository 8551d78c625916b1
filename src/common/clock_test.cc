#include "common/clock.h"

#include <gtest/gtest.h>

namespace eddy {
namespace {

TEST(ClockTest, FormatsMicrosecondsUtc) {
  EXPECT_EQ(FormatTime(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(FormatTime(1795837741'123456), "2026-11-28T03:49:01.123456Z");
}

TEST(ClockTest, ParsesWhatItFormats) {
  Micros t = 1795837741'123456;
  auto parsed = ParseTime(FormatTime(t));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, t);
}

TEST(ClockTest, ParsesVariants) {
  EXPECT_EQ(ParseTime("2026-11-28T03:49:01Z"), 1795837741'000000);
  EXPECT_EQ(ParseTime("2026-11-28T03:49:01.5Z"), 1795837741'500000);
  EXPECT_EQ(ParseTime("2026-11-28T04:49:01.000+01:00"), 1795837741'000000);
  EXPECT_EQ(ParseTime("2026-11-28T03:49:01.123456789Z"), 1795837741'123456);
}

TEST(ClockTest, RejectsGarbage) {
  EXPECT_FALSE(ParseTime(""));
  EXPECT_FALSE(ParseTime("yesterday"));
  EXPECT_FALSE(ParseTime("2026-13-01T00:00:00Z"));
  EXPECT_FALSE(ParseTime("2026-11-28T03:49:01"));
  EXPECT_FALSE(ParseTime("2026-11-28T03:49:01Zjunk"));
}

}  // namespace
}  // namespace eddy
