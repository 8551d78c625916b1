// Hubs of several nodes on one in-process bus: deliveries cross nodes once, per-recipient
// fields are recomputed by the receiving node, presence, watchers and connection limits are
// the cluster's.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "server/bus/local/local_event_bus.h"
#include "server/realtime/hub.h"
#include "server/realtime/recording_socket.h"

namespace eddy::server::realtime {
namespace {

using testing::Open;
using testing::RecordingSocket;

// Says which kind it was asked for, and for which channel, in the fields it returns.
class EchoResolver : public PersonalFieldsResolver {
 public:
  PersonalFields Resolve(std::string_view app_key, std::string_view cid,
                         PersonalKind kind) override {
    std::string tag = std::string(app_key) + "/" + std::string(cid) + "/" +
                      std::to_string(static_cast<int>(kind));
    return [tag](const std::string& user_id) {
      return json::object{{"resolved", tag}, {"for", user_id}};
    };
  }
};

// Waits for `n` events on the socket (delivery across nodes is asynchronous).
std::vector<json::object> Await(RecordingSocket& socket, size_t n) {
  std::vector<json::object> got;
  for (int i = 0; i < 500 && got.size() < n; ++i) {
    auto more = socket.TakeEvents();
    got.insert(got.end(), more.begin(), more.end());
    if (got.size() < n) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return got;
}

class ClusterTest : public ::testing::Test {
 protected:
  ClusterTest() {
    a_.ConnectBus(bus_a_, resolver_);
    b_.ConnectBus(bus_b_, resolver_);
  }

  // A marker through node a's channel topic: what a published before it has arrived at b.
  void Drain(RecordingSocket& on_b) {
    a_.ToWatchers("app", "messaging:sync", json::object{{"type", "marker"}});
    auto got = Await(on_b, 1);
    ASSERT_FALSE(got.empty());
  }

  // The buses are destroyed first: their threads deliver into the hubs.
  bus::LocalBusNetwork network_;
  EchoResolver resolver_;
  Hub a_{3}, b_{3};
  bus::LocalEventBus bus_a_{network_, "node-a"}, bus_b_{network_, "node-b"};
  const std::string cid_ = "messaging:general";
};

TEST_F(ClusterTest, ChannelEventsReachWatchersOnEveryNodeOnceWithTheirOwnFields) {
  auto alice = Open(a_, "a1", "app", "alice");
  auto bob = Open(b_, "b1", "app", "bob");
  auto carol = Open(b_, "c1", "app", "carol");  // on b, not watching
  ASSERT_TRUE(a_.Watch("app", "a1", cid_));
  ASSERT_TRUE(b_.Watch("app", "b1", cid_));
  json::object event{{"type", "message.new"}, {"cid", cid_}};
  a_.ToWatchers("app", cid_, event, [](const std::string& uid) {
    return json::object{{"local", uid}};
  });
  auto on_b = Await(*bob, 1);
  ASSERT_EQ(on_b.size(), 1u);
  EXPECT_EQ(on_b[0].at("type"), "message.new");
  EXPECT_EQ(on_b[0].at("resolved"), "app/messaging:general/1");  // kUnread, b's own
  EXPECT_EQ(on_b[0].at("for"), "bob");
  auto on_a = alice->TakeEvents();
  ASSERT_EQ(on_a.size(), 1u);  // the origin delivers once, with its closure's fields
  EXPECT_EQ(on_a[0].at("local"), "alice");
  EXPECT_FALSE(on_a[0].contains("resolved"));
  EXPECT_TRUE(carol->TakeEvents().empty());
}

TEST_F(ClusterTest, UserEventsReachTheUsersConnectionsOnOtherNodes) {
  auto bob = Open(b_, "b1", "app", "bob");
  auto bob2 = Open(a_, "b2", "app", "bob");
  json::object n{{"type", "notification.added_to_channel"}, {"cid", cid_}};
  a_.ToUsersPersonal("app", {"bob", "bob"}, n, [](const std::string&) {
    return json::object{{"local", true}};
  });
  auto got = Await(*bob, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].at("resolved"), "app/messaging:general/2");  // kChannelView
  EXPECT_EQ(bob2->TakeEvents().size(), 1u);
  a_.ToUsers("app", {"bob"}, json::object{{"type", "user.updated"}});
  got = Await(*bob, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_FALSE(got[0].contains("resolved"));
}

TEST_F(ClusterTest, PresenceAndConnectionLimitsAreTheClusters) {
  EXPECT_FALSE(a_.IsOnline("app", "bob"));
  auto bob = Open(b_, "b1", "app", "bob");
  EXPECT_TRUE(a_.IsOnline("app", "bob"));
  auto c = [](std::string id) {
    auto conn = std::make_shared<Connection>();
    conn->id = std::move(id);
    conn->app_key = "app";
    conn->user_id = "bob";
    conn->socket = std::make_shared<RecordingSocket>();
    return conn;
  };
  // Not the first: bob is online on b already.
  EXPECT_EQ(a_.Add(c("b2")), Hub::AddResult::kAdded);
  EXPECT_EQ(a_.Add(c("b3")), Hub::AddResult::kAdded);
  EXPECT_EQ(a_.Add(c("b4")), Hub::AddResult::kTooMany);  // 3 in all, the limit
  // Leaving a while still on b is no departure.
  EXPECT_FALSE(a_.Remove("b2").went_offline);
  EXPECT_FALSE(a_.Remove("b3").went_offline);
  EXPECT_TRUE(b_.Remove("b1").went_offline);
  EXPECT_FALSE(a_.IsOnline("app", "bob"));
}

TEST_F(ClusterTest, WatchersAreCountedAndListedAcrossNodes) {
  auto alice = Open(a_, "a1", "app", "alice");
  auto bob = Open(b_, "b1", "app", "bob");
  auto bob2 = Open(a_, "b2", "app", "bob");
  ASSERT_TRUE(a_.Watch("app", "a1", cid_));
  ASSERT_TRUE(b_.Watch("app", "b1", cid_));
  ASSERT_TRUE(a_.Watch("app", "b2", cid_));
  EXPECT_EQ(a_.WatcherCount("app", cid_), 2);
  EXPECT_EQ(b_.WatcherCount("app", cid_), 2);
  EXPECT_EQ(b_.Watchers("app", cid_, 10, 0), (std::vector<std::string>{"alice", "bob"}));
  EXPECT_EQ(b_.Watchers("app", cid_, 1, 1), std::vector<std::string>{"bob"});
  EXPECT_TRUE(b_.IsWatching("app", "alice", cid_));
  // bob still watches on b: leaving a is no stop for him.
  EXPECT_TRUE(a_.Remove("b2").stopped_watching.empty());
  Hub::Departure gone = a_.Remove("a1");
  ASSERT_EQ(gone.stopped_watching.size(), 1u);
  EXPECT_EQ(gone.stopped_watching[0].watcher_count, 1);
  EXPECT_EQ(b_.WatcherCount("app", cid_), 1);
}

TEST_F(ClusterTest, UnwatchAndDisconnectReachOtherNodes) {
  auto bob = Open(b_, "b1", "app", "bob");
  auto dave = Open(b_, "d1", "app", "dave");
  ASSERT_TRUE(b_.Watch("app", "b1", cid_));
  ASSERT_TRUE(b_.Watch("app", "d1", cid_));
  ASSERT_TRUE(b_.Watch("app", "d1", "messaging:sync"));
  a_.UnwatchUser("app", cid_, "bob");
  Drain(*dave);
  EXPECT_FALSE(b_.IsWatching("app", "bob", cid_));
  EXPECT_TRUE(b_.IsWatching("app", "dave", cid_));
  a_.UnwatchChannel("app", cid_);
  Drain(*dave);
  EXPECT_EQ(b_.WatcherCount("app", cid_), 0);
  a_.DisconnectUser("app", "bob", Error::NotAllowed("banned"), 0);
  for (int i = 0; i < 500 && bob->closed_with() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(bob->closed_with(), 1000);
  auto farewell = bob->TakeEvents();
  ASSERT_EQ(farewell.size(), 1u);
  EXPECT_EQ(farewell[0].at("type"), "connection.error");
}

TEST_F(ClusterTest, PresenceChangesReachFollowersOnOtherNodes) {
  auto carol = Open(b_, "c1", "app", "carol");
  b_.FollowPresence("app", "c1", {"alice"});
  a_.AnnouncePresence("app", json::object{{"id", "alice"}, {"online", true}}, 0);
  auto got = Await(*carol, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].at("type"), "user.presence.changed");
}

}  // namespace
}  // namespace eddy::server::realtime
