// fanout: one channel, many watchers, one REST sender at fixed rates. Each message carries
// its sequence number and scheduled send time, so every receiver measures latency, loss and
// duplicates on its own; the sender's schedule is fixed in advance, so a slow server shows
// up as latency rather than as a slower schedule (no coordinated omission).
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <cstdio>

#include "bench/scenarios.h"

namespace eddy::bench {

namespace {

constexpr std::uint64_t kSeqStride = 100'000'000;  // seq = step * stride + index
constexpr size_t kSenderConnections = 32;
// A server that cannot keep up would make a step last for minutes: sending stops at 1.5
// step lengths, waiting for deliveries after 10 s, and higher rates are then skipped.
constexpr double kSendWindow = 1.5;
constexpr std::int64_t kMaxDrainNanos = 10'000'000'000;
constexpr double kSaturatedP99Ms = 1000;

struct Receiver {
  std::vector<std::uint8_t> seen;  // by index within the current step
  std::uint64_t duplicates = 0;
  std::uint64_t strays = 0;  // events of another step (late)
  // --mark-read: one read request at a time; messages that arrive meanwhile ask for one more.
  std::unique_ptr<HttpConn> http;
  bool reading = false;
  bool read_again = false;
};

struct alignas(64) LoopStats {
  std::atomic<std::uint64_t> received{0};
  std::atomic<std::int64_t> last_nanos{0};
  std::atomic<std::uint64_t> reads{0}, read_errors{0};
  Latencies latencies;  // this step; touched on the loop only
};

// Marks the channel read for `rec` until no message arrived during the last request.
asio::awaitable<void> MarkRead(Receiver* rec, LoopStats* stats, const std::string* target,
                               const std::string* token) {
  do {
    rec->read_again = false;
    HttpReply r = co_await rec->http->Request("POST", *target, "{}", *token);
    ++(r.ok() ? stats->reads : stats->read_errors);
  } while (rec->read_again);
  rec->reading = false;
}

}  // namespace

Outcome RunFanout(Bench& bench) {
  const Options& o = bench.options();
  Outcome out;
  out.result = bench.Header();
  std::string error;
  const std::string sender = bench.run_id() + "-sender";
  const std::string channel = "fan-" + bench.run_id();
  const std::string path = "/channels/" + o.channel_type + "/" + channel;
  std::vector<std::string> users;
  for (int i = 0; i < o.receivers; ++i) users.push_back(bench.run_id() + "-r" + std::to_string(i));
  std::vector<std::string> members{sender};
  if (o.members) members.insert(members.end(), users.begin(), users.end());
  if (!bench.UpsertUsers(members, &error) ||
      !bench.CreateChannel(o.channel_type, channel, sender, members, &error)) {
    out.ok = false;
    out.result["error"] = error;
    out.summary = "fanout: set-up failed: " + error;
    return out;
  }

  std::vector<Receiver> receivers(users.size());
  std::vector<LoopStats> loops(bench.pool().size());
  std::vector<std::string> read_targets, read_tokens;
  if (o.mark_read) {
    for (const std::string& u : users) {
      read_targets.push_back(bench.Rest(path + "/read", u));
      read_tokens.push_back(bench.UserToken(u));
    }
  }
  std::atomic<std::uint64_t> step_now{0};
  Bench::Connected c = bench.ConnectUsers(users, [&](size_t i, size_t loop) {
    return [&, i, loop, rec = &receivers[i], stats = &loops[loop]](std::string_view frame) {
      std::uint64_t seq;
      std::int64_t sent;
      if (!ParseStamp(frame, &seq, &sent)) return;
      std::int64_t now = NowNanos();
      if (seq / kSeqStride != step_now.load(std::memory_order_relaxed)) {
        ++rec->strays;
        return;
      }
      size_t index = seq % kSeqStride;
      if (rec->seen.size() <= index) rec->seen.resize(index + 1024);
      if (rec->seen[index]) {
        ++rec->duplicates;
        return;
      }
      rec->seen[index] = 1;
      stats->latencies.Add((now - sent) / 1000);
      stats->received.fetch_add(1, std::memory_order_relaxed);
      stats->last_nanos.store(now, std::memory_order_relaxed);
      if (!o.mark_read) return;
      if (rec->reading) {
        rec->read_again = true;
        return;
      }
      rec->reading = true;
      auto& ex = bench.pool().loop(loop);
      if (!rec->http) {
        rec->http = std::make_unique<HttpConn>(ex.get_executor(), bench.target(), 2'000'000 + i);
      }
      asio::co_spawn(ex, MarkRead(rec, stats, &read_targets[i], &read_tokens[i]), asio::detached);
    };
  });
  std::vector<Bench::Call> watches;
  for (size_t i = 0; i < users.size(); ++i) {
    if (!c.conns[i].ws) continue;
    watches.push_back(
        {"POST", bench.Rest(path + "/query", users[i], c.conns[i].ws->connection_id()),
         R"({"state":false,"watch":true,"presence":false})", bench.UserToken(users[i])});
  }
  std::string watch_error;
  bool watched = bench.RunAll(watches, &watch_error);
  const std::uint64_t watching = watched ? watches.size() : 0;

  json::array steps;
  out.summary = "fanout: " + Thousands(static_cast<double>(watching)) + " receivers (" +
                std::to_string(c.failures) + " failed to connect" +
                (watched ? "" : ", watch failed: " + watch_error) + ")";
  out.ok = c.failures == 0 && watched;
  const std::string token = bench.UserToken(sender);
  const std::string message_target = bench.Rest(path + "/message", sender);
  json::array skipped;
  bool saturated = false;
  for (size_t k = 0; k < o.rates.size() && watched; ++k) {
    if (saturated) {
      skipped.push_back(o.rates[k]);
      continue;
    }
    const double rate = o.rates[k];
    const size_t count = static_cast<size_t>(rate * o.step_seconds + 0.5);
    step_now = k + 1;
    for (auto& l : loops) l.received = l.reads = l.read_errors = 0;
    ProcSample cpu_before = bench.Server();
    double bench_cpu_before = OwnCpuSeconds();
    std::atomic<std::uint64_t> send_errors{0}, unsent{0};
    std::string send_error;
    std::vector<std::unique_ptr<HttpConn>> conns(kSenderConnections);
    std::vector<Latencies> acks(kSenderConnections);
    const std::int64_t t0 = NowNanos() + 20'000'000;
    const std::int64_t send_end =
        t0 + static_cast<std::int64_t>(o.step_seconds * kSendWindow * 1e9);
    bench.pool().ParallelFor(
        count, kSenderConnections, [&](size_t j, size_t w) -> asio::awaitable<void> {
          auto ex = co_await asio::this_coro::executor;
          if (!conns[w]) conns[w] = std::make_unique<HttpConn>(ex, bench.target(), 1'000'000 + w);
          const std::int64_t due = t0 + static_cast<std::int64_t>(j * 1e9 / rate);
          if (NowNanos() > send_end) {
            ++unsent;
            co_return;
          }
          if (due > NowNanos()) {
            asio::steady_timer timer(ex, SteadyClock::time_point(std::chrono::nanoseconds(due)));
            co_await timer.async_wait(asio::use_awaitable);
          }
          std::string body = R"({"message":{"text":)" +
                             Quote(StampedText((k + 1) * kSeqStride + j, due, o.text_bytes)) + "}}";
          HttpReply r = co_await conns[w]->Request("POST", message_target, body, token);
          acks[w].Add((NowNanos() - due) / 1000);
          if (!r.ok() && send_errors++ == 0) send_error = std::to_string(r.status) + " " + r.body;
        });
    const std::int64_t sent_end = NowNanos();
    // Wait until everything arrived, or nothing more has arrived for 2 s.
    const std::uint64_t sent_ok = count - send_errors - unsent;
    const std::uint64_t expected = sent_ok * watching;
    std::uint64_t received = 0, last_seen = 0;
    std::int64_t quiet_since = NowNanos();
    while (true) {
      received = 0;
      for (auto& l : loops) received += l.received.load();
      if (received >= expected) break;
      if (received != last_seen) {
        last_seen = received;
        quiet_since = NowNanos();
      } else if (NowNanos() - quiet_since > 2'000'000'000 ||
                 NowNanos() - sent_end > kMaxDrainNanos) {
        break;
      }
      SleepSeconds(0.01);
    }
    std::int64_t last_arrival = sent_end;
    for (auto& l : loops) last_arrival = std::max(last_arrival, l.last_nanos.load());
    ProcSample cpu_after = bench.Server();
    double bench_cpu = OwnCpuSeconds() - bench_cpu_before;
    step_now = 0;  // late events from here on count as strays
    std::uint64_t reads = 0, read_errors = 0;
    for (auto& l : loops) {
      reads += l.reads;
      read_errors += l.read_errors;
    }

    std::atomic<std::uint64_t> unique{0}, duplicates{0};
    Latencies latencies;
    std::mutex merge;
    bench.pool().OnEach([&](size_t loop) {
      std::uint64_t u = 0, d = 0;
      for (size_t i = 0; i < receivers.size(); ++i) {
        if (!c.conns[i].ws || c.conns[i].loop != loop) continue;
        for (size_t j = 0; j < std::min(count, receivers[i].seen.size()); ++j) {
          u += receivers[i].seen[j];
        }
        d += receivers[i].duplicates;
        receivers[i].duplicates = 0;
        receivers[i].seen.assign(count, 0);
      }
      unique += u;
      duplicates += d;
      std::lock_guard lock(merge);
      latencies.Merge(loops[loop].latencies);
      loops[loop].latencies = Latencies();
    });
    Latencies ack_latencies;
    for (auto& a : acks) ack_latencies.Merge(a);
    bench.pool().OnEach([&](size_t loop) {
      for (size_t w = loop; w < conns.size(); w += bench.pool().size()) conns[w].reset();
    });

    const double seconds = static_cast<double>(last_arrival - t0) / 1e9;
    const std::uint64_t delivered = unique;
    const std::uint64_t lost = expected - std::min(delivered, expected);
    std::atomic<std::uint64_t> closed{0};
    bench.pool().OnEach([&](size_t loop) {
      for (auto& conn : c.conns) {
        if (conn.ws && conn.loop == loop && !conn.ws->open()) ++closed;
      }
    });
    json::object s{{"rate_msgs_per_s", rate},
                   {"messages", count},
                   {"send_errors", send_errors.load()},
                   {"unsent", unsent.load()},
                   {"receivers_closed", closed.load()},
                   {"receivers", watching},
                   {"delivered", delivered},
                   {"lost", lost},
                   {"duplicated", duplicates.load()},
                   {"seconds", Round(seconds, 3)},
                   {"deliveries_per_s",
                    static_cast<std::int64_t>(Round(seconds > 0 ? delivered / seconds : 0, 0))},
                   {"latency", latencies.Summary()},
                   {"send_ack", ack_latencies.Summary()},
                   {"bench_cpu_s", Round(bench_cpu, 3)}};
    if (o.mark_read) {
      s["reads"] = reads;
      s["read_errors"] = read_errors;
    }
    if (send_errors) s["send_error"] = send_error.substr(0, 300);
    if (cpu_before.ok && cpu_after.ok && delivered > 0) {
      double cpu = cpu_after.cpu_seconds - cpu_before.cpu_seconds;
      s["server_cpu_s"] = Round(cpu, 3);
      s["server_cpu_per_delivery_us"] = Round(cpu * 1e6 / delivered, 3);
      // Near 1.0 the server's one core is the limit, not the load.
      s["server_core_busy"] = Round(cpu / (cpu_after.taken_at - cpu_before.taken_at), 2);
      s["server_rss_bytes"] = cpu_after.rss_bytes;
    }
    json::object lat = s["latency"].as_object();
    char line[512];
    std::snprintf(line, sizeof line,
                  "\n  %6.0f msg/s x %s: %s deliveries/s, p50 %.2f ms p99 %.2f ms max %.2f ms, "
                  "lost %llu dup %llu, send errors %llu unsent %llu, receivers closed %llu, "
                  "server CPU/delivery %.3f us",
                  rate, Thousands(static_cast<double>(watching)).c_str(),
                  Thousands(seconds > 0 ? delivered / seconds : 0).c_str(),
                  lat.contains("p50_ms") ? lat["p50_ms"].to_number<double>() : 0.0,
                  lat.contains("p99_ms") ? lat["p99_ms"].to_number<double>() : 0.0,
                  lat.contains("max_ms") ? lat["max_ms"].to_number<double>() : 0.0,
                  static_cast<unsigned long long>(lost),
                  static_cast<unsigned long long>(duplicates.load()),
                  static_cast<unsigned long long>(send_errors.load()),
                  static_cast<unsigned long long>(unsent.load()),
                  static_cast<unsigned long long>(closed.load()),
                  s.contains("server_cpu_per_delivery_us")
                      ? s["server_cpu_per_delivery_us"].to_number<double>()
                      : -1.0);
    out.summary += line;
    if (o.mark_read) {
      out.summary += ", " + Thousands(static_cast<double>(reads)) + " reads (" +
                     std::to_string(read_errors) + " failed)";
    }
    if (lost || duplicates || send_errors || unsent || read_errors) out.ok = false;
    const json::value* p99 = s["latency"].as_object().if_contains("p99_ms");
    saturated = lost || unsent || closed || (p99 && p99->to_number<double>() > kSaturatedP99Ms);
    s["saturated"] = saturated;
    steps.push_back(std::move(s));
  }
  std::atomic<std::uint64_t> strays{0};
  bench.pool().OnEach([&](size_t loop) {
    for (size_t i = 0; i < receivers.size(); ++i) {
      if (c.conns[i].ws && c.conns[i].loop == loop) strays += receivers[i].strays;
    }
  });
  // Reads still in flight end before their connections go (none is dropped while it waits).
  for (int wait = 0; o.mark_read && wait < 1000; ++wait) {
    std::atomic<bool> reading{false};
    bench.pool().OnEach([&](size_t loop) {
      for (size_t i = 0; i < receivers.size(); ++i) {
        if (c.conns[i].loop != loop) continue;
        if (receivers[i].reading) {
          reading = true;
        } else {
          receivers[i].http.reset();
        }
      }
    });
    if (!reading) break;
    SleepSeconds(0.01);
  }
  bench.Disconnect(c);
  out.result["receivers"] = o.receivers;
  out.result["receivers_are_members"] = o.members;
  out.result["receivers_mark_read"] = o.mark_read;
  out.result["channel_type"] = o.channel_type;
  out.result["connect_failures"] = c.failures;
  if (c.failures) out.result["connect_error"] = c.first_error;
  if (!watched) out.result["watch_error"] = watch_error;
  out.result["text_bytes"] = o.text_bytes;
  out.result["step_seconds"] = o.step_seconds;
  out.result["late_events"] = strays.load();
  out.result["steps"] = std::move(steps);
  out.result["skipped_rates"] = std::move(skipped);
  if (saturated) out.summary += "\n  (saturated: higher rates skipped)";
  return out;
}

}  // namespace eddy::bench
