// The in-process EventBus: several "nodes" of one process share a LocalBusNetwork, which
// stands in for the broker. It is the reference the bus conformance suite is written against
// and what multi-node unit tests of the hub run on; a single eddy node needs no bus at all.
// Thread-safe: the network's mutex_ guards its subscriptions and sets; each LocalEventBus
// delivers on its own thread (queue_ guarded by its mutex_), as a networked bus would.
#pragma once

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "server/domain/event_bus.h"

namespace eddy::server::bus {

class LocalEventBus;

class LocalBusNetwork {
 public:
  LocalBusNetwork() = default;
  LocalBusNetwork(const LocalBusNetwork&) = delete;
  LocalBusNetwork& operator=(const LocalBusNetwork&) = delete;

 private:
  friend class LocalEventBus;
  void Join(LocalEventBus* node);
  void Leave(LocalEventBus* node);
  void Publish(const LocalEventBus* from, const std::string& topic, const std::string& payload);
  void Subscribe(LocalEventBus* node, const std::string& topic, bool on);
  void SetMember(const LocalEventBus* node, const std::string& set, const std::string& member,
                 bool on);
  std::vector<std::string> RemoteMembers(const LocalEventBus* node, const std::string& set) const;

  mutable std::mutex mutex_;
  std::map<std::string, std::set<LocalEventBus*>> topics_;  // topic -> subscribed nodes
  // node -> set name -> its members there
  std::map<const LocalEventBus*, std::map<std::string, std::set<std::string>>> sets_;
};

class LocalEventBus final : public EventBus {
 public:
  LocalEventBus(LocalBusNetwork& network, std::string node_id);
  ~LocalEventBus() override;

  const std::string& node_id() const override { return node_id_; }
  void AddHandler(Handler handler) override;
  void AddReconnectListener(std::function<void()> listener) override;
  void Publish(std::string_view topic, std::string_view payload) override;
  void Subscribe(std::string_view topic) override;
  void Unsubscribe(std::string_view topic) override;
  void SetAdd(std::string_view set, std::string_view member) override;
  void SetRemove(std::string_view set, std::string_view member) override;
  std::vector<std::string> RemoteMembers(std::string_view set) const override;
  BusHealth Health() const override;

 private:
  friend class LocalBusNetwork;
  void Enqueue(std::string topic, std::string payload);
  void Run();

  LocalBusNetwork& network_;
  const std::string node_id_;
  std::vector<Handler> handlers_;  // fixed once messages flow
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::pair<std::string, std::string>> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace eddy::server::bus
