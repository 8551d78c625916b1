// Test double: a WebSocketConnection that records the frames it is given, for hub and API
// tests that check who received which event. Thread-safe (mutex_ guards sent_).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/json.h"
#include "server/realtime/hub.h"
#include "server/transport/handler.h"

namespace eddy::server::realtime::testing {

class RecordingSocket final : public transport::WebSocketConnection {
 public:
  void Send(std::shared_ptr<const std::string> text) override {
    std::lock_guard lock(mutex_);
    sent_.push_back(std::move(text));
  }
  void Close(int code, std::string reason) override {
    std::lock_guard lock(mutex_);
    closed_with_ = code;
  }

  // The frames sent so far (shared buffers: equal pointers mean one encoding).
  std::vector<std::shared_ptr<const std::string>> Frames() const {
    std::lock_guard lock(mutex_);
    return sent_;
  }
  // Takes the frames sent so far, parsed as JSON objects (a frame that does not parse as an
  // object yields {"unparsable": <text>} so the test fails visibly).
  std::vector<json::object> TakeEvents() {
    std::vector<std::shared_ptr<const std::string>> frames;
    {
      std::lock_guard lock(mutex_);
      frames = std::exchange(sent_, {});
    }
    std::vector<json::object> out;
    for (const auto& f : frames) {
      auto parsed = ParseJsonObject(*f, "frame");
      out.push_back(parsed.ok() ? std::move(parsed).value() : json::object{{"unparsable", *f}});
    }
    return out;
  }
  int closed_with() const {
    std::lock_guard lock(mutex_);
    return closed_with_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::shared_ptr<const std::string>> sent_;
  int closed_with_ = 0;
};

// Opens a connection on `hub` with a fresh recording socket and returns the socket.
inline std::shared_ptr<RecordingSocket> Open(Hub& hub, std::string connection_id,
                                             std::string app_key, std::string user_id) {
  auto socket = std::make_shared<RecordingSocket>();
  auto c = std::make_shared<Connection>();
  c->id = std::move(connection_id);
  c->app_key = std::move(app_key);
  c->user_id = std::move(user_id);
  c->socket = socket;
  (void)hub.Add(std::move(c));
  return socket;
}

}  // namespace eddy::server::realtime::testing
