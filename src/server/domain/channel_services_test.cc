// ChannelService wired with the real MessageService (MessageViews) and ReadService
// (ReadState), as the composition root wires them, over the real SQLite store: channel state,
// unread counts, hide/show and truncation agree across the three services.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

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

  // The new message's id.
  std::string Send(const std::string& user, const std::string& text,
                   const std::string& channel = "general") {
    clock_.Advance(1000);
    protocol::MessageInput in;
    in.text = text;
    auto r = s_->messages.SendMessage(Actor::ForUser(user), app_, "messaging", channel, in);
    EXPECT_TRUE(r.ok()) << r.error().message;
    clock_.Advance(1000);
    return r.ok() ? std::string(r->at("id").as_string()) : std::string();
  }

  json::object State(const std::string& user, const std::string& channel = "general") {
    GetOrCreateRequest r;
    r.options.messages.limit = 100;
    auto s = s_->channels.GetOrCreate(Actor::ForUser(user), app_, "messaging", channel, r);
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

// queryChannels renders the messages of its whole page together: each channel still gets its
// own messages, pinned messages and reactions, exactly as a query of that channel alone.
TEST_F(ChannelServicesTest, QueryChannelsGivesEveryChannelItsOwnMessages) {
  for (const char* id : {"second", "third"}) {
    GetOrCreateRequest r;
    r.data = protocol::ChannelInputFromJson(
                 ParseJsonObject(R"({"created_by_id":"alice","members":["alice","bob"]})").value())
                 .value();
    ASSERT_TRUE(s_->channels.GetOrCreate(Actor::Server(), app_, "messaging", id, r).ok());
  }
  const std::string g1 = Send("alice", "general one");
  const std::string g2 = Send("bob", "general two");
  Send("alice", "third one", "third");
  const std::string t2 = Send("bob", "third two", "third");
  Send("alice", "third three", "third");
  auto react = [&](const std::string& user, const std::string& message, const char* type) {
    protocol::ReactionInput in;
    in.type = type;
    ASSERT_TRUE(s_->messages.SendReaction(Actor::ForUser(user), app_, message, in, false).ok());
  };
  react("alice", g1, "love");
  react("bob", t2, "like");
  react("alice", t2, "like");
  MessagePatch pin;
  pin.set["pinned"] = true;
  ASSERT_TRUE(s_->messages.PartialUpdateMessage(Actor::ForUser("alice"), app_, g2, pin).ok());

  QueryChannelsOptions o;
  o.message_limit = 100;
  auto listed = s_->channels.QueryChannels(Actor::ForUser("bob"), app_, o, "");
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  ASSERT_EQ(listed->size(), 3u);
  std::map<std::string, std::vector<std::string>> texts;
  for (const json::value& v : *listed) {
    const json::object& state = v.as_object();
    const std::string id(state.at("channel").at("id").as_string());
    json::object alone = State("bob", id);
    EXPECT_EQ(state.at("messages"), alone.at("messages")) << id;
    EXPECT_EQ(state.at("pinned_messages"), alone.at("pinned_messages")) << id;
    for (const json::value& m : state.at("messages").as_array()) {
      texts[id].emplace_back(m.at("text").as_string());
    }
  }
  EXPECT_EQ(texts["general"], (std::vector<std::string>{"general one", "general two"}));
  EXPECT_EQ(texts["second"], std::vector<std::string>{});
  EXPECT_EQ(texts["third"], (std::vector<std::string>{"third one", "third two", "third three"}));
  for (const json::value& v : *listed) {
    const json::object& state = v.as_object();
    const std::string id(state.at("channel").at("id").as_string());
    const json::array& pinned = state.at("pinned_messages").as_array();
    ASSERT_EQ(pinned.size(), id == "general" ? 1u : 0u) << id;
    if (id == "general") {
      EXPECT_EQ(pinned.at(0).at("id").as_string(), g2);
    }
    for (const json::value& m : state.at("messages").as_array()) {
      const auto& counts = m.at("reaction_counts").as_object();
      const std::string id_of(m.at("id").as_string());
      if (id_of == g1) {
        EXPECT_EQ(counts, (json::object{{"love", 1}}));
      } else if (id_of == t2) {
        EXPECT_EQ(counts, (json::object{{"like", 2}}));
        EXPECT_EQ(m.at("own_reactions").as_array().size(), 1u);
      } else {
        EXPECT_TRUE(counts.empty()) << m.at("text");
      }
    }
  }
}

}  // namespace
}  // namespace eddy::server::testing
