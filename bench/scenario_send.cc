// send: durable sends over REST. C senders, each with its own keep-alive connection and user
// token, post into small channels as fast as they are answered (or on a fixed schedule with
// --rate); afterwards every channel is read back and each acknowledged message counted.
// --request event or unrouted posts requests that store nothing instead, the same way: what a
// send costs beyond them is its durability and its message.
#include <atomic>
#include <cstdio>
#include <set>

#include "bench/scenarios.h"

namespace eddy::bench {

namespace {

constexpr int kPage = 300;  // the largest `messages.limit` of a channel query (§6.3)

struct SenderResult {
  Latencies latencies;
  std::uint64_t acked = 0;
  std::uint64_t errors = 0;
  std::string first_error;
};

}  // namespace

Outcome RunSend(Bench& bench) {
  const Options& o = bench.options();
  Outcome out;
  out.result = bench.Header();
  const int channels = std::min(o.send_channels, o.senders);
  std::vector<std::string> senders;
  for (int i = 0; i < o.senders; ++i) senders.push_back(bench.run_id() + "-s" + std::to_string(i));
  auto channel_of = [&](int i) {
    return "send-" + bench.run_id() + "-" + std::to_string(i % channels);
  };
  std::string error;
  bool ok = bench.UpsertUsers(senders, &error);
  for (int c = 0; c < channels && ok; ++c) {
    std::vector<std::string> members;
    for (int i = c; i < o.senders; i += channels) members.push_back(senders[i]);
    ok = bench.CreateChannel("messaging", channel_of(c), members[0], members, &error);
  }
  if (!ok) {
    out.ok = false;
    out.result["error"] = error;
    out.summary = "send: set-up failed: " + error;
    return out;
  }

  const bool durable = o.request == "message";
  std::vector<SenderResult> results(o.senders);
  std::atomic<std::uint64_t> next_slot{0};
  ProcSample before = bench.Server();
  double bench_cpu_before = OwnCpuSeconds();
  const std::int64_t t0 = NowNanos() + 20'000'000;
  const std::int64_t deadline = t0 + static_cast<std::int64_t>(o.duration * 1e9);
  bench.pool().ParallelFor(
      senders.size(), senders.size(), [&](size_t i, size_t) -> asio::awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        HttpConn conn(ex, bench.target(), 2'000'000 + i);
        const std::string token = bench.UserToken(senders[i]);
        const std::string channel = "/channels/messaging/" + channel_of(static_cast<int>(i));
        const std::string target = bench.Rest(o.request == "unrouted" ? "/no-such-route"
                                              : o.request == "event"  ? channel + "/event"
                                                                      : channel + "/message",
                                              senders[i]);
        SenderResult& r = results[i];
        asio::steady_timer timer(ex);
        for (std::uint64_t n = 0;; ++n) {
          std::int64_t due = NowNanos();
          if (o.rate > 0) {
            due = t0 + static_cast<std::int64_t>(static_cast<double>(next_slot++) * 1e9 / o.rate);
            if (due >= deadline) break;
            timer.expires_at(SteadyClock::time_point(std::chrono::nanoseconds(due)));
            co_await timer.async_wait(asio::use_awaitable);
          } else if (due < t0) {
            timer.expires_at(SteadyClock::time_point(std::chrono::nanoseconds(t0)));
            co_await timer.async_wait(asio::use_awaitable);
            due = NowNanos();
          }
          if (due >= deadline) break;
          std::string body = R"({"event":{"type":"typing.start"}})";
          if (durable) {
            std::string id = bench.run_id() + "-" + std::to_string(i) + "-" + std::to_string(n);
            body = R"({"message":{"id":")" + id + R"(","text":)" +
                   Quote(StampedText(n, due, o.text_bytes)) + "}}";
          }
          HttpReply reply = co_await conn.Request("POST", target, body, token);
          r.latencies.Add((NowNanos() - due) / 1000);
          if (o.request == "unrouted" ? reply.status == 404 : reply.ok()) {
            ++r.acked;
          } else if (r.errors++ == 0) {
            r.first_error = std::to_string(reply.status) + " " + reply.body.substr(0, 300);
          }
        }
      });
  const double seconds = static_cast<double>(NowNanos() - t0) / 1e9;
  ProcSample after = bench.Server();
  double bench_cpu = OwnCpuSeconds() - bench_cpu_before;

  Latencies latencies;
  std::uint64_t acked = 0, errors = 0;
  std::string first_error;
  for (auto& r : results) {
    latencies.Merge(r.latencies);
    acked += r.acked;
    errors += r.errors;
    if (first_error.empty()) first_error = r.first_error;
  }

  // Read back: page every channel from the newest message down.
  std::vector<std::string> cursor(channels);
  std::vector<bool> done(channels, !durable);
  std::set<std::string> found;
  std::uint64_t duplicated = 0, read_errors = 0;
  const std::string prefix = bench.run_id() + "-";
  while (true) {
    std::vector<Bench::Call> calls;
    std::vector<int> which;
    for (int c = 0; c < channels; ++c) {
      if (done[c]) continue;
      std::string messages = R"({"limit":)" + std::to_string(kPage);
      if (!cursor[c].empty()) messages += R"(,"id_lt":)" + Quote(cursor[c]);
      calls.push_back(
          {"POST", bench.Rest("/channels/messaging/" + channel_of(c) + "/query", senders[c]),
           R"({"state":true,"watch":false,"presence":false,"messages":)" + messages + "}}",
           bench.UserToken(senders[c])});
      which.push_back(c);
    }
    if (calls.empty()) break;
    std::vector<HttpReply> replies = bench.RunCalls(calls);
    for (size_t k = 0; k < replies.size(); ++k) {
      int c = which[k];
      auto parsed = ParseJsonObject(replies[k].body, "query");
      if (!replies[k].ok() || !parsed.ok() || !parsed->contains("messages")) {
        ++read_errors;
        if (first_error.empty()) first_error = "read back: " + replies[k].body.substr(0, 300);
        done[c] = true;
        continue;
      }
      const json::array& page = parsed->at("messages").as_array();
      for (const auto& m : page) {
        std::string id(m.at("id").as_string());
        if (id.rfind(prefix, 0) == 0 && !found.insert(id).second) ++duplicated;
      }
      if (static_cast<int>(page.size()) < kPage) {
        done[c] = true;
      } else {
        cursor[c] = std::string(page.front().at("id").as_string());
      }
    }
  }
  const std::uint64_t read_back = found.size();
  const std::uint64_t missing = durable && acked > read_back ? acked - read_back : 0;

  json::object& r = out.result;
  r["request"] = o.request;
  r["senders"] = o.senders;
  r["channels"] = channels;
  r["rate_target"] = o.rate;
  r["seconds"] = Round(seconds, 3);
  r["acked"] = acked;
  r["errors"] = errors;
  if (!first_error.empty()) r["first_error"] = first_error;
  r["acked_per_s"] = static_cast<std::int64_t>(Round(seconds > 0 ? acked / seconds : 0, 0));
  r["latency"] = latencies.Summary();
  r["read_back"] = read_back;
  r["missing"] = missing;
  r["duplicated"] = duplicated;
  r["read_errors"] = read_errors;
  r["bench_cpu_s"] = Round(bench_cpu, 3);
  if (before.ok && after.ok && acked > 0) {
    double cpu = after.cpu_seconds - before.cpu_seconds;
    r["server_cpu_s"] = Round(cpu, 3);
    r["server_cpu_per_message_us"] = Round(cpu * 1e6 / acked, 1);
    r["server_core_busy"] = Round(cpu / (after.taken_at - before.taken_at), 2);
    r["server_rss_bytes"] = after.rss_bytes;
  }
  out.ok = errors == 0 && missing == 0 && duplicated == 0 && read_errors == 0;
  json::object lat = r["latency"].as_object();
  char line[512];
  std::snprintf(line, sizeof line,
                "send%s: %d senders%s: %s acked/s (%s in %.1f s), p50 %.2f ms p99 %.2f ms, "
                "errors %llu",
                durable ? "" : (" (" + o.request + ", nothing stored)").c_str(), o.senders,
                o.rate > 0 ? (" at " + Thousands(o.rate) + "/s").c_str() : "",
                Thousands(seconds > 0 ? acked / seconds : 0).c_str(),
                Thousands(static_cast<double>(acked)).c_str(), seconds,
                lat.contains("p50_ms") ? lat["p50_ms"].to_number<double>() : 0.0,
                lat.contains("p99_ms") ? lat["p99_ms"].to_number<double>() : 0.0,
                static_cast<unsigned long long>(errors));
  out.summary = line;
  if (durable) {
    std::snprintf(line, sizeof line, "; read back %s, missing %llu, duplicated %llu",
                  Thousands(static_cast<double>(read_back)).c_str(),
                  static_cast<unsigned long long>(missing),
                  static_cast<unsigned long long>(duplicated));
    out.summary += line;
  }
  if (r.contains("server_cpu_per_message_us")) {
    std::snprintf(line, sizeof line, "\n  server CPU per %s %.1f us",
                  durable ? "message" : "request",
                  r["server_cpu_per_message_us"].to_number<double>());
    out.summary += line;
  }
  return out;
}

}  // namespace eddy::bench
