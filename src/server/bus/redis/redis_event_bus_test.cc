// The bus conformance suite on Redis (the CTest fixture `redis`, scripts/test-redis.sh), and
// what only a networked bus does: lose its connection and come back.
#include "server/bus/redis/redis_event_bus.h"

#include <atomic>
#include <cstdlib>
#include <fstream>

#include "server/bus/bustest/event_bus_suite.h"

namespace eddy::server::bustest {
namespace {

std::string ServerUrl() {
  if (const char* env = std::getenv("EDDY_TEST_REDIS_URL"); env != nullptr && *env != '\0') {
    return env;
  }
  std::ifstream in(std::string(EDDY_TEST_SERVICES_DIR) + "/redis.url");
  std::string url;
  std::getline(in, url);
  return url;
}

bus::RedisEventBus::Options FastOptions() {
  bus::RedisEventBus::Options o;
  o.heartbeat = std::chrono::milliseconds(200);
  o.node_ttl = std::chrono::milliseconds(1000);
  o.max_backoff = std::chrono::milliseconds(200);
  return o;
}

class RedisHarness : public BusHarness {
 public:
  std::unique_ptr<EventBus> NewNode(const std::string& node_id) override {
    auto url = bus::ParseRedisUrl(ServerUrl());
    EXPECT_TRUE(url.ok()) << "no Redis test server: " << ServerUrl();
    return std::make_unique<bus::RedisEventBus>(url.ok() ? *url : bus::RedisUrl{}, node_id,
                                                FastOptions());
  }
};

INSTANTIATE_TEST_SUITE_P(Redis, EventBusSuite,
                         ::testing::Values(BusBackend{
                             "Redis", [] { return std::make_unique<RedisHarness>(); }}),
                         BusBackendName);

TEST(RedisUrlTest, ParsesHostPortPasswordAndDatabase) {
  auto u = bus::ParseRedisUrl("redis://:s3cret@cache.internal:6380/2");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "cache.internal");
  EXPECT_EQ(u->port, 6380);
  EXPECT_EQ(u->password, "s3cret");
  EXPECT_EQ(u->db, 2);
  auto d = bus::ParseRedisUrl("redis://localhost");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->port, 6379);
  EXPECT_FALSE(bus::ParseRedisUrl("redis://h:99999").ok());
  EXPECT_FALSE(bus::ParseRedisUrl("redis://h:6379/x").ok());
  EXPECT_FALSE(bus::ParseRedisUrl("http://h").ok());
}

// The server drops every connection of the bus: it reconnects, says so in its health,
// resubscribes and rewrites its shared sets.
TEST(RedisEventBusTest, ComesBackAfterTheServerDropsItsConnections) {
  Inbox in_b;  // before the nodes: both outlive their threads
  std::atomic<int> reconnected{0};
  RedisHarness harness;
  auto a = harness.NewNode(UniqueId("a"));
  auto b = harness.NewNode(UniqueId("b"));
  in_b.Attach(*b);
  b->AddReconnectListener([&] { ++reconnected; });
  const std::string topic = UniqueId("c:app\nx");
  b->Subscribe(topic);
  b->SetAdd("w:app\nx", "bob");
  ASSERT_EQ(WaitForMembers(*a, "w:app\nx", {"bob"}), std::vector<std::string>{"bob"});

  auto url = bus::ParseRedisUrl(ServerUrl());
  ASSERT_TRUE(url.ok());
  auto admin = bus::RedisConnection::Open(*url, std::chrono::seconds(2));
  ASSERT_TRUE(admin.ok()) << admin.error().message;
  // Redis keeps b's set when its connections drop; wipe it to prove b rewrites it.
  ASSERT_TRUE((*admin)->Command({"DEL", "eddy:n:" + b->node_id() + ":w:app\nx"}).ok());
  // Every subscriber connection, b's among them: b notices and starts over.
  auto killed = (*admin)->Command({"CLIENT", "KILL", "TYPE", "pubsub"});
  ASSERT_TRUE(killed.ok()) << killed.error().message;

  for (int i = 0; i < 200 && reconnected.load() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_GT(reconnected.load(), 0);
  EXPECT_GE(b->Health().reconnects, 1);
  EXPECT_EQ(WaitForMembers(*a, "w:app\nx", {"bob"}), std::vector<std::string>{"bob"});
  for (int i = 0; i < 200; ++i) {
    a->Publish(topic, "after");
    auto got = in_b.Received();
    if (std::find(got.begin(), got.end(), topic + "=after") != got.end()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ADD_FAILURE() << "no delivery after the reconnect";
}

}  // namespace
}  // namespace eddy::server::bustest
