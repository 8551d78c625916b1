#include "server/storage/sql/stored_json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

namespace eddy::server::sql {
namespace {

// What the store writes (json::serialize) must read back bit for bit.
TEST(StoredJsonTest, EveryFiniteDoubleRoundTripsExactly) {
  std::mt19937_64 rng(42);
  int checked = 0;
  for (int i = 0; i < 200000; ++i) {
    std::uint64_t bits = rng();
    double d;
    std::memcpy(&d, &bits, sizeof d);
    if (!std::isfinite(d)) continue;
    json::array a{d};
    auto back = ParseStoredJson(json::serialize(a), "test");
    ASSERT_TRUE(back.ok());
    ASSERT_TRUE(back->as_array()[0].is_double());
    ASSERT_EQ(std::memcmp(&back->as_array()[0].get_double(), &d, sizeof d), 0)
        << json::serialize(a);
    ++checked;
  }
  EXPECT_GT(checked, 190000);
}

TEST(StoredJsonTest, KeepsNumberKindsAndStructure) {
  const std::string text =
      R"({"i":-5,"u":18446744073709551615,"d":1E0,"s":"é\u0000","a":[true,null,{}],"o":{"k":[]}})";
  auto v = ParseStoredJson(text, "test");
  ASSERT_TRUE(v.ok());
  const json::object& o = v->as_object();
  EXPECT_TRUE(o.at("i").is_int64());
  EXPECT_TRUE(o.at("u").is_uint64());
  EXPECT_TRUE(o.at("d").is_double());
  EXPECT_EQ(o.at("s").as_string().size(), 3u);
  EXPECT_EQ(json::serialize(*v), json::serialize(json::parse(text)));
}

TEST(StoredJsonTest, DeepNestingIsAccepted) {
  std::string text = std::string(500, '[') + std::string(500, ']');
  EXPECT_TRUE(ParseStoredJson(text, "test").ok());
}

TEST(StoredJsonTest, DamagedTextIsAnInternalError) {
  auto v = ParseStoredJson("{\"a\":", "custom");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code, ErrorCode::kInternal);
  EXPECT_NE(v.error().message.find("custom"), std::string::npos);
  EXPECT_FALSE(ParseStoredJson("{} x", "custom").ok());
}

}  // namespace
}  // namespace eddy::server::sql
