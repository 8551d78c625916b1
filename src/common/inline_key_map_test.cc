#include "common/inline_key_map.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace eddy {
namespace {

using namespace std::string_view_literals;

TEST(InlineKeyMapTest, FindsInsertsAssignsAndErases) {
  constexpr std::string_view kLong = "app-key-0123456789\0user-with-a-long-id"sv;
  InlineKeyMap<std::string> m;
  EXPECT_EQ(m.find("a"), nullptr);
  EXPECT_FALSE(m.erase("a"));
  m.insert_or_assign(kLong, "one");
  m["short"] = "two";
  EXPECT_EQ(m.size(), 2u);
  ASSERT_NE(m.find(kLong), nullptr);
  EXPECT_EQ(*m.find(kLong), "one");
  m.insert_or_assign("short", "three");
  EXPECT_EQ(*m.find("short"), "three");
  EXPECT_EQ(m.size(), 2u);
  // Keys are whole byte strings: a prefix or an embedded NUL makes another key.
  std::string with_nul("ab\0c", 4);
  m[with_nul] = "nul";
  EXPECT_EQ(m.find("ab"), nullptr);
  EXPECT_EQ(*m.find(with_nul), "nul");
  EXPECT_TRUE(m.erase("short"));
  EXPECT_FALSE(m.contains("short"));
  EXPECT_EQ(m.size(), 2u);
  EXPECT_EQ(m.try_emplace(with_nul, "ignored").second, false);
  EXPECT_EQ(*m.find(with_nul), "nul");
  m.clear();
  EXPECT_TRUE(m.empty());
  EXPECT_EQ(m.find(with_nul), nullptr);
  m["again"] = "after clear";
  EXPECT_EQ(*m.find("again"), "after clear");
}

// Random operations over many rehashes agree with std::map, values keep their address until
// erased, and every value is destroyed exactly once (shared_ptr use counts).
TEST(InlineKeyMapTest, AgreesWithStdMapThroughGrowthAndErasure) {
  InlineKeyMap<std::shared_ptr<int>> m;
  std::map<std::string, std::shared_ptr<int>> model;
  std::mt19937 rng(7);
  std::shared_ptr<int>* pinned = &m["pinned"];
  *pinned = std::make_shared<int>(-1);
  for (int i = 0; i < 20000; ++i) {
    std::string key = "key-" + std::to_string(rng() % 3000) + std::string(rng() % 40, 'x');
    switch (rng() % 3) {
      case 0:
      case 1: {
        auto v = std::make_shared<int>(i);
        m.insert_or_assign(key, v);
        model[key] = v;
        break;
      }
      default:
        EXPECT_EQ(m.erase(key), model.erase(key) == 1) << key;
    }
  }
  EXPECT_EQ(m.size(), model.size() + 1);
  EXPECT_EQ(m.find("pinned"), pinned);
  EXPECT_EQ(**pinned, -1);
  size_t seen = 0;
  m.for_each([&](std::string_view key, const std::shared_ptr<int>& v) {
    if (key == "pinned") return;
    ++seen;
    auto it = model.find(std::string(key));
    ASSERT_NE(it, model.end()) << key;
    EXPECT_EQ(v, it->second);
    EXPECT_EQ(v.use_count(), 2);  // the model's and the map's: no copy left behind
  });
  EXPECT_EQ(seen, model.size());
  // erase_if may change what it keeps.
  m.erase_if([](std::string_view key, std::shared_ptr<int>& v) {
    if (key == "pinned") return false;
    if (*v % 2 == 0) return true;
    v = std::make_shared<int>(-*v);
    return false;
  });
  EXPECT_EQ(m.find("pinned"), pinned);
  for (auto it = model.begin(); it != model.end();) {
    const std::shared_ptr<int>* kept = m.find(it->first);
    if (*it->second % 2 == 0) {
      EXPECT_EQ(kept, nullptr) << it->first;
      EXPECT_EQ(it->second.use_count(), 1) << it->first;
      it = model.erase(it);
      continue;
    }
    ASSERT_NE(kept, nullptr) << it->first;
    EXPECT_EQ(**kept, -*it->second);
    ++it;
  }
  EXPECT_EQ(m.size(), model.size() + 1);
  m.clear();
  EXPECT_TRUE(m.empty());
}

// find_each answers like find for each key, in order, for lists shorter and longer than its
// prefetch distance, with keys absent, repeated and sharing buckets.
TEST(InlineKeyMapTest, FindEachAnswersLikeFindForEveryKeyInOrder) {
  InlineKeyMap<int> m;
  std::vector<std::string> none = {"a", "b"};
  std::vector<std::size_t> order;
  m.find_each(none, [&](std::size_t i, int* v) {
    order.push_back(i);
    EXPECT_EQ(v, nullptr);
  });
  EXPECT_EQ(order, (std::vector<std::size_t>{0, 1}));
  for (int i = 0; i < 500; ++i) m["user-" + std::to_string(i)] = i;
  std::mt19937 rng(11);
  for (std::size_t n : {0, 1, 7, 8, 9, 16, 17, 40, 1000}) {
    std::vector<std::string> keys;
    for (std::size_t i = 0; i < n; ++i) keys.push_back("user-" + std::to_string(rng() % 700));
    std::vector<std::string_view> views(keys.begin(), keys.end());
    std::size_t next = 0;
    m.find_each(views, [&](std::size_t i, int* v) {
      ASSERT_EQ(i, next++);
      EXPECT_EQ(v, m.find(keys[i])) << keys[i];
    });
    EXPECT_EQ(next, n);
  }
}

}  // namespace
}  // namespace eddy
