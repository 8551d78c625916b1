// The bus conformance suite on the in-process bus.
#include "server/bus/local/local_event_bus.h"

#include "server/bus/bus_cache_invalidation.h"
#include "server/bus/bustest/event_bus_suite.h"

namespace eddy::server::bustest {
namespace {

class LocalHarness : public BusHarness {
 public:
  std::unique_ptr<EventBus> NewNode(const std::string& node_id) override {
    return std::make_unique<bus::LocalEventBus>(network_, node_id);
  }

 private:
  bus::LocalBusNetwork network_;
};

INSTANTIATE_TEST_SUITE_P(Local, EventBusSuite,
                         ::testing::Values(BusBackend{
                             "Local", [] { return std::make_unique<LocalHarness>(); }}),
                         BusBackendName);

// A change made on one node drops the copies on this node at once and on the others soon.
TEST(BusCacheInvalidationTest, ReachesEveryNodesListeners) {
  std::mutex mutex;
  std::vector<std::string> heard_a, heard_b;
  bus::LocalBusNetwork network;
  auto a = std::make_unique<bus::LocalEventBus>(network, "a");
  auto b = std::make_unique<bus::LocalEventBus>(network, "b");
  bus::BusCacheInvalidation on_a(*a);
  bus::BusCacheInvalidation on_b(*b);
  auto record = [&mutex](std::vector<std::string>* into) {
    return [&mutex, into](CachedData what, std::string_view app, std::string_view key) {
      std::lock_guard lock(mutex);
      into->push_back(std::to_string(int(what)) + "/" + std::string(app) + "/" + std::string(key));
    };
  };
  on_a.Listen(record(&heard_a));
  on_b.Listen(record(&heard_b));

  on_a.Changed(CachedData::kChannel, "key1", "messaging:general");
  {
    std::lock_guard lock(mutex);
    EXPECT_EQ(heard_a, std::vector<std::string>{"5/key1/messaging:general"});
  }
  // A malformed message is ignored; the good one after it arrives (per-origin order).
  a->Publish(bus::BusCacheInvalidation::kTopic, "99\nkey1\nx");
  a->Publish(bus::BusCacheInvalidation::kTopic, "garbage");
  on_a.Changed(CachedData::kRoles, "key1", "");
  for (int i = 0; i < 200; ++i) {
    {
      std::lock_guard lock(mutex);
      if (heard_b.size() >= 2) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  // The delivery threads stop before the listeners they call go away.
  a.reset();
  b.reset();
  EXPECT_EQ(heard_b, (std::vector<std::string>{"5/key1/messaging:general", "3/key1/"}));
}

}  // namespace
}  // namespace eddy::server::bustest
