// Server configuration: built-in defaults < config file (--config FILE or EDDY_CONFIG, a JSON
// object with the snake_case keys below) < environment (EDDY_ + the key upper-cased) < flags
// (--kebab-case-key VALUE or --kebab-case-key=VALUE). Loaded and validated once at start-up;
// every problem is collected and reported together so one run shows them all. Plain data and
// pure functions: thread-safe.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace eddy::server {

struct Config {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: the OS picks a free port
  std::string data_dir = "./eddy-data";
  int threads = 0;  // event-loop threads; 0: one per core
  std::size_t max_body_bytes = 10 * 1024 * 1024;
  std::size_t max_header_bytes = 16 * 1024;
  int ws_idle_timeout_seconds = 70;
  int http_idle_timeout_seconds = 60;
  std::string log_format = "text";  // text | json
  std::string log_level = "info";   // debug | info | warn | error
  std::string store = "sqlite";     // sqlite | postgres://user:password@host/db
  int store_pool_size = 8;          // connections to PostgreSQL (ignored by sqlite)
  std::string bus = "local";        // local | redis://[:password@]host[:port]
  std::string node_id;              // empty: generated at start

  // What the command line asked for rather than settings; never read from file or env.
  bool print_config = false;  // --print-config: show the effective config and exit
  // --test-clock: FOR TESTS ONLY. Adds the server-side route POST /_test/clock
  // {"advance_seconds": N}, which moves the server's clock forward so timeouts (bans, mutes)
  // can run out in integration tests. Never enable it in production.
  bool test_clock = false;
  std::string config_file;  // the file that was read, empty if none
};

// args: the arguments after the subcommand (no program name, no "serve"). env: the process
// environment (tests pass their own). On failure the Error's message lists every problem, one
// per line, each naming where the bad value came from.
Result<Config> LoadConfig(const std::vector<std::string>& args,
                          const std::map<std::string, std::string>& env);

// The effective settings as pretty JSON in the config file's own format (it loads back), with
// passwords inside the store and bus URLs replaced by ****.
std::string PrintConfig(const Config& config);

// The URL with its password (user-info after ':' and any password= query parameter) masked,
// safe to print or log. Strings that are not URLs come back unchanged.
std::string MaskUrlPassword(std::string_view url);

}  // namespace eddy::server
