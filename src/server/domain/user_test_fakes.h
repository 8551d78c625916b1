// Test doubles for the ports UserService needs besides the store: a clock tests move by hand,
// an EventSink that records what it is given, and a Presence with a settable online set.
// Thread-safe (mutex_ guards the recorded state), so concurrency tests can use them.
#pragma once

#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/json.h"
#include "server/domain/events.h"
#include "server/domain/presence.h"

namespace eddy::server::testing {

class ManualClock final : public Clock {
 public:
  explicit ManualClock(Micros now) : now_(now) {}
  Micros Now() const override { return now_.load(); }
  void Advance(Micros by) { now_ += by; }

 private:
  std::atomic<Micros> now_;
};

class RecordingEventSink final : public EventSink {
 public:
  struct Sent {
    std::string app_key;
    std::vector<std::string> user_ids;
    json::object event;
  };

  void ToUsers(std::string_view app_key, const std::vector<std::string>& user_ids,
               const json::object& event) override {
    std::lock_guard lock(mutex_);
    sent_.push_back({std::string(app_key), user_ids, event});
  }

  std::vector<Sent> Take() {
    std::lock_guard lock(mutex_);
    return std::exchange(sent_, {});
  }

 private:
  std::mutex mutex_;
  std::vector<Sent> sent_;
};

class FakePresence final : public Presence {
 public:
  bool IsOnline(std::string_view app_key, std::string_view user_id) const override {
    std::lock_guard lock(mutex_);
    return online_.count(std::string(app_key) + "/" + std::string(user_id)) > 0;
  }
  void SetOnline(std::string_view app_key, std::string_view user_id, bool online) {
    std::lock_guard lock(mutex_);
    std::string key = std::string(app_key) + "/" + std::string(user_id);
    if (online) {
      online_.insert(key);
    } else {
      online_.erase(key);
    }
  }

 private:
  mutable std::mutex mutex_;
  std::set<std::string> online_;
};

}  // namespace eddy::server::testing
