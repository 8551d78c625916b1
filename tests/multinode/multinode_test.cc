// Three real `eddy serve` nodes sharing one PostgreSQL (the CTest fixture `postgres`) and one
// Redis (a redis-server of the test's own, so it can be restarted): users connected to
// different nodes chat in one channel and every event reaches the right connections on every
// node, once, with the recipient's own fields; presence and watcher counts agree across
// nodes; a killed node's clients continue on another node and a Redis restart loses no
// acknowledged message.
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "eddy/client.h"
#include "integration/events.h"
#include "integration/harness.h"
#include "integration/http_client.h"
#include "integration/sdk_errors.h"
#include "integration/sdk_events.h"
#include "multinode/redis_process.h"
#include "server/storage/postgres/postgres_test_schema.h"

namespace eddy::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// What a watcher's query asks for: the state, a watch of this connection, member presence.
const json::object kWatch{{"state", true}, {"watch", true}, {"presence", true}};

// A user's SDK connection to one node (an SdkConn) with EventClient's WaitFor on top: the
// events received after the one waited for stay pending for the next wait.
class Conn {
 public:
  Conn(const std::string& base_url, const std::string& key) : conn_(base_url, key) {}

  bool Connect(const std::string& user, const std::string& token) {
    return conn_.Connect(user, token);
  }
  client::ChatClient& client() { return conn_.client(); }
  client::ChannelHandle Team() { return client().GetChannel("messaging", "team"); }

  // Waits (up to `timeout`) for an event of `type` by `user_id` (any user when empty) that
  // `match` accepts, dropping the events before it; returns it or null.
  std::optional<json::object> WaitFor(const std::string& type, const std::string& user_id = "",
                                      std::function<bool(const json::object&)> match = nullptr,
                                      milliseconds timeout = seconds(5)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      while (!pending_.empty()) {
        json::object e = std::move(pending_.front());
        pending_.pop_front();
        if (e.at("type").as_string() != type) continue;
        const json::value* user = e.if_contains("user");
        if (!user_id.empty() &&
            (!user || !user->is_object() || user->as_object().at("id").as_string() != user_id))
          continue;
        if (!match || match(e)) return e;
      }
      auto left =
          std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left <= milliseconds(0)) return std::nullopt;
      for (auto& e : conn_.Collect({type}, left, milliseconds(0))) pending_.push_back(std::move(e));
    }
  }

  // Everything the connection gets for one step (nothing may be pending: Drain first).
  std::vector<json::object> Collect(const std::multiset<std::string>& want) {
    EXPECT_TRUE(pending_.empty());
    return conn_.Collect(want);
  }
  void Drain() {
    pending_.clear();
    conn_.Collect({}, milliseconds(0), milliseconds(300));
  }

 private:
  SdkConn conn_;
  std::deque<json::object> pending_;
};

// Waits for the message.new of `text` on `conn` (skipping earlier message.new events).
void ExpectMessage(Conn& conn, const std::string& who, const std::string& text) {
  auto is_text = [&](const json::object& e) {
    return e.at("message").at("text").as_string() == text;
  };
  EXPECT_TRUE(conn.WaitFor("message.new", "", is_text, seconds(10)))
      << who << " never got " << text;
}

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

  std::string Url(int n) { return "http://127.0.0.1:" + std::to_string(nodes_[n].port()); }

  // The backend's SDK client on node `n`.
  client::ServerClient& Sdk(int n) {
    if (!sdk_[n]) sdk_[n] = std::make_unique<client::ServerClient>(Url(n), key_, secret_);
    return *sdk_[n];
  }

  // `user` connected to node `n` through the SDK.
  std::unique_ptr<Conn> Connect(int n, const std::string& user) {
    auto c = std::make_unique<Conn>(Url(n), key_);
    EXPECT_TRUE(c->Connect(user, Sdk(0).CreateToken(user))) << user << " on node " << n + 1;
    return c;
  }

  // `user`'s app on node `n` (connected on first use, kept for the test): for calls made
  // through a node other than the one of the user's watching connection.
  client::ChatClient& App(int n, const std::string& user) {
    auto& app = apps_[{n, user}];
    if (!app) {
      app = std::make_unique<client::ChatClient>(Url(n), key_);
      client::User u;
      u.id = user;
      app->ConnectUser(u, Sdk(0).CreateToken(user));
    }
    return *app;
  }

  void CreateTeam() {
    std::vector<client::User> users(4);
    for (int i = 0; const char* id : {"alice", "bob", "carol", "dave"}) users[i++].id = id;
    Sdk(0).UpsertUsers(users);
    Sdk(0).CreateChannel("messaging", "team", "alice", {"alice", "bob", "carol"});
  }

  // `conn` watches the team channel (with presence); returns the query's watcher_count.
  static std::int64_t Watch(Conn& conn) {
    return conn.Team().Query(kWatch).watcher_count.value_or(-1);
  }

  static std::string Send(Conn& conn, const std::string& text) {
    return conn.Team().SendMessage(text).id;
  }

  // The team channel as alice reads it through node `n` (the backend queries on her behalf).
  client::ChannelState Team(int n) {
    auto channels = Sdk(n).QueryChannels({{"cid", "messaging:team"}}, "alice");
    EXPECT_EQ(channels.size(), 1u);
    return channels.empty() ? client::ChannelState{} : channels[0];
  }

  // The channel's message texts as read back through node `n`, oldest first.
  std::vector<std::string> Texts(int n) {
    std::vector<std::string> out;
    for (const auto& m : Team(n).messages) out.push_back(m.text);
    return out;
  }

  bool Online(int n, const std::string& user) {
    auto users = Sdk(n).QueryUsers({{"id", user}});
    if (users.empty()) return false;
    EXPECT_TRUE(users[0].online.has_value()) << json::serialize(users[0].ToJson());
    return users[0].online.value_or(false);
  }

  // Polls node `n`'s readiness until it is `ready` (a bus reconnect takes back-off time).
  // Raw: /readyz is a probe, not an API call, and the SDK does not return a 503's body.
  json::object WaitReady(int n, bool ready) {
    HttpResult r;
    for (int i = 0; i < 200; ++i) {
      r = HttpClient(nodes_[n].port()).Request("GET", "/readyz", "", {});
      if ((r.status == 200) == ready) break;
      std::this_thread::sleep_for(milliseconds(50));
    }
    EXPECT_EQ(r.status, ready ? 200 : 503) << r.body;
    return r.status / 100 == 2 || r.status == 503 ? r.obj() : json::object();
  }

  server::pgtest::ScratchSchema schema_;
  RedisProcess redis_;
  std::array<EddyProcess, 3> nodes_;
  std::string key_, secret_;
  std::array<std::unique_ptr<client::ServerClient>, 3> sdk_;
  std::map<std::pair<int, std::string>, std::unique_ptr<client::ChatClient>> apps_;
};

TEST_F(MultiNodeTest, EventsReachTheRightConnectionsOnEveryNode) {
  CreateTeam();
  auto alice = Connect(0, "alice");
  auto bob = Connect(1, "bob");
  auto carol = Connect(2, "carol");
  EXPECT_EQ(Watch(*alice), 1);
  EXPECT_EQ(Watch(*bob), 2);
  EXPECT_EQ(Watch(*carol), 3);  // counted across the three nodes
  auto start = alice->WaitFor("user.watching.start", "carol");
  ASSERT_TRUE(start.has_value());
  EXPECT_EQ(start->at("watcher_count"), 3);
  alice->Drain();
  bob->Drain();
  carol->Drain();

  // message.new: once on each node, with each reader's own unread counters.
  std::string id = Send(*alice, "hello from node 1");
  const std::vector<std::pair<std::string, Conn*>> watchers = {
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
  bob->Team().SendReaction(id, "like");
  EXPECT_TRUE(alice->WaitFor("reaction.new").has_value());
  EXPECT_TRUE(carol->WaitFor("reaction.new").has_value());
  carol->Team().Keystroke();
  EXPECT_TRUE(alice->WaitFor("typing.start", "carol").has_value());
  EXPECT_TRUE(bob->WaitFor("typing.start", "carol").has_value());
  bob->Team().MarkRead();
  EXPECT_TRUE(alice->WaitFor("message.read", "bob").has_value());
  EXPECT_TRUE(carol->WaitFor("message.read", "bob").has_value());

  // channel.updated from the backend on node 1.
  Sdk(0).UpdateChannel("messaging", "team", {{"name", "Team"}});
  for (Conn* c : {alice.get(), bob.get(), carol.get()}) {
    EXPECT_TRUE(c->WaitFor("channel.updated").has_value());
  }

  // dave, on node 2 and not watching, is added on node 3: his notification carries his own
  // view of the channel, computed on his node.
  auto dave = Connect(1, "dave");
  // carol follows dave's presence from node 3 (Request: the SDK's QueryUsers has no presence).
  // Node 2 records his connection in Redis as he connects, apart from his first
  // health.check: node 3 may ask a moment before it is there, so it asks until it is.
  bool dave_online = false;
  for (int i = 0; i < 100 && !dave_online; ++i) {
    if (i > 0) std::this_thread::sleep_for(milliseconds(20));
    json::object users = carol->client().Request(
        "GET", "/users", nullptr,
        {{"payload", R"({"filter_conditions":{"id":"dave"},"presence":true})"}});
    dave_online = users.at("users").as_array()[0].at("online").as_bool();
  }
  EXPECT_TRUE(dave_online);
  Sdk(2).AddMembers("messaging", "team", {"dave"});
  auto added = dave->WaitFor("notification.added_to_channel");
  ASSERT_TRUE(added.has_value());
  EXPECT_EQ(added->at("channel").at("cid"), "messaging:team");
  EXPECT_EQ(added->at("member").at("user_id"), "dave");
  EXPECT_TRUE(alice->WaitFor("member.added").has_value());

  // A message dave does not watch reaches him as notification.message_new on his node.
  Send(*carol, "welcome dave");
  auto note = dave->WaitFor("notification.message_new");
  ASSERT_TRUE(note.has_value());
  EXPECT_EQ(note->at("message").at("text"), "welcome dave");
  EXPECT_EQ(note->at("channel").at("cid"), "messaging:team");
  EXPECT_GE(note->at("unread_count").as_int64(), 1) << json::serialize(*note);
  for (Conn* c : {alice.get(), bob.get(), carol.get()})
    ExpectMessage(*c, "a watcher", "welcome dave");

  // Presence and watcher counts agree on every node.
  for (int n = 0; n < 3; ++n) {
    EXPECT_TRUE(Online(n, "bob")) << "node " << n + 1;
    EXPECT_TRUE(Online(n, "dave")) << "node " << n + 1;
    EXPECT_EQ(Team(n).watcher_count, 3) << "node " << n + 1;
  }

  // dave leaves node 2: carol, following him on node 3, sees him go offline; bob leaves:
  // the others see the watcher count drop.
  dave->client().DisconnectUser();
  auto offline = carol->WaitFor("user.presence.changed", "dave");
  ASSERT_TRUE(offline.has_value());
  EXPECT_EQ(offline->at("user").at("online"), false);
  bob->client().DisconnectUser();
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
  // carol's connection stays raw: the server closing it is checked at the end, and the SDK
  // closes a socket itself when it gets an error frame.
  EventClient carol;
  std::string json_param = R"({"user_id":"carol","user_details":{"id":"carol"}})";
  ASSERT_TRUE(carol.Connect(nodes_[2].port(),
                            Target("/connect", {{"json", json_param},
                                                {"api_key", key_},
                                                {"authorization", Sdk(0).CreateToken("carol")},
                                                {"stream-auth-type", "jwt"}})));
  Watch(*alice);
  Watch(*bob);
  client::Message first = alice->Team().SendMessage("first");
  ExpectMessage(*bob, "bob", "first");

  // alice edits through node 3.
  client::Message edit;
  edit.id = first.id;
  edit.text = "edited";
  App(2, "alice").GetChannel("messaging", "team").UpdateMessage(edit);
  auto edited = bob->WaitFor("message.updated");
  ASSERT_TRUE(edited.has_value());
  EXPECT_EQ(edited->at("message").at("text"), "edited");

  // The typing flag is cached on node 2 by a first typing event, then turned off on node 1.
  client::ChannelHandle on_node2 = App(1, "alice").GetChannel("messaging", "team");
  on_node2.Keystroke();
  EXPECT_TRUE(alice->WaitFor("typing.start", "alice").has_value());
  json::object no_typing{{"typing_events", false}};
  Sdk(0).Request("PUT", "/channeltypes/messaging", &no_typing);
  std::optional<client::ApiError> refused;
  for (int i = 0; i < 100 && !refused; ++i) {
    refused = ApiErrorOf([&] { on_node2.Keystroke(); });
    if (!refused) std::this_thread::sleep_for(milliseconds(50));
  }
  ASSERT_TRUE(refused.has_value()) << "node 2 kept its cached channel type";
  EXPECT_EQ(refused->status_code(), 400) << refused->message();

  // bob is removed on node 3: he learns it on node 2, and no longer watches there.
  Sdk(2).RemoveMembers("messaging", "team", {"bob"});
  EXPECT_TRUE(bob->WaitFor("notification.removed_from_channel").has_value());
  EXPECT_TRUE(alice->WaitFor("member.removed").has_value());
  std::int64_t watchers = -1;
  for (int i = 0; i < 100 && watchers != 1; ++i) {
    watchers = Team(1).watcher_count.value_or(-1);
    if (watchers != 1) std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_EQ(watchers, 1);  // alice only

  // carol is deactivated through node 1: her socket on node 3 closes.
  Sdk(0).DeactivateUser("carol");
  auto error = carol.WaitFor("connection.error");
  ASSERT_TRUE(error.has_value());
  for (int i = 0; i < 100 && !carol.ws().closed(); ++i) carol.Drain(milliseconds(50));
  EXPECT_TRUE(carol.ws().closed());
}

TEST_F(MultiNodeTest, KilledNodeAndRedisRestartLoseNoMessage) {
  CreateTeam();
  auto alice = Connect(0, "alice");
  auto bob = Connect(1, "bob");
  auto carol = Connect(2, "carol");
  auto dave = Connect(2, "dave");  // only on node 3
  Watch(*alice);
  Watch(*bob);
  Watch(*carol);
  for (const char* text : {"m1", "m2"}) {
    Send(*alice, text);
    ExpectMessage(*bob, "bob", text);
    ExpectMessage(*carol, "carol", text);
  }

  // Node 3 dies: carol reconnects to node 1 and carries on (a new client: the SDK reconnects
  // to its one base URL, like an app behind a load balancer that routes it elsewhere).
  nodes_[2].Kill();
  carol = Connect(0, "carol");
  Watch(*carol);
  Send(*bob, "m3");
  ExpectMessage(*carol, "carol", "m3");
  Send(*carol, "m4");
  ExpectMessage(*bob, "bob", "m4");
  // dave went with node 3 (his SDK retries it in vain): once its heartbeat lapses the others
  // no longer count him.
  bool dave_gone = false;
  for (int i = 0; i < 100 && !(dave_gone = !Online(0, "dave")); ++i) {
    std::this_thread::sleep_for(milliseconds(200));
  }
  EXPECT_TRUE(dave_gone);

  // Redis restarts: the nodes report it, keep serving, and come back by themselves.
  redis_.Stop();
  json::object down = WaitReady(0, false);
  EXPECT_EQ(down.at("bus").at("connected"), false) << json::serialize(down);
  Send(*alice, "m5");  // acknowledged while Redis is down
  ASSERT_TRUE(redis_.Start());
  json::object up = WaitReady(0, true);
  EXPECT_GE(up.at("bus").at("reconnects").as_int64(), 1) << json::serialize(up);
  WaitReady(1, true);
  Send(*alice, "m6");
  ExpectMessage(*bob, "bob", "m6");  // delivery resumed (m5 was not live: bob reads it back)
  EXPECT_TRUE(Online(0, "bob"));     // node 2 rewrote its presence into the new Redis

  const std::vector<std::string> all = {"m1", "m2", "m3", "m4", "m5", "m6"};
  EXPECT_EQ(Texts(0), all);
  EXPECT_EQ(Texts(1), all);
}

}  // namespace
}  // namespace eddy::testing
