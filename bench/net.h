// eddy-bench's networking: a pool of event loops (one io_context per thread, connections
// never change thread), an HTTP/1.1 keep-alive client and a Stream WebSocket client, both
// coroutines on Asio with each socket bound to one of the source addresses 127.0.0.1..N so
// a large run does not exhaust one address's ephemeral ports.
// Threading: an HttpConn or WsConn is used only on the loop it was created on.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace eddy::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

// Runs `threads` io_contexts, each on its own thread, until destroyed.
class LoopPool {
 public:
  explicit LoopPool(int threads);
  ~LoopPool();
  LoopPool(const LoopPool&) = delete;
  LoopPool& operator=(const LoopPool&) = delete;

  size_t size() const { return loops_.size(); }
  asio::io_context& loop(size_t i) { return *loops_[i % loops_.size()]; }

  // Runs fn(loop_index) on every loop's thread and returns when all have run.
  void OnEach(const std::function<void(size_t)>& fn);

  // Runs fn(i, worker) for i in [0, count) on `concurrency` worker coroutines spread over
  // the loops (worker w always runs on loop w % size()). Returns when all have finished.
  void ParallelFor(size_t count, size_t concurrency,
                   std::function<asio::awaitable<void>(size_t i, size_t worker)> fn);

 private:
  std::vector<std::unique_ptr<asio::io_context>> loops_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards_;
  std::vector<std::thread> threads_;
};

// Where the server is and which local addresses connections leave from.
struct Target {
  tcp::endpoint server;
  int source_addresses = 1;  // 127.0.0.1 .. 127.0.0.N
  std::string host_header;   // "127.0.0.1:port"

  // The source address for the n-th connection opened.
  asio::ip::address Source(std::uint64_t n) const;
};

// Opens `socket` from `source` (port chosen at connect time) and connects it to the server.
asio::awaitable<void> ConnectFrom(tcp::socket& socket, const Target& target,
                                  const asio::ip::address& source);

struct HttpReply {
  int status = 0;  // 0: transport failure
  std::string body;
  bool ok() const { return status >= 200 && status < 300; }
};

// One keep-alive HTTP/1.1 connection, reopened after a failure. Requests are sequential.
class HttpConn {
 public:
  HttpConn(asio::any_io_executor ex, const Target& target, std::uint64_t n);
  // `token` goes into Authorization with stream-auth-type: jwt (protocol §1.3).
  asio::awaitable<HttpReply> Request(std::string_view method, const std::string& target,
                                     const std::string& body, const std::string& token);

 private:
  beast::tcp_stream stream_;
  const Target& target_;
  asio::ip::address source_;
  bool connected_ = false;
  beast::flat_buffer buffer_;
};

// One Stream WebSocket (protocol §3), framed by hand rather than with Beast's stream so reads
// are batched: an idle connection holds no buffer (it waits for readability), and a ready one
// is drained with one read into its loop's shared 256 KiB buffer, however many frames that
// holds. Connects, waits for the first health.check, then hands every text message to the
// handler and sends the heartbeat every 25 s (§3.4).
class WsConn : public std::enable_shared_from_this<WsConn> {
 public:
  using Handler = std::function<void(std::string_view message)>;

  WsConn(asio::any_io_executor ex, const Target& target, std::uint64_t n);

  // Upgrade at `path_and_query` and read the first message; false (with error()) unless it
  // is a health.check with a connection_id.
  asio::awaitable<bool> Connect(const std::string& path_and_query);
  // Starts the read loop and the heartbeat; the handler runs on this connection's loop.
  void Start(Handler handler);
  // Drops the socket (the server sees the peer go away).
  void Abort();

  const std::string& connection_id() const { return connection_id_; }
  const std::string& error() const { return error_; }
  bool open() const { return open_; }

 private:
  // Reads once (waiting for readability first) and appends to pending_ / delivers messages.
  asio::awaitable<void> ReadOnce();
  // Parses whole frames from `data`; keeps an incomplete tail in pending_.
  void Consume(std::string_view data);
  void OnFrame(int opcode, bool fin, std::string_view payload);
  void SendFrame(int opcode, std::string_view payload);
  asio::awaitable<void> WriteLoop();
  asio::awaitable<void> ReadLoop();
  asio::awaitable<void> HeartbeatLoop();

  tcp::socket socket_;
  const Target& target_;
  asio::ip::address source_;
  asio::steady_timer heartbeat_;
  Handler handler_;
  std::string pending_;    // bytes of an incomplete frame
  std::string fragments_;  // a fragmented message being assembled
  std::string first_;      // the first message, before Start()
  std::vector<std::string> out_;
  bool writing_ = false;
  std::string connection_id_;
  std::string error_;
  bool open_ = false;
};

}  // namespace eddy::bench
