// Conformance suite for MessageStore's reactions: upsert, replace, enforce_unique, delete,
// newest-first lists, the latest per message and the per-type aggregates. Every backend must
// pass it unchanged. Defines tests: include in exactly one .cc of a test binary.
#pragma once

#include <string>
#include <vector>

#include "server/storage/storetest/message_store_suite.h"

namespace eddy::server::storetest {

class ReactionStoreSuite : public MessageStoreSuite {};

TEST_P(ReactionStoreSuite, ReactionsUpsertReplaceAndDelete) {
  Insert(Msg("m", "luke", 1));
  Upsert(React("m", "leia", "like", 10));
  Reaction again = React("m", "leia", "like", 20, 5);
  again.custom = {{"emoji", "👍"}};
  Upsert(again);
  auto list = messages().Reactions(kApp, "m", 10, 0);
  ASSERT_TRUE(list.ok()) << list.error().message;
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].score, 5);
  EXPECT_EQ((*list)[0].created_at, 20);
  EXPECT_EQ((*list)[0].custom, again.custom);

  Upsert(React("m", "leia", "love", 30));
  EXPECT_EQ(messages().Reactions(kApp, "m", 10, 0)->size(), 2u);
  EXPECT_TRUE(*messages().DeleteReaction(kApp, "m", "leia", "love"));
  EXPECT_FALSE(*messages().DeleteReaction(kApp, "m", "leia", "love"));
  EXPECT_FALSE(*messages().DeleteReaction(kOtherApp, "m", "leia", "like"));
  EXPECT_EQ(messages().Reactions(kApp, "m", 10, 0)->size(), 1u);

  Status s = messages().UpsertReaction(kApp, React("missing", "leia", "like", 1), false);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kDoesNotExist);
  EXPECT_FALSE(messages().UpsertReaction(kOtherApp, React("m", "leia", "like", 1), false).ok());
}

TEST_P(ReactionStoreSuite, EnforceUniqueKeepsOnlyTheNewReactionOfThatUser) {
  Insert(Msg("m", "luke", 1));
  Insert(Msg("n", "luke", 1));
  Upsert(React("m", "leia", "like", 10));
  Upsert(React("m", "leia", "love", 11));
  Upsert(React("m", "han", "like", 12));
  Upsert(React("n", "leia", "like", 13));
  Upsert(React("m", "leia", "wow", 14), /*enforce_unique=*/true);
  EXPECT_EQ(Keys(*messages().Reactions(kApp, "m", 10, 0)),
            (std::vector<std::string>{"m/leia:wow", "m/han:like"}));
  EXPECT_EQ(messages().Reactions(kApp, "n", 10, 0)->size(), 1u);
  // Re-sending the one it has keeps just that one.
  Upsert(React("m", "leia", "wow", 15, 2), true);
  EXPECT_EQ(Keys(*messages().Reactions(kApp, "m", 10, 0)),
            (std::vector<std::string>{"m/leia:wow", "m/han:like"}));
}

TEST_P(ReactionStoreSuite, ReactionListsAreNewestFirst) {
  Insert(Msg("m", "luke", 1));
  Insert(Msg("n", "luke", 1));
  Upsert(React("m", "a", "like", 10));
  Upsert(React("m", "b", "like", 30));
  Upsert(React("m", "c", "love", 20));
  Upsert(React("m", "d", "like", 30));  // same time as b, written later: first
  Upsert(React("n", "a", "like", 5));
  Upsert(React("n", "b", "love", 6));
  EXPECT_EQ(Keys(*messages().Reactions(kApp, "m", 10, 0)),
            (std::vector<std::string>{"m/d:like", "m/b:like", "m/c:love", "m/a:like"}));
  EXPECT_EQ(Keys(*messages().Reactions(kApp, "m", 2, 1)),
            (std::vector<std::string>{"m/b:like", "m/c:love"}));
  EXPECT_FALSE(messages().Reactions(kApp, "m", -1, 0).ok());

  auto latest = messages().LatestReactions(kApp, {"n", "m", "missing"}, 2);
  ASSERT_TRUE(latest.ok()) << latest.error().message;
  EXPECT_EQ(Keys(*latest),
            (std::vector<std::string>{"m/d:like", "m/b:like", "n/b:love", "n/a:like"}));
  auto own = messages().LatestReactions(kApp, {"m", "n"}, 10, "a");
  ASSERT_TRUE(own.ok());
  EXPECT_EQ(Keys(*own), (std::vector<std::string>{"m/a:like", "n/a:like"}));
  EXPECT_TRUE(messages().LatestReactions(kApp, {}, 10)->empty());
  EXPECT_TRUE(messages().LatestReactions(kApp, {"m"}, 0)->empty());
  EXPECT_TRUE(messages().LatestReactions(kOtherApp, {"m"}, 10)->empty());
}

TEST_P(ReactionStoreSuite, ReactionGroupsAggregatePerMessageAndType) {
  Insert(Msg("m", "luke", 1));
  Insert(Msg("n", "luke", 1));
  Insert(Msg("none", "luke", 1));
  Upsert(React("m", "a", "like", 10, 1));
  Upsert(React("m", "b", "like", 30, 3));
  Upsert(React("m", "c", "love", 20, 1));
  Upsert(React("n", "a", "clap", 5, 7));
  auto groups = messages().ReactionGroups(kApp, {"none", "n", "m"});
  ASSERT_TRUE(groups.ok()) << groups.error().message;
  ASSERT_EQ(groups->size(), 3u);
  const ReactionGroup& like = (*groups)[0];
  EXPECT_EQ(like.message_id, "m");
  EXPECT_EQ(like.type, "like");
  EXPECT_EQ(like.count, 2);
  EXPECT_EQ(like.sum_scores, 4);
  EXPECT_EQ(like.first_reaction_at, 10);
  EXPECT_EQ(like.last_reaction_at, 30);
  EXPECT_EQ((*groups)[1].type, "love");
  EXPECT_EQ((*groups)[1].count, 1);
  EXPECT_EQ((*groups)[2].message_id, "n");
  EXPECT_EQ((*groups)[2].sum_scores, 7);
  EXPECT_TRUE(messages().ReactionGroups(kApp, {})->empty());
  EXPECT_TRUE(messages().ReactionGroups(kOtherApp, {"m"})->empty());
}

}  // namespace eddy::server::storetest
