// A connection through the C++ SDK that keeps every server event it receives, with the same
// Collect as EventClient (events.h): happy-path tests use it so the SDK's connect and event
// path are exercised by the server tests. Local SDK events (connection.*) and the first
// health.check (kept as hello()) are not collected.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "eddy/client.h"
#include "integration/events.h"

namespace eddy::testing {

class SdkConn {
 public:
  SdkConn(const std::string& base_url, const std::string& api_key)
      : client_(base_url, api_key),
        sub_(client_.On("*", [this](const client::Event& e) { Add(e); })) {}

  bool Connect(const std::string& user_id, const std::string& token) {
    client::User user;
    user.id = user_id;
    try {
      client_.ConnectUser(user, token);
      return true;
    } catch (const client::ApiError& e) {
      ADD_FAILURE() << "ConnectUser(" << user_id << "): " << e.what();
      return false;
    }
  }

  // Waits until the events include every type of `want` (or `timeout` passes), then until
  // `quiet` passes without one.
  std::vector<json::object> Collect(
      const std::multiset<std::string>& want,
      std::chrono::milliseconds timeout = std::chrono::seconds(5),
      std::chrono::milliseconds quiet = std::chrono::milliseconds(250)) {
    std::unique_lock lock(mu_);
    std::vector<json::object> out;
    auto take = [&] {
      while (!queue_.empty()) {
        out.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    };
    auto missing = [&] {
      std::multiset<std::string> got = EventClient::Types(out);
      return !std::includes(got.begin(), got.end(), want.begin(), want.end());
    };
    auto deadline = std::chrono::steady_clock::now() + timeout;
    take();
    while (missing() && std::chrono::steady_clock::now() < deadline) {
      cv_.wait_until(lock, deadline, [&] { return !queue_.empty(); });
      take();
    }
    while (cv_.wait_for(lock, quiet, [&] { return !queue_.empty(); })) take();
    return out;
  }

  client::ChatClient& client() { return client_; }
  std::string connection_id() const { return client_.connection_id(); }
  // The first health.check; ConnectUser returns just before the SDK dispatches it.
  const json::object& hello() {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(5), [&] { return !hello_.empty(); });
    return hello_;
  }

 private:
  void Add(const client::Event& e) {
    if (e.type.rfind("connection.", 0) == 0) return;
    std::lock_guard lock(mu_);
    if (hello_.empty() && e.type == "health.check") {
      hello_ = e.ToJson();
      cv_.notify_all();
      return;
    }
    queue_.push_back(e.ToJson());
    cv_.notify_all();
  }

  client::ChatClient client_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<json::object> queue_;
  json::object hello_;
  client::Subscription sub_;
};

}  // namespace eddy::testing
