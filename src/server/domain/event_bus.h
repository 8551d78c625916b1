// Port: what the nodes of one cluster share, besides the store. Two things travel over it:
// 1. events: Publish(topic, payload) reaches every OTHER node that subscribed to the topic
//    (a node never receives its own messages back: the bus tags each with the origin's node
//    id and drops its own on arrival). A node subscribes to a topic while it has local
//    interest in it (a watched channel, a connected user) and unsubscribes when that ends.
// 2. shared sets: each node publishes its own members of named sets (who is connected here,
//    who watches a channel here); RemoteMembers answers for the other live nodes. A node that
//    dies stops counting once its heartbeat lapses; a reconnecting node rewrites its sets.
// Delivery is at most once: while the bus is down a node keeps serving its own connections
// and what is published meanwhile does not reach the others (the store stays the truth).
// Implementations: bus/local (in-process, several nodes in one process: tests and the
// reference of the conformance suite) and bus/redis (Redis pub/sub and sets).
// Thread-safe: every method may be called from any thread. Handlers run on the bus's own
// thread, one message at a time, in publication order per origin; they may call back into
// the bus.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace eddy::server {

struct BusHealth {
  std::string backend;     // "local" | "redis"
  bool connected = false;  // false: events do not reach the other nodes right now
  std::string detail;      // why not connected (never contains a password)
  std::int64_t reconnects = 0;
};

class EventBus {
 public:
  // A message another node published on a topic this node subscribes to.
  using Handler = std::function<void(std::string_view topic, std::string_view payload)>;

  virtual ~EventBus() = default;

  virtual const std::string& node_id() const = 0;
  // Registered while the node is composed; each handler sees every message.
  virtual void AddHandler(Handler handler) = 0;
  // Runs (on the bus thread) each time the bus is back after an outage, subscriptions and
  // sets already restored: whatever the node missed meanwhile is to be refreshed.
  virtual void AddReconnectListener(std::function<void()> listener) = 0;

  // Never blocks on the network.
  virtual void Publish(std::string_view topic, std::string_view payload) = 0;
  // Idempotent; the bus keeps them across reconnects.
  virtual void Subscribe(std::string_view topic) = 0;
  virtual void Unsubscribe(std::string_view topic) = 0;

  // This node's membership in a shared set. Idempotent; kept across reconnects.
  virtual void SetAdd(std::string_view set, std::string_view member) = 0;
  virtual void SetRemove(std::string_view set, std::string_view member) = 0;
  // The members the other live nodes have in `set` (this node's own excluded), sorted and
  // distinct. Empty while the bus is down. May block for one round trip.
  virtual std::vector<std::string> RemoteMembers(std::string_view set) const = 0;

  virtual BusHealth Health() const = 0;
};

}  // namespace eddy::server
