// channels: the channel list of a user in many channels, the first call of every chat app:
// queryChannels with limit 30, state and watch, newest activity first.
#include <cstdio>

#include "bench/scenarios.h"

namespace eddy::bench {

Outcome RunChannels(Bench& bench) {
  const Options& o = bench.options();
  Outcome out;
  out.result = bench.Header();
  const std::string user = bench.run_id() + "-member";
  std::string error;
  bool ok = bench.UpsertUsers({user}, &error);
  std::vector<Bench::Call> creates, posts;
  for (int i = 0; i < o.member_channels; ++i) {
    std::string path = "/channels/messaging/ch-" + bench.run_id() + "-" + std::to_string(i);
    creates.push_back({"POST", bench.Rest(path + "/query"),
                       R"({"data":{"created_by_id":)" + Quote(user) + R"(,"members":[)" +
                           Quote(user) + R"(]},"state":false,"watch":false})",
                       bench.ServerToken()});
    posts.push_back({"POST", bench.Rest(path + "/message", user),
                     R"({"message":{"text":)" + Quote(StampedText(i, 0, o.text_bytes)) + "}}",
                     bench.UserToken(user)});
  }
  ok = ok && bench.RunAll(creates, &error) && bench.RunAll(posts, &error);
  Bench::Connected c;
  if (ok) {
    c = bench.ConnectUsers({user}, [](size_t, size_t) { return [](std::string_view) {}; });
    if (c.failures) {
      ok = false;
      error = "connect: " + c.first_error;
    }
  }
  if (!ok) {
    out.ok = false;
    out.result["error"] = error;
    out.summary = "channels: set-up failed: " + error;
    return out;
  }

  const std::string target = bench.Rest("/channels", user, c.conns[0].ws->connection_id());
  const std::string body =
      R"({"filter_conditions":{"type":"messaging","members":{"$in":[)" + Quote(user) +
      R"(]}},"sort":[{"field":"last_message_at","direction":-1}],"state":true,"watch":true,)"
      R"("presence":false,"limit":30,"message_limit":25})";
  const std::string token = bench.UserToken(user);
  Latencies latencies;
  int errors = 0;
  size_t channels_returned = 0;
  ProcSample before = bench.Server();
  std::int64_t t0 = NowNanos();
  bench.pool().ParallelFor(1, 1, [&](size_t, size_t) -> asio::awaitable<void> {
    HttpConn conn(co_await asio::this_coro::executor, bench.target(), 3'000'000);
    for (int q = 0; q < o.queries; ++q) {
      std::int64_t start = NowNanos();
      HttpReply r = co_await conn.Request("POST", target, body, token);
      latencies.Add((NowNanos() - start) / 1000);
      if (!r.ok()) {
        if (errors++ == 0) error = std::to_string(r.status) + " " + r.body.substr(0, 300);
      } else if (q == 0) {
        auto parsed = ParseJsonObject(r.body, "queryChannels");
        if (parsed.ok() && parsed->contains("channels")) {
          channels_returned = parsed->at("channels").as_array().size();
        }
      }
    }
  });
  double seconds = static_cast<double>(NowNanos() - t0) / 1e9;
  ProcSample after = bench.Server();
  bench.Disconnect(c);

  const size_t expected = static_cast<size_t>(std::min(30, o.member_channels));
  json::object& r = out.result;
  r["member_channels"] = o.member_channels;
  r["queries"] = o.queries;
  r["errors"] = errors;
  if (errors) r["first_error"] = error;
  r["channels_returned"] = channels_returned;
  r["queries_per_s"] = Round(seconds > 0 ? o.queries / seconds : 0, 1);
  r["latency"] = latencies.Summary();
  if (before.ok && after.ok) {
    r["server_cpu_per_query_us"] =
        Round((after.cpu_seconds - before.cpu_seconds) * 1e6 / o.queries, 1);
  }
  out.ok = errors == 0 && channels_returned == expected;
  json::object lat = r["latency"].as_object();
  char line[512];
  std::snprintf(line, sizeof line,
                "channels: queryChannels (limit 30, state, watch) for a member of %s channels: "
                "p50 %.2f ms p99 %.2f ms max %.2f ms, %d errors, %zu channels per page",
                Thousands(o.member_channels).c_str(),
                lat.contains("p50_ms") ? lat["p50_ms"].to_number<double>() : 0.0,
                lat.contains("p99_ms") ? lat["p99_ms"].to_number<double>() : 0.0,
                lat.contains("max_ms") ? lat["max_ms"].to_number<double>() : 0.0, errors,
                channels_returned);
  out.summary = line;
  return out;
}

}  // namespace eddy::bench
