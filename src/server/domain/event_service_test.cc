// EventService against the real SQLite store (in memory), with recorded fan-out.
#include "server/domain/event_service.h"

#include <gtest/gtest.h>

#include "server/domain/read_test_fakes.h"
#include "server/domain/user_test_fakes.h"
#include "server/storage/sqlite/sqlite_store.h"

namespace eddy::server {
namespace {

constexpr Micros kStart = 1'700'000'000'000'000;
using Sent = testing::RecordingChannelEvents::Sent;

class EventServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenSqliteStore(":memory:").value();
    app_.api_key = "key1";
    app_.api_secret = "secret1";
    app_.created_at = kStart;
    ASSERT_TRUE(store_->apps().CreateApp(app_).ok());
    std::vector<User> users;
    for (const char* id : {"alice", "bob", "carol"}) {
      User u;
      u.id = id;
      u.created_at = u.updated_at = kStart;
      u.custom["name"] = std::string(id) + "!";
      users.push_back(u);
    }
    ASSERT_TRUE(store_->users().UpsertUsers(app_.api_key, users).ok());
    MakeChannel("messaging", "general", {"alice", "bob"});
    MakeChannel("messaging", "quiet", {"alice", "bob"},
                json::object{{"typing_events", false}, {"custom_events", false}});
    MakeChannel("livestream", "show", {"alice"});
    events_ = std::make_unique<EventService>(*store_, types_, channel_events_, clock_, &presence_);
  }

  void MakeChannel(std::string type, std::string id, std::vector<std::string> members,
                   json::object overrides = {}) {
    Channel c;
    c.type = std::move(type);
    c.id = std::move(id);
    c.created_at = c.updated_at = kStart;
    c.config_overrides = std::move(overrides);
    std::vector<Member> rows;
    for (const std::string& u : members) {
      Member m;
      m.channel_type = c.type;
      m.channel_id = c.id;
      m.user_id = u;
      m.created_at = m.updated_at = kStart;
      rows.push_back(m);
    }
    ASSERT_TRUE(store_->channels().CreateChannel(app_.api_key, c, rows).ok());
  }

  Result<json::object> Send(const Actor& actor, std::string_view type, std::string_view id,
                            std::string_view event) {
    return events_->SendEvent(actor, app_, type, id, ParseJsonObject(event).value());
  }

  static void ExpectError(const Result<json::object>& r, ErrorCode code) {
    ASSERT_FALSE(r.ok()) << json::serialize(*r);
    EXPECT_EQ(r.error().code, code) << r.error().message;
  }

  std::unique_ptr<Store> store_;
  App app_;
  ChannelTypes types_;
  testing::ManualClock clock_{kStart + 42};
  testing::RecordingChannelEvents channel_events_;
  testing::FakePresence presence_;
  std::unique_ptr<EventService> events_;
};

TEST_F(EventServiceTest, TypingGoesToWatchersWithServerFields) {
  presence_.SetOnline("key1", "alice", true);
  auto r = Send(Actor::ForUser("alice"), "messaging", "general",
                R"({"type":"typing.start","parent_id":"p1","cid":"messaging:fake",
                    "user":{"id":"alice","name":"forged"},"watcher_count":1000,"me":{}})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->at("type"), "typing.start");
  EXPECT_EQ(r->at("parent_id"), "p1");
  EXPECT_EQ(r->at("cid"), "messaging:general");
  EXPECT_EQ(r->at("channel_type"), "messaging");
  EXPECT_EQ(r->at("channel_id"), "general");
  EXPECT_EQ(r->at("created_at"), json::value(FormatTime(kStart + 42)));
  EXPECT_EQ(r->at("user").at("id"), "alice");
  EXPECT_EQ(r->at("user").at("name"), "alice!");  // the stored user, not the client's copy
  EXPECT_EQ(r->at("user").at("online"), true);
  EXPECT_FALSE(r->contains("watcher_count"));
  EXPECT_FALSE(r->contains("me"));
  auto sent = channel_events_.Take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].to, Sent::To::kWatchers);
  EXPECT_EQ(sent[0].cid_or_user, "messaging:general");
  EXPECT_EQ(sent[0].event, *r);
  EXPECT_FALSE(sent[0].personal);
}

TEST_F(EventServiceTest, CustomEventsKeepTheirData) {
  auto r = Send(Actor::ForUser("bob"), "messaging", "general",
                R"({"type":"friendship_request","payload":{"n":[1,2]},"text":"hi"})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->at("payload").at("n").as_array().size(), 2u);
  EXPECT_EQ(r->at("text"), "hi");
  EXPECT_EQ(r->at("user").at("id"), "bob");
  EXPECT_TRUE(Send(Actor::ForUser("bob"), "messaging", "general",
                   R"({"type":"ai_indicator.update","ai_state":"AI_STATE_THINKING"})")
                  .ok());
  EXPECT_EQ(channel_events_.Take().size(), 2u);
}

TEST_F(EventServiceTest, ReservedTypesAreRefused) {
  for (const char* type :
       {"message.new", "channel.updated", "notification.mark_read", "user.presence.changed",
        "health.check", "typing.sideways", "reaction.new", "member.added", "user.watching.start"}) {
    ExpectError(Send(Actor::ForUser("alice"), "messaging", "general",
                     std::string(R"({"type":")") + type + "\"}"),
                ErrorCode::kEventNotSupported);
  }
  EXPECT_TRUE(channel_events_.Take().empty());
}

TEST_F(EventServiceTest, BadInputIsRefused) {
  const Actor alice = Actor::ForUser("alice");
  ExpectError(Send(alice, "messaging", "general", R"({})"), ErrorCode::kInput);
  ExpectError(Send(alice, "messaging", "general", R"({"type":""})"), ErrorCode::kInput);
  ExpectError(Send(alice, "messaging", "general", R"({"type":7})"), ErrorCode::kInput);
  ExpectError(Send(alice, "messaging", "general", R"({"type":"has space"})"), ErrorCode::kInput);
  ExpectError(Send(alice, "messaging", "general", R"({"type":"typing.start","parent_id":3})"),
              ErrorCode::kInput);
  std::string big =
      R"({"type":"custom","blob":")" + std::string(EventService::kMaxEventBytes, 'x') + "\"}";
  ExpectError(Send(alice, "messaging", "general", big), ErrorCode::kInput);
  ExpectError(Send(alice, "nope", "general", R"({"type":"typing.start"})"),
              ErrorCode::kDoesNotExist);
  ExpectError(Send(alice, "messaging", "missing", R"({"type":"typing.start"})"),
              ErrorCode::kDoesNotExist);
  EXPECT_TRUE(channel_events_.Take().empty());
}

TEST_F(EventServiceTest, SenderMustBeAllowed) {
  ExpectError(Send(Actor::ForUser("carol"), "messaging", "general", R"({"type":"typing.start"})"),
              ErrorCode::kNotAllowed);
  ExpectError(Send(Actor::ForUser("alice"), "messaging", "general",
                   R"({"type":"typing.start","user_id":"bob"})"),
              ErrorCode::kNotAllowed);
  EXPECT_TRUE(channel_events_.Take().empty());
  // Public types take events from anyone in the app (livestream has custom events on).
  EXPECT_TRUE(Send(Actor::ForUser("carol"), "livestream", "show", R"({"type":"cheer"})").ok());
}

TEST_F(EventServiceTest, ConfigFlagsAreHonoured) {
  ExpectError(Send(Actor::ForUser("alice"), "messaging", "quiet", R"({"type":"typing.start"})"),
              ErrorCode::kChannelFeatureNotSupported);
  ExpectError(Send(Actor::ForUser("alice"), "messaging", "quiet", R"({"type":"custom"})"),
              ErrorCode::kChannelFeatureNotSupported);
  // livestream's default config has typing events off.
  ExpectError(Send(Actor::ForUser("alice"), "livestream", "show", R"({"type":"typing.stop"})"),
              ErrorCode::kChannelFeatureNotSupported);
  EXPECT_TRUE(channel_events_.Take().empty());
}

TEST_F(EventServiceTest, ServerSideNamesTheSender) {
  ExpectError(Send(Actor::Server(), "messaging", "general", R"({"type":"typing.start"})"),
              ErrorCode::kInput);
  ExpectError(Send(Actor::Server(), "messaging", "general",
                   R"({"type":"typing.start","user_id":"nobody"})"),
              ErrorCode::kDoesNotExist);
  auto r = Send(Actor::Server(), "messaging", "general",
                R"({"type":"typing.start","user":{"id":"carol"}})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->at("user").at("id"), "carol");
  auto anon = Send(Actor::Server(), "messaging", "general", R"({"type":"announcement"})");
  ASSERT_TRUE(anon.ok()) << anon.error().message;
  EXPECT_FALSE(anon->contains("user"));
}

}  // namespace
}  // namespace eddy::server
