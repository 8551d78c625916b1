// The EventBus on Redis (hiredis, synchronous API driven by poll on the bus's own thread).
//
// Topics are Redis pub/sub channels "eddy:t:<topic>"; a payload travels as
// "<origin node id>\n<payload>" and a node drops what it published itself.
// Shared sets: node N's members of set S are the Redis set "eddy:n:<N>:<S>". Live nodes are
// the sorted set "eddy:nodes" scored by the time their heartbeat lapses; a node refreshes its
// score every heartbeat and RemoteMembers is the SUNION of the other live nodes' sets (one
// Lua script: live nodes and union in one round trip), so a killed node stops counting
// within node_ttl. Live nodes delete a lapsed node's keys.
// Outage: any error drops both connections; the thread reconnects with exponential back-off
// (up to max_backoff), rewrites this node's sets from its in-memory copy, resubscribes every
// topic, then runs the reconnect listeners. Publications made while down are dropped: the
// store keeps the data, only the live notification of other nodes is lost.
// Threading: thread_ owns sub_ and cmd_; mutex_ guards everything shared with callers (ops_,
// topics_, sets_, health_, handlers); query_mutex_ guards query_, the connection
// RemoteMembers uses from callers' threads. Handlers run on thread_ with no lock held.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "server/bus/redis/redis_connection.h"
#include "server/domain/event_bus.h"

namespace eddy::server::bus {

class RedisEventBus final : public EventBus {
 public:
  struct Options {
    std::chrono::milliseconds heartbeat{1000};
    std::chrono::milliseconds node_ttl{5000};  // a node silent this long no longer counts
    std::chrono::milliseconds max_backoff{2000};
    std::chrono::milliseconds io_timeout{2000};
  };

  // Starts the bus thread, which connects (and keeps reconnecting) in the background.
  RedisEventBus(RedisUrl url, std::string node_id, Options options);
  ~RedisEventBus() override;

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
  enum class OpKind { kPublish, kSubscribe, kUnsubscribe, kSetAdd, kSetRemove };
  struct Op {
    OpKind kind;
    std::string a;  // topic or set
    std::string b;  // payload or member
  };

  void Enqueue(Op op);
  void Wake();
  void Run();
  Status Connect();
  Status Restore();
  Status ApplyOps();
  Status ReadMessages();
  Status AwaitSubscribed(const std::string& channel);
  void Dispatch(const std::string& channel, const std::string& payload);
  Status Heartbeat();
  Status CollectLapsedNodes(long long now_ms);
  void Down(const Error& why);

  std::string SetKey(std::string_view set) const;
  static std::string Channel(std::string_view topic) { return "eddy:t:" + std::string(topic); }

  const RedisUrl url_;
  const std::string node_id_;
  const Options options_;
  int wake_pipe_[2] = {-1, -1};

  mutable std::mutex mutex_;
  std::vector<Handler> handlers_;
  std::vector<std::function<void()>> reconnect_listeners_;
  std::vector<Op> ops_;                                // waiting for the bus thread
  std::set<std::string> topics_;                       // what this node wants to hear
  std::map<std::string, std::set<std::string>> sets_;  // this node's members, for restores
  BusHealth health_;                                   // connected: restored and subscribed
  bool accepting_ = false;                             // connections up: changes are queued as ops
  bool ever_connected_ = false;
  bool outage_logged_ = false;
  bool stopping_ = false;
  std::condition_variable backoff_;

  // The bus thread's own.
  std::unique_ptr<RedisConnection> sub_;  // SUBSCRIBE mode: receives messages
  std::unique_ptr<RedisConnection> cmd_;  // PUBLISH, set updates, heartbeats
  std::chrono::steady_clock::time_point next_heartbeat_;
  int heartbeats_ = 0;

  mutable std::mutex query_mutex_;
  mutable std::unique_ptr<RedisConnection> query_;

  std::thread thread_;
};

}  // namespace eddy::server::bus
