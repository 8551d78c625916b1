// A hiredis connection (synchronous API) with eddy's URL, AUTH and SELECT handling, and
// commands given as argument vectors (binary-safe: topics and set names carry '\n').
// Not thread-safe: one owner at a time.
#pragma once

#include <hiredis/hiredis.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace eddy::server::bus {

struct RedisUrl {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string password;
  int db = 0;
};

// redis://[[user]:password@]host[:port][/db]
Result<RedisUrl> ParseRedisUrl(std::string_view url);

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

class RedisConnection {
 public:
  // Connects (and authenticates, selects the db) within `timeout`, which also bounds every
  // later read and write.
  static Result<std::unique_ptr<RedisConnection>> Open(const RedisUrl& url,
                                                       std::chrono::milliseconds timeout);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Sends and waits for the reply; a REDIS_REPLY_ERROR is an Error too.
  Result<Reply> Command(const std::vector<std::string>& args);
  // Queues a command in the output buffer (pipelining); Flush writes it out.
  Status Append(const std::vector<std::string>& args);
  Status Flush();
  // The next reply of a pipelined command (blocking).
  Result<Reply> Next();
  // Reads what the socket has (after poll said it is readable), then yields the complete
  // replies one by one; nullptr when there are no more.
  Status ReadAvailable();
  Result<Reply> NextBuffered();

  int fd() const { return ctx_->fd; }

 private:
  explicit RedisConnection(redisContext* ctx) : ctx_(ctx) {}
  Error Failure(std::string_view what) const;

  redisContext* ctx_;
};

}  // namespace eddy::server::bus
