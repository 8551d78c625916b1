// Test harness: runs the real eddy binary as a child process on a free loopback port with a
// temporary data directory, and reads the default app's credentials from what it prints.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace eddy::testing {

class EddyProcess {
 public:
  // A fresh temporary data directory, removed by the destructor.
  EddyProcess();
  ~EddyProcess();
  EddyProcess(const EddyProcess&) = delete;
  EddyProcess& operator=(const EddyProcess&) = delete;

  // Starts `eddy serve` on `port` (0: a free one) with the given extra flags; waits until it
  // listens. Aborts the test (ADD_FAILURE + false) if it does not come up. A restart on the
  // same port and data dir keeps the app's key and secret.
  bool Start(const std::vector<std::string>& extra_args = {}, int port = 0);
  // SIGTERM and wait; returns the exit status (or -1).
  int Stop();
  void Kill();  // SIGKILL, no cleanup
  bool running() const { return pid_ > 0; }

  // Runs `eddy <args>` to completion with this data dir in the environment; returns stdout.
  std::string RunCli(const std::vector<std::string>& args, int* exit_code = nullptr) const;

  int port() const { return port_; }
  const std::string& data_dir() const { return data_dir_; }
  const std::string& api_key() const { return api_key_; }
  const std::string& api_secret() const { return api_secret_; }
  std::string stdout_text() const;
  std::string stderr_text() const;
  std::string cli_stderr_text() const;  // what RunCli's commands wrote to stderr

 private:
  std::string dir_;
  std::string data_dir_;
  int port_ = 0;
  pid_t pid_ = -1;
  std::string api_key_;
  std::string api_secret_;
  int starts_ = 0;
};

int FreePort();
std::string ReadFile(const std::string& path);

}  // namespace eddy::testing
