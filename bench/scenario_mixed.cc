// mixed: a small live chat. U users, each a member of 3 channels, all connected and watching;
// random sends, typing, reads and reactions at a fixed rate. Reports each call's latency,
// each event type's send-to-receive latency, and the server's RSS once a second (it should
// stay flat after warm-up).
#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "bench/scenarios.h"

namespace eddy::bench {

namespace {

constexpr size_t kWorkers = 32;
constexpr int kChannelsPerUser = 3;
const char* const kOps[] = {"send", "typing", "read", "reaction"};

// When the call that causes an event was made, by "type|cid-or-message|user".
class SendTimes {
 public:
  void Put(const std::string& key, std::int64_t nanos) {
    std::lock_guard lock(mutex_);
    times_[key] = nanos;
  }
  std::int64_t Get(const std::string& key) const {
    std::lock_guard lock(mutex_);
    auto it = times_.find(key);
    return it == times_.end() ? 0 : it->second;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::int64_t> times_;
};

struct alignas(64) LoopEvents {
  // Touched on the loop only. Latencies only where the cause's send time is known.
  std::map<std::string, Latencies> by_type;
  std::map<std::string, std::uint64_t> counts;
  std::uint64_t unparsable = 0;
};

std::string Str(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_string() ? std::string(it->value().as_string()) : "";
}

}  // namespace

Outcome RunMixed(Bench& bench) {
  const Options& o = bench.options();
  Outcome out;
  out.result = bench.Header();
  const int n = o.users;
  std::vector<std::string> users;
  for (int i = 0; i < n; ++i) users.push_back(bench.run_id() + "-m" + std::to_string(i));
  auto channel = [&](int c) { return "mx-" + bench.run_id() + "-" + std::to_string(c); };
  std::string error;
  bool ok = bench.UpsertUsers(users, &error);
  std::vector<Bench::Call> creates;
  for (int c = 0; c < n; ++c) {
    // Channel c holds users c, c+1, c+2: everyone is in 3 channels of 3.
    std::string members =
        Quote(users[c]) + "," + Quote(users[(c + 1) % n]) + "," + Quote(users[(c + 2) % n]);
    creates.push_back({"POST", bench.Rest("/channels/messaging/" + channel(c) + "/query"),
                       R"({"data":{"created_by_id":)" + Quote(users[c]) + R"(,"members":[)" +
                           members + R"(]},"state":false,"watch":false})",
                       bench.ServerToken()});
  }
  ok = ok && bench.RunAll(creates, &error);
  if (!ok) {
    out.ok = false;
    out.result["error"] = error;
    out.summary = "mixed: set-up failed: " + error;
    return out;
  }

  SendTimes send_times;
  std::vector<LoopEvents> events(bench.pool().size());
  Bench::Connected c = bench.ConnectUsers(users, [&](size_t, size_t loop) {
    return [&, ev = &events[loop]](std::string_view frame) {
      std::int64_t now = NowNanos();
      auto parsed = ParseJsonObject(frame, "event");
      if (!parsed.ok()) {
        ++ev->unparsable;
        return;
      }
      const json::object& e = *parsed;
      std::string type = Str(e, "type");
      std::int64_t sent = 0;
      std::uint64_t seq;
      if (type == "message.new") {
        ParseStamp(frame, &seq, &sent);
      } else if (type == "typing.start" || type == "message.read") {
        const json::value* user = e.if_contains("user");
        std::string uid = user && user->is_object() ? Str(user->as_object(), "id") : "";
        sent = send_times.Get(type + "|" + Str(e, "cid") + "|" + uid);
      } else if (type == "reaction.new" || type == "reaction.updated") {
        const json::value* reaction = e.if_contains("reaction");
        if (reaction && reaction->is_object()) {
          sent = send_times.Get("reaction|" + Str(reaction->as_object(), "message_id") + "|" +
                                Str(reaction->as_object(), "user_id"));
        }
      }
      ++ev->counts[type];
      if (sent > 0) ev->by_type[type].Add((now - sent) / 1000);
    };
  });
  std::vector<Bench::Call> watches;
  for (int i = 0; i < n; ++i) {
    if (!c.conns[i].ws) continue;
    watches.push_back(
        {"POST", bench.Rest("/channels", users[i], c.conns[i].ws->connection_id()),
         R"({"filter_conditions":{"members":{"$in":[)" + Quote(users[i]) +
             R"(]}},"sort":[{"field":"last_message_at","direction":-1}],"state":true,)"
             R"("watch":true,"presence":false,"limit":10})",
         bench.UserToken(users[i])});
  }
  if (c.failures || !bench.RunAll(watches, &error)) {
    bench.Disconnect(c);
    out.ok = false;
    out.result["error"] = c.failures ? c.first_error : error;
    out.summary = "mixed: connect/watch failed: " + std::string(out.result["error"].as_string());
    return out;
  }

  // The server's RSS once a second while the load runs.
  std::atomic<bool> sampling{true};
  json::array rss;
  std::thread sampler([&] {
    while (sampling) {
      ProcSample s = bench.Server();
      if (s.ok) rss.push_back(s.rss_bytes);
      for (int i = 0; i < 10 && sampling; ++i) SleepSeconds(0.1);
    }
  });

  std::mutex last_mutex;  // guards last_message
  std::vector<std::string> last_message(n);
  struct WorkerStats {
    Latencies by_op[4];
    std::uint64_t errors[4] = {0, 0, 0, 0};
    std::string first_error;
  };
  std::vector<WorkerStats> stats(kWorkers);
  const double rate = o.rate > 0 ? o.rate : 200;
  const size_t count = static_cast<size_t>(rate * o.duration);
  ProcSample before = bench.Server();
  const std::int64_t t0 = NowNanos() + 20'000'000;
  std::vector<std::unique_ptr<HttpConn>> conns(kWorkers);
  bench.pool().ParallelFor(count, kWorkers, [&](size_t j, size_t w) -> asio::awaitable<void> {
    auto ex = co_await asio::this_coro::executor;
    if (!conns[w]) conns[w] = std::make_unique<HttpConn>(ex, bench.target(), 4'000'000 + w);
    std::mt19937_64 rng(j * 7919 + 17);
    const int u = static_cast<int>(rng() % n);
    const int ch = (u - static_cast<int>(rng() % kChannelsPerUser) + n) % n;
    const std::string cid = "messaging:" + channel(ch);
    const std::string& user = users[u];
    const std::string& conn_id = c.conns[u].ws->connection_id();
    int dice = static_cast<int>(rng() % 100);
    int op = dice < 50 ? 0 : dice < 70 ? 1 : dice < 85 ? 2 : 3;
    std::string reaction_on;
    if (op == 3) {
      std::lock_guard lock(last_mutex);
      reaction_on = last_message[ch];
      if (reaction_on.empty()) op = 0;
    }
    const std::int64_t due = t0 + static_cast<std::int64_t>(j * 1e9 / rate);
    if (due > NowNanos()) {
      asio::steady_timer timer(ex, SteadyClock::time_point(std::chrono::nanoseconds(due)));
      co_await timer.async_wait(asio::use_awaitable);
    }
    std::string path = "/channels/messaging/" + channel(ch);
    std::string body;
    std::string message_id = bench.run_id() + "-x" + std::to_string(j);
    if (op == 0) {
      path += "/message";
      body = R"({"message":{"id":")" + message_id + R"(","text":)" +
             Quote(StampedText(j, due, o.text_bytes)) + "}}";
    } else if (op == 1) {
      path += "/event";
      body = R"({"event":{"type":"typing.start"}})";
      send_times.Put("typing.start|" + cid + "|" + user, due);
    } else if (op == 2) {
      path += "/read";
      body = "{}";
      send_times.Put("message.read|" + cid + "|" + user, due);
    } else {
      path = "/messages/" + reaction_on + "/reaction";
      body = R"({"reaction":{"type":"like"},"enforce_unique":true})";
      send_times.Put("reaction|" + reaction_on + "|" + user, due);
    }
    HttpReply r = co_await conns[w]->Request("POST", bench.Rest(path, user, conn_id), body,
                                             bench.UserToken(user));
    stats[w].by_op[op].Add((NowNanos() - due) / 1000);
    if (!r.ok()) {
      if (stats[w].errors[op]++ == 0 && stats[w].first_error.empty()) {
        stats[w].first_error =
            std::string(kOps[op]) + ": " + std::to_string(r.status) + " " + r.body.substr(0, 300);
      }
    } else if (op == 0) {
      std::lock_guard lock(last_mutex);
      last_message[ch] = message_id;
    }
  });
  const double seconds = static_cast<double>(NowNanos() - t0) / 1e9;
  SleepSeconds(1);  // the last events arrive
  ProcSample after = bench.Server();
  sampling = false;
  sampler.join();
  bench.pool().OnEach([&](size_t loop) {
    for (size_t w = loop; w < conns.size(); w += bench.pool().size()) conns[w].reset();
  });
  std::map<std::string, Latencies> by_event;
  std::map<std::string, std::uint64_t> event_counts;
  std::uint64_t unparsable = 0;
  std::mutex merge;
  bench.pool().OnEach([&](size_t loop) {
    std::lock_guard lock(merge);
    for (auto& [type, l] : events[loop].by_type) by_event[type].Merge(l);
    for (auto& [type, k] : events[loop].counts) event_counts[type] += k;
    unparsable += events[loop].unparsable;
  });
  bench.Disconnect(c);

  json::object calls;
  std::uint64_t errors = 0;
  std::string first_error;
  for (int op = 0; op < 4; ++op) {
    Latencies l;
    std::uint64_t e = 0;
    for (auto& s : stats) {
      l.Merge(s.by_op[op]);
      e += s.errors[op];
      if (first_error.empty()) first_error = s.first_error;
    }
    json::object summary = l.Summary();
    summary["errors"] = e;
    errors += e;
    calls[kOps[op]] = std::move(summary);
  }
  json::object event_summary;
  for (auto& [type, k] : event_counts) {
    json::object s{{"received", k}};
    if (by_event[type].count()) s["latency"] = by_event[type].Summary();
    event_summary[type] = std::move(s);
  }
  json::object& r = out.result;
  r["users"] = n;
  r["rate_ops_per_s"] = rate;
  r["operations"] = count;
  r["seconds"] = Round(seconds, 3);
  r["errors"] = errors;
  if (!first_error.empty()) r["first_error"] = first_error;
  r["unparsable_frames"] = unparsable;
  r["calls"] = std::move(calls);
  r["events"] = std::move(event_summary);
  r["server_rss_samples_bytes"] = std::move(rss);
  if (before.ok && after.ok && count > 0) {
    r["server_cpu_per_operation_us"] =
        Round((after.cpu_seconds - before.cpu_seconds) * 1e6 / count, 1);
  }
  out.ok = errors == 0 && unparsable == 0;
  out.summary = "mixed: " + Thousands(static_cast<double>(count)) + " operations of " +
                std::to_string(n) + " users at " + Thousands(rate) + "/s, errors " +
                std::to_string(errors);
  for (const auto& [name, v] : r["calls"].as_object()) {
    out.summary += "\n  call " + std::string(name) + ": " + LatencyLine(v.as_object());
  }
  for (const auto& [name, v] : r["events"].as_object()) {
    const json::object& s = v.as_object();
    out.summary += "\n  event " + std::string(name) + ": " +
                   std::to_string(s.at("received").to_number<std::uint64_t>()) + " received";
    if (s.contains("latency")) out.summary += ", " + LatencyLine(s.at("latency").as_object());
  }
  return out;
}

}  // namespace eddy::bench
