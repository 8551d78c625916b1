// Conformance suite for ChannelStore's member writes and lookups: upsert and remove with the
// member_count they maintain, and a user's memberships. Every backend must pass it unchanged.
// Defines tests: include in exactly one .cc of a test binary.
#pragma once

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "server/storage/storetest/channel_store_suite.h"

namespace eddy::server::storetest {

class MemberStoreSuite : public ChannelStoreSuite {};

TEST_P(MemberStoreSuite, UpsertMembersInsertsReplacesFullyAndCountsRight) {
  Channel a = MakeChannel("messaging", "a", 1);
  Channel b = MakeChannel("messaging", "b", 1);
  ASSERT_NO_FATAL_FAILURE(Create(a, {MakeMember(a, "luke", 1)}));
  ASSERT_NO_FATAL_FAILURE(Create(b));

  Member first = MakeMember(a, "leia", 5);
  first.banned = true;
  first.pinned_at = 6;
  first.custom = {{"x", 1}};
  ASSERT_NO_FATAL_FAILURE(Upsert({first}));
  EXPECT_EQ(Get("messaging", "a")->member_count, 2);

  Member second = MakeMember(a, "leia", 7);
  second.last_read = 8;
  // Replacing is not adding; members of several channels travel in one call.
  ASSERT_NO_FATAL_FAILURE(Upsert(
      {second, MakeMember(b, "leia", 9), MakeMember(b, "han", 9), MakeMember(b, "han", 10)}));
  std::optional<Member> got = GetMember("messaging", "a", "leia");
  ASSERT_TRUE(got.has_value());
  ExpectSameMember(*got, second);  // nothing of `first` survives
  EXPECT_EQ(Get("messaging", "a")->member_count, 2);
  EXPECT_EQ(Get("messaging", "b")->member_count, 2);
  EXPECT_EQ(GetMember("messaging", "b", "han")->created_at, 10);
  ASSERT_TRUE(channels().UpsertMembers(kApp, {}).ok());
}

TEST_P(MemberStoreSuite, UpdateReadStateWritesTheReadAndDeliveryStateOnly) {
  Channel a = MakeChannel("messaging", "a", 1);
  Member luke = MakeMember(a, "luke", 1);
  luke.banned = true;
  ASSERT_NO_FATAL_FAILURE(Create(a, {luke}));

  Member state = MakeMember(a, "luke", 5);  // every other field differs from the row's
  state.last_read = 8;
  state.last_read_message_id = "m8";
  state.last_delivered_at = 7;
  state.last_delivered_message_id = "m7";
  state.hidden = true;
  state.custom = {{"x", 1}};
  ASSERT_TRUE(channels().UpdateReadState(kApp, state).ok());
  Member expected = luke;
  expected.last_read = 8;
  expected.last_read_message_id = "m8";
  expected.last_delivered_at = 7;
  expected.last_delivered_message_id = "m7";
  ExpectSameMember(*GetMember("messaging", "a", "luke"), expected);
  EXPECT_EQ(Get("messaging", "a")->member_count, 1);

  // No row, no change: the read state of someone who is not a member writes nothing.
  ASSERT_TRUE(channels().UpdateReadState(kApp, MakeMember(a, "leia", 1)).ok());
  EXPECT_FALSE(GetMember("messaging", "a", "leia").has_value());
  EXPECT_EQ(Get("messaging", "a")->member_count, 1);
}

TEST_P(MemberStoreSuite, UpsertMembersOfMissingChannelIsNotFoundAndWritesNothing) {
  Channel a = MakeChannel("messaging", "a", 1);
  ASSERT_NO_FATAL_FAILURE(Create(a));
  Channel missing = MakeChannel("messaging", "missing", 1);
  Status s =
      channels().UpsertMembers(kApp, {MakeMember(a, "luke", 1), MakeMember(missing, "luke", 1)});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kDoesNotExist);
  EXPECT_FALSE(GetMember("messaging", "a", "luke").has_value());
  EXPECT_EQ(Get("messaging", "a")->member_count, 0);
  // A channel of another app is missing here too.
  ASSERT_NO_FATAL_FAILURE(Create(MakeChannel("messaging", "theirs", 1), {}, kOtherApp));
  EXPECT_FALSE(channels()
                   .UpsertMembers(kApp, {MakeMember(MakeChannel("messaging", "theirs", 1), "x", 1)})
                   .ok());
}

TEST_P(MemberStoreSuite, RemoveMembersKeepsTheCountAndIgnoresNonMembers) {
  Channel c = MakeChannel("messaging", "c", 1);
  ASSERT_NO_FATAL_FAILURE(
      Create(c, {MakeMember(c, "luke", 1), MakeMember(c, "leia", 1), MakeMember(c, "han", 1)}));
  ASSERT_TRUE(
      channels().RemoveMembers(kApp, "messaging", "c", {"luke", "nobody", "han", "luke"}).ok());
  EXPECT_EQ(Get("messaging", "c")->member_count, 1);
  EXPECT_FALSE(GetMember("messaging", "c", "luke").has_value());
  EXPECT_TRUE(GetMember("messaging", "c", "leia").has_value());
  ASSERT_TRUE(channels().RemoveMembers(kApp, "messaging", "c", {}).ok());
  ASSERT_TRUE(channels().RemoveMembers(kApp, "messaging", "c", {"luke"}).ok());
  EXPECT_EQ(Get("messaging", "c")->member_count, 1);
  ASSERT_TRUE(channels().RemoveMembers(kApp, "messaging", "missing", {"leia"}).ok());
  // Re-adding counts again.
  ASSERT_NO_FATAL_FAILURE(Upsert({MakeMember(c, "luke", 2)}));
  EXPECT_EQ(Get("messaging", "c")->member_count, 2);
}

TEST_P(MemberStoreSuite, MembershipsOfSpansChannelsSkipsDeletedOnesAndIsPerApp) {
  Channel a = MakeChannel("messaging", "a", 1);
  Channel b = MakeChannel("team", "b", 1);
  Channel deleted = MakeChannel("messaging", "deleted", 1);
  deleted.deleted_at = 5;
  Channel without = MakeChannel("messaging", "without", 1);
  ASSERT_NO_FATAL_FAILURE(Create(b, {MakeMember(b, "luke", 2)}));
  ASSERT_NO_FATAL_FAILURE(Create(a, {MakeMember(a, "luke", 1), MakeMember(a, "leia", 1)}));
  ASSERT_NO_FATAL_FAILURE(Create(deleted, {MakeMember(deleted, "luke", 1)}));
  ASSERT_NO_FATAL_FAILURE(Create(without, {MakeMember(without, "leia", 1)}));
  ASSERT_NO_FATAL_FAILURE(Create(a, {MakeMember(a, "luke", 1)}, kOtherApp));

  auto got = channels().MembershipsOf(kApp, "luke");
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(Cids(*got), (std::vector<std::string>{"messaging:a", "team:b"}));
  EXPECT_EQ((*got)[1].created_at, 2);
  EXPECT_EQ(Cids(*channels().MembershipsOf(kOtherApp, "luke")),
            (std::vector<std::string>{"messaging:a"}));
  EXPECT_TRUE(channels().MembershipsOf(kApp, "nobody")->empty());

  // Many at once: each user's rows as MembershipsOf gives them, in the order asked.
  auto each = channels().MembershipsOfEach(kApp, {"leia", "nobody", "luke", "leia"});
  ASSERT_TRUE(each.ok()) << each.error().message;
  ASSERT_EQ(each->size(), 4u);
  for (const ChannelStore::MemberList& list : *each) ASSERT_NE(list, nullptr);
  EXPECT_EQ(Cids(*(*each)[0]), (std::vector<std::string>{"messaging:a", "messaging:without"}));
  EXPECT_TRUE((*each)[1]->empty());
  EXPECT_EQ(Cids(*(*each)[2]), (std::vector<std::string>{"messaging:a", "team:b"}));
  EXPECT_EQ((*(*each)[2])[1].created_at, 2);
  EXPECT_EQ(Cids(*(*each)[3]), Cids(*(*each)[0]));
  EXPECT_TRUE(channels().MembershipsOfEach(kApp, {})->empty());
}

TEST_P(MemberStoreSuite, RosterListsMembersOldestFirstAndFollowsMemberWrites) {
  Channel c = MakeChannel("messaging", "a", 1);
  Member leia = MakeMember(c, "leia", 2);
  leia.hidden = true;
  Member han = MakeMember(c, "han", 3);
  han.invite_rejected_at = 4;
  ASSERT_NO_FATAL_FAILURE(Create(c, {han, MakeMember(c, "luke", 1), leia}));
  auto ids = [&] {
    std::vector<std::string> out;
    auto roster = channels().Roster(kApp, "messaging", "a");
    EXPECT_TRUE(roster.ok());
    for (const RosterEntry& e : *roster) out.push_back(e.user_id);
    return out;
  };
  auto roster = channels().Roster(kApp, "messaging", "a");
  ASSERT_TRUE(roster.ok()) << roster.error().message;
  ASSERT_EQ(roster->size(), 3u);
  EXPECT_EQ((*roster)[0].user_id, "luke");
  EXPECT_FALSE((*roster)[0].hidden);
  EXPECT_TRUE((*roster)[1].hidden);
  EXPECT_TRUE((*roster)[2].invite_rejected);

  // Every kind of member write shows in the next roster (a cached one included).
  leia.hidden = false;
  ASSERT_NO_FATAL_FAILURE(Upsert({leia, MakeMember(c, "rey", 5)}));
  EXPECT_FALSE((*channels().Roster(kApp, "messaging", "a"))[1].hidden);
  EXPECT_EQ(ids(), (std::vector<std::string>{"luke", "leia", "han", "rey"}));
  ASSERT_TRUE(channels().RemoveMembers(kApp, "messaging", "a", {"luke"}).ok());
  EXPECT_EQ(ids(), (std::vector<std::string>{"leia", "han", "rey"}));
  ASSERT_TRUE(channels().DeleteChannel(kApp, "messaging", "a").ok());
  EXPECT_TRUE(ids().empty());
  EXPECT_TRUE(channels().Roster(kOtherApp, "messaging", "a")->empty());
}

// Concurrent member changes on one channel: member_count always matches the member rows.
TEST_P(MemberStoreSuite, ConcurrentMemberChangesKeepTheCountExact) {
  Channel c = MakeChannel("messaging", "busy", 1);
  ASSERT_NO_FATAL_FAILURE(Create(c));
  constexpr int kThreads = 4;
  constexpr int kUsersPerThread = 20;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kUsersPerThread; ++i) {
        std::string user = "t" + std::to_string(t) + "-" + std::to_string(i);
        if (!channels().UpsertMembers(kApp, {MakeMember(c, user, i)}).ok()) ++failures;
        if (!channels().UpsertMembers(kApp, {MakeMember(c, user, i + 1)}).ok()) ++failures;
        if (i % 2 == 0 && !channels().RemoveMembers(kApp, "messaging", "busy", {user}).ok()) {
          ++failures;
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  MemberQuery all;
  all.limit = 1000;
  auto members = channels().QueryMembers(kApp, "messaging", "busy", all);
  ASSERT_TRUE(members.ok()) << members.error().message;
  EXPECT_EQ(members->size(), static_cast<size_t>(kThreads * kUsersPerThread / 2));
  EXPECT_EQ(Get("messaging", "busy")->member_count, kThreads * kUsersPerThread / 2);
}

}  // namespace eddy::server::storetest
