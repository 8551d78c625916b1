// The connect handler's realtime side effects, in process: a user's first connection and last
// close reach the connections following their presence (user.presence.changed), and a closing
// connection ends its watches with user.watching.stop to the remaining watchers.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "common/work_queue.h"
#include "protocol/jwt.h"
#include "server/api/authenticator.h"
#include "server/api/connect.h"
#include "server/domain/app_service.h"
#include "server/domain/channel_types.h"
#include "server/domain/read_service.h"
#include "server/domain/read_test_fakes.h"
#include "server/domain/user_service.h"
#include "server/domain/user_test_fakes.h"
#include "server/realtime/recording_socket.h"
#include "server/storage/sqlite/sqlite_store.h"

namespace eddy::server::api {
namespace {

constexpr Micros kStart = 1'700'000'000'000'000;
using realtime::testing::RecordingSocket;

class ConnectPresenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenSqliteStore(":memory:").value();
    apps_ = std::make_unique<AppService>(store_->apps(), clock_);
    app_ = apps_->CreateApp("test").value();
    users_ = std::make_unique<UserService>(*store_, hub_, hub_, clock_);
    auth_ = std::make_unique<Authenticator>(*apps_, store_->users(), clock_);
    reads_ = std::make_unique<ReadService>(*store_, types_, hub_, hub_, views_, clock_, &hub_);
    handler_ =
        std::make_unique<ConnectHandler>(*auth_, *users_, *reads_, types_, hub_, work_, clock_);
  }

  // Handshakes and closes post work that refers to the handler: finish it first.
  void TearDown() override { work_.Shutdown(); }

  struct Client {
    std::shared_ptr<RecordingSocket> socket;
    std::shared_ptr<transport::WebSocketSession> session;
    std::string connection_id;
  };

  // Opens a connection for `user_id` and waits (bounded) for its health.check.
  Client Connect(const std::string& user_id, const std::string& details = "") {
    Client c;
    c.socket = std::make_shared<RecordingSocket>();
    transport::HttpRequest upgrade;
    std::string json = R"({"user_id":")" + user_id + R"(","user_details":)" +
                       (details.empty() ? R"({"id":")" + user_id + "\"}" : details) + "}";
    upgrade.query = {{"json", json},
                     {"api_key", app_.api_key},
                     {"authorization", protocol::CreateUserToken(user_id, std::nullopt,
                                                                 std::nullopt, app_.api_secret)},
                     {"stream-auth-type", "jwt"}};
    c.session = handler_->OnOpen(c.socket, upgrade);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (c.socket->Frames().empty() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    Drain();
    auto events = c.socket->TakeEvents();
    EXPECT_EQ(events.size(), 1u);
    if (events.empty()) return c;
    EXPECT_EQ(events[0].at("type"), "health.check") << json::serialize(events[0]);
    if (events[0].contains("connection_id")) {
      c.connection_id = std::string(events[0].at("connection_id").as_string());
    }
    return c;
  }

  // Handshakes and closes' announcements run on the (single-thread, FIFO) work queue: once a
  // task posted now has run, every one posted before it has finished.
  void Drain() {
    std::promise<void> done;
    work_.Post([&done] { done.set_value(); });
    done.get_future().wait();
  }

  std::unique_ptr<Store> store_;
  testing::ManualClock clock_{kStart};
  std::unique_ptr<AppService> apps_;
  App app_;
  realtime::Hub hub_{10};
  std::unique_ptr<UserService> users_;
  std::unique_ptr<Authenticator> auth_;
  WorkQueue work_{1};
  ChannelTypes types_;
  testing::FakeChannelViews views_;
  std::unique_ptr<ReadService> reads_;
  std::unique_ptr<ConnectHandler> handler_;
};

TEST_F(ConnectPresenceTest, FirstConnectionAndLastCloseAreAnnounced) {
  Client bob = Connect("bob");
  ASSERT_FALSE(bob.connection_id.empty());
  hub_.FollowPresence(app_.api_key, bob.connection_id, {"alice"});

  Client alice1 = Connect("alice");
  auto online = bob.socket->TakeEvents();
  ASSERT_EQ(online.size(), 1u);
  EXPECT_EQ(online[0].at("type"), "user.presence.changed");
  EXPECT_EQ(online[0].at("user").at("id"), "alice");
  EXPECT_EQ(online[0].at("user").at("online"), true);

  Client alice2 = Connect("alice");  // not her first connection: nothing new
  EXPECT_TRUE(bob.socket->TakeEvents().empty());

  alice1.session->OnClose();  // she is still online through alice2
  Drain();
  EXPECT_TRUE(bob.socket->TakeEvents().empty());
  clock_.Advance(5'000'000);
  alice2.session->OnClose();
  Drain();
  auto offline = bob.socket->TakeEvents();
  ASSERT_EQ(offline.size(), 1u);
  EXPECT_EQ(offline[0].at("type"), "user.presence.changed");
  EXPECT_EQ(offline[0].at("user").at("online"), false);
  EXPECT_EQ(offline[0].at("user").at("last_active"), json::value(FormatTime(clock_.Now())));
  EXPECT_FALSE(hub_.IsOnline(app_.api_key, "alice"));
}

// The session keeps no copy of its user: a close describes the user as stored then.
TEST_F(ConnectPresenceTest, CloseAnnouncesTheUserAsItIsNow) {
  Client bob = Connect("bob");
  hub_.FollowPresence(app_.api_key, bob.connection_id, {"alice"});
  Client alice = Connect("alice", R"({"id":"alice","name":"Alice"})");
  bob.socket->TakeEvents();
  User renamed = store_->users().FindUser(app_.api_key, "alice").value().value();
  renamed.custom["name"] = "Alice B.";
  ASSERT_TRUE(store_->users().UpsertUsers(app_.api_key, {renamed}).ok());
  alice.session->OnClose();
  Drain();
  auto offline = bob.socket->TakeEvents();
  ASSERT_EQ(offline.size(), 1u);
  EXPECT_EQ(offline[0].at("user").at("name"), "Alice B.");
  EXPECT_EQ(offline[0].at("user").at("online"), false);
}

// The close's announcements wait their turn on the work queue: a reconnect that completed in
// the meantime means the user never looked offline.
TEST_F(ConnectPresenceTest, AReconnectBeforeTheCloseIsAnnouncedMeansNoOffline) {
  Client bob = Connect("bob");
  hub_.FollowPresence(app_.api_key, bob.connection_id, {"alice"});
  Client alice = Connect("alice");
  bob.socket->TakeEvents();
  std::promise<void> release;
  work_.Post([f = release.get_future().share()] { f.wait(); });
  alice.session->OnClose();  // its announcement is queued behind the blocked task
  auto again = std::make_shared<realtime::Connection>();
  again->id = "alice-again";
  again->app_key = app_.api_key;
  again->user_id = "alice";
  again->socket = std::make_shared<RecordingSocket>();
  ASSERT_NE(hub_.Add(again), realtime::Hub::AddResult::kTooMany);
  release.set_value();
  Drain();
  EXPECT_TRUE(bob.socket->TakeEvents().empty());
}

TEST_F(ConnectPresenceTest, InvisibleUsersAreNotAnnounced) {
  Client bob = Connect("bob");
  hub_.FollowPresence(app_.api_key, bob.connection_id, {"ghost"});
  Client ghost = Connect("ghost", R"({"id":"ghost","invisible":true})");
  ghost.session->OnClose();
  Drain();
  EXPECT_TRUE(bob.socket->TakeEvents().empty());
}

TEST_F(ConnectPresenceTest, ClosingEndsWatchesWithWatchingStop) {
  Client alice = Connect("alice");
  Client bob = Connect("bob");
  ASSERT_TRUE(hub_.Watch(app_.api_key, alice.connection_id, "messaging:general"));
  ASSERT_TRUE(hub_.Watch(app_.api_key, bob.connection_id, "messaging:general"));
  alice.session->OnClose();
  Drain();
  EXPECT_EQ(hub_.WatcherCount(app_.api_key, "messaging:general"), 1);
  auto got = bob.socket->TakeEvents();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].at("type"), "user.watching.stop");
  EXPECT_EQ(got[0].at("cid"), "messaging:general");
  EXPECT_EQ(got[0].at("watcher_count"), 1);
  EXPECT_EQ(got[0].at("user").at("id"), "alice");
  EXPECT_TRUE(alice.socket->TakeEvents().empty());
  alice.session->OnClose();  // a second close is harmless
  Drain();
  EXPECT_TRUE(bob.socket->TakeEvents().empty());
}

// A type without connect_events (gaming) announces no watching, closing included: the last
// of 10,000 viewers leaving must not cost 10,000 x 10,000 events.
TEST_F(ConnectPresenceTest, ClosingAnnouncesWatchingOnlyWhereConnectEventsAreOn) {
  Client alice = Connect("alice");
  Client bob = Connect("bob");
  for (const char* cid : {"gaming:arena", "livestream:show"}) {
    ASSERT_TRUE(hub_.Watch(app_.api_key, alice.connection_id, cid));
    ASSERT_TRUE(hub_.Watch(app_.api_key, bob.connection_id, cid));
  }
  alice.session->OnClose();
  Drain();
  EXPECT_EQ(hub_.WatcherCount(app_.api_key, "gaming:arena"), 1);
  auto got = bob.socket->TakeEvents();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].at("type"), "user.watching.stop");
  EXPECT_EQ(got[0].at("cid"), "livestream:show");
}

}  // namespace
}  // namespace eddy::server::api
