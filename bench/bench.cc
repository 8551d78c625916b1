#include "bench/bench.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <cstdio>
#include <mutex>

#include "common/clock.h"
#include "common/ids.h"
#include "protocol/jwt.h"

namespace eddy::bench {

namespace {

constexpr size_t kMembersPerCall = 100;
constexpr size_t kUsersPerCall = 100;

std::string Encode(std::string_view s) {
  return boost::urls::encode(s, boost::urls::unreserved_chars);
}

int SourceAddresses(const Options& o) {
  if (o.source_addresses > 0) return o.source_addresses;
  int conns = std::max({o.connections, o.receivers, o.users, o.senders});
  return 1 + conns / 25000;
}

}  // namespace

Bench::Bench(Options options)
    : options_(std::move(options)), pool_(options_.threads), run_id_("b" + RandomHex(4)) {
  target_.server = tcp::endpoint(asio::ip::make_address(options_.host),
                                 static_cast<unsigned short>(options_.port));
  target_.source_addresses = SourceAddresses(options_);
  target_.host_header = options_.host + ":" + std::to_string(options_.port);
}

std::string Bench::ServerToken() const { return protocol::CreateServerToken(options_.secret); }

std::string Bench::UserToken(const std::string& user_id) const {
  return protocol::CreateUserToken(user_id, std::nullopt, std::nullopt, options_.secret);
}

std::string Bench::Rest(const std::string& path, const std::string& user_id,
                        const std::string& connection_id) const {
  std::string t = path + "?api_key=" + Encode(options_.api_key);
  if (!user_id.empty()) t += "&user_id=" + Encode(user_id);
  if (!connection_id.empty()) t += "&connection_id=" + Encode(connection_id);
  return t;
}

std::string Bench::ConnectPath(const std::string& user_id) const {
  std::string json = R"({"user_id":)" + Quote(user_id) + R"(,"user_details":{"id":)" +
                     Quote(user_id) + R"(},"client_request_id":"eddy-bench"})";
  return "/connect?json=" + Encode(json) + "&api_key=" + Encode(options_.api_key) +
         "&authorization=" + Encode(UserToken(user_id)) +
         "&stream-auth-type=jwt&X-Stream-Client=eddy-bench";
}

std::vector<HttpReply> Bench::RunCalls(const std::vector<Call>& calls) {
  std::vector<HttpReply> replies(calls.size());
  size_t workers = std::max(1, options_.concurrency);
  std::vector<std::unique_ptr<HttpConn>> conns(workers);
  std::mutex mutex;  // guards next_conn_
  pool_.ParallelFor(calls.size(), workers, [&](size_t i, size_t w) -> asio::awaitable<void> {
    if (!conns[w]) {
      std::uint64_t n;
      {
        std::lock_guard lock(mutex);
        n = next_conn_++;
      }
      conns[w] = std::make_unique<HttpConn>(co_await asio::this_coro::executor, target_, n);
    }
    const Call& c = calls[i];
    replies[i] = co_await conns[w]->Request(c.method, c.target, c.body, c.token);
  });
  // Each connection is closed on its own loop.
  pool_.OnEach([&](size_t loop) {
    for (size_t w = loop; w < conns.size(); w += pool_.size()) conns[w].reset();
  });
  return replies;
}

bool Bench::RunAll(const std::vector<Call>& calls, std::string* error) {
  std::vector<HttpReply> replies = RunCalls(calls);
  for (size_t i = 0; i < replies.size(); ++i) {
    if (!replies[i].ok()) {
      *error = calls[i].method + " " + calls[i].target.substr(0, calls[i].target.find('?')) +
               " -> " + std::to_string(replies[i].status) + " " + replies[i].body.substr(0, 300);
      return false;
    }
  }
  return true;
}

bool Bench::UpsertUsers(const std::vector<std::string>& ids, std::string* error) {
  std::vector<Call> calls;
  for (size_t i = 0; i < ids.size(); i += kUsersPerCall) {
    std::string body = R"({"users":{)";
    for (size_t j = i; j < std::min(ids.size(), i + kUsersPerCall); ++j) {
      if (j > i) body += ',';
      body += Quote(ids[j]) + R"(:{"id":)" + Quote(ids[j]) + "}";
    }
    body += "}}";
    calls.push_back({"POST", Rest("/users"), body, ServerToken()});
  }
  return RunAll(calls, error);
}

bool Bench::CreateChannel(const std::string& type, const std::string& id,
                          const std::string& creator, const std::vector<std::string>& members,
                          std::string* error) {
  auto list = [&](size_t from) {
    std::string out = "[";
    for (size_t j = from; j < std::min(members.size(), from + kMembersPerCall); ++j) {
      if (j > from) out += ',';
      out += Quote(members[j]);
    }
    return out + "]";
  };
  std::string path = "/channels/" + type + "/" + id;
  std::string body = R"({"data":{"created_by_id":)" + Quote(creator) + R"(,"members":)" + list(0) +
                     R"(},"state":false,"watch":false,"presence":false})";
  if (!RunAll({{"POST", Rest(path + "/query"), body, ServerToken()}}, error)) return false;
  std::vector<Call> adds;
  for (size_t i = kMembersPerCall; i < members.size(); i += kMembersPerCall) {
    adds.push_back({"POST", Rest(path), R"({"add_members":)" + list(i) + "}", ServerToken()});
  }
  return RunAll(adds, error);
}

Bench::Connected Bench::ConnectUsers(
    const std::vector<std::string>& users,
    const std::function<WsConn::Handler(size_t, size_t)>& make_handler) {
  Connected out;
  out.conns.resize(users.size());
  std::vector<std::string> paths;
  paths.reserve(users.size());
  for (const auto& u : users) paths.push_back(ConnectPath(u));
  std::mutex mutex;  // guards out.failures, out.first_error
  std::uint64_t base = next_conn_;
  next_conn_ += users.size();
  std::int64_t start = NowNanos();
  pool_.ParallelFor(users.size(), std::max(1, options_.concurrency),
                    [&](size_t i, size_t w) -> asio::awaitable<void> {
                      auto ws = std::make_shared<WsConn>(co_await asio::this_coro::executor,
                                                         target_, base + i);
                      if (co_await ws->Connect(paths[i])) {
                        ws->Start(make_handler(i, w % pool_.size()));
                        out.conns[i] = {ws, w % pool_.size()};
                      } else {
                        std::lock_guard lock(mutex);
                        if (out.failures++ == 0) out.first_error = ws->error();
                      }
                    });
  out.seconds = static_cast<double>(NowNanos() - start) / 1e9;
  return out;
}

void Bench::Disconnect(Connected& connected) {
  pool_.OnEach([&](size_t loop) {
    for (auto& c : connected.conns) {
      if (c.ws && c.loop == loop) c.ws->Abort();
    }
  });
  connected.conns.clear();
}

json::object Bench::Header() const {
  return json::object{{"scenario", options_.scenario},
                      {"label", options_.label},
                      {"time", FormatTime(SystemClock().Now())},
                      {"bench_threads", options_.threads},
                      {"source_addresses", target_.source_addresses}};
}

std::string StampedText(std::uint64_t seq, std::int64_t nanos, int bytes) {
  std::string text = "bench " + std::to_string(seq) + " " + std::to_string(nanos) + " ";
  if (static_cast<int>(text.size()) < bytes) text.append(bytes - text.size(), 'x');
  return text;
}

bool ParseStamp(std::string_view frame, std::uint64_t* seq, std::int64_t* nanos) {
  constexpr std::string_view kMark = "\"text\":\"bench ";
  size_t at = frame.find(kMark);
  if (at == std::string_view::npos) return false;
  const char* p = frame.data() + at + kMark.size();
  const char* end = frame.data() + frame.size();
  std::uint64_t s = 0;
  while (p < end && *p >= '0' && *p <= '9') s = s * 10 + static_cast<std::uint64_t>(*p++ - '0');
  if (p >= end || *p++ != ' ') return false;
  std::int64_t n = 0;
  while (p < end && *p >= '0' && *p <= '9') n = n * 10 + (*p++ - '0');
  *seq = s;
  *nanos = n;
  return true;
}

std::string Quote(std::string_view s) { return json::serialize(json::string(s)); }

}  // namespace eddy::bench
