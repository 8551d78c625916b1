// The port through which the holders of in-memory copies of stored data (apps, channel types,
// roles, moderation state, channel configs) learn that the data changed. A change made on this
// node reaches every cache here synchronously, and, with an event bus, every other node's caches
// shortly after: a node must never keep serving a copy another node has replaced.
// Thread-safe: Listen is called while the node is composed, before Changed is; Changed may then
// be called from any thread, and runs this node's listeners on the calling thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

namespace eddy::server {

// What a change is about; `key` narrows it within the app (empty: all of that kind). An empty
// app_key means every app: what a node that may have missed changes (its bus was down) says to
// itself.
enum class CachedData : std::uint8_t {
  kApp = 1,           // key unused: the app's settings
  kChannelTypes = 2,  // key: type name
  kRoles = 3,         // key: role name
  kModeration = 4,    // key: user id (bans, mutes)
  kChannel = 5,       // key: cid (config overrides, members)
  kUser = 6,          // key: user id (the user record)
  kMembers = 7,       // key: user id (that user's member rows)
  kReadState = 8,     // key: "<user id> <cid>", only the read state of that member row moved
                      // (ids hold no space); a bare user id: of any of that user's rows
  kMessages = 9,      // key: cid (what counts as unread there); empty: any channel
};

class CacheInvalidation {
 public:
  using Listener =
      std::function<void(CachedData what, std::string_view app_key, std::string_view key)>;

  virtual ~CacheInvalidation() = default;
  // The stored data changed: every cache here drops its copy before this returns; other
  // nodes are told.
  virtual void Changed(CachedData what, std::string_view app_key, std::string_view key) = 0;
  // Tells only the other nodes: for a cache that has already applied its own write here, more
  // precisely than a listener could.
  virtual void Announce(CachedData what, std::string_view app_key, std::string_view key) = 0;
  // Registers a cache of this node. Only while composing the node.
  virtual void Listen(Listener listener) = 0;
};

// One node and no bus: Changed calls this node's listeners; there is no one to announce to.
class LocalCacheInvalidation : public CacheInvalidation {
 public:
  void Changed(CachedData what, std::string_view app_key, std::string_view key) override {
    for (const Listener& listener : listeners_) listener(what, app_key, key);
  }
  void Announce(CachedData, std::string_view, std::string_view) override {}
  void Listen(Listener listener) override { listeners_.push_back(std::move(listener)); }

 private:
  std::vector<Listener> listeners_;  // fixed once the node runs
};

}  // namespace eddy::server
