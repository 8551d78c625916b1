#include "server/bus/redis/redis_event_bus.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <limits>

#include "common/log.h"

namespace eddy::server::bus {

namespace {

constexpr size_t kSubscribeBatch = 500;  // topics per SUBSCRIBE on a restore
// CollectLapsedNodes(kOwnKeys) deletes this node's own keys.
constexpr long long kOwnKeys = std::numeric_limits<long long>::max();

long long NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Str(const redisReply* r) {
  return r != nullptr && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS)
             ? std::string(r->str, r->len)
             : std::string();
}

}  // namespace

RedisEventBus::RedisEventBus(RedisUrl url, std::string node_id, Options options)
    : url_(std::move(url)), node_id_(std::move(node_id)), options_(options) {
  health_.backend = "redis";
  health_.detail = "connecting";
  if (pipe2(wake_pipe_, O_NONBLOCK | O_CLOEXEC) != 0) wake_pipe_[0] = wake_pipe_[1] = -1;
  thread_ = std::thread([this] { Run(); });
}

RedisEventBus::~RedisEventBus() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  backoff_.notify_all();
  Wake();
  thread_.join();
  if (cmd_) {
    // A clean stop leaves no entries behind for the other nodes to wait out.
    (void)CollectLapsedNodes(kOwnKeys);
    (void)cmd_->Command({"ZREM", "eddy:nodes", node_id_});
  }
  for (int fd : wake_pipe_) {
    if (fd >= 0) close(fd);
  }
}

std::string RedisEventBus::SetKey(std::string_view set) const {
  return "eddy:n:" + node_id_ + ":" + std::string(set);
}

void RedisEventBus::AddHandler(Handler handler) {
  std::lock_guard lock(mutex_);
  handlers_.push_back(std::move(handler));
}

void RedisEventBus::AddReconnectListener(std::function<void()> listener) {
  std::lock_guard lock(mutex_);
  reconnect_listeners_.push_back(std::move(listener));
}

void RedisEventBus::Wake() {
  if (wake_pipe_[1] < 0) return;
  char b = 1;
  ssize_t n = write(wake_pipe_[1], &b, 1);  // a full pipe already means "wake up"
  (void)n;
}

void RedisEventBus::Enqueue(Op op) {
  {
    std::lock_guard lock(mutex_);
    if (!accepting_) return;  // a restore will send the state; events are dropped
    ops_.push_back(std::move(op));
  }
  Wake();
}

void RedisEventBus::Publish(std::string_view topic, std::string_view payload) {
  std::string framed;
  framed.reserve(node_id_.size() + 1 + payload.size());
  framed.append(node_id_).push_back('\n');
  framed.append(payload);
  Enqueue({OpKind::kPublish, std::string(topic), std::move(framed)});
}

void RedisEventBus::Subscribe(std::string_view topic) {
  {
    std::lock_guard lock(mutex_);
    if (!topics_.emplace(topic).second) return;
  }
  Enqueue({OpKind::kSubscribe, std::string(topic), {}});
}

void RedisEventBus::Unsubscribe(std::string_view topic) {
  {
    std::lock_guard lock(mutex_);
    if (topics_.erase(std::string(topic)) == 0) return;
  }
  Enqueue({OpKind::kUnsubscribe, std::string(topic), {}});
}

void RedisEventBus::SetAdd(std::string_view set, std::string_view member) {
  {
    std::lock_guard lock(mutex_);
    if (!sets_[std::string(set)].emplace(member).second) return;
  }
  Enqueue({OpKind::kSetAdd, std::string(set), std::string(member)});
}

void RedisEventBus::SetRemove(std::string_view set, std::string_view member) {
  {
    std::lock_guard lock(mutex_);
    auto it = sets_.find(std::string(set));
    if (it == sets_.end() || it->second.erase(std::string(member)) == 0) return;
    if (it->second.empty()) sets_.erase(it);
  }
  Enqueue({OpKind::kSetRemove, std::string(set), std::string(member)});
}

std::vector<std::string> RedisEventBus::RemoteMembers(std::string_view set) const {
  {
    std::lock_guard lock(mutex_);
    if (!accepting_) return {};
  }
  // The live nodes are read in the same round trip: a node that has just (re)joined counts
  // at once.
  static constexpr std::string_view kScript = R"lua(
    local live = redis.call('ZRANGEBYSCORE', 'eddy:nodes', ARGV[1], '+inf')
    local keys = {}
    for _, node in ipairs(live) do
      if node ~= ARGV[2] then keys[#keys + 1] = 'eddy:n:' .. node .. ':' .. ARGV[3] end
    end
    if #keys == 0 then return {} end
    return redis.call('SUNION', unpack(keys)))lua";
  std::lock_guard lock(query_mutex_);
  if (!query_) {
    auto opened = RedisConnection::Open(url_, options_.io_timeout);
    if (!opened.ok()) return {};
    query_ = std::move(opened).value();
  }
  Result<Reply> reply = query_->Command(
      {"EVAL", std::string(kScript), "0", std::to_string(NowMs()), node_id_, std::string(set)});
  if (!reply.ok() || (*reply)->type != REDIS_REPLY_ARRAY) {
    query_.reset();  // the next question reconnects
    return {};
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < (*reply)->elements; ++i) out.push_back(Str((*reply)->element[i]));
  std::sort(out.begin(), out.end());
  return out;
}

BusHealth RedisEventBus::Health() const {
  std::lock_guard lock(mutex_);
  return health_;
}

void RedisEventBus::Down(const Error& why) {
  sub_.reset();
  cmd_.reset();
  bool was_up = false;
  bool first_failure = false;  // of this outage: logged once, not at every retry
  {
    std::lock_guard lock(mutex_);
    was_up = health_.connected;
    health_.connected = false;
    accepting_ = false;
    health_.detail = why.message;
    ops_.clear();
    first_failure = !outage_logged_;
    outage_logged_ = true;
  }
  if (was_up || first_failure) {
    log::Warn(was_up ? "event bus down: events no longer reach other nodes"
                     : "event bus unreachable, retrying",
              {{"bus", "redis"}, {"error", why.message}});
  }
}

Status RedisEventBus::Connect() {
  EDDY_ASSIGN_OR_RETURN(cmd_, RedisConnection::Open(url_, options_.io_timeout));
  EDDY_ASSIGN_OR_RETURN(sub_, RedisConnection::Open(url_, options_.io_timeout));
  return Restore();
}

// Rewrites this node's sets and subscriptions from the in-memory copies. accepting_ turns
// true under the same lock the copies are taken with, so every later change is queued as an
// op and applied after the restore; health_.connected turns true once the restore is sent.
Status RedisEventBus::Restore() {
  std::set<std::string> topics;
  std::map<std::string, std::set<std::string>> sets;
  bool reconnect = false;
  {
    std::lock_guard lock(mutex_);
    topics = topics_;
    sets = sets_;
    ops_.clear();
    accepting_ = true;
  }
  EDDY_TRY(Heartbeat());
  EDDY_TRY(CollectLapsedNodes(kOwnKeys));  // stale keys of ours
  for (const auto& [set, members] : sets) {
    std::vector<std::string> args = {"SADD", SetKey(set)};
    args.insert(args.end(), members.begin(), members.end());
    EDDY_TRY(cmd_->Append(args));
  }
  for (size_t i = 0; i < sets.size(); ++i) EDDY_TRY(cmd_->Next());
  std::vector<std::string> args = {"SUBSCRIBE"};
  for (const std::string& topic : topics) {
    args.push_back(Channel(topic));
    if (args.size() > kSubscribeBatch) {
      EDDY_TRY(sub_->Append(args));
      args.resize(1);
    }
  }
  // An empty SUBSCRIBE is an error, and a connection that never subscribed may not yet be
  // in pub/sub mode: subscribe to a topic of our own so the connection is always in it.
  args.push_back(Channel("node:" + node_id_));
  EDDY_TRY(sub_->Append(args));
  EDDY_TRY(sub_->Flush());
  // The last SUBSCRIBE's confirmation: the server has taken them all (one connection, in order).
  EDDY_TRY(AwaitSubscribed(Channel("node:" + node_id_)));
  {
    std::lock_guard lock(mutex_);
    health_.connected = true;
    health_.detail.clear();
    outage_logged_ = false;
    reconnect = ever_connected_;
    if (reconnect) ++health_.reconnects;
    ever_connected_ = true;
  }
  log::Info(reconnect ? "event bus reconnected" : "event bus connected",
            {{"bus", "redis"}, {"node", node_id_}});
  if (reconnect) {
    std::vector<std::function<void()>> listeners;
    {
      std::lock_guard lock(mutex_);
      listeners = reconnect_listeners_;
    }
    for (const auto& listener : listeners) listener();
  }
  return {};
}

// Reads the subscriber connection (blocking, within io_timeout) until the confirmation of the
// subscription to `channel`; messages arriving meanwhile are delivered as usual.
Status RedisEventBus::AwaitSubscribed(const std::string& channel) {
  while (true) {
    EDDY_ASSIGN_OR_RETURN(Reply reply, sub_->Next());
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3) continue;
    std::string kind = Str(reply->element[0]);
    if (kind == "subscribe" && Str(reply->element[1]) == channel) return {};
    if (kind == "message") Dispatch(Str(reply->element[1]), Str(reply->element[2]));
  }
}

void RedisEventBus::Dispatch(const std::string& channel, const std::string& payload) {
  if (!channel.starts_with("eddy:t:")) return;
  size_t nl = payload.find('\n');
  if (nl == std::string::npos || std::string_view(payload).substr(0, nl) == node_id_) return;
  std::string_view topic = std::string_view(channel).substr(7);
  std::vector<Handler> handlers;
  {
    std::lock_guard lock(mutex_);
    handlers = handlers_;
  }
  for (const Handler& h : handlers) h(topic, std::string_view(payload).substr(nl + 1));
}

Status RedisEventBus::ApplyOps() {
  std::vector<Op> ops;
  {
    std::lock_guard lock(mutex_);
    ops.swap(ops_);
  }
  size_t pending = 0;
  bool subscribed = false;
  for (Op& op : ops) {
    switch (op.kind) {
      case OpKind::kPublish:
        EDDY_TRY(cmd_->Append({"PUBLISH", Channel(op.a), std::move(op.b)}));
        ++pending;
        break;
      case OpKind::kSetAdd:
        EDDY_TRY(cmd_->Append({"SADD", SetKey(op.a), std::move(op.b)}));
        ++pending;
        break;
      case OpKind::kSetRemove:
        EDDY_TRY(cmd_->Append({"SREM", SetKey(op.a), std::move(op.b)}));
        ++pending;
        break;
      case OpKind::kSubscribe:
      case OpKind::kUnsubscribe:
        EDDY_TRY(sub_->Append(
            {op.kind == OpKind::kSubscribe ? "SUBSCRIBE" : "UNSUBSCRIBE", Channel(op.a)}));
        subscribed = true;
        break;
    }
  }
  if (subscribed) EDDY_TRY(sub_->Flush());
  for (size_t i = 0; i < pending; ++i) EDDY_TRY(cmd_->Next());
  return {};
}

Status RedisEventBus::ReadMessages() {
  EDDY_TRY(sub_->ReadAvailable());
  while (true) {
    EDDY_ASSIGN_OR_RETURN(Reply reply, sub_->NextBuffered());
    if (!reply) return {};
    // Pub/sub pushes: ["message", channel, payload]; (un)subscribe confirmations are skipped.
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3) continue;
    if (Str(reply->element[0]) != "message") continue;
    Dispatch(Str(reply->element[1]), Str(reply->element[2]));
  }
}

Status RedisEventBus::Heartbeat() {
  long long now = NowMs();
  EDDY_TRY(cmd_->Command(
      {"ZADD", "eddy:nodes", std::to_string(now + options_.node_ttl.count()), node_id_}));
  next_heartbeat_ = std::chrono::steady_clock::now() + options_.heartbeat;
  if (++heartbeats_ % 5 == 0) EDDY_TRY(CollectLapsedNodes(now));
  return {};
}

// Deletes the keys of nodes whose heartbeat lapsed before `now_ms` (with the maximum: this
// node's own keys from before a reconnect, so a restore starts clean).
Status RedisEventBus::CollectLapsedNodes(long long now_ms) {
  std::vector<std::string> nodes;
  if (now_ms == kOwnKeys) {
    nodes.push_back(node_id_);
  } else {
    EDDY_ASSIGN_OR_RETURN(Reply lapsed, cmd_->Command({"ZRANGEBYSCORE", "eddy:nodes", "-inf",
                                                       "(" + std::to_string(now_ms)}));
    for (size_t i = 0; i < lapsed->elements; ++i) nodes.push_back(Str(lapsed->element[i]));
  }
  for (const std::string& node : nodes) {
    std::string cursor = "0";
    do {
      EDDY_ASSIGN_OR_RETURN(Reply page, cmd_->Command({"SCAN", cursor, "MATCH",
                                                       "eddy:n:" + node + ":*", "COUNT", "1000"}));
      if (page->type != REDIS_REPLY_ARRAY || page->elements != 2) break;
      cursor = Str(page->element[0]);
      const redisReply* keys = page->element[1];
      if (keys->elements > 0) {
        std::vector<std::string> args = {"DEL"};
        for (size_t i = 0; i < keys->elements; ++i) args.push_back(Str(keys->element[i]));
        EDDY_TRY(cmd_->Command(args));
      }
    } while (cursor != "0");
    if (node != node_id_) EDDY_TRY(cmd_->Command({"ZREM", "eddy:nodes", node}));
  }
  return {};
}

void RedisEventBus::Run() {
  auto backoff = std::chrono::milliseconds(100);
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    if (!sub_) {
      if (Status up = Connect(); !up.ok()) {
        Down(up.error());
        std::unique_lock lock(mutex_);
        backoff_.wait_for(lock, backoff, [this] { return stopping_; });
        backoff = std::min(backoff * 2, options_.max_backoff);
        continue;
      }
      backoff = std::chrono::milliseconds(100);
    }
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
        next_heartbeat_ - std::chrono::steady_clock::now());
    pollfd fds[2] = {{sub_->fd(), POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}};
    int ready = poll(fds, 2, int(std::max<long long>(0, wait.count())));
    Status st;
    if (ready > 0 && (fds[1].revents & POLLIN)) {
      char buf[256];
      while (read(wake_pipe_[0], buf, sizeof buf) > 0) {
      }
    }
    if (ready > 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) st = ReadMessages();
    if (st.ok()) st = ApplyOps();
    if (st.ok() && std::chrono::steady_clock::now() >= next_heartbeat_) st = Heartbeat();
    if (!st.ok()) Down(st.error());
  }
}

}  // namespace eddy::server::bus
