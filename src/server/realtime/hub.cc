// Hub bookkeeping: connections, watches and presence follows. Fan-out lives in hub_fanout.cc.
#include "server/realtime/hub.h"

#include <algorithm>
#include <iterator>

namespace eddy::server::realtime {

std::string Hub::Key(std::string_view app_key, std::string_view name) {
  std::string key;
  key.reserve(app_key.size() + name.size() + 1);
  key.append(app_key).push_back('\n');  // '\n' cannot appear in an api key
  key.append(name);
  return key;
}

Hub::ConnState* Hub::FindConn(std::string_view app_key, std::string_view connection_id) {
  auto it = conns_.find(connection_id);
  if (it == conns_.end() || it->second.conn->app_key != app_key) return nullptr;
  return &it->second;
}

const Hub::ConnState* Hub::FindConn(std::string_view app_key,
                                    std::string_view connection_id) const {
  auto it = conns_.find(connection_id);
  if (it == conns_.end() || it->second.conn->app_key != app_key) return nullptr;
  return &it->second;
}

Hub::AddResult Hub::Add(std::shared_ptr<Connection> conn) {
  // The user's connections on other nodes count towards the limit and decide "first".
  const std::vector<std::string> remote = Remote(OnlineSet(conn->app_key, conn->user_id));
  std::lock_guard lock(mutex_);
  std::string key = Key(conn->app_key, conn->user_id);
  auto& list = users_[key];
  if (list.size() + remote.size() >= max_per_user_ || conns_.count(conn->id) > 0) {
    if (list.empty()) users_.erase(key);
    return AddResult::kTooMany;
  }
  bool first = list.empty();
  list.push_back(conn);
  if (bus_) {
    bus_->SetAdd(OnlineSet(conn->app_key, conn->user_id), conn->id);
    if (first) bus_->Subscribe(UserTopic(conn->app_key, conn->user_id));
  }
  std::string_view id = conn->id;
  conns_[id].conn = std::move(conn);
  return first && remote.empty() ? AddResult::kFirstForUser : AddResult::kAdded;
}

bool Hub::DropWatcher(const Connection& conn, std::string_view cid) {
  auto cit = channels_.find(Key(conn.app_key, cid));
  if (cit == channels_.end()) return false;
  Conns* list = cit->second.users.find(conn.user_id);
  if (list == nullptr) return false;
  cit->second.all.reset();
  list->erase(
      std::remove_if(list->begin(), list->end(), [&](const auto& c) { return c->id == conn.id; }),
      list->end());
  if (!list->empty()) return false;
  cit->second.users.erase(conn.user_id);
  if (bus_) bus_->SetRemove(WatchSet(conn.app_key, cid), conn.user_id);
  if (cit->second.users.empty()) {
    channels_.erase(cit);
    if (bus_) bus_->Unsubscribe(ChannelTopic(conn.app_key, cid));
  }
  return true;
}

Hub::Departure Hub::Remove(std::string_view connection_id) {
  Departure out;
  {
    std::lock_guard lock(mutex_);
    RemoveLocked(connection_id, out);
  }
  if (bus_ && out.connection) ClusterDeparture(out);
  return out;
}

void Hub::RemoveLocked(std::string_view connection_id, Departure& out) {
  auto it = conns_.find(connection_id);
  if (it == conns_.end()) return;
  ConnState state = std::move(it->second);
  conns_.erase(it);
  const Connection& conn = *state.conn;
  out.connection = state.conn;

  for (std::string_view cid : state.watching) {
    if (!DropWatcher(conn, cid)) continue;
    auto cit = channels_.find(Key(conn.app_key, cid));
    std::int64_t count = cit == channels_.end() ? 0 : std::int64_t(cit->second.users.size());
    out.stopped_watching.push_back({std::string(cid), count});
  }
  for (std::string_view user_id : state.following) {
    auto fit = followers_.find(Key(conn.app_key, user_id));
    if (fit == followers_.end()) continue;
    fit->second.erase(std::string(conn.id.view()));
    if (fit->second.empty()) {
      followers_.erase(fit);
      if (bus_) bus_->Unsubscribe(PresenceTopic(conn.app_key, user_id));
    }
  }
  if (bus_) bus_->SetRemove(OnlineSet(conn.app_key, conn.user_id), conn.id);

  const std::string user_key = Key(conn.app_key, conn.user_id);
  if (Conns* list = users_.find(user_key)) {
    list->erase(std::remove(list->begin(), list->end(), state.conn), list->end());
    if (list->empty()) {
      users_.erase(user_key);
      out.went_offline = true;
      if (bus_) bus_->Unsubscribe(UserTopic(conn.app_key, conn.user_id));
    }
  }
}

bool Hub::IsOnline(std::string_view app_key, std::string_view user_id) const {
  {
    std::lock_guard lock(mutex_);
    if (users_.contains(Key(app_key, user_id))) return true;
  }
  return !Remote(OnlineSet(app_key, user_id)).empty();
}

std::vector<std::string> Hub::ConnectionAddresses(std::string_view app_key,
                                                  std::string_view user_id) const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  const Conns* conns = users_.find(Key(app_key, user_id));
  if (conns == nullptr) return out;
  for (const auto& conn : *conns) {
    if (!conn->remote_address.empty()) out.push_back(conn->remote_address);
  }
  return out;
}

size_t Hub::connection_count() const {
  std::lock_guard lock(mutex_);
  return conns_.size();
}

bool Hub::Watch(std::string_view app_key, std::string_view connection_id, std::string_view cid) {
  std::lock_guard lock(mutex_);
  ConnState* state = FindConn(app_key, connection_id);
  if (state == nullptr) return false;
  if (state->watching.contains(cid)) return true;
  if (state->watching.size() >= kMaxWatchesPerConnection) return false;
  state->watching.insert(cid);
  auto [cit, channel_new] = channels_.try_emplace(Key(app_key, cid));
  auto [user_conns, user_new] = cit->second.users.try_emplace(state->conn->user_id);
  user_conns->push_back(state->conn);
  cit->second.all.reset();
  if (bus_) {
    if (user_new) bus_->SetAdd(WatchSet(app_key, cid), state->conn->user_id);
    if (channel_new) bus_->Subscribe(ChannelTopic(app_key, cid));
  }
  return true;
}

bool Hub::Unwatch(std::string_view app_key, std::string_view connection_id, std::string_view cid) {
  std::lock_guard lock(mutex_);
  ConnState* state = FindConn(app_key, connection_id);
  if (state == nullptr || !state->watching.erase(cid)) return false;
  DropWatcher(*state->conn, cid);
  return true;
}

void Hub::UnwatchChannelLocal(std::string_view app_key, std::string_view cid) {
  std::lock_guard lock(mutex_);
  auto cit = channels_.find(Key(app_key, cid));
  if (cit == channels_.end()) return;
  cit->second.users.for_each([&](std::string_view user_id, const Conns& conns) {
    for (const auto& conn : conns) {
      auto it = conns_.find(conn->id);
      if (it != conns_.end()) it->second.watching.erase(cid);
    }
    if (bus_) bus_->SetRemove(WatchSet(app_key, cid), user_id);
  });
  channels_.erase(cit);
  if (bus_) bus_->Unsubscribe(ChannelTopic(app_key, cid));
}

void Hub::UnwatchUserLocal(std::string_view app_key, std::string_view cid,
                           std::string_view user_id) {
  std::lock_guard lock(mutex_);
  auto cit = channels_.find(Key(app_key, cid));
  if (cit == channels_.end()) return;
  const Conns* conns = cit->second.users.find(user_id);
  if (conns == nullptr) return;
  for (const auto& conn : *conns) {
    auto it = conns_.find(conn->id);
    if (it != conns_.end()) it->second.watching.erase(cid);
  }
  cit->second.users.erase(user_id);
  cit->second.all.reset();
  if (bus_) bus_->SetRemove(WatchSet(app_key, cid), user_id);
  if (cit->second.users.empty()) {
    channels_.erase(cit);
    if (bus_) bus_->Unsubscribe(ChannelTopic(app_key, cid));
  }
}

std::vector<std::string> Hub::WatchingUsers(std::string_view app_key, std::string_view cid) const {
  std::vector<std::string> remote = Remote(WatchSet(app_key, cid));  // sorted
  std::vector<std::string> local;
  {
    std::lock_guard lock(mutex_);
    auto cit = channels_.find(Key(app_key, cid));
    if (cit != channels_.end()) {
      local.reserve(cit->second.users.size());
      cit->second.users.for_each(
          [&](std::string_view user_id, const Conns&) { local.emplace_back(user_id); });
    }
  }
  std::sort(local.begin(), local.end());
  if (remote.empty()) return local;
  std::vector<std::string> all;
  std::set_union(local.begin(), local.end(), remote.begin(), remote.end(), std::back_inserter(all));
  return all;
}

std::int64_t Hub::WatcherCount(std::string_view app_key, std::string_view cid) const {
  if (bus_) return std::int64_t(WatchingUsers(app_key, cid).size());
  std::lock_guard lock(mutex_);
  auto cit = channels_.find(Key(app_key, cid));
  return cit == channels_.end() ? 0 : std::int64_t(cit->second.users.size());
}

std::vector<std::string> Hub::Watchers(std::string_view app_key, std::string_view cid, int limit,
                                       int offset) const {
  std::vector<std::string> out;
  if (limit <= 0 || offset < 0) return out;
  std::vector<std::string> all = WatchingUsers(app_key, cid);
  for (size_t i = size_t(offset); i < all.size() && out.size() < size_t(limit); ++i) {
    out.push_back(std::move(all[i]));
  }
  return out;
}

bool Hub::IsWatching(std::string_view app_key, std::string_view user_id,
                     std::string_view cid) const {
  {
    std::lock_guard lock(mutex_);
    auto cit = channels_.find(Key(app_key, cid));
    if (cit != channels_.end() && cit->second.users.contains(user_id)) return true;
  }
  if (!bus_) return false;
  std::vector<std::string> remote = Remote(WatchSet(app_key, cid));
  return std::binary_search(remote.begin(), remote.end(), user_id);
}

std::vector<bool> Hub::IsWatchingEach(std::string_view app_key,
                                      const std::vector<std::string_view>& user_ids,
                                      std::string_view cid) const {
  std::vector<bool> out(user_ids.size(), false);
  {
    std::lock_guard lock(mutex_);
    auto cit = channels_.find(Key(app_key, cid));
    if (cit != channels_.end()) {
      cit->second.users.find_each(
          user_ids, [&](std::size_t i, const Conns* conns) { out[i] = conns != nullptr; });
    }
  }
  if (!bus_ || std::all_of(out.begin(), out.end(), [](bool watching) { return watching; })) {
    return out;
  }
  const std::vector<std::string> remote = Remote(WatchSet(app_key, cid));  // sorted
  for (std::size_t i = 0; i < user_ids.size(); ++i) {
    if (!out[i]) out[i] = std::binary_search(remote.begin(), remote.end(), user_ids[i]);
  }
  return out;
}

void Hub::FollowPresence(std::string_view app_key, std::string_view connection_id,
                         const std::vector<std::string>& user_ids) {
  std::lock_guard lock(mutex_);
  ConnState* state = FindConn(app_key, connection_id);
  if (state == nullptr) return;
  for (const std::string& user_id : user_ids) {
    // The connection's own user is not followed: its presence is the connection itself.
    if (user_id == state->conn->user_id) continue;
    if (state->following.size() >= kMaxFollowsPerConnection) break;
    if (!state->following.insert(user_id)) continue;
    auto [fit, created] = followers_.try_emplace(Key(app_key, user_id));
    fit->second.insert(std::string(state->conn->id.view()));
    if (created && bus_) bus_->Subscribe(PresenceTopic(app_key, user_id));
  }
}

std::string Hub::ConnectionUser(std::string_view app_key, std::string_view connection_id) const {
  std::lock_guard lock(mutex_);
  const ConnState* state = FindConn(app_key, connection_id);
  return state == nullptr ? std::string() : state->conn->user_id;
}

}  // namespace eddy::server::realtime
