// MessageService: sending, threads, events and who receives them.
#include "server/domain/message_service.h"

#include <gtest/gtest.h>

#include "server/domain/message_service_fixture.h"

namespace eddy::server::testing {
namespace {

using MessageSendTest = MessageServiceFixture;

TEST_F(MessageSendTest, SendStoresTheMessageAndReturnsItAsTheAuthorSeesIt) {
  json::object m = MustSend(As("alice"), R"({"id":"m1","text":"hi <b>","color":"red",
                                              "mentioned_users":["bob","ghost"]})");
  EXPECT_EQ(m.at("id"), "m1");
  EXPECT_EQ(m.at("type"), "regular");
  EXPECT_EQ(m.at("text"), "hi <b>");
  EXPECT_EQ(m.at("html"), "<p>hi &lt;b&gt;</p>\n");
  EXPECT_EQ(m.at("cid"), "messaging:general");
  EXPECT_EQ(m.at("user").at("id"), "alice");
  EXPECT_EQ(m.at("user").at("name"), "alice");
  EXPECT_EQ(m.at("color"), "red");
  // Mentions of users that do not exist are stored but not rendered.
  ASSERT_EQ(m.at("mentioned_users").as_array().size(), 1u);
  EXPECT_EQ(m.at("mentioned_users").at(0).at("id"), "bob");
  EXPECT_EQ(m.at("created_at"), Time(kStart + 1000));

  std::optional<Message> stored = Stored("m1");
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->user_id, "alice");
  EXPECT_EQ(stored->custom.at("color"), "red");
  EXPECT_EQ(StoredChannel("messaging", "general").message_count, 1);
  // The insert moved the author's read state, under the read-state lock.
  EXPECT_EQ(StoredMember("general", "alice").last_read_message_id, "m1");
  EXPECT_EQ(StoredMember("general", "alice").last_read, kStart + 1000);
  EXPECT_EQ(reads_.Locks(),
            (std::vector<std::pair<std::string, std::string>>{{"messaging:general", "alice"}}));
}

TEST_F(MessageSendTest, TheAuthorMentioningThemselvesIsRenderedInBothPlaces) {
  // The author's record comes from the send's own lookup; the other users are read.
  json::object m = MustSend(As("alice"), R"({"id":"m1","text":"me and bob",
                                              "mentioned_users":["alice","bob"]})");
  EXPECT_EQ(m.at("user").at("id"), "alice");
  EXPECT_EQ(m.at("user").at("name"), "alice");
  ASSERT_EQ(m.at("mentioned_users").as_array().size(), 2u);
  EXPECT_EQ(m.at("mentioned_users").at(0), m.at("user"));
  EXPECT_EQ(m.at("mentioned_users").at(1).at("id"), "bob");
  EXPECT_EQ(m.at("mentioned_users").at(1).at("name"), "bob");
}

TEST_F(MessageSendTest, ServerGeneratesAnIdWhenNoneIsGiven) {
  json::object m = MustSend(As("alice"), R"({"text":"hi"})");
  EXPECT_EQ(m.at("id").as_string().size(), 36u);
  EXPECT_TRUE(Stored(m.at("id").as_string()));
}

TEST_F(MessageSendTest, DuplicateIdIsRefusedAndTheStoredMessageIsUnchanged) {
  MustSend(As("alice"), R"({"id":"m1","text":"first"})");
  channel_events_.Take();
  for (std::string_view channel : {"general", "other"}) {
    auto r = Send(As("bob"), R"({"id":"m1","text":"second"})", channel);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kInput);
    EXPECT_EQ(r.error().http_status, 400);
    EXPECT_NE(r.error().message.find("a message with ID m1 already exists"), std::string::npos)
        << r.error().message;
  }
  EXPECT_EQ(Stored("m1")->text, "first");
  EXPECT_EQ(Stored("m1")->user_id, "alice");
  EXPECT_EQ(StoredChannel("messaging", "general").message_count, 1);
  EXPECT_EQ(StoredChannel("messaging", "other").message_count, 0);
  EXPECT_TRUE(channel_events_.Take().empty());
}

TEST_F(MessageSendTest, ServerSideNeedsANamedExistingAuthor) {
  auto r = Send(ServerAs(), R"({"text":"hi"})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInput);
  r = Send(ServerAs(), R"({"text":"hi","user_id":"nobody"})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInput);
  // Server-side bypasses membership: dave is no member.
  json::object m = MustSend(ServerAs(), R"({"text":"hi","user":{"id":"dave"}})");
  EXPECT_EQ(m.at("user").at("id"), "dave");
  m = MustSend(ServerAs(), R"({"text":"welcome","type":"system","user_id":"admin"})");
  EXPECT_EQ(m.at("type"), "system");
}

TEST_F(MessageSendTest, ClientsCannotSendAsOthersOrSystemOrOutsideTheirChannels) {
  auto r = Send(As("alice"), R"({"text":"hi","user_id":"bob"})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kNotAllowed);
  r = Send(As("alice"), R"({"text":"hi","type":"system"})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kNotAllowed);
  r = Send(As("dave"), R"({"text":"hi"})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kNotAllowed);
  EXPECT_EQ(r.error().http_status, 403);
  r = Send(As("alice"), R"({"text":"hi"})", "missing");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kDoesNotExist);
  EXPECT_EQ(r.error().http_status, 404);
  r = Send(As("alice"), R"({"text":"hi"})", "general", "nosuchtype");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kDoesNotExist);
  r = Send(As("alice"), R"({"text":""})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInput);
  EXPECT_EQ(StoredChannel("messaging", "general").message_count, 0);
}

TEST_F(MessageSendTest, TooLongTextIsCode20AndStoresNothing) {
  auto r = Send(As("alice"), "{\"id\":\"long\",\"text\":\"" + std::string(5001, 'x') + "\"}");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kMessageTooLong);
  EXPECT_EQ(r.error().http_status, 400);
  EXPECT_FALSE(Stored("long"));
  MustSend(As("alice"), "{\"text\":\"" + std::string(5000, 'x') + "\"}");
}

TEST_F(MessageSendTest, MessageNewGoesToWatchersWithTheirOwnUnreadCounters) {
  watches_.SetWatching("alice", "messaging:general", true);
  watches_.SetWatching("bob", "messaging:general", true);
  watches_.SetWatching("carol", "messaging:general", true);
  watches_.SetWatching("dave", "messaging:other", true);
  MustSend(As("alice"), R"({"id":"m1","text":"hi"})");
  std::vector<Received> all = channel_events_.Take();
  std::vector<Received> news;
  for (Received& r : all) {
    if (r.event.at("type") == "message.new") news.push_back(r);
  }
  ASSERT_EQ(Recipients(news), (std::vector<std::string>{"alice", "bob", "carol"}));
  for (const Received& r : news) {
    const json::object& e = r.event;
    EXPECT_EQ(e.at("cid"), "messaging:general");
    EXPECT_EQ(e.at("channel_type"), "messaging");
    EXPECT_EQ(e.at("channel_id"), "general");
    EXPECT_EQ(e.at("message_id"), "m1");
    EXPECT_EQ(e.at("message").at("id"), "m1");
    EXPECT_EQ(e.at("user").at("id"), "alice");
    EXPECT_EQ(e.at("watcher_count"), 3);
    EXPECT_EQ(e.at("channel_member_count"), 3);
    EXPECT_EQ(e.at("channel_message_count"), 1);
    EXPECT_EQ(e.at("channel_custom").at("name"), "general");
    EXPECT_EQ(e.at("created_at"), Time(kStart + 1000));
    EXPECT_EQ(e.at("unread_for"), json::value(r.user_id));
  }
  // The author advanced before the counters were computed.
  for (const Received& r : news) {
    EXPECT_EQ(r.event.at("unread_count"), r.user_id == "alice" ? 101 : 100);
  }
  // Everybody concerned was watching: no notification.
  for (const Received& r : all) EXPECT_NE(r.event.at("type"), "notification.message_new");
}

TEST_F(MessageSendTest, MembersNotWatchingGetNotificationMessageNewWithTheirChannelView) {
  watches_.SetWatching("alice", "messaging:general", true);
  json::object sent = MustSend(As("alice"), R"({"id":"m1","text":"hi"})");
  std::vector<Received> notes;
  std::vector<Received> news;
  for (Received& r : channel_events_.Take()) {
    (r.event.at("type") == "message.new" ? news : notes).push_back(std::move(r));
  }
  ASSERT_EQ(Recipients(notes), (std::vector<std::string>{"bob", "carol"}));
  // The notification borrows the message and its user from message.new: both are whole in
  // the notification, the event and the response.
  EXPECT_EQ(sent.at("id"), "m1");
  EXPECT_EQ(sent.at("user").at("id"), "alice");
  ASSERT_EQ(Recipients(news), (std::vector<std::string>{"alice"}));
  EXPECT_EQ(news[0].event.at("message").at("text"), "hi");
  EXPECT_EQ(news[0].event.at("user").at("id"), "alice");
  for (const Received& r : notes) {
    EXPECT_EQ(r.event.at("type"), "notification.message_new");
    EXPECT_EQ(r.event.at("user").at("id"), "alice");
    EXPECT_EQ(r.event.at("message").at("user").at("id"), "alice");
    EXPECT_EQ(r.event.at("message").at("id"), "m1");
    EXPECT_EQ(r.event.at("cid"), "messaging:general");
    EXPECT_EQ(r.event.at("channel").at("reader"), json::value(r.user_id));
    EXPECT_EQ(r.event.at("channel").at("message_count"), 1);
    EXPECT_EQ(r.event.at("unread_for"), json::value(r.user_id));
    EXPECT_EQ(r.event.at("watcher_count"), 1);
  }
}

TEST_F(MessageSendTest, ANewMessageShowsAHiddenChannelAgain) {
  Member bob = StoredMember("general", "bob");
  bob.hidden = true;
  ASSERT_TRUE(store_->channels().UpsertMembers(app_.api_key, {bob}).ok());
  MustSend(As("alice"), R"({"text":"hi"})");
  EXPECT_FALSE(StoredMember("general", "bob").hidden);
  std::vector<Received> visible = SinkEvents("channel.visible");
  ASSERT_EQ(Recipients(visible), (std::vector<std::string>{"bob"}));
  EXPECT_EQ(visible[0].event.at("cid"), "messaging:general");
  EXPECT_EQ(visible[0].event.at("channel_id"), "general");
  EXPECT_EQ(visible[0].event.at("user").at("id"), "bob");
}

TEST_F(MessageSendTest, KeepChannelHiddenKeepsTheAuthorsOwnHiddenChannelHidden) {
  Member alice = StoredMember("general", "alice");
  alice.hidden = true;
  ASSERT_TRUE(store_->channels().UpsertMembers(app_.api_key, {alice}).ok());
  SendMessageOptions options;
  options.keep_channel_hidden = true;
  ASSERT_TRUE(service_
                  ->SendMessage(As("alice"), app_, "messaging", "general", Input(R"({"text":"x"})"),
                                options)
                  .ok());
  EXPECT_TRUE(StoredMember("general", "alice").hidden);
  EXPECT_TRUE(SinkEvents("channel.visible").empty());
}

TEST_F(MessageSendTest, SilentMessagesAreStoredAndBroadcast) {
  watches_.SetWatching("bob", "messaging:general", true);
  json::object m = MustSend(As("alice"), R"({"id":"s1","text":"psst","silent":true})");
  EXPECT_EQ(m.at("silent"), true);
  EXPECT_TRUE(Stored("s1")->silent);
  EXPECT_EQ(Recipients(Events("message.new")), (std::vector<std::string>{"bob"}));
}

TEST_F(MessageSendTest, ShadowedMessagesReachOnlyTheirAuthor) {
  Ban shadow;
  shadow.user_id = "bob";
  shadow.channel_cid = "messaging:general";
  shadow.shadow = true;
  ASSERT_TRUE(store_->moderation().UpsertBan(app_.api_key, shadow).ok());
  watches_.SetWatching("alice", "messaging:general", true);
  json::object m = MustSend(As("bob"), R"({"id":"sh","text":"spam"})");
  EXPECT_EQ(m.at("shadowed"), true);
  EXPECT_TRUE(channel_events_.Take().empty());
  EXPECT_EQ(Recipients(SinkEvents("message.new")), (std::vector<std::string>{"bob"}));
  auto r = service_->GetMessage(As("alice"), app_, "sh");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kDoesNotExist);
  EXPECT_TRUE(service_->GetMessage(As("bob"), app_, "sh").ok());
}

TEST_F(MessageSendTest, RepliesFormThreads) {
  watches_.SetWatching("carol", "messaging:general", true);
  MustSend(As("alice"), R"({"id":"p","text":"parent"})");
  channel_events_.Take();
  json::object r1 = MustSend(As("bob"), R"({"id":"r1","text":"reply","parent_id":"p"})");
  EXPECT_EQ(r1.at("type"), "reply");
  EXPECT_EQ(r1.at("parent_id"), "p");
  EXPECT_EQ(Stored("p")->reply_count, 1);

  // Watchers get the reply and the parent with its new reply_count.
  std::vector<Received> all = channel_events_.Take();
  int updated = 0, fresh = 0;
  for (const Received& r : all) {
    if (r.event.at("type") == "message.updated") {
      ++updated;
      EXPECT_EQ(r.event.at("message").at("id"), "p");
      EXPECT_EQ(r.event.at("message").at("reply_count"), 1);
      EXPECT_EQ(r.event.at("message").at("thread_participants").at(0).at("id"), "bob");
    }
    if (r.event.at("type") == "message.new") ++fresh;
    // A thread-only reply does not notify the channel list of members away.
    EXPECT_NE(r.event.at("type"), "notification.message_new");
  }
  EXPECT_EQ(updated, 1);
  EXPECT_EQ(fresh, 1);
  // The parent's author hears of it; the replier does not.
  std::vector<Received> thread = SinkEvents("notification.thread_message_new");
  ASSERT_EQ(Recipients(thread), (std::vector<std::string>{"alice"}));
  EXPECT_EQ(thread[0].event.at("thread_id"), "p");
  EXPECT_EQ(thread[0].event.at("message").at("id"), "r1");

  MustSend(As("carol"), R"({"id":"r2","text":"me too","parent_id":"p"})");
  EXPECT_EQ(Recipients(SinkEvents("notification.thread_message_new")),
            (std::vector<std::string>{"alice", "bob"}));
  // A reply also shown in the channel is a regular message.
  json::object shown =
      MustSend(As("bob"), R"({"id":"r3","text":"x","parent_id":"p","show_in_channel":true})");
  EXPECT_EQ(shown.at("type"), "regular");
  EXPECT_EQ(shown.at("show_in_channel"), true);
  // Members away hear of it too; that notification lends the message and its user back for
  // the thread's, which has them whole.
  EXPECT_FALSE(Events("notification.message_new").empty());
  std::vector<Received> shown_thread = SinkEvents("notification.thread_message_new");
  ASSERT_FALSE(shown_thread.empty());
  for (const Received& r : shown_thread) {
    EXPECT_EQ(r.event.at("user").at("id"), "bob");
    EXPECT_EQ(r.event.at("message").at("id"), "r3");
    EXPECT_EQ(r.event.at("message").at("user").at("id"), "bob");
  }
  EXPECT_EQ(Stored("p")->reply_count, 3);
  // Only messages in the channel list advance the author's read state.
  EXPECT_EQ(reads_.Locks().size(), 2u);
  EXPECT_EQ(StoredMember("general", "alice").last_read_message_id, "p");
  EXPECT_EQ(StoredMember("general", "bob").last_read_message_id, "r3");
  EXPECT_EQ(StoredMember("general", "carol").last_read_message_id, "");
}

TEST_F(MessageSendTest, ThreadRulesAreEnforced) {
  MustSend(As("alice"), R"({"id":"p","text":"parent"})");
  MustSend(As("bob"), R"({"id":"r1","text":"reply","parent_id":"p"})");
  MustSend(As("alice"), R"({"id":"elsewhere","text":"x"})", "other");

  auto r = Send(As("bob"), R"({"id":"rr","text":"nested","parent_id":"r1"})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kMultipleNestingLevel);
  EXPECT_EQ(r.error().http_status, 400);
  r = Send(As("bob"), R"({"id":"rr","text":"x","parent_id":"elsewhere"})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInput);
  r = Send(As("bob"), R"({"id":"rr","text":"x","parent_id":"nope"})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kDoesNotExist);
  r = Send(As("bob"), R"({"id":"rr","text":"x","quoted_message_id":"elsewhere"})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInput);
  EXPECT_FALSE(Stored("rr"));
  EXPECT_EQ(Stored("p")->reply_count, 1);

  MustSend(As("alice"), R"({"id":"shop1","text":"x"})", "shop", "commerce");
  clock_.Advance(1000);
  auto disabled = service_->SendMessage(As("bob"), app_, "commerce", "shop",
                                        Input(R"({"text":"x","parent_id":"shop1"})"));
  ASSERT_FALSE(disabled.ok());
  EXPECT_EQ(disabled.error().code, ErrorCode::kChannelFeatureNotSupported);
}

// The sender's response shows the sender's own reactions on the quoted message; the event
// every watcher receives shows nobody's, and is otherwise the same message.
TEST_F(MessageSendTest, QuotedMessagesAreRenderedInline) {
  watches_.SetWatching("alice", "messaging:general", true);
  MustSend(As("alice"), R"({"id":"q","text":"original"})");
  Reaction like;
  like.message_id = "q";
  like.user_id = "bob";
  like.type = "like";
  like.created_at = like.updated_at = kStart;
  ASSERT_TRUE(store_->messages().UpsertReaction(app_.api_key, like, false).ok());
  channel_events_.Take();
  json::object m = MustSend(As("bob"), R"({"id":"m","text":"quoting","quoted_message_id":"q"})");
  EXPECT_EQ(m.at("quoted_message_id"), "q");
  EXPECT_EQ(m.at("quoted_message").at("text"), "original");
  EXPECT_EQ(m.at("quoted_message").at("user").at("id"), "alice");
  ASSERT_EQ(m.at("quoted_message").at("own_reactions").as_array().size(), 1u);
  EXPECT_EQ(m.at("quoted_message").at("own_reactions").at(0).at("type"), "like");
  EXPECT_TRUE(m.at("own_reactions").as_array().empty());

  std::vector<Received> news = Events("message.new");
  ASSERT_EQ(news.size(), 1u);
  json::object seen = news[0].event.at("message").as_object();
  EXPECT_TRUE(seen.at("quoted_message").at("own_reactions").as_array().empty());
  EXPECT_EQ(news[0].event.at("user"), m.at("user"));
  seen["quoted_message"].as_object()["own_reactions"] = m.at("quoted_message").at("own_reactions");
  EXPECT_EQ(seen, m);
}

TEST_F(MessageSendTest, PinnedOnSendAndListedAsPinned) {
  json::object m = MustSend(As("alice"), R"({"id":"pin","text":"rules","pinned":true})");
  EXPECT_EQ(m.at("pinned"), true);
  EXPECT_EQ(m.at("pinned_at"), Time(kStart + 1000));
  EXPECT_EQ(m.at("pinned_by").at("id"), "alice");
  MustSend(As("alice"), R"({"id":"plain","text":"x"})");
  auto pinned = service_->GetPinnedMessages(As("bob"), app_, "messaging", "general", {});
  ASSERT_TRUE(pinned.ok());
  ASSERT_EQ(pinned->size(), 1u);
  EXPECT_EQ(pinned->at(0).at("id"), "pin");
}

TEST_F(MessageSendTest, FrozenChannelsAnswerClientsWithAnUnsavedErrorMessage) {
  Channel c = StoredChannel("messaging", "general");
  c.frozen = true;
  ASSERT_TRUE(store_->channels().UpdateChannel(app_.api_key, c).ok());
  json::object m = MustSend(As("bob"), R"({"id":"f1","text":"hello?"})");
  EXPECT_EQ(m.at("type"), "error");
  EXPECT_FALSE(Stored("f1"));
  EXPECT_TRUE(channel_events_.Take().empty());
  MustSend(As("admin"), R"({"id":"f2","text":"admins may"})");
  EXPECT_TRUE(Stored("f2"));
}

TEST_F(MessageSendTest, GetManyLeavesOutOtherChannelsAndKeepsCreationOrder) {
  MustSend(As("alice"), R"({"id":"a","text":"1"})");
  MustSend(As("alice"), R"({"id":"b","text":"2"})");
  MustSend(As("alice"), R"({"id":"x","text":"3"})", "other");
  auto r = service_->GetMessages(As("bob"), app_, "messaging", "general", {"b", "x", "a", "zz"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ(r->at(0).at("id"), "a");
  EXPECT_EQ(r->at(1).at("id"), "b");
  std::vector<std::string> many(101, "a");
  auto too_many = service_->GetMessages(As("bob"), app_, "messaging", "general", many);
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.error().code, ErrorCode::kInput);
  auto outsider = service_->GetMessages(As("dave"), app_, "messaging", "general", {"a"});
  ASSERT_FALSE(outsider.ok());
  EXPECT_EQ(outsider.error().code, ErrorCode::kNotAllowed);
}

TEST_F(MessageSendTest, RepliesArePaginatedAscending) {
  MustSend(As("alice"), R"({"id":"p","text":"parent"})");
  for (int i = 0; i < 30; ++i) {
    MustSend(As(i % 2 ? "bob" : "carol"),
             R"({"id":"r)" + std::to_string(i) + R"(","text":"x","parent_id":"p"})");
  }
  auto ids = [](const json::array& a) {
    std::vector<std::string> out;
    for (const json::value& v : a) out.emplace_back(v.at("id").as_string());
    return out;
  };
  MessagePage page;
  page.limit = 10;
  auto newest = service_->GetReplies(As("bob"), app_, "p", page);
  ASSERT_TRUE(newest.ok()) << newest.error().message;
  std::vector<std::string> want;
  for (int i = 20; i < 30; ++i) want.push_back("r" + std::to_string(i));
  EXPECT_EQ(ids(*newest), want);

  page.id_lt = "r20";
  auto older = service_->GetReplies(As("bob"), app_, "p", page);
  ASSERT_TRUE(older.ok());
  want.clear();
  for (int i = 10; i < 20; ++i) want.push_back("r" + std::to_string(i));
  EXPECT_EQ(ids(*older), want);

  page = {};
  page.limit = 5;
  page.id_gt = "r3";
  auto forward = service_->GetReplies(As("bob"), app_, "p", page);
  ASSERT_TRUE(forward.ok());
  EXPECT_EQ(ids(*forward), (std::vector<std::string>{"r4", "r5", "r6", "r7", "r8"}));
  auto desc = service_->GetReplies(As("bob"), app_, "p", page, /*descending=*/true);
  ASSERT_TRUE(desc.ok());
  EXPECT_EQ(ids(*desc), (std::vector<std::string>{"r8", "r7", "r6", "r5", "r4"}));

  page = {};
  page.limit = 301;
  EXPECT_FALSE(service_->GetReplies(As("bob"), app_, "p", page).ok());
  auto outsider = service_->GetReplies(As("dave"), app_, "p", MessagePage{});
  ASSERT_FALSE(outsider.ok());
  EXPECT_EQ(outsider.error().code, ErrorCode::kNotAllowed);
}

}  // namespace
}  // namespace eddy::server::testing
