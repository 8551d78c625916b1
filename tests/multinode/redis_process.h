// Test support: a redis-server of the test's own on a free loopback port with a temporary
// directory and no persistence, which the test can stop and start again on the same port
// (a Redis restart: every key and subscription is gone). The binary comes with the
// CTest fixture `redis` (scripts/test-redis.sh installs it).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "integration/harness.h"

namespace eddy::testing {

class RedisProcess {
 public:
  RedisProcess() : port_(FreePort()) {
    char tmpl[] = "/tmp/eddy-redis-XXXXXX";
    dir_ = mkdtemp(tmpl) ? tmpl : "/tmp";
  }
  ~RedisProcess() {
    Stop();
    std::system(("rm -rf '" + dir_ + "'").c_str());
  }
  RedisProcess(const RedisProcess&) = delete;
  RedisProcess& operator=(const RedisProcess&) = delete;

  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }

  // Starts the server and waits until it accepts connections.
  bool Start() {
    std::vector<std::string> args = {
        "redis-server", "--bind",    "127.0.0.1",        "--port", std::to_string(port_),
        "--dir",        dir_,        "--save",           "",       "--appendonly",
        "no",           "--logfile", dir_ + "/redis.log"};
    pid_ = fork();
    if (pid_ == 0) {
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execvp(argv[0], argv.data());
      _exit(127);
    }
    for (int i = 0; i < 200; ++i) {
      if (Accepts()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return false;
  }

  void Stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  bool Accepts() const {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port_));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    close(fd);
    return ok;
  }

  int port_;
  std::string dir_;
  pid_t pid_ = -1;
};

}  // namespace eddy::testing
