#include "integration/harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace eddy::testing {

namespace fs = std::filesystem;

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

namespace {

// The word after `label` and the spaces after it in `text`; empty if there is none.
std::string WordAfter(const std::string& text, std::string_view label) {
  std::size_t at = text.find(label);
  if (at == std::string::npos) return "";
  at = text.find_first_not_of(" \t", at + label.size());
  if (at == std::string::npos) return "";
  return text.substr(at, text.find_first_of(" \t\r\n", at) - at);
}

}  // namespace

EddyProcess::EddyProcess() {
  char tmpl[] = "/tmp/eddy-test-XXXXXX";
  dir_ = mkdtemp(tmpl);
  data_dir_ = dir_ + "/data";
}

EddyProcess::~EddyProcess() {
  if (pid_ > 0) Stop();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::string EddyProcess::stdout_text() const { return ReadFile(dir_ + "/stdout.log"); }
std::string EddyProcess::stderr_text() const { return ReadFile(dir_ + "/stderr.log"); }
std::string EddyProcess::cli_stderr_text() const { return ReadFile(dir_ + "/cli-stderr.log"); }

bool EddyProcess::Start(const std::vector<std::string>& extra_args, int port) {
  port_ = port != 0 ? port : FreePort();
  std::vector<std::string> args = {EDDY_BINARY,  "serve",   "--port",    std::to_string(port_),
                                   "--data-dir", data_dir_, "--threads", "2"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  // Each start appends to the same logs; remember where this start's output begins.
  size_t stdout_offset = stdout_text().size();
  pid_ = fork();
  if (pid_ == 0) {
    int out = open((dir_ + "/stdout.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    int err = open((dir_ + "/stderr.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(out, 1);
    dup2(err, 2);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  ++starts_;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    std::string out = stdout_text().substr(stdout_offset);
    if (out.find("listening on") != std::string::npos) {
      if (std::string key = WordAfter(out, "api key:"); !key.empty()) api_key_ = key;
      if (std::string secret = WordAfter(out, "api secret:"); !secret.empty()) {
        api_secret_ = secret;
      }
      return true;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      ADD_FAILURE() << "eddy exited at start; stderr:\n" << stderr_text();
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ADD_FAILURE() << "eddy did not start listening; stderr:\n" << stderr_text();
  Kill();
  return false;
}

int EddyProcess::Stop() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int status = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ADD_FAILURE() << "eddy did not stop within 20 s of SIGTERM";
  Kill();
  return -1;
}

void EddyProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

std::string EddyProcess::RunCli(const std::vector<std::string>& args, int* exit_code) const {
  std::string cmd = "EDDY_DATA_DIR='" + data_dir_ + "' '" + EDDY_BINARY + "'";
  for (const auto& a : args) cmd += " '" + a + "'";
  cmd += " 2>>'" + dir_ + "/cli-stderr.log'";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = pclose(p);
  if (exit_code) *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

}  // namespace eddy::testing
