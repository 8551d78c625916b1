// In-process API tests of the read-state and channel-event routes: requests go through the
// Router into the real services, the real SQLite store (in memory) and the real hub, whose
// recording sockets show what every connection receives.
#include <gtest/gtest.h>

#include <memory>

#include "server/api/api_test_support.h"
#include "server/api/events.h"
#include "server/api/reads.h"
#include "server/api/router.h"
#include "server/domain/app_service.h"
#include "server/domain/event_service.h"
#include "server/domain/read_service.h"
#include "server/domain/read_test_fakes.h"
#include "server/domain/user_test_fakes.h"
#include "server/realtime/hub.h"
#include "server/realtime/recording_socket.h"
#include "server/storage/sqlite/sqlite_store.h"

namespace eddy::server::api {
namespace {

constexpr Micros kStart = 1'700'000'000'000'000;
using realtime::testing::RecordingSocket;
using Query = RouteCaller::Query;

class ReadsApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenSqliteStore(":memory:").value();
    apps_ = std::make_unique<AppService>(store_->apps(), clock_);
    app_key_ = apps_->CreateApp("test").value().api_key;
    std::vector<server::User> users;
    for (const char* id : {"alice", "bob", "carol"}) {
      server::User u;
      u.id = id;
      u.created_at = u.updated_at = kStart;
      users.push_back(u);
    }
    ASSERT_TRUE(store_->users().UpsertUsers(app_key_, users).ok());
    reads_ = std::make_unique<ReadService>(*store_, types_, hub_, hub_, views_, clock_, &hub_);
    events_ = std::make_unique<EventService>(*store_, types_, hub_, clock_, &hub_);
    RegisterReadRoutes(router_, *reads_);
    RegisterEventRoutes(router_, *events_);

    general_ = MakeChannel("general", {"alice", "bob"});
    alice_ = realtime::testing::Open(hub_, "a1", app_key_, "alice");
    bob_ = realtime::testing::Open(hub_, "b1", app_key_, "bob");
    carol_ = realtime::testing::Open(hub_, "c1", app_key_, "carol");
    ASSERT_TRUE(hub_.Watch(app_key_, "a1", "messaging:general"));
    ASSERT_TRUE(hub_.Watch(app_key_, "b1", "messaging:general"));
  }

  Channel MakeChannel(std::string id, std::vector<std::string> members) {
    Channel c;
    c.type = "messaging";
    c.id = std::move(id);
    c.created_at = c.updated_at = Tick();
    std::vector<Member> rows;
    for (const std::string& u : members) {
      Member m;
      m.channel_type = c.type;
      m.channel_id = c.id;
      m.user_id = u;
      m.created_at = m.updated_at = c.created_at;
      rows.push_back(m);
    }
    EXPECT_TRUE(store_->channels().CreateChannel(app_key_, c, rows).ok());
    return c;
  }

  Micros Tick() {
    clock_.Advance(1000);
    return clock_.Now();
  }

  Message Send(const Channel& c, std::string user) {
    Message m;
    m.id = "m" + std::to_string(++next_id_);
    m.channel_type = c.type;
    m.channel_id = c.id;
    m.user_id = std::move(user);
    m.created_at = m.updated_at = Tick();
    EXPECT_TRUE(store_->messages().InsertMessage(app_key_, m).ok());
    return m;
  }

  // An event in `c` through the hub as the message service sends message.new: one shared
  // event, each watcher's counters added.
  void ToWatchersWithCounters(const Channel& c, const json::object& event) {
    hub_.ToWatchers(app_key_, c.cid(), event,
                    reads_->UnreadFields(*apps_->Find(app_key_).value(), c));
  }

  Channel Reload(const Channel& c) {
    return store_->channels().GetChannel(app_key_, c.type, c.id).value().value();
  }

  Caller Server() { return Make(Caller::Kind::kServer, ""); }
  Caller User(std::string id) { return Make(Caller::Kind::kUser, std::move(id)); }
  Caller Make(Caller::Kind kind, std::string id) {
    Caller c;
    c.kind = kind;
    c.app = apps_->Find(app_key_).value();
    c.user_id = std::move(id);
    return c;
  }

  Result<ApiResponse> Call(const std::string& method, const std::string& path, Caller caller,
                           std::string_view body = "", Query query = {}) {
    return caller_.Call(method, path, std::move(caller), body, std::move(query));
  }

  json::object Ok(Result<ApiResponse> r, int status) {
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    if (!r.ok()) return {};
    EXPECT_EQ(r->status, status);
    return std::move(r->body);
  }

  static void ExpectError(const Result<ApiResponse>& r, ErrorCode code) {
    ASSERT_FALSE(r.ok()) << json::serialize(r->body);
    EXPECT_EQ(r.error().code, code) << r.error().message;
  }

  static std::vector<std::string> Types(const std::vector<json::object>& events) {
    std::vector<std::string> out;
    for (const auto& e : events) out.emplace_back(e.at("type").as_string());
    return out;
  }

  std::unique_ptr<Store> store_;
  std::unique_ptr<AppService> apps_;
  std::string app_key_;
  ChannelTypes types_;
  testing::ManualClock clock_{kStart};
  realtime::Hub hub_{10};
  testing::FakeChannelViews views_;
  std::unique_ptr<ReadService> reads_;
  std::unique_ptr<EventService> events_;
  Router router_;
  RouteCaller caller_{router_};
  Channel general_;
  std::shared_ptr<RecordingSocket> alice_, bob_, carol_;
  int next_id_ = 0;
};

TEST_F(ReadsApiTest, MarkReadTellsWatchersAndTheReader) {
  Send(general_, "bob");
  Message last = Send(general_, "bob");
  json::object body =
      Ok(Call("POST", "/channels/messaging/general/read", User("alice"), "{}"), 201);
  const json::object& event = body.at("event").as_object();
  EXPECT_EQ(event.at("type"), "message.read");
  EXPECT_EQ(event.at("last_read_message_id"), json::value(last.id));
  EXPECT_EQ(event.at("user").at("online"), true);  // alice has a connection

  auto to_alice = alice_->TakeEvents();
  EXPECT_EQ(Types(to_alice), (std::vector<std::string>{"message.read", "notification.mark_read"}));
  EXPECT_EQ(to_alice[0], event);
  EXPECT_EQ(to_alice[1].at("total_unread_count"), 0);
  EXPECT_EQ(to_alice[1].at("unread_channels"), 0);
  auto to_bob = bob_->TakeEvents();
  EXPECT_EQ(Types(to_bob), std::vector<std::string>{"message.read"});
  EXPECT_TRUE(carol_->TakeEvents().empty());
}

TEST_F(ReadsApiTest, UnreadEndpointShape) {
  Channel other = MakeChannel("other", {"alice", "carol"});
  Send(general_, "bob");
  Send(general_, "bob");
  Send(other, "carol");
  json::object body = Ok(Call("GET", "/unread", User("alice")), 200);
  EXPECT_EQ(body.at("total_unread_count"), 3);
  EXPECT_EQ(body.at("total_unread_threads_count"), 0);
  EXPECT_TRUE(body.at("threads").as_array().empty());
  const json::array& channels = body.at("channels").as_array();
  ASSERT_EQ(channels.size(), 2u);
  EXPECT_EQ(channels[0].at("channel_id"), "messaging:general");
  EXPECT_EQ(channels[0].at("unread_count"), 2);
  EXPECT_TRUE(ParseTime(channels[0].at("last_read").as_string()).has_value());
  EXPECT_EQ(channels[1].at("channel_id"), "messaging:other");
  const json::array& by_type = body.at("channel_type").as_array();
  ASSERT_EQ(by_type.size(), 1u);
  EXPECT_EQ(by_type[0].at("channel_type"), "messaging");
  EXPECT_EQ(by_type[0].at("channel_count"), 2);
  EXPECT_EQ(by_type[0].at("unread_count"), 3);

  json::object server = Ok(Call("GET", "/unread", Server(), "", {{"user_id", "carol"}}), 200);
  EXPECT_EQ(server.at("total_unread_count"), 0);
  ExpectError(Call("GET", "/unread", Server()), ErrorCode::kInput);
  ExpectError(Call("GET", "/unread", User("bob"), "", {{"user_id", "alice"}}),
              ErrorCode::kNotAllowed);
}

TEST_F(ReadsApiTest, MarkUnreadAndMarkAllRead) {
  Message m1 = Send(general_, "bob");
  Message m2 = Send(general_, "bob");
  Ok(Call("POST", "/channels/read", User("alice"), "{}"), 201);
  EXPECT_EQ(Types(alice_->TakeEvents()),
            (std::vector<std::string>{"message.read", "notification.mark_read"}));
  EXPECT_EQ(Types(bob_->TakeEvents()), std::vector<std::string>{"message.read"});

  Ok(Call("POST", "/channels/messaging/general/unread", User("alice"),
          R"({"message_id":")" + m2.id + "\"}"),
     201);
  auto got = alice_->TakeEvents();
  ASSERT_EQ(Types(got), std::vector<std::string>{"notification.mark_unread"});
  EXPECT_EQ(got[0].at("unread_messages"), 1);
  EXPECT_EQ(got[0].at("last_read_message_id"), json::value(m1.id));
  EXPECT_EQ(got[0].at("first_unread_message_id"), json::value(m2.id));
  EXPECT_TRUE(bob_->TakeEvents().empty());  // marking unread is private

  Ok(Call("POST", "/channels/read", User("alice"),
          R"({"read_by_channel":{"messaging:general":")" + m2.id + "\"}}"),
     201);
  EXPECT_EQ(Ok(Call("GET", "/unread", User("alice")), 200).at("total_unread_count"), 0);

  ExpectError(Call("POST", "/channels/messaging/general/unread", User("alice"), "{}"),
              ErrorCode::kInput);
  ExpectError(Call("POST", "/channels/messaging/general/unread", User("alice"),
                   R"({"message_timestamp":"yesterday"})"),
              ErrorCode::kInput);
  ExpectError(Call("POST", "/channels/read", User("alice"),
                   R"({"read_by_channel":{"messaging:general":5}})"),
              ErrorCode::kInput);
}

TEST_F(ReadsApiTest, ReadRouteErrors) {
  Channel other = MakeChannel("other", {"alice"});
  Message foreign = Send(other, "alice");
  ExpectError(Call("POST", "/channels/messaging/general/read", User("alice"),
                   R"({"message_id":")" + foreign.id + "\"}"),
              ErrorCode::kInput);
  ExpectError(Call("POST", "/channels/nope/general/read", User("alice"), "{}"),
              ErrorCode::kDoesNotExist);
  ExpectError(Call("POST", "/channels/messaging/general/read", User("carol"), "{}"),
              ErrorCode::kNotAllowed);
  ExpectError(
      Call("POST", "/channels/messaging/general/read", User("alice"), R"({"message_id":7})"),
      ErrorCode::kInput);
  // Thread reads are accepted and change nothing.
  json::object thread = Ok(
      Call("POST", "/channels/messaging/general/read", User("alice"), R"({"thread_id":"x"})"), 201);
  EXPECT_TRUE(thread.at("event").is_null());
  EXPECT_TRUE(alice_->TakeEvents().empty());
  EXPECT_TRUE(bob_->TakeEvents().empty());
}

TEST_F(ReadsApiTest, MarkDeliveredTellsTheWatchers) {
  Message m = Send(general_, "bob");
  json::object body = Ok(
      Call("POST", "/channels/delivered", User("alice"),
           R"({"latest_delivered_messages":[{"cid":"messaging:general","id":")" + m.id + "\"}]}"),
      201);
  EXPECT_TRUE(body.empty());
  auto to_bob = bob_->TakeEvents();
  ASSERT_EQ(Types(to_bob), std::vector<std::string>{"message.delivered"});
  EXPECT_EQ(to_bob[0].at("user").at("id"), "alice");
  EXPECT_EQ(to_bob[0].at("cid"), "messaging:general");
  EXPECT_EQ(to_bob[0].at("last_delivered_message_id"), json::value(m.id));
  EXPECT_EQ(to_bob[0].at("last_delivered_at"), to_bob[0].at("created_at"));
  EXPECT_EQ(Types(alice_->TakeEvents()), std::vector<std::string>{"message.delivered"});
  EXPECT_TRUE(carol_->TakeEvents().empty());
  auto row = store_->channels().GetMember(app_key_, "messaging", "general", "alice");
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ((*row)->last_delivered_message_id, m.id);
}

TEST_F(ReadsApiTest, MarkDeliveredRouteErrors) {
  Message m = Send(general_, "bob");
  auto post = [&](Caller caller, const std::string& body) {
    return Call("POST", "/channels/delivered", std::move(caller), body);
  };
  const std::string entry = R"({"cid":"messaging:general","id":")" + m.id + "\"}";
  ExpectError(post(User("alice"), "{}"), ErrorCode::kInput);
  ExpectError(post(User("alice"), R"({"latest_delivered_messages":{}})"), ErrorCode::kInput);
  ExpectError(post(User("alice"), R"({"latest_delivered_messages":["messaging:general"]})"),
              ErrorCode::kInput);
  ExpectError(post(User("alice"), R"({"latest_delivered_messages":[{"cid":1,"id":"x"}]})"),
              ErrorCode::kInput);
  ExpectError(post(User("alice"), R"({"latest_delivered_messages":[{"cid":"messaging:general"}]})"),
              ErrorCode::kInput);
  std::string many = R"({"latest_delivered_messages":[)";
  for (std::size_t i = 0; i <= kMaxDeliveredMessages; ++i) many += (i ? "," : "") + entry;
  ExpectError(post(User("alice"), many + "]}"), ErrorCode::kInput);
  ExpectError(post(Server(), R"({"latest_delivered_messages":[)" + entry + "]}"),
              ErrorCode::kInput);
  ExpectError(post(User("carol"), R"({"latest_delivered_messages":[)" + entry + "]}"),
              ErrorCode::kNotAllowed);
  ExpectError(
      post(User("alice"),
           R"({"latest_delivered_messages":[{"cid":"messaging:nope","id":")" + m.id + "\"}]}"),
      ErrorCode::kDoesNotExist);
  EXPECT_TRUE(alice_->TakeEvents().empty());
  EXPECT_TRUE(bob_->TakeEvents().empty());

  Ok(post(Server(), R"({"user_id":"bob","latest_delivered_messages":[)" + entry + "]}"), 201);
  auto to_alice = alice_->TakeEvents();
  ASSERT_EQ(Types(to_alice), std::vector<std::string>{"message.delivered"});
  EXPECT_EQ(to_alice[0].at("user").at("id"), "bob");
}

TEST_F(ReadsApiTest, TypingReachesWatchersOnly) {
  json::object body = Ok(Call("POST", "/channels/messaging/general/event", User("alice"),
                              R"({"event":{"type":"typing.start","parent_id":"p"}})"),
                         201);
  EXPECT_EQ(body.at("event").at("type"), "typing.start");
  EXPECT_EQ(body.at("event").at("user").at("id"), "alice");
  for (const auto& socket : {alice_, bob_}) {
    auto got = socket->TakeEvents();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0], body.at("event"));
  }
  EXPECT_TRUE(carol_->TakeEvents().empty());

  json::object server = Ok(Call("POST", "/channels/messaging/general/event", Server(),
                                R"({"event":{"type":"typing.stop"},"user_id":"bob"})"),
                           201);
  EXPECT_EQ(server.at("event").at("user").at("id"), "bob");

  ExpectError(Call("POST", "/channels/messaging/general/event", User("alice"), "{}"),
              ErrorCode::kInput);
  ExpectError(Call("POST", "/channels/messaging/general/event", User("alice"),
                   R"({"event":{"type":"message.new"}})"),
              ErrorCode::kEventNotSupported);
}

TEST_F(ReadsApiTest, PersonalUnreadFieldsThroughTheHub) {
  // What the message service does for message.new: one shared event, each watcher's counters.
  Channel other = MakeChannel("other", {"alice", "carol"});
  Send(other, "carol");
  Message m = Send(general_, "bob");
  Channel general = Reload(general_);
  json::object event{{"type", "message.new"},
                     {"cid", general.cid()},
                     {"message", json::object{{"id", m.id}, {"text", "a \"quoted\" }"}}}};
  ToWatchersWithCounters(general, event);
  auto a = alice_->TakeEvents();
  auto b = bob_->TakeEvents();
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(a[0].at("message").at("text"), "a \"quoted\" }");
  EXPECT_EQ(a[0].at("unread_count"), 1);
  EXPECT_EQ(a[0].at("total_unread_count"), 2);
  EXPECT_EQ(a[0].at("unread_channels"), 2);
  EXPECT_EQ(b[0].at("unread_count"), 0);
  EXPECT_EQ(b[0].at("total_unread_count"), 0);
  EXPECT_EQ(b[0].at("unread_channels"), 0);
  EXPECT_TRUE(carol_->TakeEvents().empty());
}

TEST_F(ReadsApiTest, EachRecipientsTotalsCountTheirOtherChannelsButNotTheMutedOnes) {
  // Recipients sharing other channels: those are read once for all of them, and each
  // recipient's totals still leave out the channels that recipient muted.
  Channel other = MakeChannel("other", {"alice", "bob", "carol"});
  Channel third = MakeChannel("third", {"alice", "bob", "carol"});
  Send(other, "carol");
  Send(third, "carol");
  Send(third, "carol");
  ChannelMute mute;
  mute.user_id = "alice";
  mute.channel_cid = third.cid();
  mute.created_at = mute.updated_at = Tick();
  ASSERT_TRUE(store_->moderation().UpsertChannelMute(app_key_, mute).ok());
  Send(general_, "bob");
  Channel general = Reload(general_);
  json::object event{{"type", "message.new"}, {"cid", general.cid()}};
  ToWatchersWithCounters(general, event);
  auto a = alice_->TakeEvents();
  auto b = bob_->TakeEvents();
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(a[0].at("unread_count"), 1);        // bob's message in general
  EXPECT_EQ(a[0].at("total_unread_count"), 2);  // and carol's in other; third is muted
  EXPECT_EQ(a[0].at("unread_channels"), 2);
  EXPECT_EQ(b[0].at("unread_count"), 0);        // his own
  EXPECT_EQ(b[0].at("total_unread_count"), 3);  // other's one and third's two
  EXPECT_EQ(b[0].at("unread_channels"), 2);
}

}  // namespace
}  // namespace eddy::server::api
