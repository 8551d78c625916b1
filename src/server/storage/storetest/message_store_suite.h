// Conformance suite for the MessageStore port's message writes and the counters they maintain
// (reactions are in reaction_store_suite.h; pages, unread counting and pins in
// message_page_suite.h). Every backend must pass it unchanged. Defines tests: include in
// exactly one .cc of a test binary.
#pragma once

#include <atomic>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "server/storage/storetest/store_harness.h"

namespace eddy::server::storetest {

// Two apps; app1 has messaging:general and messaging:other, app2 its own messaging:general.
class MessageStoreSuite : public TwoAppSuiteBase {
 protected:
  void SetUp() override {
    TwoAppSuiteBase::SetUp();
    if (HasFatalFailure()) return;
    for (auto [app, id] : {std::pair{kApp, "general"}, {kApp, "other"}, {kOtherApp, "general"}}) {
      Channel c;
      c.type = "messaging";
      c.id = id;
      c.created_at = 1;
      ASSERT_TRUE(store().channels().CreateChannel(app, c, {}).ok());
    }
  }

  MessageStore& messages() { return store().messages(); }

  static Message Msg(std::string id, std::string user_id, Micros created_at,
                     std::string channel = "general") {
    Message m;
    m.id = std::move(id);
    m.channel_type = "messaging";
    m.channel_id = std::move(channel);
    m.user_id = std::move(user_id);
    m.text = "text of " + m.id;
    m.created_at = created_at;
    m.updated_at = created_at;
    return m;
  }

  static Message Reply(std::string id, std::string user_id, Micros created_at,
                       std::string parent_id, bool show_in_channel = false) {
    Message m = Msg(std::move(id), std::move(user_id), created_at);
    m.parent_id = std::move(parent_id);
    m.show_in_channel = show_in_channel;
    m.type = show_in_channel ? "regular" : "reply";
    return m;
  }

  // Inserts and returns the message as stored (with its seq).
  Message Insert(Message m, std::string_view app = kApp) {
    Status s = messages().InsertMessage(app, m);
    EXPECT_TRUE(s.ok()) << m.id << ": " << s.error().message;
    return m;
  }

  std::optional<Message> Get(std::string_view id, std::string_view app = kApp) {
    auto got = messages().GetMessage(app, id);
    EXPECT_TRUE(got.ok()) << got.error().message;
    return got.ok() ? *got : std::nullopt;
  }

  Channel GetChannel(std::string_view id = "general", std::string_view app = kApp) {
    auto got = store().channels().GetChannel(app, "messaging", id);
    EXPECT_TRUE(got.ok() && got->has_value());
    return got.ok() && got->has_value() ? **got : Channel{};
  }

  Reaction React(std::string message_id, std::string user_id, std::string type, Micros created_at,
                 std::int64_t score = 1) {
    Reaction r;
    r.message_id = std::move(message_id);
    r.user_id = std::move(user_id);
    r.type = std::move(type);
    r.score = score;
    r.created_at = created_at;
    r.updated_at = created_at;
    return r;
  }

  void Upsert(const Reaction& r, bool enforce_unique = false, std::string_view app = kApp) {
    Status s = messages().UpsertReaction(app, r, enforce_unique);
    ASSERT_TRUE(s.ok()) << s.error().message;
  }

  // "message/user:type" of each reaction, in the order returned.
  static std::vector<std::string> Keys(const std::vector<Reaction>& list) {
    std::vector<std::string> out;
    for (const Reaction& r : list) out.push_back(r.message_id + "/" + r.user_id + ":" + r.type);
    return out;
  }

  static std::vector<std::string> Ids(const std::vector<Message>& list) {
    std::vector<std::string> out;
    for (const Message& m : list) out.push_back(m.id);
    return out;
  }

  static void ExpectSameMessage(const Message& got, const Message& want) {
    EXPECT_EQ(got.id, want.id);
    EXPECT_EQ(got.channel_type, want.channel_type);
    EXPECT_EQ(got.channel_id, want.channel_id);
    EXPECT_EQ(got.user_id, want.user_id);
    EXPECT_EQ(got.text, want.text);
    EXPECT_EQ(got.type, want.type);
    EXPECT_EQ(got.parent_id, want.parent_id);
    EXPECT_EQ(got.show_in_channel, want.show_in_channel);
    EXPECT_EQ(got.quoted_message_id, want.quoted_message_id);
    EXPECT_EQ(got.mentioned_users, want.mentioned_users);
    EXPECT_EQ(json::serialize(got.attachments), json::serialize(want.attachments));
    EXPECT_EQ(got.silent, want.silent);
    EXPECT_EQ(got.shadowed, want.shadowed);
    EXPECT_EQ(got.pinned, want.pinned);
    EXPECT_EQ(got.pinned_at, want.pinned_at);
    EXPECT_EQ(got.pinned_by_id, want.pinned_by_id);
    EXPECT_EQ(got.pin_expires, want.pin_expires);
    EXPECT_EQ(got.created_at, want.created_at);
    EXPECT_EQ(got.updated_at, want.updated_at);
    EXPECT_EQ(got.deleted_at, want.deleted_at);
    EXPECT_EQ(got.message_text_updated_at, want.message_text_updated_at);
    EXPECT_EQ(json::serialize(got.custom), json::serialize(want.custom));
    EXPECT_EQ(got.seq, want.seq);
  }
};

TEST_P(MessageStoreSuite, InsertThenGetRoundTripsEveryField) {
  Message m = Msg("0f7a-34eb", "luke", 1'700'000'000'000'001);
  m.text = "hello @leia 東京 🚀 \"quoted\" \\ \n";
  m.type = "regular";
  m.quoted_message_id = "q1";
  m.mentioned_users = {"leia", "han"};
  m.attachments =
      json::parse(R"([{"type":"image","image_url":"http://x/y.png","w":1.5}])").as_array();
  m.silent = true;
  m.pinned = true;
  m.pinned_at = 1'700'000'000'000'002;
  m.pinned_by_id = "leia";
  m.pin_expires = 1'700'000'000'000'003;
  m.updated_at = 1'700'000'000'000'004;
  m.deleted_at = 1'700'000'000'000'005;
  m.message_text_updated_at = 1'700'000'000'000'006;
  m.custom = json::parse(R"({"color":"red","n":-2.5,"nested":{"a":[1,null]}})").as_object();
  Message stored = Insert(m);
  EXPECT_GT(stored.seq, 0);
  std::optional<Message> got = Get("0f7a-34eb");
  ASSERT_TRUE(got.has_value());
  ExpectSameMessage(*got, stored);
  EXPECT_EQ(got->reply_count, 0);
  EXPECT_TRUE(got->thread_participants.empty());

  Message plain = Insert(Msg("plain", "leia", 5));
  EXPECT_GT(plain.seq, stored.seq);  // insertion order, whatever the timestamps
  ASSERT_TRUE(Get("plain").has_value());
  ExpectSameMessage(*Get("plain"), plain);
}

TEST_P(MessageStoreSuite, DuplicateIdIsCode4AndChangesNothing) {
  Message first = Insert(Msg("dup", "luke", 100));
  Insert(Msg("parent", "luke", 50, "other"));
  Channel general = GetChannel("general");
  Channel other = GetChannel("other");

  for (Message again : {Msg("dup", "han", 200, "other"), Reply("dup", "han", 200, "parent")}) {
    if (!again.parent_id.empty()) again.channel_id = "other";
    Status s = messages().InsertMessage(kApp, again);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, ErrorCode::kInput);
    EXPECT_EQ(s.error().http_status, 400);
    EXPECT_EQ(s.error().message, "a message with ID dup already exists");
    EXPECT_EQ(again.seq, 0);
  }
  ExpectSameMessage(*Get("dup"), first);
  EXPECT_EQ(GetChannel("general").message_count, general.message_count);
  EXPECT_EQ(GetChannel("general").last_message_at, general.last_message_at);
  EXPECT_EQ(GetChannel("other").message_count, other.message_count);
  EXPECT_EQ(GetChannel("other").last_message_at, 50);
  EXPECT_EQ(Get("parent")->reply_count, 0);
  EXPECT_TRUE(Get("parent")->thread_participants.empty());
  // Ids are unique per app only.
  Insert(Msg("dup", "luke", 100), kOtherApp);
}

TEST_P(MessageStoreSuite, AMessageInTheListMovesItsAuthorsReadStateForwardOnly) {
  Member luke;
  luke.channel_type = "messaging";
  luke.channel_id = "general";
  luke.user_id = "luke";
  luke.created_at = 1;
  luke.hidden = true;
  luke.last_read = 10;
  luke.last_read_message_id = "m10";
  ASSERT_TRUE(store().channels().UpsertMembers(kApp, {luke}).ok());
  auto member = [&](std::string_view user) {
    return store().channels().GetMember(kApp, "messaging", "general", user).value();
  };
  ASSERT_EQ(member("luke")->last_read, 10);  // a cached copy, if any

  Insert(Msg("m20", "luke", 20));
  EXPECT_EQ(member("luke")->last_read, 20);
  EXPECT_EQ(member("luke")->last_read_message_id, "m20");
  EXPECT_TRUE(member("luke")->hidden);  // only the read columns change
  EXPECT_EQ(store().channels().MembershipsOf(kApp, "luke")->front().last_read, 20);
  // An older (imported) message and a thread-only reply leave it.
  Insert(Msg("m15", "luke", 15));
  Insert(Reply("r30", "luke", 30, "m20"));
  EXPECT_EQ(member("luke")->last_read_message_id, "m20");
  // A reply also shown in the channel moves it.
  Insert(Reply("r40", "luke", 40, "m20", /*show_in_channel=*/true));
  EXPECT_EQ(member("luke")->last_read, 40);
  EXPECT_EQ(member("luke")->last_read_message_id, "r40");
  // An author who is not a member: the message is stored, no row appears.
  Insert(Msg("m50", "leia", 50));
  EXPECT_FALSE(member("leia").has_value());
}

TEST_P(MessageStoreSuite, InsertNeedsTheChannelAndAParentInIt) {
  Message orphan = Msg("m", "luke", 1, "missing");
  Status s = messages().InsertMessage(kApp, orphan);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kDoesNotExist);
  EXPECT_FALSE(Get("m").has_value());

  Message no_parent = Reply("r", "luke", 2, "nope");
  s = messages().InsertMessage(kApp, no_parent);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kInput);
  Insert(Msg("elsewhere", "luke", 3, "other"));
  Message cross = Reply("r", "luke", 4, "elsewhere");
  EXPECT_FALSE(messages().InsertMessage(kApp, cross).ok());
  EXPECT_FALSE(Get("r").has_value());
  EXPECT_EQ(GetChannel("general").message_count, 0);
}

TEST_P(MessageStoreSuite, ChannelCountersFollowTheMainList) {
  EXPECT_FALSE(GetChannel().last_message_at.has_value());
  Insert(Msg("m1", "luke", 100));
  EXPECT_EQ(GetChannel().last_message_at, 100);
  Insert(Reply("r1", "leia", 200, "m1"));  // thread-only: counted, does not move it
  EXPECT_EQ(GetChannel().last_message_at, 100);
  Insert(Reply("r2", "leia", 300, "m1", /*show_in_channel=*/true));
  EXPECT_EQ(GetChannel().last_message_at, 300);
  Message shadowed = Msg("s1", "troll", 400);
  shadowed.shadowed = true;
  Insert(shadowed);
  EXPECT_EQ(GetChannel().last_message_at, 300);
  Message system = Msg("sys", "luke", 500);
  system.type = "system";
  Insert(system);
  EXPECT_EQ(GetChannel().last_message_at, 500);
  Insert(Msg("old", "han", 50));  // an imported older message does not move it back
  EXPECT_EQ(GetChannel().last_message_at, 500);
  EXPECT_EQ(GetChannel().message_count, 6);
  EXPECT_EQ(GetChannel("other").message_count, 0);
  EXPECT_FALSE(GetChannel("other").last_message_at.has_value());
}

TEST_P(MessageStoreSuite, RepliesMaintainTheParentsThread) {
  Insert(Msg("p", "luke", 1));
  Insert(Reply("r1", "leia", 2, "p"));
  Insert(Reply("r2", "han", 3, "p", true));
  Insert(Reply("r3", "leia", 4, "p"));
  Message shadowed = Reply("r4", "troll", 5, "p");
  shadowed.shadowed = true;
  Insert(shadowed);
  std::optional<Message> p = Get("p");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->reply_count, 3);
  EXPECT_EQ(p->thread_participants, (std::vector<std::string>{"leia", "han"}));

  // A new message's thread fields are the store's, whatever it carries.
  Message carrying = Msg("c", "luke", 6);
  carrying.reply_count = 7;
  carrying.thread_participants = {"x"};
  Insert(carrying);
  EXPECT_EQ(Get("c")->reply_count, 0);
  EXPECT_TRUE(Get("c")->thread_participants.empty());
}

TEST_P(MessageStoreSuite, GetMessagesSkipsMissingOldestFirst) {
  Insert(Msg("b", "luke", 20));
  Insert(Msg("a", "luke", 10));
  Insert(Msg("c", "luke", 20, "other"));
  auto got = messages().GetMessages(kApp, {"c", "missing", "a", "b", "a"});
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(Ids(*got), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(messages().GetMessages(kApp, {})->empty());
  EXPECT_TRUE(messages().GetMessages(kOtherApp, {"a"})->empty());
  EXPECT_FALSE(Get("missing").has_value());
}

TEST_P(MessageStoreSuite, UpdateReplacesButKeepsWhatTheStoreOwns) {
  Message p = Insert(Msg("p", "luke", 10));
  Insert(Reply("r", "leia", 11, "p"));
  Message update = Msg("p", "luke", 12, "other");  // a message never changes channel
  update.seq = 999;
  update.parent_id = "r";
  update.reply_count = 0;
  update.thread_participants = {};
  update.text = "edited";
  update.type = "deleted";
  update.deleted_at = 13;
  update.message_text_updated_at = 14;
  update.pinned = true;
  update.pinned_at = 15;
  update.mentioned_users = {"han"};
  update.custom = {{"k", "v"}};
  Status s = messages().UpdateMessage(kApp, update);
  ASSERT_TRUE(s.ok()) << s.error().message;
  std::optional<Message> got = Get("p");
  ASSERT_TRUE(got.has_value());
  Message want = update;
  want.channel_id = "general";
  want.parent_id = "";
  want.seq = p.seq;
  ExpectSameMessage(*got, want);
  EXPECT_EQ(got->reply_count, 1);
  EXPECT_EQ(got->thread_participants, (std::vector<std::string>{"leia"}));

  Status missing = messages().UpdateMessage(kApp, Msg("nope", "luke", 1));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kDoesNotExist);
  EXPECT_FALSE(Get("nope").has_value());
  EXPECT_FALSE(messages().UpdateMessage(kOtherApp, update).ok());
}

TEST_P(MessageStoreSuite, SoftDeletingARepliesCountsItInTheParentsDeletedReplies) {
  Insert(Msg("p", "luke", 10));
  Message r1 = Insert(Reply("r1", "leia", 11, "p"));
  Insert(Reply("r2", "han", 12, "p"));
  r1.type = "deleted";
  r1.deleted_at = 13;
  ASSERT_TRUE(messages().UpdateMessage(kApp, r1).ok());
  EXPECT_EQ(Get("p")->reply_count, 2);
  EXPECT_EQ(Get("p")->deleted_reply_count, 1);
  EXPECT_EQ(Get("p")->thread_participants, (std::vector<std::string>{"leia", "han"}));

  r1.type = "reply";
  r1.deleted_at.reset();
  ASSERT_TRUE(messages().UpdateMessage(kApp, r1).ok());
  EXPECT_EQ(Get("p")->deleted_reply_count, 0);
}

TEST_P(MessageStoreSuite, LastMessageTimeByIsPerUserAndChannel) {
  Insert(Msg("a", "luke", 10));
  Insert(Msg("b", "leia", 20));
  Insert(Msg("c", "luke", 30, "other"));
  Insert(Reply("r", "luke", 15, "a"));
  EXPECT_EQ(*messages().LastMessageTimeBy(kApp, "messaging", "general", "luke"), 15);
  EXPECT_EQ(*messages().LastMessageTimeBy(kApp, "messaging", "other", "luke"), 30);
  EXPECT_FALSE(messages().LastMessageTimeBy(kApp, "messaging", "general", "han")->has_value());
  EXPECT_FALSE(
      messages().LastMessageTimeBy(kOtherApp, "messaging", "general", "luke")->has_value());
}

TEST_P(MessageStoreSuite, UserMessagesSoftDeleteAndRestore) {
  Insert(Msg("p", "leia", 10));
  Insert(Msg("a", "luke", 11));
  Insert(Reply("r", "luke", 12, "p"));
  Message system = Msg("s", "luke", 13);
  system.type = "system";
  Insert(system);
  Message gone = Msg("g", "luke", 14);
  gone.type = "deleted";
  gone.deleted_at = 5;
  Insert(gone);
  Insert(Msg("x", "luke", 15), kOtherApp);

  auto changed = messages().SoftDeleteUserMessages(kApp, "luke", 100);
  ASSERT_TRUE(changed.ok()) << changed.error().message;
  EXPECT_EQ(*changed, 2);
  EXPECT_EQ(Get("a")->type, "deleted");
  EXPECT_EQ(Get("a")->deleted_at, 100);
  EXPECT_EQ(Get("r")->type, "deleted");
  EXPECT_EQ(Get("s")->type, "system");
  EXPECT_EQ(Get("g")->deleted_at, 5) << "an earlier deletion is kept";
  EXPECT_EQ(Get("x", kOtherApp)->type, "regular");
  EXPECT_EQ(Get("p")->type, "regular");
  EXPECT_EQ(Get("p")->deleted_reply_count, 1);

  changed = messages().RestoreUserMessages(kApp, "luke", 100);
  ASSERT_TRUE(changed.ok()) << changed.error().message;
  EXPECT_EQ(*changed, 2);
  EXPECT_EQ(Get("a")->type, "regular");
  EXPECT_FALSE(Get("a")->deleted_at.has_value());
  EXPECT_EQ(Get("r")->type, "reply");
  EXPECT_EQ(Get("g")->type, "deleted") << "deleted before: stays deleted";
  EXPECT_EQ(Get("p")->deleted_reply_count, 0);
}

TEST_P(MessageStoreSuite, UserMessagesHardDeleteKeepsCountersRight) {
  Insert(Msg("p", "leia", 10));
  Insert(Reply("r", "luke", 12, "p"));
  Insert(Msg("a", "luke", 20));
  Insert(Msg("o", "luke", 30, "other"));
  ASSERT_EQ(GetChannel().message_count, 3);
  ASSERT_TRUE(messages().HardDeleteUserMessages(kApp, "luke").ok());
  EXPECT_FALSE(Get("a").has_value());
  EXPECT_FALSE(Get("r").has_value());
  EXPECT_EQ(GetChannel().message_count, 1);
  EXPECT_EQ(GetChannel().last_message_at, 10);
  EXPECT_EQ(GetChannel("other").message_count, 0);
  EXPECT_FALSE(GetChannel("other").last_message_at.has_value());
  EXPECT_EQ(Get("p")->reply_count, 0);
  EXPECT_TRUE(Get("p")->thread_participants.empty());
}

TEST_P(MessageStoreSuite, DeleteMessageRecomputesCountersAndTakesItsReactions) {
  Insert(Msg("m1", "luke", 100));
  Insert(Msg("p", "luke", 200));
  Insert(Reply("r1", "leia", 210, "p"));
  Insert(Reply("r2", "han", 220, "p"));
  Insert(Reply("r3", "leia", 230, "p"));
  Insert(Msg("m2", "luke", 300));
  Upsert(React("m2", "leia", "like", 301));
  ASSERT_EQ(GetChannel().message_count, 6);

  ASSERT_TRUE(messages().DeleteMessage(kApp, "m2").ok());
  EXPECT_FALSE(Get("m2").has_value());
  EXPECT_TRUE(messages().Reactions(kApp, "m2", 10, 0)->empty());
  EXPECT_EQ(GetChannel().message_count, 5);
  EXPECT_EQ(GetChannel().last_message_at, 200);  // thread-only replies do not count

  ASSERT_TRUE(messages().DeleteMessage(kApp, "r1").ok());
  EXPECT_EQ(Get("p")->reply_count, 2);
  EXPECT_EQ(Get("p")->thread_participants, (std::vector<std::string>{"han", "leia"}));
  ASSERT_TRUE(messages().DeleteMessage(kApp, "r2").ok());
  EXPECT_EQ(Get("p")->thread_participants, (std::vector<std::string>{"leia"}));

  // A deleted parent's replies stay.
  ASSERT_TRUE(messages().DeleteMessage(kApp, "p").ok());
  EXPECT_TRUE(Get("r3").has_value());
  EXPECT_EQ(GetChannel().last_message_at, 100);
  ASSERT_TRUE(messages().DeleteMessage(kApp, "m1").ok());
  EXPECT_FALSE(GetChannel().last_message_at.has_value());
  EXPECT_EQ(GetChannel().message_count, 1);
  // Missing, or another app's: not an error, and nothing changes.
  EXPECT_TRUE(messages().DeleteMessage(kApp, "m1").ok());
  EXPECT_TRUE(messages().DeleteMessage(kOtherApp, "r3").ok());
  EXPECT_TRUE(Get("r3").has_value());
  EXPECT_EQ(GetChannel().message_count, 1);
}

TEST_P(MessageStoreSuite, HardDeleteChannelMessagesUpToATime) {
  Insert(Msg("m1", "luke", 100));
  Insert(Msg("m2", "luke", 200));
  Insert(Reply("r1", "leia", 250, "m2"));
  Insert(Msg("m3", "luke", 300));
  Insert(Reply("r2", "han", 150, "m3"));  // imported: older than its parent
  Insert(Msg("o1", "luke", 100, "other"));
  Upsert(React("m1", "leia", "like", 101));
  Upsert(React("o1", "leia", "like", 101));

  ASSERT_TRUE(messages().HardDeleteChannelMessages(kApp, "messaging", "general", 200).ok());
  EXPECT_FALSE(Get("m1").has_value());
  EXPECT_FALSE(Get("m2").has_value());  // at `before` is included
  EXPECT_FALSE(Get("r2").has_value());
  EXPECT_TRUE(Get("r1").has_value());
  EXPECT_TRUE(Get("m3").has_value());
  EXPECT_EQ(Get("m3")->reply_count, 0);
  EXPECT_TRUE(Get("m3")->thread_participants.empty());
  EXPECT_TRUE(messages().Reactions(kApp, "m1", 10, 0)->empty());
  EXPECT_EQ(GetChannel().message_count, 2);
  EXPECT_EQ(GetChannel().last_message_at, 300);
  EXPECT_TRUE(Get("o1").has_value());
  EXPECT_EQ(messages().Reactions(kApp, "o1", 10, 0)->size(), 1u);

  ASSERT_TRUE(messages().HardDeleteChannelMessages(kApp, "messaging", "general", 1000).ok());
  EXPECT_EQ(GetChannel().message_count, 0);
  EXPECT_FALSE(GetChannel().last_message_at.has_value());
  EXPECT_EQ(GetChannel("other").message_count, 1);
}

TEST_P(MessageStoreSuite, AppsAreIsolated) {
  Insert(Msg("same", "luke", 1));
  Insert(Msg("same", "han", 2), kOtherApp);
  EXPECT_EQ(Get("same")->user_id, "luke");
  EXPECT_EQ(Get("same", kOtherApp)->user_id, "han");
  Upsert(React("same", "leia", "like", 3), false, kOtherApp);
  EXPECT_TRUE(messages().Reactions(kApp, "same", 10, 0)->empty());
  ASSERT_TRUE(messages().DeleteMessage(kOtherApp, "same").ok());
  EXPECT_TRUE(Get("same").has_value());
  EXPECT_EQ(GetChannel("general").message_count, 1);
  EXPECT_EQ(GetChannel("general", kOtherApp).message_count, 0);
}

TEST_P(MessageStoreSuite, MessagesAndReactionsSurviveReopen) {
  Message p = Insert(Msg("p", "luke", 10));
  Message r = Insert(Reply("r", "leia", 11, "p"));
  Insert(Msg("gone", "luke", 12));
  ASSERT_TRUE(messages().DeleteMessage(kApp, "gone").ok());
  Upsert(React("p", "leia", "like", 13, 2));

  ASSERT_NO_FATAL_FAILURE(Reopen());

  ExpectSameMessage(*Get("r"), r);
  EXPECT_EQ(Get("p")->reply_count, 1);
  EXPECT_FALSE(Get("gone").has_value());
  EXPECT_EQ(GetChannel().message_count, 2);
  EXPECT_EQ(GetChannel().last_message_at, 10);
  EXPECT_EQ(Keys(*messages().Reactions(kApp, "p", 10, 0)),
            (std::vector<std::string>{"p/leia:like"}));
  // seq keeps growing after a restart.
  EXPECT_GT(Insert(Msg("later", "luke", 1)).seq, r.seq);
}

// Many writers on one channel and one thread: every counter ends exact.
TEST_P(MessageStoreSuite, ConcurrentInsertsKeepCountersExact) {
  Insert(Msg("p", "luke", 1));
  constexpr int kThreads = 4;
  constexpr int kPerThread = 15;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string n = std::to_string(t) + "-" + std::to_string(i);
        Message m = Msg("m" + n, "u" + std::to_string(t), 100 + i);
        Message r = Reply("r" + n, "u" + std::to_string(t), 100 + i, "p");
        if (!messages().InsertMessage(kApp, m).ok()) ++failures;
        if (!messages().InsertMessage(kApp, r).ok()) ++failures;
        if (!messages().UpsertReaction(kApp, React("p", "u" + n, "like", i), false).ok()) {
          ++failures;
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(GetChannel().message_count, 1 + 2 * kThreads * kPerThread);
  EXPECT_EQ(GetChannel().last_message_at, 100 + kPerThread - 1);
  EXPECT_EQ(Get("p")->reply_count, kThreads * kPerThread);
  EXPECT_EQ(Get("p")->thread_participants.size(), static_cast<size_t>(kThreads));
  auto groups = messages().ReactionGroups(kApp, {"p"});
  ASSERT_TRUE(groups.ok());
  ASSERT_EQ(groups->size(), 1u);
  EXPECT_EQ((*groups)[0].count, kThreads * kPerThread);
}

}  // namespace eddy::server::storetest
