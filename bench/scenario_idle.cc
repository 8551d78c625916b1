// idle: what an idle, authenticated, watching WebSocket costs the server.
#include <atomic>
#include <cstdio>
#include <thread>

#include "bench/scenarios.h"

namespace eddy::bench {

void SleepSeconds(double seconds) {
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
}

std::string Thousands(double v) {
  std::string digits = std::to_string(static_cast<long long>(v + 0.5));
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0 && digits[i - 1] != '-') out += ',';
    out += digits[i];
  }
  return out;
}

Outcome RunIdle(Bench& bench) {
  const Options& o = bench.options();
  Outcome out;
  out.result = bench.Header();
  std::string error;
  const std::string owner = bench.run_id() + "-owner";
  const std::string channel = "idle-" + bench.run_id();
  if (!bench.UpsertUsers({owner}, &error) ||
      !bench.CreateChannel("gaming", channel, owner, {owner}, &error)) {
    out.ok = false;
    out.result["error"] = error;
    out.summary = "idle: set-up failed: " + error;
    return out;
  }
  std::vector<std::string> users;
  for (int i = 0; i < o.connections; ++i)
    users.push_back(bench.run_id() + "-i" + std::to_string(i));

  SleepSeconds(0.5);
  ProcSample before = bench.Server();
  Bench::Connected c =
      bench.ConnectUsers(users, [](size_t, size_t) { return [](std::string_view) {}; });
  SleepSeconds(0.5);
  ProcSample connected = bench.Server();

  std::vector<Bench::Call> watches;
  for (size_t i = 0; i < users.size(); ++i) {
    if (!c.conns[i].ws) continue;
    watches.push_back({"POST",
                       bench.Rest("/channels/gaming/" + channel + "/query", users[i],
                                  c.conns[i].ws->connection_id()),
                       R"({"state":false,"watch":true,"presence":false})",
                       bench.UserToken(users[i])});
  }
  std::int64_t watch_start = NowNanos();
  std::vector<HttpReply> replies = bench.RunCalls(watches);
  double watch_seconds = static_cast<double>(NowNanos() - watch_start) / 1e9;
  int watch_errors = 0;
  for (const auto& r : replies) {
    if (!r.ok() && watch_errors++ == 0) error = std::to_string(r.status) + " " + r.body;
  }
  SleepSeconds(std::max(1.0, o.duration));
  ProcSample held = bench.Server();
  std::atomic<int> open_count{0};
  bench.pool().OnEach([&](size_t loop) {
    for (auto& conn : c.conns) {
      if (conn.ws && conn.loop == loop && conn.ws->open()) ++open_count;
    }
  });
  const int still_open = open_count.load();
  bench.Disconnect(c);

  const int ok_conns = o.connections - c.failures;
  double connects_per_s = c.seconds > 0 ? ok_conns / c.seconds : 0;
  json::object& r = out.result;
  r["connections"] = o.connections;
  r["connect_failures"] = c.failures;
  if (c.failures) r["connect_error"] = c.first_error;
  r["connect_seconds"] = Round(c.seconds, 3);
  r["connects_per_s"] = static_cast<std::int64_t>(Round(connects_per_s, 0));
  r["watch_calls_per_s"] =
      static_cast<std::int64_t>(Round(watch_seconds > 0 ? watches.size() / watch_seconds : 0, 0));
  r["watch_errors"] = watch_errors;
  if (watch_errors) r["watch_error"] = error;
  r["still_open_after_hold"] = still_open;
  r["bench_cpu_s"] = Round(OwnCpuSeconds(), 2);
  if (before.ok && held.ok && ok_conns > 0) {
    r["server_rss_before_bytes"] = before.rss_bytes;
    r["server_rss_connected_bytes"] = connected.rss_bytes;
    r["server_rss_watching_bytes"] = held.rss_bytes;
    r["rss_per_connection_bytes"] = (held.rss_bytes - before.rss_bytes) / ok_conns;
    r["rss_per_connection_before_watch_bytes"] =
        (connected.rss_bytes - before.rss_bytes) / ok_conns;
    r["server_cpu_per_connect_us"] =
        Round((connected.cpu_seconds - before.cpu_seconds) * 1e6 / ok_conns, 1);
  }
  out.ok = c.failures == 0 && watch_errors == 0 && still_open == ok_conns;
  char line[512];
  std::snprintf(line, sizeof line,
                "idle: %s connections (%d failed) in %.2f s = %s connects/s; %s still open "
                "after %.0f s; watch errors %d",
                Thousands(o.connections).c_str(), c.failures, c.seconds,
                Thousands(connects_per_s).c_str(), Thousands(still_open).c_str(),
                std::max(1.0, o.duration), watch_errors);
  out.summary = line;
  if (r.contains("rss_per_connection_bytes")) {
    out.summary +=
        "\n  server RSS " + Thousands(before.rss_bytes) + " -> " + Thousands(held.rss_bytes) +
        " B: " + Thousands(static_cast<double>(r["rss_per_connection_bytes"].as_int64())) +
        " B per connection (" +
        Thousands(static_cast<double>(r["rss_per_connection_before_watch_bytes"].as_int64())) +
        " B before watching)";
  }
  return out;
}

}  // namespace eddy::bench
