#include "server/realtime/name_set.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace eddy::server::realtime {
namespace {

std::vector<std::string> Contents(const NameSet& set) { return {set.begin(), set.end()}; }

TEST(NameSetTest, KeepsEachNameOnceInOrder) {
  NameSet set;
  EXPECT_TRUE(set.insert("messaging:b"));
  EXPECT_TRUE(set.insert("messaging:a"));
  EXPECT_TRUE(set.insert("gaming:c"));
  EXPECT_FALSE(set.insert("messaging:a"));
  EXPECT_EQ(set.size(), 3u);
  EXPECT_EQ(Contents(set), (std::vector<std::string>{"gaming:c", "messaging:a", "messaging:b"}));
  EXPECT_TRUE(set.contains("messaging:b"));
  EXPECT_FALSE(set.contains("messaging:"));
  EXPECT_FALSE(set.contains("messaging:bb"));
}

TEST(NameSetTest, EraseRemovesOnlyWhatIsThere) {
  NameSet set;
  set.insert("a");
  set.insert("b");
  EXPECT_FALSE(set.erase("c"));
  EXPECT_TRUE(set.erase("a"));
  EXPECT_FALSE(set.erase("a"));
  EXPECT_EQ(Contents(set), (std::vector<std::string>{"b"}));
  EXPECT_TRUE(set.erase("b"));
  EXPECT_TRUE(set.empty());
  EXPECT_TRUE(set.insert("a"));  // usable again once emptied
  EXPECT_TRUE(set.contains("a"));
}

TEST(NameSetTest, ManyNamesOfEveryLengthStayLikeASortedSet) {
  NameSet set;
  std::set<std::string> model;
  for (int i = 0; i < 600; ++i) {
    std::string name = "messaging:" + std::string(static_cast<std::size_t>(i * 7919 % 97), 'x') +
                       std::to_string(i * 31 % 200);  // repeats some names
    EXPECT_EQ(set.insert(name), model.insert(name).second) << name;
    if (i % 3 == 0) {
      std::string gone = *model.begin();
      EXPECT_TRUE(set.erase(gone));
      model.erase(gone);
    }
  }
  EXPECT_EQ(set.size(), model.size());
  EXPECT_EQ(Contents(set), std::vector<std::string>(model.begin(), model.end()));
  for (const std::string& name : model) EXPECT_TRUE(set.contains(name));
  EXPECT_FALSE(set.contains(""));
  EXPECT_TRUE(set.insert(""));  // the empty name sorts first
  EXPECT_EQ(*set.begin(), "");
}

TEST(NameSetTest, MovesTakeTheNamesAlong) {
  NameSet a;
  a.insert("x");
  a.insert("y");
  NameSet b(std::move(a));
  EXPECT_EQ(Contents(b), (std::vector<std::string>{"x", "y"}));
  NameSet c;
  c.insert("z");
  c = std::move(b);
  EXPECT_EQ(Contents(c), (std::vector<std::string>{"x", "y"}));
  EXPECT_TRUE(NameSet().empty());
  EXPECT_EQ(NameSet().begin(), NameSet().end());
}

}  // namespace
}  // namespace eddy::server::realtime
