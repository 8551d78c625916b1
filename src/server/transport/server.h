// The network front door: one port serving HTTP/1.1 and WebSocket (/connect), handing
// requests to an HttpHandler and WebSocket traffic to a WebSocketHandler (handler.h). Beast
// and Asio stay behind the pimpl so no other layer compiles them.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "common/error.h"
#include "server/transport/handler.h"

namespace eddy::server::transport {

struct ServerOptions {
  std::string host = "0.0.0.0";
  std::uint16_t port = 8080;  // 0 picks a free port; see Server::port()
  // Event-loop threads, one io_context each; 0 means one per core.
  int threads = 0;
  std::size_t max_body_bytes = 10 * 1024 * 1024;  // larger bodies get 413 (code 22)
  std::size_t max_header_bytes = 16 * 1024;       // larger headers get 431 (code 24)
  // Bounds the wait for each request header, each body and each keep-alive pause.
  std::chrono::milliseconds http_idle_timeout{std::chrono::seconds(60)};
  // A WebSocket that sends no frame for this long is dropped. Longer than the Stream
  // client's 25 s health.check interval with room for two missed beats.
  std::chrono::milliseconds ws_idle_timeout{std::chrono::seconds(70)};
  std::size_t ws_max_message_bytes = 1024 * 1024;    // larger frames close with 1009
  std::size_t ws_max_queue_bytes = 4 * 1024 * 1024;  // more unsent bytes close with 1008
  // A flush round of an event loop's WebSocket writes that takes at least this long (a burst
  // to thousands of sockets) is followed by a pause twice as long as itself, at most
  // ws_max_flush_pause, so that what arrives meanwhile shares those writes. A longer cap lets
  // p99 latency pass 100 ms at 800,000 deliveries/s (BENCHMARKS.md).
  std::chrono::milliseconds ws_long_flush_round{2};
  std::chrono::milliseconds ws_max_flush_pause{25};
  // How long Stop() lets in-flight requests and WebSocket close handshakes run before the
  // remaining connections are cut.
  std::chrono::milliseconds shutdown_timeout{std::chrono::seconds(5)};
};

// WebSocket frames written and the gathered writes that carried them, since Start().
struct WriteStats {
  std::uint64_t frames = 0;
  std::uint64_t writes = 0;
};

// Owns the listening socket and the event-loop threads. Start() and Run() are called once,
// from one thread; Stop() may be called from any thread, any number of times, and from a
// POSIX signal handler (it only sets a flag and writes one byte to a pipe). The handlers
// must outlive the Server.
class Server {
 public:
  Server(ServerOptions options, HttpHandler& http_handler, WebSocketHandler& ws_handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens. Fails if the address cannot be resolved or the port is taken.
  Status Start();
  // The bound port (useful with port 0); 0 before a successful Start().
  std::uint16_t port() const;
  // Serves until Stop(), then shuts down gracefully: stops accepting, lets in-flight HTTP
  // requests be answered, closes every WebSocket with 1012, and cuts whatever is left after
  // shutdown_timeout. Returns immediately if Start() did not succeed.
  void Run();
  // Asks Run() to shut down and return. Async-signal-safe.
  void Stop();
  // Any thread: the sum over the event loops.
  WriteStats write_stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace eddy::server::transport
