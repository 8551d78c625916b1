#include "common/json.h"

#include <gtest/gtest.h>

namespace eddy {
namespace {

TEST(JsonTest, RejectsInvalidUtf8) {
  auto r = ParseJson("{\"name\":\"\xff\xfe\"}");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInput);
  EXPECT_EQ(r.error().http_status, 400);
}

TEST(JsonTest, RejectsTrailingGarbageAndDeepNesting) {
  EXPECT_FALSE(ParseJson("{} x").ok());
  EXPECT_FALSE(ParseJson(std::string(100, '[') + std::string(100, ']')).ok());
}

TEST(JsonTest, ObjectRequired) {
  EXPECT_FALSE(ParseJsonObject("[1]").ok());
  EXPECT_TRUE(ParseJsonObject("{\"a\":1}").ok());
}

TEST(JsonTest, TypedGettersCheckTypes) {
  auto o = ParseJsonObject(R"({"s":"x","b":true,"i":5,"d":2.0,"n":null,"o":{},"a":[]})").value();
  EXPECT_EQ(GetString(o, "s").value(), "x");
  EXPECT_FALSE(GetString(o, "i").ok());
  EXPECT_FALSE(GetString(o, "missing").value().has_value());
  EXPECT_FALSE(GetString(o, "n").value().has_value());
  EXPECT_EQ(GetBool(o, "b").value(), true);
  EXPECT_FALSE(GetBool(o, "s").ok());
  EXPECT_EQ(GetInt(o, "i").value(), 5);
  EXPECT_EQ(GetInt(o, "d").value(), 2);
  EXPECT_FALSE(GetInt(o, "s").ok());
  EXPECT_NE(GetObject(o, "o").value(), nullptr);
  EXPECT_FALSE(GetObject(o, "a").ok());
  EXPECT_NE(GetArray(o, "a").value(), nullptr);
}

}  // namespace
}  // namespace eddy
