// One event-loop thread of the Server and the connections that live on it.
#pragma once

#include <sys/epoll.h>
#include <sys/uio.h>

#include <array>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "server/transport/handler.h"
#include "server/transport/server.h"

namespace eddy::server::transport {

// A socket bound to its event loop's own executor type: its pending operations carry that
// small executor, not a type-erased any_io_executor (an idle connection always has one).
using TcpSocket =
    boost::asio::basic_stream_socket<boost::asio::ip::tcp, boost::asio::io_context::executor_type>;

// What the Worker needs of a connection to shut it down. Called on the worker's thread.
class Connection {
 public:
  virtual ~Connection() = default;
  // Graceful: finish what is in flight, then close.
  virtual void Shutdown() = 0;
  // Now: close the socket and release everything.
  virtual void ForceClose() = 0;
  // Acts on a deadline of the connection's that has passed by `now` (handshake, idle, close).
  // The Worker calls it for every connection once per sweep, so a connection needs no timer.
  virtual void CheckDeadline(std::chrono::steady_clock::time_point /*now*/) {}
  // Readiness (EPOLLIN, EPOLLOUT, ... bits) of the socket it gave Worker::WatchSocket.
  virtual void OnSocketReady(std::uint32_t /*events*/) {}
};

// What a Worker hands WebSocket frames to (the WebSocket connection). Called on the worker's
// thread only.
class FrameSink {
 public:
  virtual ~FrameSink() = default;
  // Queues a text frame; the write happens in Flush().
  virtual void QueueText(std::shared_ptr<const std::string> text) = 0;
  virtual void StartClose(std::uint16_t code, std::string_view reason) = 0;
  // Writes what is queued in one gathered write (or leaves it to the write in flight).
  virtual void Flush() = 0;
};

// Owns one io_context (run by exactly one thread) and a registry of the connections on it,
// so shutdown can reach them. Connections hold a shared_ptr to their Worker, which keeps the
// io_context alive for as long as any socket on it exists.
//
// Threading: Post(), CloseGate(), ReleaseWork() and the accessors are thread-safe; everything
// else runs on the worker's thread only.
class Worker {
 public:
  Worker(const ServerOptions& options, HttpHandler& http_handler, WebSocketHandler& ws_handler);

  boost::asio::io_context& io_context() { return io_context_; }
  const ServerOptions& options() const { return options_; }
  HttpHandler& http_handler() { return http_handler_; }
  WebSocketHandler& ws_handler() { return ws_handler_; }

  // Queues fn on the loop unless the gate is closed; then fn is destroyed on the calling
  // thread and false is returned. Closing the gate before the loop ends keeps work (and the
  // connection references it captures) from being stranded in a loop that will never run it.
  template <typename F>
  bool Post(F&& fn) {
    std::lock_guard<std::mutex> lock(gate_mutex_);
    if (!gate_open_) return false;
    boost::asio::post(io_context_, std::forward<F>(fn));
    return true;
  }
  bool InLoopThread() { return io_context_.get_executor().running_in_this_thread(); }

  // Any thread. Hands `text` to `sink`, or starts its close, on the loop thread in call
  // order. One loop turn takes everything forwarded until then, so a burst of events from
  // another thread costs one handler, not one per frame; a sender in a SendBurst wakes the
  // loop once, when its burst ends. Dropped once the gate is closed.
  void Forward(std::shared_ptr<FrameSink> sink, std::shared_ptr<const std::string> text);
  void ForwardClose(std::shared_ptr<FrameSink> sink, std::uint16_t code, std::string reason);

  void CloseGate();
  // Lets io_context().run() return once nothing is left to do.
  void ReleaseWork();

  // Loop thread only.
  bool stopping() const { return stopping_; }
  std::uint64_t Register(std::weak_ptr<Connection> connection);
  void Unregister(std::uint64_t id);
  // Edge-triggered readiness of `fd` (readable, writable, hung up) goes to
  // connection->OnSocketReady until StopWatchingSocket(fd). The connection must outlive the
  // loop turn in which it stops watching (events of that turn may still name it). An idle
  // socket watched here costs no memory in the process, where Asio keeps a ~170-byte
  // descriptor state and a ~100-byte pending wait per socket. False if epoll refused it.
  bool WatchSocket(int fd, Connection* connection);
  void StopWatchingSocket(int fd);
  // Shutdown() on every connection; `on_drained` runs (on this thread) once none is left.
  void BeginShutdown(std::function<void()> on_drained);
  void ForceCloseAll();
  // sink->Flush() runs after the handlers queued before this call, so what they queue for the
  // same sink (the rest of a burst) leaves in the same write. Under load the loop's queue is
  // longer and more frames share a write; when idle the flush follows at once. After a long
  // flush round the next one waits twice as long as that round took (see ServerOptions).
  void FlushSoon(std::shared_ptr<FrameSink> sink);
  // A flush round goes in slices of this many sinks, with what else the loop has queued run
  // between them (a round to 2,000 sockets takes 15-20 ms here).
  static constexpr std::size_t kFlushSlice = 128;
  void CountWrite(std::size_t frames) {
    frames_written_.fetch_add(frames, std::memory_order_relaxed);
    writes_.fetch_add(1, std::memory_order_relaxed);
  }
  // Any thread.
  WriteStats write_stats() const {
    return {frames_written_.load(std::memory_order_relaxed),
            writes_.load(std::memory_order_relaxed)};
  }
  // Scratch space every WebSocket on this loop builds its writes in.
  struct WriteScratch {
    std::vector<std::shared_ptr<const std::string>> frames;
    std::string headers;
    std::vector<iovec> buffers;
  };
  WriteScratch& write_scratch() { return write_scratch_; }
  // Scratch space every WebSocket on this loop reads into, so an idle one holds no buffer.
  std::vector<char>& read_buffer() { return read_buffer_; }

 private:
  void CheckDrained();
  // One timer per loop instead of one per connection: every sweep_interval_ each connection
  // checks its deadlines (a hash lookup and a comparison each: ~1 ms at 19,000 connections).
  void ArmSweep();
  void Sweep();
  void TakeForwarded();
  void ScheduleRound();
  void FlushSlice();
  // The watched sockets' epoll set is itself one descriptor of Asio's loop, waited on only
  // while some socket is watched (a pending wait would keep the loop from ending).
  void ArmReadiness();
  void DispatchReady();

  struct Forwarded {
    std::shared_ptr<FrameSink> sink;
    std::shared_ptr<const std::string> text;  // the close reason when close_code is set
    std::uint16_t close_code = 0;
  };
  void ForwardEntry(Forwarded entry);
  // Posts TakeForwarded (gate_mutex_ held); the burst-end wake-up of a sender's SendBurst.
  void PostTakeLocked();
  static void TakeAfterBurst(void* worker);

  ServerOptions options_;
  HttpHandler& http_handler_;
  WebSocketHandler& ws_handler_;
  boost::asio::io_context io_context_{1};
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;

  std::mutex gate_mutex_;
  bool gate_open_ = true;             // guarded by gate_mutex_
  std::vector<Forwarded> forwarded_;  // guarded by gate_mutex_; taken by TakeForwarded()
  bool take_posted_ = false;          // guarded by gate_mutex_: a TakeForwarded is pending
  std::vector<Forwarded> taking_;     // loop thread: the batch being handed out
  std::vector<std::shared_ptr<FrameSink>> to_flush_;  // loop thread
  std::vector<std::shared_ptr<FrameSink>> flushing_;  // loop thread: the round in progress
  size_t flushed_ = 0;                                // of flushing_
  std::chrono::steady_clock::duration round_took_{};
  // See FlushSlice: no flush round starts before this (a pause after a long one).
  std::chrono::steady_clock::time_point next_flush_at_ =
      std::chrono::steady_clock::time_point::min();
  boost::asio::steady_timer flush_timer_{io_context_};
  std::atomic<std::uint64_t> frames_written_{0};
  std::atomic<std::uint64_t> writes_{0};

  std::unordered_map<std::uint64_t, std::weak_ptr<Connection>> connections_;
  boost::asio::steady_timer sweep_timer_{io_context_};
  std::chrono::steady_clock::duration sweep_interval_;
  bool sweeping_ = false;
  std::vector<std::uint64_t> sweep_ids_;
  std::uint64_t next_id_ = 1;
  bool stopping_ = false;
  std::function<void()> on_drained_;
  WriteScratch write_scratch_;
  std::vector<char> read_buffer_ = std::vector<char>(64 * 1024);

  boost::asio::posix::stream_descriptor ready_set_{io_context_};  // the epoll set
  std::size_t watched_sockets_ = 0;
  bool readiness_armed_ = false;
  std::array<epoll_event, 256> ready_events_{};
};

}  // namespace eddy::server::transport
