// The store conformance suites over CachingStore (on SQLite): the caches change no answer.
// Plus what is the cache's own: its reads are served from memory, and a change made by another
// node (written to the shared store behind this cache's back) is seen once CacheInvalidation
// says so, while this store's own writes are announced to the other nodes.
#include "server/storage/cache/caching_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>
#include <tuple>

#include "server/storage/sqlite/sqlite_store.h"
#include "server/storage/storetest/app_store_suite.h"
#include "server/storage/storetest/blocklist_store_suite.h"
#include "server/storage/storetest/channel_query_suite.h"
#include "server/storage/storetest/channel_store_suite.h"
#include "server/storage/storetest/member_store_suite.h"
#include "server/storage/storetest/message_page_suite.h"
#include "server/storage/storetest/message_store_suite.h"
#include "server/storage/storetest/moderation_store_suite.h"
#include "server/storage/storetest/permission_store_suite.h"
#include "server/storage/storetest/reaction_store_suite.h"
#include "server/storage/storetest/temp_dir.h"
#include "server/storage/storetest/user_query_suite.h"
#include "server/storage/storetest/user_store_suite.h"

namespace eddy::server {
namespace {

using storetest::StoreBackend;
using storetest::StoreHarness;

// Records the changes announced to other nodes; Changed runs this node's listeners, as the
// local implementation does; Remote() plays a message from another node. mutex_ guards
// `announced` (the suites write from several threads).
class RecordingInvalidation final : public CacheInvalidation {
 public:
  void Changed(CachedData what, std::string_view app_key, std::string_view key) override {
    for (const Listener& l : listeners_) l(what, app_key, key);
  }
  void Announce(CachedData what, std::string_view app_key, std::string_view key) override {
    std::lock_guard lock(mutex_);
    announced.emplace_back(what, std::string(app_key), std::string(key));
  }
  void Listen(Listener listener) override { listeners_.push_back(std::move(listener)); }
  void Remote(CachedData what, std::string_view app_key, std::string_view key) {
    for (const Listener& l : listeners_) l(what, app_key, key);
  }

  std::vector<std::tuple<CachedData, std::string, std::string>> announced;

 private:
  std::mutex mutex_;
  std::vector<Listener> listeners_;
};

// SQLite behind a CachingStore. inner() is the SQLite store of the last Open: writing to it
// directly is what another node sharing the database does.
class CachingHarness final : public StoreHarness {
 public:
  Result<std::unique_ptr<Store>> Open() override {
    if (dir_.path().empty()) return Error::Internal("cannot create a temporary directory");
    EDDY_ASSIGN_OR_RETURN(std::unique_ptr<Store> sqlite,
                          OpenSqliteStore((dir_.path() / "data").string()));
    inner_ = sqlite.get();
    invalidation_ = std::make_unique<RecordingInvalidation>();
    return MakeCachingStore(std::move(sqlite), invalidation_.get());
  }
  Store& inner() { return *inner_; }
  RecordingInvalidation& invalidation() { return *invalidation_; }

 private:
  storetest::TempDir dir_;
  Store* inner_ = nullptr;
  // Kept across Open: the listeners of an earlier store must stay callable until it is gone.
  std::unique_ptr<RecordingInvalidation> invalidation_;
};

StoreBackend CachingBackend() {
  return {"CachingSqlite", [] { return std::make_unique<CachingHarness>(); }};
}

class CachingStoreTest : public storetest::ChannelStoreSuite {
 protected:
  CachingHarness& harness() { return static_cast<CachingHarness&>(*harness_); }
  Store& inner() { return harness().inner(); }
  RecordingInvalidation& invalidation() { return harness().invalidation(); }
  // luke's unread count in `c` after `after`, through the caches.
  std::int64_t LukesUnread(const Channel& c, Micros after = 0) {
    UnreadQuery q;
    q.channel_type = c.type;
    q.channel_id = c.id;
    q.user_id = "luke";
    q.after = after;
    return *store().messages().CountUnread(kApp, q);
  }
};

TEST_P(CachingStoreTest, MemberReadsAreServedFromMemoryUntilAnotherNodeChangesThem) {
  Channel c = MakeChannel("messaging", "a", 1);
  ASSERT_NO_FATAL_FAILURE(Create(c, {MakeMember(c, "luke", 1)}));
  ASSERT_EQ(GetMember("messaging", "a", "luke")->last_read, 0);
  ASSERT_EQ(channels().MembershipsOf(kApp, "luke")->size(), 1u);

  // Another node marks luke's read and adds him to a second channel.
  Channel b = MakeChannel("messaging", "b", 1);
  ASSERT_TRUE(inner().channels().CreateChannel(kApp, b, {}).ok());
  Member read = MakeMember(c, "luke", 1);
  read.last_read = 42;
  ASSERT_TRUE(inner().channels().UpsertMembers(kApp, {read, MakeMember(b, "luke", 2)}).ok());
  // Not yet told: the cached copies answer (which is what makes them worth having).
  EXPECT_EQ(GetMember("messaging", "a", "luke")->last_read, 0);
  EXPECT_EQ(channels().MembershipsOf(kApp, "luke")->size(), 1u);

  invalidation().Remote(CachedData::kMembers, kApp, "luke");
  EXPECT_EQ(GetMember("messaging", "a", "luke")->last_read, 42);
  EXPECT_EQ(channels().MembershipsOf(kApp, "luke")->size(), 2u);
}

// MembershipsOfEach reads through the same cache as MembershipsOf: what one loaded the other
// serves from memory, and another node's change is seen by both once announced.
TEST_P(CachingStoreTest, MembershipsOfEachSharesMembershipsOfsCache) {
  Channel c = MakeChannel("messaging", "a", 1);
  ASSERT_NO_FATAL_FAILURE(Create(c, {MakeMember(c, "luke", 1)}));
  ASSERT_EQ(channels().MembershipsOf(kApp, "luke")->size(), 1u);
  auto before = channels().MembershipsOfEach(kApp, {"leia", "luke"});
  ASSERT_TRUE(before.ok()) << before.error().message;
  EXPECT_TRUE((*before)[0]->empty());
  EXPECT_EQ((*before)[1]->size(), 1u);
  // The cache hands out the list it holds, not a copy.
  EXPECT_EQ((*channels().MembershipsOfEach(kApp, {"luke"}))[0], (*before)[1]);

  // Another node adds both to a second channel.
  Channel b = MakeChannel("messaging", "b", 1);
  ASSERT_TRUE(inner().channels().CreateChannel(kApp, b, {}).ok());
  ASSERT_TRUE(inner()
                  .channels()
                  .UpsertMembers(kApp, {MakeMember(b, "luke", 2), MakeMember(b, "leia", 2)})
                  .ok());
  EXPECT_TRUE(channels().MembershipsOf(kApp, "leia")->empty());  // loaded by MembershipsOfEach
  EXPECT_EQ((*channels().MembershipsOfEach(kApp, {"luke"}))[0]->size(), 1u);

  invalidation().Remote(CachedData::kMembers, kApp, "luke");
  auto after = channels().MembershipsOfEach(kApp, {"leia", "luke"});
  EXPECT_TRUE((*after)[0]->empty());  // leia's change was not announced yet
  EXPECT_EQ((*after)[1]->size(), 2u);
  EXPECT_EQ((*before)[1]->size(), 1u);  // a list handed out is replaced, never changed
  invalidation().Remote(CachedData::kMembers, kApp, "leia");
  EXPECT_EQ((*channels().MembershipsOfEach(kApp, {"leia"}))[0]->size(), 1u);
}

// A read mark (or delivery receipt) changes the member's row and memberships in memory and
// leaves the channel's row and roster cached: members of a group chat read after each
// message, and the next message's fan-out reads all four.
TEST_P(CachingStoreTest, AReadStateWriteUpdatesTheMemberInPlaceAndKeepsTheChannel) {
  Channel c = MakeChannel("messaging", "a", 1);
  ASSERT_NO_FATAL_FAILURE(Create(c, {MakeMember(c, "luke", 1), MakeMember(c, "leia", 1)}));
  ASSERT_EQ(channels().Roster(kApp, "messaging", "a")->size(), 2u);
  ASSERT_EQ(channels().GetChannel(kApp, "messaging", "a").value()->frozen, false);
  ASSERT_EQ(GetMember("messaging", "a", "luke")->last_read, 0);
  ASSERT_EQ(channels().MembershipsOf(kApp, "luke")->size(), 1u);

  // Another node freezes the channel and adds han, unannounced: what is cached answers.
  Channel frozen = c;
  frozen.frozen = true;
  ASSERT_TRUE(inner().channels().UpdateChannel(kApp, frozen).ok());
  ASSERT_TRUE(inner().channels().UpsertMembers(kApp, {MakeMember(c, "han", 2)}).ok());

  Member read = *GetMember("messaging", "a", "luke");
  read.last_read = 42;
  read.last_read_message_id = "m1";
  read.last_delivered_at = 41;
  read.last_delivered_message_id = "m0";
  read.hidden = true;  // not read state: not written
  invalidation().announced.clear();
  ASSERT_TRUE(channels().UpdateReadState(kApp, read).ok());
  EXPECT_EQ(invalidation().announced.size(), 1u);
  EXPECT_EQ(
      invalidation().announced.at(0),
      std::make_tuple(CachedData::kReadState, std::string(kApp), std::string("luke messaging:a")));

  // Another node hides luke's channel: the member row and memberships come from memory.
  Member hidden = *inner().channels().GetMember(kApp, "messaging", "a", "luke").value();
  EXPECT_EQ(hidden.last_read, 42);
  EXPECT_FALSE(hidden.hidden);
  hidden.hidden = true;
  ASSERT_TRUE(inner().channels().UpsertMembers(kApp, {hidden}).ok());
  std::optional<Member> luke = GetMember("messaging", "a", "luke");
  EXPECT_EQ(luke->last_read, 42);
  EXPECT_EQ(luke->last_read_message_id, "m1");
  EXPECT_EQ(luke->last_delivered_at, 41);
  EXPECT_EQ(luke->last_delivered_message_id, "m0");
  EXPECT_FALSE(luke->hidden);
  std::vector<Member> memberships = *channels().MembershipsOf(kApp, "luke");
  ASSERT_EQ(memberships.size(), 1u);
  EXPECT_EQ(memberships[0].last_read, 42);
  EXPECT_FALSE(memberships[0].hidden);
  EXPECT_EQ(channels().GetChannel(kApp, "messaging", "a").value()->frozen, false);
  EXPECT_EQ(channels().Roster(kApp, "messaging", "a")->size(), 2u);

  // Another node's read mark names its member row: that row and the user's memberships are
  // read again, other members' rows stay cached.
  ASSERT_FALSE(GetMember("messaging", "a", "leia")->hidden);
  Member leia = *inner().channels().GetMember(kApp, "messaging", "a", "leia").value();
  leia.hidden = true;
  ASSERT_TRUE(inner().channels().UpsertMembers(kApp, {leia}).ok());
  invalidation().Remote(CachedData::kReadState, kApp, "luke messaging:a");
  EXPECT_TRUE(GetMember("messaging", "a", "luke")->hidden);
  EXPECT_TRUE(channels().MembershipsOf(kApp, "luke")->at(0).hidden);
  EXPECT_FALSE(GetMember("messaging", "a", "leia")->hidden);
  // A bare user id (a node that does not name the row) forgets every member row.
  invalidation().Remote(CachedData::kReadState, kApp, "leia");
  EXPECT_TRUE(GetMember("messaging", "a", "leia")->hidden);
}

TEST_P(CachingStoreTest, ModerationAndUsersFollowAnotherNodesChanges) {
  UserMute mute;
  mute.user_id = "luke";
  mute.target_id = "vader";
  ASSERT_TRUE(store().moderation().MutesOf(kApp, "luke")->empty());
  ASSERT_FALSE(store().users().FindUser(kApp, "luke")->has_value());

  ASSERT_TRUE(inner().moderation().UpsertMute(kApp, mute).ok());
  User luke;
  luke.id = "luke";
  ASSERT_TRUE(inner().users().UpsertUsers(kApp, {luke}).ok());
  EXPECT_TRUE(store().moderation().MutesOf(kApp, "luke")->empty());
  EXPECT_FALSE(store().users().FindUser(kApp, "luke")->has_value());

  invalidation().Remote(CachedData::kModeration, kApp, "luke");
  invalidation().Remote(CachedData::kUser, kApp, "luke");
  EXPECT_EQ(store().moderation().MutesOf(kApp, "luke")->size(), 1u);
  EXPECT_TRUE(store().users().FindUser(kApp, "luke")->has_value());
}

TEST_P(CachingStoreTest, FindUsersIsServedFromMemoryUntilAnotherNodeChangesThem) {
  User luke;
  luke.id = "luke";
  luke.language = "en";
  ASSERT_TRUE(store().users().UpsertUsers(kApp, {luke}).ok());
  ASSERT_EQ(store().users().FindUsers(kApp, {"luke", "nobody", "luke"})->size(), 1u);

  luke.language = "fr";
  ASSERT_TRUE(inner().users().UpsertUsers(kApp, {luke}).ok());
  EXPECT_EQ(store().users().FindUsers(kApp, {"luke"})->at(0).language, "en");
  invalidation().Remote(CachedData::kUser, kApp, "luke");
  EXPECT_EQ(store().users().FindUsers(kApp, {"luke"})->at(0).language, "fr");

  // Many users the cache has not seen: one query to the store, all found.
  std::vector<User> many(10);
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < many.size(); ++i) {
    many[i].id = "user-" + std::to_string(i);
    ids.push_back(many[i].id);
  }
  ASSERT_TRUE(inner().users().UpsertUsers(kApp, many).ok());
  EXPECT_EQ(store().users().FindUsers(kApp, ids)->size(), many.size());
}

TEST_P(CachingStoreTest, AChangeOfEveryAppForgetsEverything) {
  Channel c = MakeChannel("messaging", "a", 1);
  ASSERT_NO_FATAL_FAILURE(Create(c, {MakeMember(c, "luke", 1)}));
  ASSERT_EQ(GetMember("messaging", "a", "luke")->last_read, 0);
  Member read = MakeMember(c, "luke", 1);
  read.last_read = 9;
  ASSERT_TRUE(inner().channels().UpsertMembers(kApp, {read}).ok());
  // A node whose bus was down cannot know what it missed.
  invalidation().Remote(CachedData::kApp, "", "");
  EXPECT_EQ(GetMember("messaging", "a", "luke")->last_read, 9);
}

TEST_P(CachingStoreTest, OwnWritesAreSeenAtOnceAndAnnouncedToOtherNodes) {
  Channel c = MakeChannel("messaging", "a", 1);
  ASSERT_NO_FATAL_FAILURE(Create(c, {MakeMember(c, "luke", 1)}));
  ASSERT_EQ(GetMember("messaging", "a", "luke")->last_read, 0);
  invalidation().announced.clear();

  Member read = MakeMember(c, "luke", 1);
  read.last_read = 7;
  ASSERT_NO_FATAL_FAILURE(Upsert({read}));
  EXPECT_EQ(GetMember("messaging", "a", "luke")->last_read, 7);
  ASSERT_TRUE(channels().RemoveMembers(kApp, "messaging", "a", {"luke"}).ok());
  EXPECT_FALSE(GetMember("messaging", "a", "luke").has_value());
  EXPECT_TRUE(channels().MembershipsOf(kApp, "luke")->empty());

  Ban ban;
  ban.user_id = "luke";
  ASSERT_TRUE(store().moderation().BansOf(kApp, "luke", "")->empty());
  ASSERT_TRUE(store().moderation().UpsertBan(kApp, ban).ok());
  EXPECT_EQ(store().moderation().BansOf(kApp, "luke", "")->size(), 1u);

  using Announced = std::tuple<CachedData, std::string, std::string>;
  std::vector<Announced> want = {{CachedData::kMembers, std::string(kApp), "luke"},
                                 {CachedData::kMembers, std::string(kApp), "luke"},
                                 {CachedData::kModeration, std::string(kApp), "luke"}};
  EXPECT_EQ(invalidation().announced, want);
}

// App-wide bans share the per-user entry, channel bans have their own cache: a ban write of
// either kind is seen at once through both (a channel's answer includes the app-wide bans).
TEST_P(CachingStoreTest, BanWritesAreSeenThroughAppAndChannelQueries) {
  ModerationStore& moderation = store().moderation();
  ASSERT_TRUE(moderation.BansOf(kApp, "luke", "")->empty());
  ASSERT_TRUE(moderation.BansOf(kApp, "luke", "messaging:a")->empty());
  ASSERT_TRUE(moderation.MutesOf(kApp, "luke")->empty());  // shares luke's entry

  Ban in_channel;
  in_channel.user_id = "luke";
  in_channel.channel_cid = "messaging:a";
  ASSERT_TRUE(moderation.UpsertBan(kApp, in_channel).ok());
  EXPECT_TRUE(moderation.BansOf(kApp, "luke", "")->empty());
  EXPECT_EQ(moderation.BansOf(kApp, "luke", "messaging:a")->size(), 1u);

  Ban app_wide;
  app_wide.user_id = "luke";
  ASSERT_TRUE(moderation.UpsertBan(kApp, app_wide).ok());
  EXPECT_EQ(moderation.BansOf(kApp, "luke", "")->size(), 1u);
  EXPECT_EQ(moderation.BansOf(kApp, "luke", "messaging:a")->size(), 2u);

  ASSERT_TRUE(*moderation.DeleteBan(kApp, "luke", ""));
  EXPECT_TRUE(moderation.BansOf(kApp, "luke", "")->empty());
  EXPECT_EQ(moderation.BansOf(kApp, "luke", "messaging:a")->size(), 1u);
  EXPECT_TRUE(moderation.MutesOf(kApp, "luke")->empty());
}

TEST_P(CachingStoreTest, RostersOutliveReadStateWritesAndFollowMembershipChanges) {
  Channel c = MakeChannel("messaging", "a", 1);
  ASSERT_NO_FATAL_FAILURE(Create(c, {MakeMember(c, "luke", 1)}));
  ASSERT_EQ(channels().Roster(kApp, "messaging", "a")->size(), 1u);
  invalidation().announced.clear();

  // A message moves its sender's read state and keeps the roster: another node's new member
  // stays unseen until that node's announcement arrives.
  Message m5;
  m5.id = "m5";
  m5.channel_type = "messaging";
  m5.channel_id = "a";
  m5.user_id = "luke";
  m5.created_at = m5.updated_at = 5;
  ASSERT_TRUE(store().messages().InsertMessage(kApp, m5).ok());
  EXPECT_EQ(GetMember("messaging", "a", "luke")->last_read, 5);
  ASSERT_TRUE(inner().channels().UpsertMembers(kApp, {MakeMember(c, "leia", 2)}).ok());
  EXPECT_EQ(channels().Roster(kApp, "messaging", "a")->size(), 1u);
  // Another node's message refreshes member rows, not rosters.
  Message m9 = m5;
  m9.id = "m9";
  m9.created_at = m9.updated_at = 9;
  ASSERT_TRUE(inner().messages().InsertMessage(kApp, m9).ok());
  invalidation().Remote(CachedData::kReadState, kApp, "luke messaging:a");
  EXPECT_EQ(GetMember("messaging", "a", "luke")->last_read, 9);
  EXPECT_EQ(channels().Roster(kApp, "messaging", "a")->size(), 1u);
  invalidation().Remote(CachedData::kMembers, kApp, "leia");
  EXPECT_EQ(channels().Roster(kApp, "messaging", "a")->size(), 2u);

  using Announced = std::tuple<CachedData, std::string, std::string>;
  EXPECT_EQ(
      invalidation().announced,
      (std::vector<Announced>{{CachedData::kMessages, std::string(kApp), "messaging:a"},
                              {CachedData::kReadState, std::string(kApp), "luke messaging:a"}}));
}

TEST_P(CachingStoreTest, UnreadCountsAreKeptUntilAMessageWriteInTheirChannel) {
  Channel a = MakeChannel("messaging", "a", 1);
  Channel b = MakeChannel("messaging", "b", 1);
  ASSERT_NO_FATAL_FAILURE(Create(a, {MakeMember(a, "luke", 1)}));
  ASSERT_NO_FATAL_FAILURE(Create(b, {MakeMember(b, "luke", 1)}));
  auto insert = [&](Store& s, const Channel& c, std::string id, Micros at) {
    Message m = MakeMessage(c, std::move(id), "han", at);
    return s.messages().InsertMessage(kApp, m).ok();
  };
  auto unread = [&](const Channel& c, Micros after = 0) { return LukesUnread(c, after); };
  ASSERT_TRUE(insert(store(), a, "a1", 10));
  ASSERT_TRUE(insert(store(), b, "b1", 10));
  ASSERT_EQ(unread(a), 1);
  ASSERT_EQ(unread(b), 1);

  // Another node's messages: the cached counts answer until it says so, channel by channel.
  ASSERT_TRUE(insert(inner(), a, "a2", 20));
  ASSERT_TRUE(insert(inner(), b, "b2", 20));
  EXPECT_EQ(unread(a), 1);
  invalidation().Remote(CachedData::kMessages, kApp, "messaging:a");
  EXPECT_EQ(unread(a), 2);
  EXPECT_EQ(unread(b), 1);
  // Another position of the reader is another count, read from the store (which has b2).
  EXPECT_EQ(unread(b, 5), 2);
  ASSERT_TRUE(insert(inner(), b, "b3", 25));  // unannounced: the count cached stays

  // This node's own message in `a` is counted at once (the cached count moved by one) and
  // leaves `b`'s counts alone.
  ASSERT_TRUE(insert(store(), a, "a3", 30));
  EXPECT_EQ(unread(a), 3);
  EXPECT_EQ(unread(b, 5), 2);
  // A write that does not name its channel forgets every count.
  ASSERT_EQ(*store().messages().SoftDeleteUserMessages(kApp, "han", 40), 6);
  EXPECT_EQ(unread(a), 0);
  EXPECT_EQ(unread(b), 0);

  using Announced = std::tuple<CachedData, std::string, std::string>;
  const auto& said = invalidation().announced;
  EXPECT_EQ(std::count(said.begin(), said.end(),
                       Announced{CachedData::kMessages, std::string(kApp), "messaging:a"}),
            2);
  EXPECT_EQ(said.back(), (Announced{CachedData::kMessages, std::string(kApp), ""}));
}

// A member who reads past the channel's newest message (its cached row says which) has a
// count of zero there, kept without asking the store; the next message moves it on.
TEST_P(CachingStoreTest, AReadPastTheNewestMessageKeepsACountOfZero) {
  Channel c = MakeChannel("messaging", "a", 1);
  ASSERT_NO_FATAL_FAILURE(Create(c, {MakeMember(c, "luke", 1), MakeMember(c, "han", 1)}));
  auto unread = [&](Micros after) { return LukesUnread(c, after); };
  ASSERT_NO_FATAL_FAILURE(Send(MakeMessage(c, "m1", "han", 10)));
  ASSERT_EQ(Get("messaging", "a")->last_message_at, 10);  // the row, cached
  ASSERT_EQ(unread(0), 1);

  Member luke = *GetMember("messaging", "a", "luke");
  luke.last_read = 20;
  ASSERT_TRUE(channels().UpdateReadState(kApp, luke).ok());
  // Another node's message, unannounced: the count kept at the new position answers.
  Message other = MakeMessage(c, "m2", "han", 30);
  ASSERT_TRUE(inner().messages().InsertMessage(kApp, other).ok());
  EXPECT_EQ(unread(20), 0);
  invalidation().Remote(CachedData::kMessages, kApp, "messaging:a");
  EXPECT_EQ(unread(20), 1);
  // This node's next message moves the count it keeps.
  ASSERT_NO_FATAL_FAILURE(Send(MakeMessage(c, "m3", "han", 40)));
  EXPECT_EQ(unread(20), 2);

  // A read short of the newest message moves nothing: the store counts at the new position.
  ASSERT_EQ(Get("messaging", "a")->last_message_at, 40);
  luke.last_read = 35;
  ASSERT_TRUE(channels().UpdateReadState(kApp, luke).ok());
  EXPECT_EQ(unread(35), 1);
}

TEST_P(CachingStoreTest, ChannelRowsFollowOwnWritesAtOnceAndOtherNodesWhenTold) {
  // A miss is remembered as "no such channel" until the channel is created here.
  ASSERT_FALSE(channels().GetChannel(kApp, "messaging", "a")->has_value());
  Channel a = MakeChannel("messaging", "a", 1);
  ASSERT_NO_FATAL_FAILURE(Create(a, {MakeMember(a, "luke", 1)}));
  ASSERT_TRUE(channels().GetChannel(kApp, "messaging", "a")->has_value());
  EXPECT_EQ((*channels().GetChannel(kApp, "messaging", "a"))->member_count, 1);

  // Own writes: a message moves the count and time, a member the member count, at once.
  Message m = MakeMessage(a, "m1", "luke", 10);
  ASSERT_TRUE(store().messages().InsertMessage(kApp, m).ok());
  ASSERT_TRUE(channels().UpsertMembers(kApp, {MakeMember(a, "leia", 2)}).ok());
  std::optional<Channel> row = *channels().GetChannel(kApp, "messaging", "a");
  EXPECT_EQ(row->message_count, 1);
  EXPECT_EQ(row->last_message_at, 10);
  EXPECT_EQ(row->member_count, 2);

  // Another node's message: the cached row answers until that node says so.
  Channel b = MakeChannel("messaging", "b", 1);
  ASSERT_NO_FATAL_FAILURE(Create(b));
  ASSERT_EQ(channels().GetChannels(kApp, {"messaging:a", "messaging:b", "messaging:none"})->size(),
            2u);
  Message m2 = MakeMessage(a, "m2", "leia", 20);
  ASSERT_TRUE(inner().messages().InsertMessage(kApp, m2).ok());
  auto count_of_a = [&] {
    Result<std::vector<Channel>> rows =
        channels().GetChannels(kApp, {"messaging:b", "messaging:a"});
    for (const Channel& c : *rows) {
      if (c.id == "a") return c.message_count;
    }
    return std::int64_t{-1};
  };
  EXPECT_EQ(count_of_a(), 1);
  EXPECT_EQ((*channels().GetChannel(kApp, "messaging", "a"))->message_count, 1);
  invalidation().Remote(CachedData::kMessages, kApp, "messaging:a");
  EXPECT_EQ(count_of_a(), 2);
  EXPECT_EQ((*channels().GetChannel(kApp, "messaging", "a"))->message_count, 2);

  // Another node's channel update and member change.
  Channel renamed = *row;
  renamed.custom["name"] = "renamed";
  ASSERT_TRUE(inner().channels().UpdateChannel(kApp, renamed).ok());
  ASSERT_TRUE(inner().channels().UpsertMembers(kApp, {MakeMember(a, "han", 3)}).ok());
  EXPECT_FALSE((*channels().GetChannel(kApp, "messaging", "a"))->custom.contains("name"));
  invalidation().Remote(CachedData::kChannel, kApp, "messaging:a");
  EXPECT_EQ((*channels().GetChannel(kApp, "messaging", "a"))->custom.at("name"), "renamed");
  EXPECT_EQ((*channels().GetChannel(kApp, "messaging", "a"))->member_count, 3);
  ASSERT_TRUE(inner().channels().RemoveMembers(kApp, "messaging", "a", {"han"}).ok());
  invalidation().Remote(CachedData::kMembers, kApp, "han");
  EXPECT_EQ((*channels().GetChannel(kApp, "messaging", "a"))->member_count, 2);

  // A channel another node creates where this one remembers none; this node announces its own.
  ASSERT_FALSE(channels().GetChannel(kApp, "messaging", "z")->has_value());
  ASSERT_TRUE(inner().channels().CreateChannel(kApp, MakeChannel("messaging", "z", 1), {}).ok());
  EXPECT_FALSE(channels().GetChannel(kApp, "messaging", "z")->has_value());
  invalidation().Remote(CachedData::kChannel, kApp, "messaging:z");
  EXPECT_TRUE(channels().GetChannel(kApp, "messaging", "z")->has_value());
  using Announced = std::tuple<CachedData, std::string, std::string>;
  const auto& said = invalidation().announced;
  EXPECT_NE(std::find(said.begin(), said.end(),
                      Announced{CachedData::kChannel, std::string(kApp), "messaging:b"}),
            said.end());
}

// A send changes its channel's row and its author's member row in known ways: the caches keep
// the rows after it (equal to the store's), so the next send reads neither back.
TEST_P(CachingStoreTest, SendsKeepTheirChannelAndAuthorRowsCachedAsStored) {
  Channel a = MakeChannel("messaging", "a", 1);
  ASSERT_NO_FATAL_FAILURE(Create(a, {MakeMember(a, "luke", 1)}));
  ASSERT_TRUE(channels().GetChannel(kApp, "messaging", "a")->has_value());
  ASSERT_TRUE(GetMember("messaging", "a", "luke").has_value());
  ASSERT_FALSE(GetMember("messaging", "a", "leia").has_value());  // not a member: cached as none

  Message m1 = MakeMessage(a, "m1", "luke", 10);
  ASSERT_TRUE(store().messages().InsertMessage(kApp, m1).ok());
  Message m2 = MakeMessage(a, "m2", "leia", 20);
  ASSERT_TRUE(store().messages().InsertMessage(kApp, m2).ok());
  Message reply = MakeMessage(a, "r1", "luke", 30);  // thread-only: moves the count alone
  reply.parent_id = "m1";
  reply.type = "reply";
  ASSERT_TRUE(store().messages().InsertMessage(kApp, reply).ok());
  Message shadowed = MakeMessage(a, "s1", "luke", 40);  // counts, leaves last_message_at
  shadowed.shadowed = true;
  ASSERT_TRUE(store().messages().InsertMessage(kApp, shadowed).ok());

  // The store's rows, read past the cache, and the cached ones agree.
  std::optional<Channel> stored = *inner().channels().GetChannel(kApp, "messaging", "a");
  std::optional<Member> stored_luke = *inner().channels().GetMember(kApp, "messaging", "a", "luke");
  ASSERT_TRUE(stored && stored_luke);
  EXPECT_EQ(stored->message_count, 4);
  EXPECT_EQ(stored->last_message_at, 20);
  EXPECT_EQ(stored_luke->last_read, 40);
  EXPECT_EQ(stored_luke->last_read_message_id, "s1");
  auto expect_cached_rows = [&] {
    std::optional<Channel> row = *channels().GetChannel(kApp, "messaging", "a");
    ASSERT_TRUE(row.has_value());
    EXPECT_EQ(row->message_count, stored->message_count);
    EXPECT_EQ(row->last_message_at, stored->last_message_at);
    EXPECT_EQ(row->member_count, stored->member_count);
    EXPECT_EQ(row->updated_at, stored->updated_at);
    std::optional<Member> luke = GetMember("messaging", "a", "luke");
    ASSERT_TRUE(luke.has_value());
    EXPECT_EQ(luke->last_read, stored_luke->last_read);
    EXPECT_EQ(luke->last_read_message_id, stored_luke->last_read_message_id);
    EXPECT_FALSE(GetMember("messaging", "a", "leia").has_value());
  };
  // Kept by the sends, not read back after them: another node's change made before the
  // first read is not seen until that node says so.
  Message elsewhere = MakeMessage(a, "m3", "luke", 50);
  ASSERT_TRUE(inner().messages().InsertMessage(kApp, elsewhere).ok());
  expect_cached_rows();
  invalidation().Remote(CachedData::kMessages, kApp, "messaging:a");
  invalidation().Remote(CachedData::kReadState, kApp, "luke messaging:a");
  EXPECT_EQ((*channels().GetChannel(kApp, "messaging", "a"))->message_count, 5);
  EXPECT_EQ(GetMember("messaging", "a", "luke")->last_read_message_id, "m3");
}

TEST_P(CachingStoreTest, DeletingAChannelOrAUserForgetsWhatDependedOnIt) {
  Channel c = MakeChannel("messaging", "a", 1);
  ASSERT_NO_FATAL_FAILURE(Create(c, {MakeMember(c, "luke", 1)}));
  ASSERT_EQ(channels().MembershipsOf(kApp, "luke")->size(), 1u);
  ASSERT_TRUE(channels().DeleteChannel(kApp, "messaging", "a").ok());
  EXPECT_FALSE(GetMember("messaging", "a", "luke").has_value());
  EXPECT_TRUE(channels().MembershipsOf(kApp, "luke")->empty());

  User leia;
  leia.id = "leia";
  ASSERT_TRUE(store().users().UpsertUsers(kApp, {leia}).ok());
  ASSERT_TRUE(store().users().FindUser(kApp, "leia")->has_value());
  ASSERT_TRUE(store().users().DeleteUser(kApp, "leia").ok());
  EXPECT_FALSE(store().users().FindUser(kApp, "leia")->has_value());
}

INSTANTIATE_TEST_SUITE_P(CachingSqlite, CachingStoreTest, ::testing::Values(CachingBackend()),
                         storetest::BackendName);

}  // namespace

namespace storetest {
INSTANTIATE_TEST_SUITE_P(CachingSqlite, AppStoreSuite, ::testing::Values(CachingBackend()),
                         BackendName);
INSTANTIATE_TEST_SUITE_P(CachingSqlite, BlocklistStoreSuite, ::testing::Values(CachingBackend()),
                         BackendName);
INSTANTIATE_TEST_SUITE_P(CachingSqlite, PermissionStoreSuite, ::testing::Values(CachingBackend()),
                         BackendName);
INSTANTIATE_TEST_SUITE_P(CachingSqlite, UserStoreSuite, ::testing::Values(CachingBackend()),
                         BackendName);
INSTANTIATE_TEST_SUITE_P(CachingSqlite, UserQuerySuite, ::testing::Values(CachingBackend()),
                         BackendName);
INSTANTIATE_TEST_SUITE_P(CachingSqlite, ChannelStoreSuite, ::testing::Values(CachingBackend()),
                         BackendName);
INSTANTIATE_TEST_SUITE_P(CachingSqlite, MemberStoreSuite, ::testing::Values(CachingBackend()),
                         BackendName);
INSTANTIATE_TEST_SUITE_P(CachingSqlite, ChannelQuerySuite, ::testing::Values(CachingBackend()),
                         BackendName);
INSTANTIATE_TEST_SUITE_P(CachingSqlite, MessageStoreSuite, ::testing::Values(CachingBackend()),
                         BackendName);
INSTANTIATE_TEST_SUITE_P(CachingSqlite, ReactionStoreSuite, ::testing::Values(CachingBackend()),
                         BackendName);
INSTANTIATE_TEST_SUITE_P(CachingSqlite, MessagePageSuite, ::testing::Values(CachingBackend()),
                         BackendName);
INSTANTIATE_TEST_SUITE_P(CachingSqlite, ModerationStoreSuite, ::testing::Values(CachingBackend()),
                         BackendName);
}  // namespace storetest

}  // namespace eddy::server
