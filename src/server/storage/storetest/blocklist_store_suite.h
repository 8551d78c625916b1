// Conformance suite for BlocklistStore (domain/blocklist_store.h).
#pragma once

#include "server/storage/storetest/store_harness.h"

namespace eddy::server::storetest {

class BlocklistStoreSuite : public TwoAppSuiteBase {
 protected:
  BlocklistStore& lists() { return store().blocklists(); }

  static Blocklist List(std::string name, std::vector<std::string> words, Micros at = 10) {
    Blocklist b;
    b.name = std::move(name);
    b.words = std::move(words);
    b.created_at = b.updated_at = at;
    return b;
  }
};

TEST_P(BlocklistStoreSuite, CreateGetListSurviveARestart) {
  ASSERT_TRUE(lists().CreateBlocklist(kApp, List("swear", {"darn", "heck"})).ok());
  ASSERT_TRUE(lists().CreateBlocklist(kApp, List("ads", {"buy"})).ok());
  Reopen();
  auto got = lists().GetBlocklist(kApp, "swear");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->words, (std::vector<std::string>{"darn", "heck"}));
  EXPECT_EQ((*got)->type, "word");
  EXPECT_EQ((*got)->created_at, 10);
  auto all = lists().ListBlocklists(kApp);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "ads");
  EXPECT_EQ((*all)[1].name, "swear");
  EXPECT_TRUE(lists().ListBlocklists(kOtherApp)->empty());
  EXPECT_FALSE(lists().GetBlocklist(kOtherApp, "swear")->has_value());
}

TEST_P(BlocklistStoreSuite, CreateTwiceIsRefusedAndChangesNothing) {
  ASSERT_TRUE(lists().CreateBlocklist(kApp, List("swear", {"darn"})).ok());
  Status again = lists().CreateBlocklist(kApp, List("swear", {"other"}, 20));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kInput);
  EXPECT_EQ((*lists().GetBlocklist(kApp, "swear"))->words, (std::vector<std::string>{"darn"}));
  EXPECT_TRUE(lists().CreateBlocklist(kOtherApp, List("swear", {"x"})).ok());
  EXPECT_FALSE(lists().CreateBlocklist("no-such-app", List("swear", {"x"})).ok());
}

TEST_P(BlocklistStoreSuite, UpdateAndDelete) {
  ASSERT_TRUE(lists().CreateBlocklist(kApp, List("swear", {"darn"})).ok());
  Blocklist next = List("swear", {"heck", "dang"}, 99);
  next.created_at = 50;  // not replaced
  ASSERT_TRUE(lists().UpdateBlocklist(kApp, next).ok());
  auto got = lists().GetBlocklist(kApp, "swear");
  EXPECT_EQ((*got)->words, (std::vector<std::string>{"heck", "dang"}));
  EXPECT_EQ((*got)->created_at, 10);
  EXPECT_EQ((*got)->updated_at, 99);
  EXPECT_EQ(lists().UpdateBlocklist(kApp, List("nope", {})).error().code, ErrorCode::kDoesNotExist);

  ASSERT_TRUE(lists().DeleteBlocklist(kApp, "swear").ok());
  EXPECT_FALSE(lists().GetBlocklist(kApp, "swear")->has_value());
  EXPECT_EQ(lists().DeleteBlocklist(kApp, "swear").error().code, ErrorCode::kDoesNotExist);
}

}  // namespace eddy::server::storetest
