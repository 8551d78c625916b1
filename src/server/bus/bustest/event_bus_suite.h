// The EventBus conformance suite: every backend (local, Redis) runs these tests unchanged
// through a BusHarness, which opens "nodes" on one shared network or broker. A backend's
// test file includes this header once and instantiates it:
//
//   INSTANTIATE_TEST_SUITE_P(Local, EventBusSuite,
//                            ::testing::Values(BusBackend{"Local", MakeLocalHarness}),
//                            BusBackendName);
//
// Delivery is asynchronous, so tests wait for what they expect (up to kPatience) and, for
// what must NOT arrive, publish a marker after it on the same topic: per-origin order means
// the marker's arrival proves the earlier message was dropped, with no sleep.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <ostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "server/domain/event_bus.h"

namespace eddy::server::bustest {

class BusHarness {
 public:
  virtual ~BusHarness() = default;
  // A bus for one more node, on the same network as the harness's other nodes.
  virtual std::unique_ptr<EventBus> NewNode(const std::string& node_id) = 0;
};

struct BusBackend {
  std::string name;
  std::function<std::unique_ptr<BusHarness>()> make_harness;
};

inline void PrintTo(const BusBackend& b, std::ostream* os) { *os << b.name; }
inline std::string BusBackendName(const ::testing::TestParamInfo<BusBackend>& info) {
  return info.param.name;
}

// What one node received, in order.
class Inbox {
 public:
  void Attach(EventBus& bus) {
    bus.AddHandler([this](std::string_view topic, std::string_view payload) {
      std::lock_guard lock(mutex_);
      got_.push_back(std::string(topic) + "=" + std::string(payload));
      cv_.notify_all();
    });
  }
  // Waits until `entry` ("topic=payload") arrived; returns everything received so far.
  std::vector<std::string> WaitFor(const std::string& entry) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, std::chrono::seconds(10),
                 [&] { return std::find(got_.begin(), got_.end(), entry) != got_.end(); });
    return got_;
  }
  std::vector<std::string> Received() {
    std::lock_guard lock(mutex_);
    return got_;
  }
  void Clear() {
    std::lock_guard lock(mutex_);
    got_.clear();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::string> got_;
};

// Names no other test (or earlier run on the same server) uses.
inline std::string UniqueId(const std::string& base) {
  static std::mt19937_64 rng{std::random_device{}()};
  return base + "-" + std::to_string(rng() % 1000000000);
}

// Waits until `bus` sees `expected` as the other nodes' members of `set`; returns the last
// answer.
inline std::vector<std::string> WaitForMembers(const EventBus& bus, const std::string& set,
                                               const std::vector<std::string>& expected) {
  std::vector<std::string> got;
  for (int i = 0; i < 200; ++i) {
    got = bus.RemoteMembers(set);
    if (got == expected) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return got;
}

class EventBusSuite : public ::testing::TestWithParam<BusBackend> {
 protected:
  void SetUp() override { harness_ = GetParam().make_harness(); }

  // Subscribes `to` to `topic` and waits until `from`'s publications there arrive (a
  // subscription takes effect asynchronously).
  void SubscribeAndSync(EventBus& to, Inbox& inbox, EventBus& from, const std::string& topic) {
    to.Subscribe(topic);
    std::string entry = topic + "=sync";
    for (int i = 0; i < 200; ++i) {
      from.Publish(topic, "sync");
      std::vector<std::string> got = inbox.Received();
      if (std::find(got.begin(), got.end(), entry) != got.end()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::vector<std::string> got = inbox.Received();
    ASSERT_NE(std::find(got.begin(), got.end(), entry), got.end()) << "subscription never took";
    // Syncs still in flight arrive before this marker: after it the inbox stays clean.
    from.Publish(topic, "synced");
    inbox.WaitFor(topic + "=synced");
    inbox.Clear();
  }

  std::unique_ptr<BusHarness> harness_;
};

TEST_P(EventBusSuite, DeliversToOtherSubscribedNodesOnlyInOrder) {
  Inbox in_a, in_b, in_c;  // before the nodes: it outlives their delivery threads
  auto a = harness_->NewNode(UniqueId("a"));
  auto b = harness_->NewNode(UniqueId("b"));
  auto c = harness_->NewNode(UniqueId("c"));
  in_a.Attach(*a);
  in_b.Attach(*b);
  in_c.Attach(*c);
  const std::string topic = UniqueId("c:app\nmessaging:general");
  a->Subscribe(topic);  // the origin's own subscription must not echo its messages
  SubscribeAndSync(*b, in_b, *a, topic);
  in_a.Clear();
  for (int i = 0; i < 20; ++i) a->Publish(topic, "m" + std::to_string(i));
  a->Publish(topic, "end");
  std::vector<std::string> got = in_b.WaitFor(topic + "=end");
  std::vector<std::string> expected;
  for (int i = 0; i < 20; ++i) expected.push_back(topic + "=m" + std::to_string(i));
  expected.push_back(topic + "=end");
  EXPECT_EQ(got, expected);
  // c never subscribed; a published them itself. b's marker proves they were not delayed.
  b->Publish(topic, "from-b");
  EXPECT_EQ(in_a.WaitFor(topic + "=from-b"), std::vector<std::string>{topic + "=from-b"});
  EXPECT_TRUE(in_c.Received().empty());
}

TEST_P(EventBusSuite, UnsubscribeStopsDelivery) {
  Inbox in_b;
  auto a = harness_->NewNode(UniqueId("a"));
  auto b = harness_->NewNode(UniqueId("b"));
  in_b.Attach(*b);
  const std::string gone = UniqueId("u:gone");
  const std::string kept = UniqueId("u:kept");
  SubscribeAndSync(*b, in_b, *a, gone);
  SubscribeAndSync(*b, in_b, *a, kept);
  b->Unsubscribe(gone);
  // The unsubscription is asynchronous too: wait until a marker on `gone` is no longer heard
  // while one on `kept` is.
  for (int i = 0; i < 200; ++i) {
    in_b.Clear();
    a->Publish(gone, "late");
    a->Publish(kept, "marker");
    std::vector<std::string> got = in_b.WaitFor(kept + "=marker");
    if (got == std::vector<std::string>{kept + "=marker"}) return;
  }
  ADD_FAILURE() << "still delivered after Unsubscribe";
}

TEST_P(EventBusSuite, PayloadsAreBinarySafe) {
  Inbox in_b;
  auto a = harness_->NewNode(UniqueId("a"));
  auto b = harness_->NewNode(UniqueId("b"));
  in_b.Attach(*b);
  const std::string topic = UniqueId("t");
  SubscribeAndSync(*b, in_b, *a, topic);
  const std::string payload = std::string("{\"a\":\"x\ny\"}\0tail", 16);
  a->Publish(topic, payload);
  std::vector<std::string> got = in_b.WaitFor(topic + "=" + payload);
  EXPECT_EQ(got, std::vector<std::string>{topic + "=" + payload});
}

TEST_P(EventBusSuite, SharedSetsShowTheOtherNodesMembers) {
  auto a = harness_->NewNode(UniqueId("a"));
  auto b = harness_->NewNode(UniqueId("b"));
  auto c = harness_->NewNode(UniqueId("c"));
  const std::string set = UniqueId("w:app\nmessaging:general");
  a->SetAdd(set, "alice");
  a->SetAdd(set, "alice");  // idempotent
  b->SetAdd(set, "bob");
  c->SetAdd(set, "alice");
  EXPECT_EQ(WaitForMembers(*c, set, {"alice", "bob"}), (std::vector<std::string>{"alice", "bob"}));
  EXPECT_EQ(WaitForMembers(*a, set, {"alice", "bob"}), (std::vector<std::string>{"alice", "bob"}));
  EXPECT_EQ(WaitForMembers(*b, set, {"alice"}), std::vector<std::string>{"alice"});
  a->SetRemove(set, "alice");
  // c's own alice is not c's remote member; a's is gone.
  EXPECT_EQ(WaitForMembers(*c, set, {"bob"}), std::vector<std::string>{"bob"});
  EXPECT_EQ(WaitForMembers(*b, set, {"alice"}), std::vector<std::string>{"alice"});
  EXPECT_TRUE(a->RemoteMembers(UniqueId("never")).empty());
}

TEST_P(EventBusSuite, AStoppedNodesMembersNoLongerCount) {
  auto a = harness_->NewNode(UniqueId("a"));
  auto b = harness_->NewNode(UniqueId("b"));
  const std::string set = UniqueId("on:app\nalice");
  a->SetAdd(set, "conn-1");
  ASSERT_EQ(WaitForMembers(*b, set, {"conn-1"}), std::vector<std::string>{"conn-1"});
  a.reset();
  EXPECT_TRUE(WaitForMembers(*b, set, {}).empty());
}

TEST_P(EventBusSuite, ReportsItsHealth) {
  auto a = harness_->NewNode(UniqueId("a"));
  BusHealth h;
  for (int i = 0; i < 200 && !(h = a->Health()).connected; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(h.connected) << h.detail;
  EXPECT_FALSE(h.backend.empty());
  EXPECT_EQ(h.reconnects, 0);
}

}  // namespace eddy::server::bustest
