#include "server/bus/redis/redis_connection.h"

#include <charconv>

namespace eddy::server::bus {

namespace {

bool ParseInt(std::string_view s, int* out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

}  // namespace

Result<RedisUrl> ParseRedisUrl(std::string_view url) {
  constexpr std::string_view kScheme = "redis://";
  if (!url.starts_with(kScheme)) return Error::Input("the bus URL must start with redis://");
  std::string_view rest = url.substr(kScheme.size());
  RedisUrl out;
  if (size_t at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = rest.substr(0, at);
    size_t colon = userinfo.find(':');
    out.password =
        std::string(colon == std::string_view::npos ? userinfo : userinfo.substr(colon + 1));
    rest = rest.substr(at + 1);
  }
  if (size_t slash = rest.find('/'); slash != std::string_view::npos) {
    std::string_view db = rest.substr(slash + 1);
    if (!db.empty() && (!ParseInt(db, &out.db) || out.db < 0)) {
      return Error::Input("the bus URL's database must be a number");
    }
    rest = rest.substr(0, slash);
  }
  if (size_t colon = rest.rfind(':'); colon != std::string_view::npos) {
    if (!ParseInt(rest.substr(colon + 1), &out.port) || out.port <= 0 || out.port > 65535) {
      return Error::Input("the bus URL's port must be a number between 1 and 65535");
    }
    rest = rest.substr(0, colon);
  }
  if (!rest.empty()) out.host = std::string(rest);
  return out;
}

Result<std::unique_ptr<RedisConnection>> RedisConnection::Open(const RedisUrl& url,
                                                               std::chrono::milliseconds timeout) {
  timeval tv{static_cast<time_t>(timeout.count() / 1000),
             static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
  redisContext* ctx = redisConnectWithTimeout(url.host.c_str(), url.port, tv);
  if (ctx == nullptr) return Error::Unavailable("redis: out of memory");
  std::unique_ptr<RedisConnection> conn(new RedisConnection(ctx));
  if (ctx->err != 0) return conn->Failure("connect");
  redisSetTimeout(ctx, tv);
  redisEnableKeepAlive(ctx);
  if (!url.password.empty()) EDDY_TRY(conn->Command({"AUTH", url.password}));
  if (url.db != 0) EDDY_TRY(conn->Command({"SELECT", std::to_string(url.db)}));
  return conn;
}

RedisConnection::~RedisConnection() { redisFree(ctx_); }

Error RedisConnection::Failure(std::string_view what) const {
  return Error::Unavailable("redis " + std::string(what) + ": " +
                            (ctx_->err != 0 ? std::string(ctx_->errstr) : "no reply"));
}

Status RedisConnection::Append(const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (const std::string& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  if (redisAppendCommandArgv(ctx_, int(argv.size()), argv.data(), lens.data()) != REDIS_OK) {
    return Failure("append");
  }
  return {};
}

Status RedisConnection::Flush() {
  int done = 0;
  while (done == 0) {
    if (redisBufferWrite(ctx_, &done) != REDIS_OK) return Failure("write");
  }
  return {};
}

Result<Reply> RedisConnection::Next() {
  void* raw = nullptr;
  if (redisGetReply(ctx_, &raw) != REDIS_OK || raw == nullptr) return Failure("read");
  Reply reply(static_cast<redisReply*>(raw));
  if (reply->type == REDIS_REPLY_ERROR) {
    return Error::Unavailable("redis: " + std::string(reply->str, reply->len));
  }
  return reply;
}

Result<Reply> RedisConnection::Command(const std::vector<std::string>& args) {
  EDDY_TRY(Append(args));
  return Next();
}

Status RedisConnection::ReadAvailable() {
  if (redisBufferRead(ctx_) != REDIS_OK) return Failure("read");
  return {};
}

Result<Reply> RedisConnection::NextBuffered() {
  void* raw = nullptr;
  if (redisGetReplyFromReader(ctx_, &raw) != REDIS_OK) return Failure("parse");
  return Reply(static_cast<redisReply*>(raw));
}

}  // namespace eddy::server::bus
