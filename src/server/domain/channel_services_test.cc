// ChannelService wired with the real MessageService (MessageViews) and ReadService
// (ReadState), as the composition root wires them, over the real SQLite store: channel state,
// unread counts, hide/show and truncation agree across the three services.
#include <gtest/gtest.h>

#include "server/domain/channel_service.h"
#include "server/domain/channel_test_fakes.h"
#include "server/domain/message_service.h"
#include "server/domain/read_service.h"
#include "server/domain/user_test_fakes.h"
#include "server/storage/sqlite/sqlite_store.h"

namespace eddy::server::testing {
namespace {

constexpr Micros kStart = 1'700'000'000'000'000;

// The three services close a cycle of references, closed here the way serve.cc can: the
// channel service is constructed first with references to the later members.
struct Services {
  explicit Services(Store& store, Clock& clock)
      : channels(store, types, delivery, delivery, watches, messages, reads, presence, clock),
        reads(store, types, delivery, delivery, channels, clock, &presence),
        messages(store, types, delivery, delivery, watches, reads, channels, presence, clock) {}

  ChannelTypes types;
  FakeWatches watches;
  RecordingDelivery delivery{watches};
  FakePresence presence;
  ChannelService channels;
  ReadService reads;
  MessageService messages;
};

class ChannelServicesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenSqliteStore(":memory:").value();
    app_.api_key = "key";
    app_.api_secret = "secret";
    app_.created_at = kStart;
    ASSERT_TRUE(store_->apps().CreateApp(app_).ok());
    for (const char* id : {"alice", "bob"}) {
      User u;
      u.id = id;
      u.created_at = u.updated_at = kStart;
      ASSERT_TRUE(store_->users().UpsertUsers(app_.api_key, {u}).ok());
    }
    s_ = std::make_unique<Services>(*store_, clock_);
    GetOrCreateRequest r;
    r.data = protocol::ChannelInputFromJson(
                 ParseJsonObject(R"({"created_by_id":"alice","members":["alice","bob"]})").value())
                 .value();
    ASSERT_TRUE(s_->channels.GetOrCreate(Actor::Server(), app_, "messaging", "general", r).ok());
  }

  void Send(const std::string& user, const std::string& text) {
    clock_.Advance(1000);
    protocol::MessageInput in;
    in.text = text;
    auto r = s_->messages.SendMessage(Actor::ForUser(user), app_, "messaging", "general", in);
    ASSERT_TRUE(r.ok()) << r.error().message;
    clock_.Advance(1000);
  }

  json::object State(const std::string& user) {
    GetOrCreateRequest r;
    r.options.messages.limit = 100;
    auto s = s_->channels.GetOrCreate(Actor::ForUser(user), app_, "messaging", "general", r);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
    return s.ok() ? std::move(s).value() : json::object();
  }

  static std::int64_t UnreadOf(const json::object& state, std::string_view user) {
    for (const json::value& r : state.at("read").as_array()) {
      if (r.at("user").at("id").as_string() == user) return r.at("unread_messages").as_int64();
    }
    return -1;
  }

  std::vector<std::string> ChannelList(const std::string& user) {
    QueryChannelsOptions o;
    auto r = s_->channels.QueryChannels(Actor::ForUser(user), app_, o, "");
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    std::vector<std::string> out;
    if (r.ok()) {
      for (const json::value& c : *r) out.emplace_back(c.at("channel").at("cid").as_string());
    }
    return out;
  }

  std::unique_ptr<Store> store_;
  ManualClock clock_{kStart};
  App app_;
  std::unique_ptr<Services> s_;
};

TEST_F(ChannelServicesTest, StateRendersMessagesAndUnreadCounts) {
  Send("alice", "one");
  Send("alice", "two");
  json::object bob = State("bob");
  ASSERT_EQ(bob.at("messages").as_array().size(), 2u);
  EXPECT_EQ(bob.at("messages").at(0).at("text"), "one");
  EXPECT_EQ(bob.at("messages").at(0).at("user").at("id"), "alice");
  EXPECT_EQ(UnreadOf(bob, "bob"), 2);
  EXPECT_EQ(UnreadOf(bob, "alice"), 0);  // own messages never count
  ASSERT_TRUE(s_->reads.MarkRead(Actor::ForUser("bob"), app_, "messaging", "general", "", "").ok());
  EXPECT_EQ(UnreadOf(State("bob"), "bob"), 0);
}

TEST_F(ChannelServicesTest, HiddenChannelComesBackWithANewMessage) {
  ASSERT_TRUE(
      s_->channels.Hide(Actor::ForUser("bob"), app_, "messaging", "general", false, "").ok());
  EXPECT_TRUE(ChannelList("bob").empty());
  EXPECT_EQ(ChannelList("alice"), (std::vector<std::string>{"messaging:general"}));
  s_->delivery.Take();
  Send("alice", "ping");
  EXPECT_EQ(ChannelList("bob"), (std::vector<std::string>{"messaging:general"}));
  bool visible = false;
  for (const auto& d : s_->delivery.Take()) {
    visible = visible || (d.user_id == "bob" && d.event.at("type") == "channel.visible");
  }
  EXPECT_TRUE(visible);
}

TEST_F(ChannelServicesTest, TruncationHidesMessagesFromStateAndCounts) {
  Send("alice", "one");
  clock_.Advance(1000);
  ASSERT_TRUE(
      s_->channels.Truncate(Actor::ForUser("alice"), app_, "messaging", "general", {}).ok());
  Send("alice", "two");
  json::object bob = State("bob");
  ASSERT_EQ(bob.at("messages").as_array().size(), 1u);
  EXPECT_EQ(bob.at("messages").at(0).at("text"), "two");
  EXPECT_EQ(UnreadOf(bob, "bob"), 1);
}

}  // namespace
}  // namespace eddy::server::testing
