#include "server/bus/local/local_event_bus.h"

namespace eddy::server::bus {

void LocalBusNetwork::Join(LocalEventBus* node) {
  std::lock_guard lock(mutex_);
  sets_[node];
}

void LocalBusNetwork::Leave(LocalEventBus* node) {
  std::lock_guard lock(mutex_);
  sets_.erase(node);
  for (auto it = topics_.begin(); it != topics_.end();) {
    it->second.erase(node);
    it = it->second.empty() ? topics_.erase(it) : std::next(it);
  }
}

void LocalBusNetwork::Publish(const LocalEventBus* from, const std::string& topic,
                              const std::string& payload) {
  std::lock_guard lock(mutex_);
  auto it = topics_.find(topic);
  if (it == topics_.end()) return;
  for (LocalEventBus* node : it->second) {
    if (node != from) node->Enqueue(topic, payload);
  }
}

void LocalBusNetwork::Subscribe(LocalEventBus* node, const std::string& topic, bool on) {
  std::lock_guard lock(mutex_);
  if (on) {
    topics_[topic].insert(node);
    return;
  }
  auto it = topics_.find(topic);
  if (it == topics_.end()) return;
  it->second.erase(node);
  if (it->second.empty()) topics_.erase(it);
}

void LocalBusNetwork::SetMember(const LocalEventBus* node, const std::string& set,
                                const std::string& member, bool on) {
  std::lock_guard lock(mutex_);
  auto& sets = sets_[node];
  if (on) {
    sets[set].insert(member);
    return;
  }
  auto it = sets.find(set);
  if (it == sets.end()) return;
  it->second.erase(member);
  if (it->second.empty()) sets.erase(it);
}

std::vector<std::string> LocalBusNetwork::RemoteMembers(const LocalEventBus* node,
                                                        const std::string& set) const {
  std::set<std::string> all;
  std::lock_guard lock(mutex_);
  for (const auto& [other, sets] : sets_) {
    if (other == node) continue;
    auto it = sets.find(set);
    if (it != sets.end()) all.insert(it->second.begin(), it->second.end());
  }
  return {all.begin(), all.end()};
}

LocalEventBus::LocalEventBus(LocalBusNetwork& network, std::string node_id)
    : network_(network), node_id_(std::move(node_id)) {
  network_.Join(this);
  thread_ = std::thread([this] { Run(); });
}

LocalEventBus::~LocalEventBus() {
  network_.Leave(this);
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void LocalEventBus::AddHandler(Handler handler) {
  std::lock_guard lock(mutex_);
  handlers_.push_back(std::move(handler));
}

// The in-process network never drops, so there is never a reconnect to report.
void LocalEventBus::AddReconnectListener(std::function<void()>) {}

void LocalEventBus::Publish(std::string_view topic, std::string_view payload) {
  network_.Publish(this, std::string(topic), std::string(payload));
}

void LocalEventBus::Subscribe(std::string_view topic) {
  network_.Subscribe(this, std::string(topic), true);
}

void LocalEventBus::Unsubscribe(std::string_view topic) {
  network_.Subscribe(this, std::string(topic), false);
}

void LocalEventBus::SetAdd(std::string_view set, std::string_view member) {
  network_.SetMember(this, std::string(set), std::string(member), true);
}

void LocalEventBus::SetRemove(std::string_view set, std::string_view member) {
  network_.SetMember(this, std::string(set), std::string(member), false);
}

std::vector<std::string> LocalEventBus::RemoteMembers(std::string_view set) const {
  return network_.RemoteMembers(this, std::string(set));
}

BusHealth LocalEventBus::Health() const { return {"local", true, "", 0}; }

void LocalEventBus::Enqueue(std::string topic, std::string payload) {
  {
    std::lock_guard lock(mutex_);
    queue_.emplace_back(std::move(topic), std::move(payload));
  }
  wake_.notify_one();
}

void LocalEventBus::Run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    auto [topic, payload] = std::move(queue_.front());
    queue_.pop_front();
    std::vector<Handler> handlers = handlers_;
    lock.unlock();
    for (const Handler& h : handlers) h(topic, payload);
    lock.lock();
  }
}

}  // namespace eddy::server::bus
