// Three real `eddy serve` nodes sharing one PostgreSQL (the CTest fixture `postgres`) and one
// Redis (a redis-server of the test's own, so it can be restarted): users connected to
// different nodes chat in one channel and every event reaches the right connections on every
// node, once, with the recipient's own fields; presence and watcher counts agree across
// nodes; a killed node's clients continue on another node and a Redis restart loses no
// acknowledged message.
#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <set>
#include <string>

#include "integration/events.h"
#include "integration/harness.h"
#include "integration/http_client.h"
#include "multinode/redis_process.h"
#include "protocol/jwt.h"
#include "server/storage/postgres/postgres_test_schema.h"

namespace eddy::testing {
namespace {

constexpr char kChannel[] = "/channels/messaging/team";

class MultiNodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(schema_.error(), "");
    ASSERT_TRUE(redis_.Start());
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(StartNode(i));
    key_ = nodes_[0].api_key();
    secret_ = nodes_[0].api_secret();
    ASSERT_FALSE(secret_.empty()) << nodes_[0].stdout_text();
  }

  bool StartNode(int i) {
    return nodes_[i].Start({"--store", schema_.url(), "--store-pool-size", "2", "--bus",
                            redis_.url(), "--node-id", "node" + std::to_string(i + 1)});
  }

  // A call on node `n` by `user` (empty: the backend) over `conn`'s connection, if any.
  HttpResult Call(int n, const std::string& user, const std::string& method,
                  const std::string& path, const std::string& body = "",
                  EventClient* conn = nullptr, Params extra = {}) {
    Params params = {{"api_key", key_}};
    params.insert(params.end(), extra.begin(), extra.end());
    if (!user.empty()) params.push_back({"user_id", user});
    if (conn != nullptr) params.push_back({"connection_id", conn->connection_id()});
    std::string token = user.empty() ? protocol::CreateServerToken(secret_)
                                     : protocol::CreateUserToken(user, {}, {}, secret_);
    HttpClient http(nodes_[n].port());
    return http.Request(method, Target(path, params), body,
                        {{"Authorization", token}, {"stream-auth-type", "jwt"}});
  }

  std::unique_ptr<EventClient> Connect(int n, const std::string& user) {
    std::string json_param =
        R"({"user_id":")" + user + R"(","user_details":{"id":")" + user + R"("}})";
    auto c = std::make_unique<EventClient>();
    std::string token = protocol::CreateUserToken(user, {}, {}, secret_);
    EXPECT_TRUE(c->Connect(nodes_[n].port(), Target("/connect", {{"json", json_param},
                                                                 {"api_key", key_},
                                                                 {"authorization", token},
                                                                 {"stream-auth-type", "jwt"}})))
        << user << " on node " << n + 1;
    return c;
  }

  void CreateTeam() {
    auto r = Call(0, "", "POST", "/users",
                  R"({"users":{"alice":{"id":"alice"},"bob":{"id":"bob"},"carol":{"id":"carol"},
                      "dave":{"id":"dave"}}})");
    ASSERT_EQ(r.status / 100, 2) << r.body;
    r = Call(0, "", "POST", std::string(kChannel) + "/query",
             R"({"data":{"created_by_id":"alice","members":["alice","bob","carol"]}})");
    ASSERT_EQ(r.status / 100, 2) << r.body;
  }

  // `user` on node `n` watches the team channel; returns the query's watcher_count.
  std::int64_t Watch(int n, const std::string& user, EventClient& conn) {
    auto r = Call(n, user, "POST", std::string(kChannel) + "/query",
                  R"({"state":true,"watch":true,"presence":true})", &conn);
    EXPECT_EQ(r.status / 100, 2) << r.body;
    return r.status / 100 == 2 ? r.obj().at("watcher_count").as_int64() : -1;
  }

  std::string Send(int n, const std::string& user, const std::string& text) {
    auto r = Call(n, user, "POST", std::string(kChannel) + "/message",
                  R"({"message":{"text":")" + text + R"("}})");
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? std::string(r.obj().at("message").at("id").as_string()) : "";
  }

  // The channel's message texts as read back through node `n`, oldest first.
  std::vector<std::string> Texts(int n) {
    auto r = Call(n, "alice", "POST", std::string(kChannel) + "/query",
                  R"({"state":true,"messages":{"limit":100}})");
    EXPECT_EQ(r.status / 100, 2) << r.body;
    std::vector<std::string> out;
    if (r.status / 100 != 2) return out;
    for (const auto& m : r.obj().at("messages").as_array()) {
      out.emplace_back(m.at("text").as_string());
    }
    return out;
  }

  bool Online(int n, const std::string& user) {
    auto r = Call(n, "", "GET", "/users", "", nullptr,
                  {{"payload", R"({"filter_conditions":{"id":")" + user + R"("}})"}});
    EXPECT_EQ(r.status, 200) << r.body;
    if (r.status != 200 || r.obj().at("users").as_array().empty()) return false;
    return r.obj().at("users").as_array()[0].at("online").as_bool();
  }

  // Polls node `n`'s readiness until it is `ready` (a bus reconnect takes back-off time).
  json::object WaitReady(int n, bool ready) {
    HttpResult r;
    for (int i = 0; i < 200; ++i) {
      r = HttpClient(nodes_[n].port()).Request("GET", "/readyz", "", {});
      if ((r.status == 200) == ready) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_EQ(r.status, ready ? 200 : 503) << r.body;
    return r.status / 100 == 2 || r.status == 503 ? r.obj() : json::object();
  }

  // Waits for the message.new of `text` on `conn` (skipping earlier message.new events).
  static void ExpectMessage(EventClient& conn, const std::string& who, const std::string& text) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      auto e = conn.WaitFor("message.new", std::chrono::seconds(1));
      if (e && e->at("message").at("text").as_string() == text) return;
    }
    ADD_FAILURE() << who << " never got " << text;
  }

  server::pgtest::ScratchSchema schema_;
  RedisProcess redis_;
  std::array<EddyProcess, 3> nodes_;
  std::string key_, secret_;
};

TEST_F(MultiNodeTest, EventsReachTheRightConnectionsOnEveryNode) {
  CreateTeam();
  auto alice = Connect(0, "alice");
  auto bob = Connect(1, "bob");
  auto carol = Connect(2, "carol");
  EXPECT_EQ(Watch(0, "alice", *alice), 1);
  EXPECT_EQ(Watch(1, "bob", *bob), 2);
  EXPECT_EQ(Watch(2, "carol", *carol), 3);  // counted across the three nodes
  auto start = alice->WaitFor("user.watching.start", "carol");
  ASSERT_TRUE(start.has_value());
  EXPECT_EQ(start->at("watcher_count"), 3);
  alice->Drain();
  bob->Drain();
  carol->Drain();

  // message.new: once on each node, with each reader's own unread counters.
  std::string id = Send(0, "alice", "hello from node 1");
  const std::vector<std::pair<std::string, EventClient*>> watchers = {
      {"alice", alice.get()}, {"bob", bob.get()}, {"carol", carol.get()}};
  for (const auto& [who, conn] : watchers) {
    auto got = conn->Collect({"message.new"});
    EXPECT_EQ(EventClient::Types(got).count("message.new"), 1u) << who;
    const json::object* m = Find(got, "message.new");
    ASSERT_NE(m, nullptr) << who;
    EXPECT_EQ(std::string(m->at("message").at("id").as_string()), id);
    EXPECT_EQ(m->at("watcher_count"), 3);
    EXPECT_TRUE(m->contains("total_unread_count")) << who << ": " << json::serialize(*m);
  }

  // reaction.new from node 2, typing from node 3, a read from node 2.
  auto r =
      Call(1, "bob", "POST", "/messages/" + id + "/reaction", R"({"reaction":{"type":"like"}})");
  ASSERT_EQ(r.status / 100, 2) << r.body;
  EXPECT_TRUE(alice->WaitFor("reaction.new").has_value());
  EXPECT_TRUE(carol->WaitFor("reaction.new").has_value());
  r = Call(2, "carol", "POST", std::string(kChannel) + "/event",
           R"({"event":{"type":"typing.start"}})", carol.get());
  ASSERT_EQ(r.status / 100, 2) << r.body;
  EXPECT_TRUE(alice->WaitFor("typing.start", "carol").has_value());
  EXPECT_TRUE(bob->WaitFor("typing.start", "carol").has_value());
  r = Call(1, "bob", "POST", std::string(kChannel) + "/read", "{}", bob.get());
  ASSERT_EQ(r.status / 100, 2) << r.body;
  EXPECT_TRUE(alice->WaitFor("message.read", "bob").has_value());
  EXPECT_TRUE(carol->WaitFor("message.read", "bob").has_value());

  // channel.updated from the backend on node 1.
  r = Call(0, "", "POST", kChannel, R"({"data":{"name":"Team"}})");
  ASSERT_EQ(r.status / 100, 2) << r.body;
  for (EventClient* c : {alice.get(), bob.get(), carol.get()}) {
    EXPECT_TRUE(c->WaitFor("channel.updated").has_value());
  }

  // dave, on node 2 and not watching, is added on node 3: his notification carries his own
  // view of the channel, computed on his node.
  auto dave = Connect(1, "dave");
  // carol follows dave's presence from node 3.
  r = Call(2, "carol", "GET", "/users", "", carol.get(),
           {{"payload", R"({"filter_conditions":{"id":"dave"},"presence":true})"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.obj().at("users").as_array()[0].at("online").as_bool());
  r = Call(2, "", "POST", kChannel, R"({"add_members":["dave"]})");
  ASSERT_EQ(r.status / 100, 2) << r.body;
  auto added = dave->WaitFor("notification.added_to_channel");
  ASSERT_TRUE(added.has_value());
  EXPECT_EQ(added->at("channel").at("cid"), "messaging:team");
  EXPECT_EQ(added->at("member").at("user_id"), "dave");
  EXPECT_TRUE(alice->WaitFor("member.added").has_value());

  // A message dave does not watch reaches him as notification.message_new on his node.
  Send(2, "carol", "welcome dave");
  auto note = dave->WaitFor("notification.message_new");
  ASSERT_TRUE(note.has_value());
  EXPECT_EQ(note->at("message").at("text"), "welcome dave");
  EXPECT_EQ(note->at("channel").at("cid"), "messaging:team");
  EXPECT_GE(note->at("unread_count").as_int64(), 1) << json::serialize(*note);
  for (auto* c : {alice.get(), bob.get(), carol.get()})
    ExpectMessage(*c, "a watcher", "welcome dave");

  // Presence and watcher counts agree on every node.
  for (int n = 0; n < 3; ++n) {
    EXPECT_TRUE(Online(n, "bob")) << "node " << n + 1;
    EXPECT_TRUE(Online(n, "dave")) << "node " << n + 1;
    auto q = Call(n, "", "POST", std::string(kChannel) + "/query", R"({"state":true})");
    ASSERT_EQ(q.status / 100, 2) << q.body;
    EXPECT_EQ(q.obj().at("watcher_count"), 3) << "node " << n + 1;
  }

  // dave leaves node 2: carol, following him on node 3, sees him go offline; bob leaves:
  // the others see the watcher count drop.
  dave->ws().Close(1000);
  auto offline = carol->WaitFor("user.presence.changed", "dave");
  ASSERT_TRUE(offline.has_value());
  EXPECT_EQ(offline->at("user").at("online"), false);
  bob->ws().Close(1000);
  auto stop = alice->WaitFor("user.watching.stop", "bob");
  ASSERT_TRUE(stop.has_value());
  EXPECT_EQ(stop->at("watcher_count"), 2);
  for (int n = 0; n < 3; ++n) EXPECT_FALSE(Online(n, "bob")) << "node " << n + 1;
}

// What one node changes, the others apply: edits, removals (the removed member's watch on
// another node ends), channel type settings (their caches), deactivation (the user's sockets
// on another node close).
TEST_F(MultiNodeTest, ChangesOnOneNodeReachTheOthers) {
  CreateTeam();
  auto alice = Connect(0, "alice");
  auto bob = Connect(1, "bob");
  auto carol = Connect(2, "carol");
  Watch(0, "alice", *alice);
  Watch(1, "bob", *bob);
  std::string id = Send(0, "alice", "first");
  ExpectMessage(*bob, "bob", "first");

  auto r = Call(2, "alice", "POST", "/messages/" + id, R"({"message":{"text":"edited"}})");
  ASSERT_EQ(r.status / 100, 2) << r.body;
  auto edited = bob->WaitFor("message.updated");
  ASSERT_TRUE(edited.has_value());
  EXPECT_EQ(edited->at("message").at("text"), "edited");

  // The typing flag is cached on node 2 by a first typing event, then turned off on node 1.
  r = Call(1, "alice", "POST", std::string(kChannel) + "/event",
           R"({"event":{"type":"typing.start"}})");
  ASSERT_EQ(r.status / 100, 2) << r.body;
  EXPECT_TRUE(alice->WaitFor("typing.start", "alice").has_value());
  r = Call(0, "", "PUT", "/channeltypes/messaging", R"({"typing_events":false})");
  ASSERT_EQ(r.status / 100, 2) << r.body;
  for (int i = 0; i < 100; ++i) {
    r = Call(1, "alice", "POST", std::string(kChannel) + "/event",
             R"({"event":{"type":"typing.start"}})");
    if (r.status == 400) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(r.status, 400) << "node 2 kept its cached channel type: " << r.body;

  // bob is removed on node 3: he learns it on node 2, and no longer watches there.
  r = Call(2, "", "POST", kChannel, R"({"remove_members":["bob"]})");
  ASSERT_EQ(r.status / 100, 2) << r.body;
  EXPECT_TRUE(bob->WaitFor("notification.removed_from_channel").has_value());
  EXPECT_TRUE(alice->WaitFor("member.removed").has_value());
  std::int64_t watchers = -1;
  for (int i = 0; i < 100 && watchers != 1; ++i) {
    auto q = Call(1, "", "POST", std::string(kChannel) + "/query", R"({"state":true})");
    ASSERT_EQ(q.status / 100, 2) << q.body;
    watchers = q.obj().at("watcher_count").as_int64();
    if (watchers != 1) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(watchers, 1);  // alice only

  // carol is deactivated through node 1: her socket on node 3 closes.
  r = Call(0, "", "POST", "/users/carol/deactivate", "{}");
  ASSERT_EQ(r.status / 100, 2) << r.body;
  auto error = carol->WaitFor("connection.error");
  ASSERT_TRUE(error.has_value());
  for (int i = 0; i < 100 && !carol->ws().closed(); ++i)
    carol->Drain(std::chrono::milliseconds(50));
  EXPECT_TRUE(carol->ws().closed());
}

TEST_F(MultiNodeTest, KilledNodeAndRedisRestartLoseNoMessage) {
  CreateTeam();
  auto alice = Connect(0, "alice");
  auto bob = Connect(1, "bob");
  auto carol = Connect(2, "carol");
  auto dave = Connect(2, "dave");  // only on node 3
  Watch(0, "alice", *alice);
  Watch(1, "bob", *bob);
  Watch(2, "carol", *carol);
  for (const char* text : {"m1", "m2"}) {
    Send(0, "alice", text);
    ExpectMessage(*bob, "bob", text);
    ExpectMessage(*carol, "carol", text);
  }

  // Node 3 dies: carol reconnects to node 1 and carries on.
  nodes_[2].Kill();
  carol = Connect(0, "carol");
  Watch(0, "carol", *carol);
  Send(1, "bob", "m3");
  ExpectMessage(*carol, "carol", "m3");
  Send(0, "carol", "m4");
  ExpectMessage(*bob, "bob", "m4");
  // dave went with node 3: once its heartbeat lapses the others no longer count him.
  bool dave_gone = false;
  for (int i = 0; i < 100 && !(dave_gone = !Online(0, "dave")); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_TRUE(dave_gone);

  // Redis restarts: the nodes report it, keep serving, and come back by themselves.
  redis_.Stop();
  json::object down = WaitReady(0, false);
  EXPECT_EQ(down.at("bus").at("connected"), false) << json::serialize(down);
  Send(0, "alice", "m5");  // acknowledged while Redis is down
  ASSERT_TRUE(redis_.Start());
  json::object up = WaitReady(0, true);
  EXPECT_GE(up.at("bus").at("reconnects").as_int64(), 1) << json::serialize(up);
  WaitReady(1, true);
  Send(0, "alice", "m6");
  ExpectMessage(*bob, "bob", "m6");  // delivery resumed (m5 was not live: bob reads it back)
  EXPECT_TRUE(Online(0, "bob"));     // node 2 rewrote its presence into the new Redis

  const std::vector<std::string> all = {"m1", "m2", "m3", "m4", "m5", "m6"};
  EXPECT_EQ(Texts(0), all);
  EXPECT_EQ(Texts(1), all);
}

}  // namespace
}  // namespace eddy::testing
