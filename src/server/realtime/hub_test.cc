// Hub bookkeeping: connections, presence, watches and follows.
#include "server/realtime/hub.h"

#include <gtest/gtest.h>

#include "server/realtime/recording_socket.h"

namespace eddy::server::realtime {
namespace {

using testing::Open;
using testing::RecordingSocket;

std::shared_ptr<Connection> Conn(std::string id, std::string app, std::string user,
                                 std::shared_ptr<RecordingSocket> socket) {
  auto c = std::make_shared<Connection>();
  c->id = std::move(id);
  c->app_key = std::move(app);
  c->user_id = std::move(user);
  c->socket = std::move(socket);
  return c;
}

TEST(HubTest, PresenceFollowsConnections) {
  Hub hub(10);
  auto s1 = std::make_shared<RecordingSocket>();
  auto s2 = std::make_shared<RecordingSocket>();
  EXPECT_EQ(hub.Add(Conn("c1", "app", "alice", s1)), Hub::AddResult::kFirstForUser);
  EXPECT_EQ(hub.Add(Conn("c2", "app", "alice", s2)), Hub::AddResult::kAdded);
  EXPECT_TRUE(hub.IsOnline("app", "alice"));
  EXPECT_FALSE(hub.IsOnline("other-app", "alice"));
  Hub::Departure d1 = hub.Remove("c1");
  ASSERT_TRUE(d1.connection);
  EXPECT_EQ(d1.connection->id, "c1");
  EXPECT_FALSE(d1.went_offline);
  EXPECT_TRUE(hub.IsOnline("app", "alice"));
  EXPECT_TRUE(hub.Remove("c2").went_offline);
  EXPECT_FALSE(hub.IsOnline("app", "alice"));
  Hub::Departure again = hub.Remove("c2");
  EXPECT_FALSE(again.connection);
  EXPECT_FALSE(again.went_offline);
  EXPECT_EQ(hub.connection_count(), 0u);
}

TEST(HubTest, EncodesOnceForAllRecipients) {
  Hub hub(10);
  auto a1 = Open(hub, "c1", "app", "alice");
  auto a2 = Open(hub, "c2", "app", "alice");
  auto b = Open(hub, "c3", "app", "bob");
  auto other_app = Open(hub, "c4", "app2", "alice");
  json::object event{{"type", "user.updated"}};
  hub.ToUsers("app", {"alice", "alice"}, event);  // a repeated id still means one frame
  ASSERT_EQ(a1->Frames().size(), 1u);
  ASSERT_EQ(a2->Frames().size(), 1u);
  EXPECT_EQ(a1->Frames()[0].get(), a2->Frames()[0].get());  // one shared buffer
  EXPECT_EQ(*a1->Frames()[0], R"({"type":"user.updated"})");
  EXPECT_TRUE(b->Frames().empty());
  EXPECT_TRUE(other_app->Frames().empty());
}

TEST(HubTest, LimitsConnectionsPerUser) {
  Hub hub(2);
  auto s = std::make_shared<RecordingSocket>();
  EXPECT_NE(hub.Add(Conn("c1", "app", "u", s)), Hub::AddResult::kTooMany);
  EXPECT_NE(hub.Add(Conn("c2", "app", "u", s)), Hub::AddResult::kTooMany);
  EXPECT_EQ(hub.Add(Conn("c3", "app", "u", s)), Hub::AddResult::kTooMany);
  EXPECT_EQ(hub.connection_count(), 2u);
}

TEST(HubTest, RefusesADuplicateConnectionId) {
  Hub hub(10);
  auto s = std::make_shared<RecordingSocket>();
  EXPECT_EQ(hub.Add(Conn("c1", "app", "u", s)), Hub::AddResult::kFirstForUser);
  EXPECT_EQ(hub.Add(Conn("c1", "app", "v", s)), Hub::AddResult::kTooMany);
  EXPECT_FALSE(hub.IsOnline("app", "v"));
  EXPECT_EQ(hub.ConnectionUser("app", "c1"), "u");
}

TEST(HubTest, WatchNeedsAnOpenConnectionOfTheApp) {
  Hub hub(10);
  Open(hub, "c1", "app", "alice");
  EXPECT_FALSE(hub.Watch("app", "nope", "messaging:general"));
  EXPECT_FALSE(hub.Watch("app2", "c1", "messaging:general"));  // c1 is another app's
  EXPECT_EQ(hub.WatcherCount("app", "messaging:general"), 0);
  EXPECT_TRUE(hub.Watch("app", "c1", "messaging:general"));
  EXPECT_TRUE(hub.Watch("app", "c1", "messaging:general"));  // idempotent
  EXPECT_EQ(hub.WatcherCount("app", "messaging:general"), 1);
  EXPECT_EQ(hub.WatcherCount("app2", "messaging:general"), 0);
  EXPECT_EQ(hub.ConnectionUser("app", "c1"), "alice");
  EXPECT_EQ(hub.ConnectionUser("app2", "c1"), "");
}

TEST(HubTest, WatcherCountCountsDistinctUsers) {
  Hub hub(10);
  Open(hub, "a1", "app", "alice");
  Open(hub, "a2", "app", "alice");
  Open(hub, "b1", "app", "bob");
  Open(hub, "c1", "app", "carol");
  const std::string cid = "messaging:general";
  ASSERT_TRUE(hub.Watch("app", "a1", cid));
  ASSERT_TRUE(hub.Watch("app", "a2", cid));
  ASSERT_TRUE(hub.Watch("app", "c1", cid));
  ASSERT_TRUE(hub.Watch("app", "b1", cid));
  EXPECT_EQ(hub.WatcherCount("app", cid), 3);
  EXPECT_EQ(hub.Watchers("app", cid, 10, 0), (std::vector<std::string>{"alice", "bob", "carol"}));
  EXPECT_EQ(hub.Watchers("app", cid, 1, 1), (std::vector<std::string>{"bob"}));
  EXPECT_TRUE(hub.Watchers("app", cid, 10, 3).empty());
  EXPECT_TRUE(hub.Watchers("app", cid, 0, 0).empty());
  EXPECT_TRUE(hub.Watchers("app", cid, 10, -1).empty());
  EXPECT_TRUE(hub.IsWatching("app", "alice", cid));
  EXPECT_FALSE(hub.IsWatching("app", "dave", cid));
  const std::vector<std::string_view> asked{"dave", "carol", "alice", "dave", "bob"};
  EXPECT_EQ(hub.IsWatchingEach("app", asked, cid),
            (std::vector<bool>{false, true, true, false, true}));
  EXPECT_EQ(hub.IsWatchingEach("app", asked, "messaging:other"), std::vector<bool>(5, false));
  EXPECT_EQ(hub.IsWatchingEach("other-app", asked, cid), std::vector<bool>(5, false));
  EXPECT_TRUE(hub.IsWatchingEach("app", {}, cid).empty());

  // One of alice's two connections stops: she still watches.
  EXPECT_TRUE(hub.Unwatch("app", "a1", cid));
  EXPECT_FALSE(hub.Unwatch("app", "a1", cid));
  EXPECT_TRUE(hub.IsWatching("app", "alice", cid));
  EXPECT_EQ(hub.WatcherCount("app", cid), 3);
  EXPECT_TRUE(hub.Unwatch("app", "a2", cid));
  EXPECT_FALSE(hub.IsWatching("app", "alice", cid));
  EXPECT_EQ(hub.IsWatchingEach("app", asked, cid),
            (std::vector<bool>{false, true, false, false, true}));
  EXPECT_EQ(hub.WatcherCount("app", cid), 2);
}

TEST(HubTest, RemoveDropsWatchesAndReportsChannelsTheUserLeft) {
  Hub hub(10);
  Open(hub, "a1", "app", "alice");
  Open(hub, "a2", "app", "alice");
  Open(hub, "b1", "app", "bob");
  ASSERT_TRUE(hub.Watch("app", "a1", "messaging:x"));
  ASSERT_TRUE(hub.Watch("app", "a1", "messaging:y"));
  ASSERT_TRUE(hub.Watch("app", "a2", "messaging:y"));
  ASSERT_TRUE(hub.Watch("app", "b1", "messaging:x"));

  Hub::Departure d = hub.Remove("a1");
  EXPECT_FALSE(d.went_offline);
  // alice still watches y through a2, so only x is reported, with bob left watching.
  ASSERT_EQ(d.stopped_watching.size(), 1u);
  EXPECT_EQ(d.stopped_watching[0].cid, "messaging:x");
  EXPECT_EQ(d.stopped_watching[0].watcher_count, 1);
  EXPECT_FALSE(hub.IsWatching("app", "alice", "messaging:x"));
  EXPECT_TRUE(hub.IsWatching("app", "alice", "messaging:y"));

  Hub::Departure d2 = hub.Remove("a2");
  EXPECT_TRUE(d2.went_offline);
  ASSERT_EQ(d2.stopped_watching.size(), 1u);
  EXPECT_EQ(d2.stopped_watching[0].cid, "messaging:y");
  EXPECT_EQ(d2.stopped_watching[0].watcher_count, 0);
  EXPECT_EQ(hub.WatcherCount("app", "messaging:y"), 0);
  EXPECT_EQ(hub.WatcherCount("app", "messaging:x"), 1);
  // A closed connection cannot be made to watch again.
  EXPECT_FALSE(hub.Watch("app", "a2", "messaging:y"));
}

TEST(HubTest, UnwatchChannelAndUnwatchUser) {
  Hub hub(10);
  Open(hub, "a1", "app", "alice");
  Open(hub, "a2", "app", "alice");
  Open(hub, "b1", "app", "bob");
  for (const char* c : {"a1", "a2", "b1"}) ASSERT_TRUE(hub.Watch("app", c, "messaging:x"));
  ASSERT_TRUE(hub.Watch("app", "a1", "messaging:z"));

  hub.UnwatchUser("app", "messaging:x", "alice");
  EXPECT_FALSE(hub.IsWatching("app", "alice", "messaging:x"));
  EXPECT_TRUE(hub.IsWatching("app", "alice", "messaging:z"));
  EXPECT_EQ(hub.WatcherCount("app", "messaging:x"), 1);
  EXPECT_FALSE(hub.Unwatch("app", "a2", "messaging:x"));  // the connection's own set is clean

  hub.UnwatchChannel("app", "messaging:x");
  EXPECT_EQ(hub.WatcherCount("app", "messaging:x"), 0);
  EXPECT_FALSE(hub.Unwatch("app", "b1", "messaging:x"));
  // Nothing is left to report when the connections close.
  EXPECT_TRUE(hub.Remove("b1").stopped_watching.empty());
  EXPECT_EQ(hub.Remove("a1").stopped_watching.size(), 1u);  // messaging:z
}

TEST(HubTest, WatchesPerConnectionAreBounded) {
  Hub hub(10);
  Open(hub, "a1", "app", "alice");
  for (size_t i = 0; i < Hub::kMaxWatchesPerConnection; ++i) {
    ASSERT_TRUE(hub.Watch("app", "a1", "messaging:c" + std::to_string(i)));
  }
  EXPECT_FALSE(hub.Watch("app", "a1", "messaging:one-too-many"));
  EXPECT_TRUE(hub.Watch("app", "a1", "messaging:c0"));  // an existing watch is still fine
  EXPECT_EQ(hub.Remove("a1").stopped_watching.size(), Hub::kMaxWatchesPerConnection);
}

TEST(HubTest, PresenceFollowersEndWithTheirConnection) {
  Hub hub(10);
  auto a = Open(hub, "a1", "app", "alice");
  auto b = Open(hub, "b1", "app", "bob");
  hub.FollowPresence("app", "a1", {"bob", "carol", "alice"});
  hub.FollowPresence("app2", "b1", {"alice"});  // wrong app: ignored
  json::object event{{"type", "user.presence.changed"}};
  hub.ToPresenceFollowers("app", "carol", event);
  EXPECT_EQ(a->TakeEvents().size(), 1u);
  hub.ToPresenceFollowers("app", "alice", event);  // nobody follows alice (not even herself)
  EXPECT_TRUE(a->TakeEvents().empty());
  EXPECT_TRUE(b->TakeEvents().empty());

  hub.Remove("a1");
  hub.ToPresenceFollowers("app", "carol", event);
  EXPECT_TRUE(a->TakeEvents().empty());
}

}  // namespace
}  // namespace eddy::server::realtime
