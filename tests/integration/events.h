// A WebSocket client that keeps every event it receives, for tests that check who got what.
#pragma once

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "integration/http_client.h"

namespace eddy::testing {

class EventClient {
 public:
  bool Connect(int port, const std::string& target) {
    if (!ws_.Connect(port, target)) return false;
    auto first = ws_.ReadJson(std::chrono::seconds(10));
    if (!first || first->at("type") != "health.check") return false;
    hello_ = *first;
    connection_id_ = std::string(first->at("connection_id").as_string());
    return true;
  }

  // Reads every frame that arrives within `quiet` of the previous one.
  std::vector<json::object> Drain(
      std::chrono::milliseconds quiet = std::chrono::milliseconds(300)) {
    std::vector<json::object> out;
    while (auto frame = ws_.ReadJson(quiet)) out.push_back(std::move(*frame));
    seen_.insert(seen_.end(), out.begin(), out.end());
    return out;
  }

  // Waits (up to `timeout`) for an event of `type`, keeping the others; returns it or null.
  std::optional<json::object> WaitFor(const std::string& type,
                                      std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    return WaitFor(type, "", timeout);
  }
  // The same, for an event whose `user.id` is `user_id` (any user when empty).
  std::optional<json::object> WaitFor(const std::string& type, const std::string& user_id,
                                      std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto frame = ws_.ReadJson(std::chrono::milliseconds(200));
      if (!frame) continue;
      seen_.push_back(*frame);
      if (frame->at("type").as_string() != type) continue;
      if (user_id.empty()) return frame;
      const json::value* user = frame->if_contains("user");
      if (user && user->is_object() && user->as_object().at("id").as_string() == user_id)
        return frame;
    }
    return std::nullopt;
  }

  // Reads until the events received include every type of `want` (or `timeout` passes), then
  // until `quiet` passes without a frame: everything the connection got for one step.
  std::vector<json::object> Collect(
      const std::multiset<std::string>& want,
      std::chrono::milliseconds timeout = std::chrono::seconds(5),
      std::chrono::milliseconds quiet = std::chrono::milliseconds(250)) {
    std::vector<json::object> out;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    auto missing = [&] {
      std::multiset<std::string> got = Types(out);
      return !std::includes(got.begin(), got.end(), want.begin(), want.end());
    };
    while (missing() && std::chrono::steady_clock::now() < deadline) {
      if (auto frame = ws_.ReadJson(std::chrono::milliseconds(100))) out.push_back(*frame);
    }
    while (auto frame = ws_.ReadJson(quiet)) out.push_back(std::move(*frame));
    seen_.insert(seen_.end(), out.begin(), out.end());
    return out;
  }

  static std::multiset<std::string> Types(const std::vector<json::object>& events) {
    std::multiset<std::string> out;
    for (const auto& e : events) out.insert(std::string(e.at("type").as_string()));
    return out;
  }

  WsClient& ws() { return ws_; }
  const json::object& hello() const { return hello_; }
  const std::string& connection_id() const { return connection_id_; }

 private:
  WsClient ws_;
  json::object hello_;
  std::string connection_id_;
  std::vector<json::object> seen_;
};

inline const json::object* Find(const std::vector<json::object>& events, const std::string& type) {
  auto it = std::find_if(events.begin(), events.end(),
                         [&](const json::object& e) { return e.at("type").as_string() == type; });
  return it == events.end() ? nullptr : &*it;
}

}  // namespace eddy::testing
