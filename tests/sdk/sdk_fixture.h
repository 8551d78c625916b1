// Fixture of the SDK tests: the real eddy binary (tests/integration/harness.h) plus the
// token_server example as a child process, and a thread-safe log of the events a ChatClient
// delivers.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "eddy/client.h"
#include "integration/harness.h"

namespace eddy::testing {

namespace ec = eddy::client;

// A program started with fork/exec, its stdout in a file; killed by the destructor.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const std::string& stdin_file = "");
  ~ChildProcess();
  // Waits until stdout contains `text`; false after `timeout` or if the program exited.
  bool WaitForOutput(const std::string& text,
                     std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // Waits for the exit; the exit status, or -1 on a signal or timeout (then it is killed).
  int Wait(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  std::string output() const;

 private:
  std::string dir_;
  int pid_ = -1;
};

// Everything one client received, in order; tests wait on it from their own thread.
class EventLog {
 public:
  explicit EventLog(ec::ChatClient& client)
      : sub_(client.On("*", [this](const ec::Event& e) { Add(e); })) {}

  // The first event (not yet returned by an earlier call) of `type` matching `pred`.
  std::optional<ec::Event> WaitFor(const std::string& type,
                                   std::function<bool(const ec::Event&)> pred = nullptr,
                                   std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock lock(mu_);
    std::optional<ec::Event> found;
    cv_.wait_for(lock, timeout, [&] {
      for (size_t i = 0; i < events_.size(); ++i) {
        if (taken_[i] || events_[i].type != type || (pred && !pred(events_[i]))) continue;
        taken_[i] = true;
        found = events_[i];
        return true;
      }
      return false;
    });
    return found;
  }

  int Count(const std::string& type) {
    std::lock_guard lock(mu_);
    int n = 0;
    for (const auto& e : events_) n += e.type == type;
    return n;
  }

 private:
  void Add(const ec::Event& e) {
    std::lock_guard lock(mu_);
    events_.push_back(e);
    taken_.push_back(false);
    cv_.notify_all();
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<ec::Event> events_;
  std::vector<bool> taken_;
  ec::Subscription sub_;
};

inline std::function<bool(const ec::Event&)> From(const std::string& user_id) {
  return [user_id](const ec::Event& e) { return e.user && e.user->id == user_id; };
}

class SdkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(eddy_.Start());
    // Port 0: the token server binds a free port and prints it (no race for a port).
    token_server_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{TOKEN_SERVER_BINARY, "--port", "0", "--key", eddy_.api_key(),
                                 "--secret", eddy_.api_secret()});
    ASSERT_TRUE(token_server_->WaitForOutput("listening on")) << token_server_->output();
    const std::string out = token_server_->output();
    token_port_ = std::atoi(out.c_str() + out.find("listening on ") + 13);
    ASSERT_GT(token_port_, 0) << out;
    server_ = std::make_unique<ec::ServerClient>(url(), eddy_.api_key(), eddy_.api_secret());
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(eddy_.port()); }
  std::string token_url() const {
    return "http://127.0.0.1:" + std::to_string(token_port_) + "/token";
  }
  // A provider asking the token server, as an app does.
  ec::TokenProvider Provider(const std::string& user_id) const {
    std::string token_url = this->token_url();
    return [token_url, user_id] { return ec::FetchToken(token_url, user_id); };
  }
  static ec::User U(const std::string& id, const std::string& name = "") {
    ec::User u;
    u.id = id;
    u.name = name;
    return u;
  }

  EddyProcess eddy_;
  int token_port_ = 0;
  std::unique_ptr<ChildProcess> token_server_;
  std::unique_ptr<ec::ServerClient> server_;
};

}  // namespace eddy::testing
