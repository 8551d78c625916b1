#include "server/realtime/name_set.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace eddy::server::realtime
