// CacheInvalidation across a cluster: Changed drops this node's copies (synchronously, like
// LocalCacheInvalidation) and publishes the change on the bus topic "inv", which every node
// subscribes to; a change heard from another node runs this node's listeners on the bus
// thread. While the bus is down a node cannot hear changes, so when it comes back it drops
// every cached kind of every app (an empty app key: see CachedData), and the caches reload
// the store's current state.
// Thread-safe: listeners_ is fixed once the node runs (Listen only while composing).
#pragma once

#include <string_view>
#include <vector>

#include "server/domain/cache_invalidation.h"
#include "server/domain/event_bus.h"

namespace eddy::server::bus {

class BusCacheInvalidation final : public CacheInvalidation {
 public:
  static constexpr std::string_view kTopic = "inv";

  explicit BusCacheInvalidation(EventBus& bus);

  void Changed(CachedData what, std::string_view app_key, std::string_view key) override;
  void Announce(CachedData what, std::string_view app_key, std::string_view key) override;
  void Listen(Listener listener) override { listeners_.push_back(std::move(listener)); }

 private:
  void Notify(CachedData what, std::string_view app_key, std::string_view key) const;
  void OnMessage(std::string_view payload) const;
  void DropAll() const;

  EventBus& bus_;
  std::vector<Listener> listeners_;
};

}  // namespace eddy::server::bus
