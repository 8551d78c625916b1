// Test doubles for the ports MessageService needs besides the store: watches with a settable
// watcher set, a ChannelEvents that resolves recipients the way the hub does and records what
// each one got (personal fields applied), a ReadState with recognisable unread counters, and
// a ChannelViews that names its reader. Thread-safe (mutex_ guards the recorded state).
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/domain/channel_events.h"
#include "server/domain/channel_views.h"
#include "server/domain/read_state.h"
#include "server/domain/watches.h"

namespace eddy::server::testing {

class FakeWatches final : public Watches {
 public:
  void SetWatching(std::string_view user_id, std::string_view cid, bool on) {
    std::lock_guard lock(mutex_);
    auto key = std::make_pair(std::string(user_id), std::string(cid));
    if (on) {
      watching_.insert(key);
    } else {
      watching_.erase(key);
    }
  }
  std::vector<std::string> UsersWatching(std::string_view cid) const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (const auto& [user, c] : watching_) {
      if (c == cid) out.push_back(user);
    }
    return out;
  }

  bool Watch(std::string_view, std::string_view, std::string_view) override { return false; }
  bool Unwatch(std::string_view, std::string_view, std::string_view) override { return false; }
  void UnwatchChannel(std::string_view, std::string_view) override {}
  void UnwatchUser(std::string_view, std::string_view cid, std::string_view user_id) override {
    SetWatching(user_id, cid, false);
  }
  std::int64_t WatcherCount(std::string_view, std::string_view cid) const override {
    return static_cast<std::int64_t>(UsersWatching(cid).size());
  }
  std::vector<std::string> Watchers(std::string_view, std::string_view cid, int,
                                    int) const override {
    return UsersWatching(cid);
  }
  bool IsWatching(std::string_view, std::string_view user_id, std::string_view cid) const override {
    std::lock_guard lock(mutex_);
    return watching_.count({std::string(user_id), std::string(cid)}) > 0;
  }
  void FollowPresence(std::string_view, std::string_view,
                      const std::vector<std::string>&) override {}
  std::string ConnectionUser(std::string_view, std::string_view) const override { return ""; }

 private:
  mutable std::mutex mutex_;
  std::set<std::pair<std::string, std::string>> watching_;
};

// One event as one user received it.
struct Received {
  std::string user_id;
  json::object event;  // shared part with the personal fields merged in
};

class RecordingChannelEvents final : public ChannelEvents {
 public:
  explicit RecordingChannelEvents(const FakeWatches& watches) : watches_(watches) {}

  void ToWatchers(std::string_view, std::string_view cid, const json::object& event,
                  const PersonalFields& personal) override {
    Deliver(watches_.UsersWatching(cid), event, personal);
  }
  void ToUsersPersonal(std::string_view, const std::vector<std::string>& user_ids,
                       const json::object& event, const PersonalFields& personal) override {
    Deliver(user_ids, event, personal);
  }
  void ToPresenceFollowers(std::string_view, std::string_view, const json::object&) override {}

  std::vector<Received> Take() {
    std::lock_guard lock(mutex_);
    return std::exchange(received_, {});
  }

 private:
  void Deliver(const std::vector<std::string>& users, const json::object& event,
               const PersonalFields& personal) {
    std::vector<Received> out;
    for (const std::string& u : users) {
      json::object e = event;
      if (personal) {
        for (const auto& kv : personal(u)) e[kv.key()] = kv.value();
      }
      out.push_back({u, std::move(e)});
    }
    std::lock_guard lock(mutex_);
    for (Received& r : out) received_.push_back(std::move(r));
  }

  const FakeWatches& watches_;
  std::mutex mutex_;
  std::vector<Received> received_;
};

// unread_count is 100 + the number of LockReadState calls seen for that user, so tests can
// tell that the personal fields are per recipient and computed after the author's read state
// was written (the message insert writes it under that lock).
class FakeReadState final : public ReadState {
 public:
  Result<UnreadSummary> Summary(const App&, std::string_view) override { return UnreadSummary{}; }
  Result<std::int64_t> UnreadCount(const App&, const Channel&, const Member&) override {
    return std::int64_t{0};
  }
  PersonalFields UnreadFields(const App&, const Channel& channel) override {
    std::string cid = channel.cid();
    return [this, cid](const std::string& user_id) {
      std::lock_guard lock(mutex_);
      std::int64_t advanced = 0;
      for (const auto& l : locks_) advanced += l.second == user_id ? 1 : 0;
      return json::object{{"unread_count", 100 + advanced},
                          {"total_unread_count", 200},
                          {"unread_channels", 1},
                          {"unread_for", user_id},
                          {"unread_cid", cid}};
    };
  }
  std::unique_lock<HandoffMutex> LockReadState(std::string_view, std::string_view cid,
                                               std::string_view user_id) override {
    std::lock_guard lock(mutex_);
    locks_.emplace_back(std::string(cid), std::string(user_id));
    return {};
  }
  // (cid, user id) of each LockReadState call.
  std::vector<std::pair<std::string, std::string>> Locks() {
    std::lock_guard lock(mutex_);
    return locks_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::pair<std::string, std::string>> locks_;
};

class FakeChannelViews final : public ChannelViews {
 public:
  Result<json::object> RenderChannel(const App&, const Channel& c,
                                     std::string_view reader_id) override {
    return json::object{{"cid", c.cid()},
                        {"id", c.id},
                        {"type", c.type},
                        {"reader", reader_id},
                        {"message_count", c.message_count}};
  }
};

}  // namespace eddy::server::testing
