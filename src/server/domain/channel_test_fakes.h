// Test doubles for the ports ChannelService needs besides the store: an in-memory Watches,
// a delivery recorder that implements both EventSink and ChannelEvents (what each user would
// receive, personal fields merged in), a MessageViews that renders the stored fields, and a
// ReadState that counts through the store. Thread-safe (mutex_ guards each one's state).
#pragma once

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/json.h"
#include "server/domain/channel_events.h"
#include "server/domain/events.h"
#include "server/domain/message_views.h"
#include "server/domain/read_state.h"
#include "server/domain/store.h"
#include "server/domain/watches.h"

namespace eddy::server::testing {

class FakeWatches final : public Watches {
 public:
  void Open(std::string conn, std::string user) {
    std::lock_guard lock(mutex_);
    conns_[std::move(conn)] = std::move(user);
  }

  bool Watch(std::string_view app, std::string_view conn, std::string_view cid) override {
    std::lock_guard lock(mutex_);
    if (!conns_.count(std::string(conn))) return false;
    watches_.insert({std::string(conn), std::string(cid)});
    return true;
  }
  bool Unwatch(std::string_view app, std::string_view conn, std::string_view cid) override {
    std::lock_guard lock(mutex_);
    return watches_.erase({std::string(conn), std::string(cid)}) > 0;
  }
  void UnwatchChannel(std::string_view app, std::string_view cid) override {
    std::lock_guard lock(mutex_);
    std::erase_if(watches_, [&](const auto& w) { return w.second == cid; });
  }
  void UnwatchUser(std::string_view app, std::string_view cid, std::string_view user) override {
    std::lock_guard lock(mutex_);
    std::erase_if(watches_,
                  [&](const auto& w) { return w.second == cid && conns_[w.first] == user; });
  }
  std::int64_t WatcherCount(std::string_view app, std::string_view cid) const override {
    return static_cast<std::int64_t>(WatcherSet(cid).size());
  }
  std::vector<std::string> Watchers(std::string_view app, std::string_view cid, int limit,
                                    int offset) const override {
    std::set<std::string> all = WatcherSet(cid);
    std::vector<std::string> out;
    for (const std::string& u : all) {
      if (offset-- > 0) continue;
      if (static_cast<int>(out.size()) >= limit) break;
      out.push_back(u);
    }
    return out;
  }
  bool IsWatching(std::string_view app, std::string_view user,
                  std::string_view cid) const override {
    return WatcherSet(cid).count(std::string(user)) > 0;
  }
  void FollowPresence(std::string_view app, std::string_view conn,
                      const std::vector<std::string>& users) override {
    std::lock_guard lock(mutex_);
    for (const std::string& u : users) follows_.insert({std::string(conn), u});
  }
  std::string ConnectionUser(std::string_view app, std::string_view conn) const override {
    std::lock_guard lock(mutex_);
    auto it = conns_.find(std::string(conn));
    return it != conns_.end() ? it->second : "";
  }

  std::set<std::string> WatcherSet(std::string_view cid) const {
    std::lock_guard lock(mutex_);
    std::set<std::string> out;
    for (const auto& w : watches_) {
      if (w.second == cid) out.insert(conns_.at(w.first));
    }
    return out;
  }
  bool Follows(const std::string& conn, const std::string& user) const {
    std::lock_guard lock(mutex_);
    return follows_.count({conn, user}) > 0;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::string> conns_;               // connection -> user
  std::set<std::pair<std::string, std::string>> watches_;  // (connection, cid)
  std::set<std::pair<std::string, std::string>> follows_;  // (connection, user)
};

// What each user would receive, in order.
class RecordingDelivery final : public EventSink, public ChannelEvents {
 public:
  explicit RecordingDelivery(const FakeWatches& watches) : watches_(watches) {}

  struct Delivered {
    std::string user_id;
    json::object event;
  };

  void ToUsers(std::string_view app, const std::vector<std::string>& users,
               const json::object& event) override {
    for (const std::string& u : users) Record(u, event, nullptr);
  }
  void ToWatchers(std::string_view app, std::string_view cid, const json::object& event,
                  const PersonalFields& personal) override {
    for (const std::string& u : watches_.WatcherSet(cid)) Record(u, event, personal);
  }
  void ToUsersPersonal(std::string_view app, const std::vector<std::string>& users,
                       const json::object& event, const PersonalFields& personal) override {
    for (const std::string& u : users) Record(u, event, personal);
  }
  void ToPresenceFollowers(std::string_view app, std::string_view user,
                           const json::object& event) override {}

  std::vector<Delivered> Take() {
    std::lock_guard lock(mutex_);
    return std::exchange(log_, {});
  }

 private:
  void Record(const std::string& user, const json::object& event, const PersonalFields& personal) {
    json::object e = event;
    if (personal) {
      for (auto& kv : personal(user)) e[kv.key()] = kv.value();
    }
    std::lock_guard lock(mutex_);
    log_.push_back({user, std::move(e)});
  }

  const FakeWatches& watches_;
  std::mutex mutex_;
  std::vector<Delivered> log_;
};

class FakeMessageViews final : public MessageViews {
 public:
  Result<json::array> Render(const App& app, std::string_view reader,
                             const std::vector<Message>& messages) override {
    json::array out;
    for (const Message& m : messages) {
      out.push_back(json::object{{"id", m.id},
                                 {"text", m.text},
                                 {"type", m.type},
                                 {"cid", m.cid()},
                                 {"user", json::object{{"id", m.user_id}}},
                                 {"created_at", FormatTime(m.created_at)}});
    }
    return out;
  }
};

class FakeReadState final : public ReadState {
 public:
  explicit FakeReadState(Store& store) : store_(store) {}

  Result<UnreadSummary> Summary(const App& app, std::string_view user) override {
    return UnreadSummary{};
  }
  Result<std::int64_t> UnreadCount(const App& app, const Channel& c, const Member& m) override {
    UnreadQuery q;
    q.channel_type = c.type;
    q.channel_id = c.id;
    q.user_id = m.user_id;
    q.after = m.last_read;
    q.not_before = c.truncated_at;
    if (m.hide_messages_before && (!q.not_before || *m.hide_messages_before > *q.not_before)) {
      q.not_before = m.hide_messages_before;
    }
    return store_.messages().CountUnread(app.api_key, q);
  }
  PersonalFields UnreadFields(const App& app, const Channel& channel) override {
    return [](const std::string&) { return json::object{{"unread_count", 0}}; };
  }
  std::unique_lock<HandoffMutex> LockReadState(std::string_view, std::string_view,
                                               std::string_view) override {
    return {};
  }

 private:
  Store& store_;
};

}  // namespace eddy::server::testing
