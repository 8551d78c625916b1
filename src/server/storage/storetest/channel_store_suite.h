// Conformance suite for the ChannelStore port's reads and writes of channels (member writes
// are in member_store_suite.h, QueryChannels and QueryMembers in channel_query_suite.h). Every
// backend must pass it unchanged. Defines tests: include in exactly one .cc of a test binary (see
// store_harness.h).
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "server/storage/storetest/store_harness.h"

namespace eddy::server::storetest {

// Two apps exist from the start, so app isolation can be checked anywhere.
class ChannelStoreSuite : public StoreSuiteBase {
 protected:
  static constexpr std::string_view kApp = "app1";
  static constexpr std::string_view kOtherApp = "app2";

  void SetUp() override {
    StoreSuiteBase::SetUp();
    if (HasFatalFailure()) return;
    for (std::string_view key : {kApp, kOtherApp}) {
      App app;
      app.api_key = key;
      app.api_secret = "secret";
      app.name = key;
      ASSERT_TRUE(store().apps().CreateApp(app).ok());
    }
  }

  ChannelStore& channels() { return store().channels(); }

  static Channel MakeChannel(std::string type, std::string id, Micros created_at,
                             json::object custom = {}) {
    Channel c;
    c.type = std::move(type);
    c.id = std::move(id);
    c.created_at = created_at;
    c.updated_at = created_at;
    c.custom = std::move(custom);
    return c;
  }

  static Member MakeMember(const Channel& c, std::string user_id, Micros created_at) {
    Member m;
    m.channel_type = c.type;
    m.channel_id = c.id;
    m.user_id = std::move(user_id);
    m.created_at = created_at;
    m.updated_at = created_at;
    return m;
  }

  static Message MakeMessage(const Channel& c, std::string id, std::string user_id,
                             Micros created_at) {
    Message m;
    m.id = std::move(id);
    m.channel_type = c.type;
    m.channel_id = c.id;
    m.user_id = std::move(user_id);
    m.text = "text of " + m.id;
    m.created_at = created_at;
    m.updated_at = created_at;
    return m;
  }

  void Create(const Channel& c, const std::vector<Member>& members = {},
              std::string_view app = kApp) {
    Status s = channels().CreateChannel(app, c, members);
    ASSERT_TRUE(s.ok()) << s.error().message;
  }

  void Upsert(const std::vector<Member>& members, std::string_view app = kApp) {
    Status s = channels().UpsertMembers(app, members);
    ASSERT_TRUE(s.ok()) << s.error().message;
  }

  void Send(Message m, std::string_view app = kApp) {
    Status s = store().messages().InsertMessage(app, m);
    ASSERT_TRUE(s.ok()) << s.error().message;
  }

  std::optional<Channel> Get(std::string_view type, std::string_view id,
                             std::string_view app = kApp) {
    auto got = channels().GetChannel(app, type, id);
    EXPECT_TRUE(got.ok()) << got.error().message;
    return got.ok() ? *got : std::nullopt;
  }

  std::optional<Member> GetMember(std::string_view type, std::string_view id, std::string_view user,
                                  std::string_view app = kApp) {
    auto got = channels().GetMember(app, type, id, user);
    EXPECT_TRUE(got.ok()) << got.error().message;
    return got.ok() ? *got : std::nullopt;
  }

  // Every field but the derived ones, which the tests check on their own.
  static void ExpectSameChannel(const Channel& got, const Channel& want) {
    EXPECT_EQ(got.type, want.type);
    EXPECT_EQ(got.id, want.id);
    EXPECT_EQ(got.created_by_id, want.created_by_id);
    EXPECT_EQ(got.created_at, want.created_at);
    EXPECT_EQ(got.updated_at, want.updated_at);
    EXPECT_EQ(got.deleted_at, want.deleted_at);
    EXPECT_EQ(got.truncated_at, want.truncated_at);
    EXPECT_EQ(got.truncated_by_id, want.truncated_by_id);
    EXPECT_EQ(got.frozen, want.frozen);
    EXPECT_EQ(got.disabled, want.disabled);
    EXPECT_EQ(got.cooldown, want.cooldown);
    EXPECT_EQ(got.team, want.team);
    EXPECT_EQ(json::serialize(got.custom), json::serialize(want.custom));
    EXPECT_EQ(json::serialize(got.config_overrides), json::serialize(want.config_overrides));
  }

  static void ExpectSameMember(const Member& got, const Member& want) {
    EXPECT_EQ(got.channel_type, want.channel_type);
    EXPECT_EQ(got.channel_id, want.channel_id);
    EXPECT_EQ(got.user_id, want.user_id);
    EXPECT_EQ(got.channel_role, want.channel_role);
    EXPECT_EQ(got.is_owner, want.is_owner);
    EXPECT_EQ(got.created_at, want.created_at);
    EXPECT_EQ(got.updated_at, want.updated_at);
    EXPECT_EQ(got.invited, want.invited);
    EXPECT_EQ(got.invite_accepted_at, want.invite_accepted_at);
    EXPECT_EQ(got.invite_rejected_at, want.invite_rejected_at);
    EXPECT_EQ(got.banned, want.banned);
    EXPECT_EQ(got.shadow_banned, want.shadow_banned);
    EXPECT_EQ(got.ban_expires, want.ban_expires);
    EXPECT_EQ(got.notifications_muted, want.notifications_muted);
    EXPECT_EQ(got.pinned_at, want.pinned_at);
    EXPECT_EQ(got.archived_at, want.archived_at);
    EXPECT_EQ(got.hidden, want.hidden);
    EXPECT_EQ(got.hide_messages_before, want.hide_messages_before);
    EXPECT_EQ(got.last_read, want.last_read);
    EXPECT_EQ(got.last_read_message_id, want.last_read_message_id);
    EXPECT_EQ(got.last_delivered_at, want.last_delivered_at);
    EXPECT_EQ(got.last_delivered_message_id, want.last_delivered_message_id);
    EXPECT_EQ(json::serialize(got.custom), json::serialize(want.custom));
  }

  static std::vector<std::string> SortedCids(const std::vector<Channel>& list) {
    std::vector<std::string> out;
    for (const Channel& c : list) out.push_back(c.cid());
    std::sort(out.begin(), out.end());
    return out;
  }

  static std::vector<std::string> Cids(const std::vector<Member>& list) {
    std::vector<std::string> out;
    for (const Member& m : list) out.push_back(m.cid());
    return out;
  }
};

TEST_P(ChannelStoreSuite, CreateThenGetRoundTripsEveryField) {
  Channel c = MakeChannel("messaging", "general-1_!x", 1'700'000'000'000'001,
                          json::parse(R"({"name":"General 東京 🚀","image":"http://x/y.png",
                              "n":-2.5,"nested":{"a":[1,"two",null]},"flag":true})")
                              .as_object());
  c.created_by_id = "luke";
  c.updated_at = 1'700'000'000'000'002;
  c.deleted_at = 1'700'000'000'000'003;
  c.truncated_at = 1'700'000'000'000'004;
  c.truncated_by_id = "leia";
  c.frozen = true;
  c.disabled = true;
  c.cooldown = 30;
  c.team = "red";
  c.config_overrides =
      json::parse(R"({"typing_events":false,"max_message_length":100})").as_object();
  // Derived fields are the store's: these are not read.
  c.member_count = 99;
  c.message_count = 77;
  c.last_message_at = 5;

  Member full = MakeMember(c, "luke", 10);
  full.channel_role = "channel_moderator";
  full.is_owner = true;
  full.updated_at = 11;
  full.invited = true;
  full.invite_accepted_at = 12;
  full.invite_rejected_at = 13;
  full.banned = true;
  full.shadow_banned = true;
  full.ban_expires = 14;
  full.notifications_muted = true;
  full.pinned_at = 15;
  full.archived_at = 16;
  full.hidden = true;
  full.hide_messages_before = 17;
  full.last_read = 18;
  full.last_read_message_id = "m1";
  full.last_delivered_at = 19;
  full.last_delivered_message_id = "m2";
  full.custom = json::parse(R"({"nick":"Lukey","level":3})").as_object();
  Member plain = MakeMember(c, "leia", 20);
  ASSERT_NO_FATAL_FAILURE(Create(c, {full, plain}));

  std::optional<Channel> got = Get("messaging", "general-1_!x");
  ASSERT_TRUE(got.has_value());
  ExpectSameChannel(*got, c);
  EXPECT_EQ(got->cid(), "messaging:general-1_!x");
  EXPECT_EQ(got->member_count, 2);
  EXPECT_EQ(got->message_count, 0);
  EXPECT_FALSE(got->last_message_at.has_value());

  std::optional<Member> m = GetMember("messaging", "general-1_!x", "luke");
  ASSERT_TRUE(m.has_value());
  ExpectSameMember(*m, full);
  m = GetMember("messaging", "general-1_!x", "leia");
  ASSERT_TRUE(m.has_value());
  ExpectSameMember(*m, plain);
  EXPECT_EQ(m->channel_role, "channel_member");
  EXPECT_FALSE(m->pinned_at.has_value());
}

TEST_P(ChannelStoreSuite, CreateExistingChannelIsInputErrorAndChangesNothing) {
  Channel c = MakeChannel("messaging", "dup", 100, {{"name", "first"}});
  ASSERT_NO_FATAL_FAILURE(Create(c, {MakeMember(c, "luke", 100)}));
  Channel again = MakeChannel("messaging", "dup", 200, {{"name", "second"}});
  Status s = channels().CreateChannel(kApp, again, {MakeMember(again, "han", 200)});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kInput);
  EXPECT_EQ(s.error().http_status, 400);
  std::optional<Channel> got = Get("messaging", "dup");
  ASSERT_TRUE(got.has_value());
  ExpectSameChannel(*got, c);
  EXPECT_EQ(got->member_count, 1);
  EXPECT_FALSE(GetMember("messaging", "dup", "han").has_value());

  // A soft-deleted channel still holds its id.
  Channel deleted = MakeChannel("messaging", "gone", 100);
  deleted.deleted_at = 150;
  ASSERT_NO_FATAL_FAILURE(Create(deleted));
  EXPECT_FALSE(channels().CreateChannel(kApp, MakeChannel("messaging", "gone", 300), {}).ok());
  // The same id in another type, or in another app, is another channel.
  ASSERT_NO_FATAL_FAILURE(Create(MakeChannel("livestream", "dup", 1)));
  ASSERT_NO_FATAL_FAILURE(Create(MakeChannel("messaging", "dup", 1), {}, kOtherApp));
}

TEST_P(ChannelStoreSuite, CreateInUnknownAppFailsAndWritesNothing) {
  Status s = channels().CreateChannel("no-such-app", MakeChannel("messaging", "x", 1), {});
  EXPECT_FALSE(s.ok());
  EXPECT_FALSE(Get("messaging", "x", "no-such-app").has_value());
}

TEST_P(ChannelStoreSuite, CreateWritesMembersUnderTheChannelAndCountsEachOnce) {
  Channel c = MakeChannel("messaging", "team", 1);
  Member stray = MakeMember(c, "luke", 1);
  stray.channel_type = "other";
  stray.channel_id = "elsewhere";
  Member twice = MakeMember(c, "leia", 2);
  Member twice_again = MakeMember(c, "leia", 3);
  ASSERT_NO_FATAL_FAILURE(Create(c, {stray, twice, twice_again}));
  EXPECT_EQ(Get("messaging", "team")->member_count, 2);
  ASSERT_TRUE(GetMember("messaging", "team", "luke").has_value());
  EXPECT_EQ(GetMember("messaging", "team", "leia")->created_at, 3);  // the last one wins
  EXPECT_FALSE(GetMember("other", "elsewhere", "luke").has_value());
}

TEST_P(ChannelStoreSuite, MissingChannelsAreEmptyNotErrors) {
  EXPECT_FALSE(Get("messaging", "nope").has_value());
  EXPECT_FALSE(GetMember("messaging", "nope", "luke").has_value());
  auto none = channels().GetChannels(kApp, {});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_P(ChannelStoreSuite, GetChannelsSkipsMissingAndSeesDeleted) {
  Channel deleted = MakeChannel("messaging", "deleted", 1);
  deleted.deleted_at = 2;
  ASSERT_NO_FATAL_FAILURE(Create(MakeChannel("messaging", "a", 1)));
  ASSERT_NO_FATAL_FAILURE(Create(MakeChannel("team", "a", 1)));
  ASSERT_NO_FATAL_FAILURE(Create(deleted));
  ASSERT_NO_FATAL_FAILURE(Create(MakeChannel("messaging", "b", 1), {}, kOtherApp));
  auto got = channels().GetChannels(kApp, {"team:a", "messaging:missing", "messaging:a",
                                           "messaging:deleted", "messaging:b", "messaging:a"});
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(SortedCids(*got),
            (std::vector<std::string>{"messaging:a", "messaging:deleted", "team:a"}));
  EXPECT_EQ(Get("messaging", "deleted")->deleted_at, 2);
}

TEST_P(ChannelStoreSuite, UpdateReplacesEveryFieldButTheDerivedOnes) {
  Channel c = MakeChannel("messaging", "u", 100, {{"name", "Old"}, {"color", "red"}});
  c.frozen = true;
  c.team = "red";
  ASSERT_NO_FATAL_FAILURE(Create(c, {MakeMember(c, "luke", 1), MakeMember(c, "leia", 1)}));
  ASSERT_NO_FATAL_FAILURE(Send(MakeMessage(c, "m1", "luke", 500)));

  Channel update = MakeChannel("messaging", "u", 101, {{"name", "New"}});
  update.updated_at = 600;
  update.created_by_id = "han";
  update.deleted_at = 700;
  update.truncated_at = 450;  // before the message: last_message_at stays
  update.truncated_by_id = "han";
  update.disabled = true;
  update.cooldown = 10;
  update.config_overrides = {{"replies", false}};
  update.member_count = 0;  // a stale copy: must not roll the counters back
  update.message_count = 0;
  update.last_message_at = std::nullopt;
  Status s = channels().UpdateChannel(kApp, update);
  ASSERT_TRUE(s.ok()) << s.error().message;

  std::optional<Channel> got = Get("messaging", "u");
  ASSERT_TRUE(got.has_value());
  ExpectSameChannel(*got, update);
  EXPECT_FALSE(got->custom.contains("color"));
  EXPECT_EQ(got->member_count, 2);
  EXPECT_EQ(got->message_count, 1);
  EXPECT_EQ(got->last_message_at, 500);
}

TEST_P(ChannelStoreSuite, TruncationClearsLastMessageAtUntilTheNextMessage) {
  Channel c = MakeChannel("messaging", "t", 100);
  ASSERT_NO_FATAL_FAILURE(Create(c, {MakeMember(c, "luke", 1)}));
  ASSERT_NO_FATAL_FAILURE(Send(MakeMessage(c, "m1", "luke", 500)));
  c.truncated_at = 500;
  ASSERT_TRUE(channels().UpdateChannel(kApp, c).ok());
  EXPECT_FALSE(Get("messaging", "t")->last_message_at.has_value());

  ASSERT_NO_FATAL_FAILURE(Send(MakeMessage(c, "m2", "luke", 600)));
  EXPECT_EQ(Get("messaging", "t")->last_message_at, 600);
  ASSERT_TRUE(channels().UpdateChannel(kApp, c).ok());  // the same truncation again
  EXPECT_EQ(Get("messaging", "t")->last_message_at, 600);
  // Recomputing after a hard delete ignores the messages the truncation hides.
  ASSERT_TRUE(store().messages().DeleteMessage(kApp, "m2").ok());
  EXPECT_FALSE(Get("messaging", "t")->last_message_at.has_value());
}

TEST_P(ChannelStoreSuite, UpdateMissingChannelIsNotFound) {
  Status s = channels().UpdateChannel(kApp, MakeChannel("messaging", "nope", 1));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kDoesNotExist);
  EXPECT_FALSE(Get("messaging", "nope").has_value());
  // Another app's channel of that cid is not this app's.
  ASSERT_NO_FATAL_FAILURE(Create(MakeChannel("messaging", "x", 1), {}, kOtherApp));
  EXPECT_FALSE(channels().UpdateChannel(kApp, MakeChannel("messaging", "x", 2)).ok());
  EXPECT_EQ(Get("messaging", "x", kOtherApp)->created_at, 1);
}

TEST_P(ChannelStoreSuite, DeleteChannelRemovesMembersMessagesAndReactionsForGood) {
  Channel c = MakeChannel("messaging", "doomed", 1);
  Channel keep = MakeChannel("messaging", "keep", 1);
  ASSERT_NO_FATAL_FAILURE(Create(c, {MakeMember(c, "luke", 1), MakeMember(c, "leia", 1)}));
  ASSERT_NO_FATAL_FAILURE(Create(keep, {MakeMember(keep, "luke", 1)}));
  ASSERT_NO_FATAL_FAILURE(Send(MakeMessage(c, "d1", "luke", 10)));
  Message reply = MakeMessage(c, "d2", "leia", 11);
  reply.parent_id = "d1";
  ASSERT_NO_FATAL_FAILURE(Send(reply));
  ASSERT_NO_FATAL_FAILURE(Send(MakeMessage(keep, "k1", "luke", 12)));
  Reaction r;
  r.message_id = "d1";
  r.user_id = "leia";
  r.type = "like";
  ASSERT_TRUE(store().messages().UpsertReaction(kApp, r, false).ok());
  r.message_id = "k1";
  ASSERT_TRUE(store().messages().UpsertReaction(kApp, r, false).ok());

  ASSERT_TRUE(channels().DeleteChannel(kApp, "messaging", "doomed").ok());
  EXPECT_FALSE(Get("messaging", "doomed").has_value());
  EXPECT_FALSE(GetMember("messaging", "doomed", "luke").has_value());
  EXPECT_FALSE(store().messages().GetMessage(kApp, "d1")->has_value());
  EXPECT_FALSE(store().messages().GetMessage(kApp, "d2")->has_value());
  EXPECT_TRUE(store().messages().Reactions(kApp, "d1", 10, 0)->empty());
  EXPECT_EQ(Cids(*channels().MembershipsOf(kApp, "luke")),
            (std::vector<std::string>{"messaging:keep"}));
  // The other channel is untouched.
  EXPECT_TRUE(store().messages().GetMessage(kApp, "k1")->has_value());
  EXPECT_EQ(store().messages().Reactions(kApp, "k1", 10, 0)->size(), 1u);

  // The cid and the message ids can be used again, from scratch.
  ASSERT_NO_FATAL_FAILURE(Create(c));
  EXPECT_EQ(Get("messaging", "doomed")->member_count, 0);
  EXPECT_EQ(Get("messaging", "doomed")->message_count, 0);
  ASSERT_NO_FATAL_FAILURE(Send(MakeMessage(c, "d1", "han", 20)));
  EXPECT_TRUE(store().messages().Reactions(kApp, "d1", 10, 0)->empty());
  // Deleting what is not there is not an error.
  EXPECT_TRUE(channels().DeleteChannel(kApp, "messaging", "never").ok());
}

TEST_P(ChannelStoreSuite, AppsAreIsolated) {
  Channel c = MakeChannel("messaging", "same", 1, {{"name", "one"}});
  ASSERT_NO_FATAL_FAILURE(Create(c, {MakeMember(c, "luke", 1)}));
  ASSERT_NO_FATAL_FAILURE(Create(MakeChannel("messaging", "same", 2, {{"name", "two"}}),
                                 {MakeMember(c, "luke", 2), MakeMember(c, "leia", 2)}, kOtherApp));
  EXPECT_EQ(Get("messaging", "same")->custom.at("name"), "one");
  EXPECT_EQ(Get("messaging", "same", kOtherApp)->member_count, 2);
  ASSERT_TRUE(channels().RemoveMembers(kOtherApp, "messaging", "same", {"luke"}).ok());
  EXPECT_TRUE(GetMember("messaging", "same", "luke").has_value());
  ASSERT_TRUE(channels().DeleteChannel(kApp, "messaging", "same").ok());
  EXPECT_TRUE(Get("messaging", "same", kOtherApp).has_value());
  EXPECT_TRUE(GetMember("messaging", "same", "leia", kOtherApp).has_value());
}

TEST_P(ChannelStoreSuite, ChannelsAndMembersSurviveReopen) {
  Channel c = MakeChannel("messaging", "kept", 10, {{"name", "Kept"}, {"pi", 3.141592653589793}});
  c.config_overrides = {{"typing_events", false}};
  Member m = MakeMember(c, "luke", 11);
  m.last_read = 12;
  m.last_read_message_id = "m9";
  m.custom = {{"nick", "L"}};
  ASSERT_NO_FATAL_FAILURE(Create(c, {m, MakeMember(c, "gone", 11)}));
  ASSERT_TRUE(channels().RemoveMembers(kApp, "messaging", "kept", {"gone"}).ok());
  ASSERT_NO_FATAL_FAILURE(Create(MakeChannel("messaging", "deleted", 1)));
  ASSERT_TRUE(channels().DeleteChannel(kApp, "messaging", "deleted").ok());

  ASSERT_NO_FATAL_FAILURE(Reopen());

  std::optional<Channel> got = Get("messaging", "kept");
  ASSERT_TRUE(got.has_value());
  ExpectSameChannel(*got, c);
  EXPECT_EQ(got->member_count, 1);
  ASSERT_TRUE(GetMember("messaging", "kept", "luke").has_value());
  ExpectSameMember(*GetMember("messaging", "kept", "luke"), m);
  EXPECT_FALSE(GetMember("messaging", "kept", "gone").has_value());
  EXPECT_FALSE(Get("messaging", "deleted").has_value());
}

}  // namespace eddy::server::storetest
