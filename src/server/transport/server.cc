#include "server/transport/server.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "common/log.h"
#include "server/transport/listener.h"
#include "server/transport/worker.h"

namespace eddy::server::transport {

namespace asio = boost::asio;

namespace {

// After the graceful phase and the forced close, how long worker threads get to unwind
// before their loops are stopped outright.
constexpr std::chrono::seconds kForcedStopGrace{2};

}  // namespace

// Threading: Start() and Run() on the caller's thread; the control io_context (listener and
// stop pipe) runs inside Run(); `mutex` guards `drained` and `exited`, which the workers
// report into. Stop() touches only `stop_requested` and the pipe's write end.
struct Server::Impl {
  Impl(ServerOptions options_in, HttpHandler& http, WebSocketHandler& ws)
      : options(std::move(options_in)), http_handler(http), ws_handler(ws) {
    // Made here rather than in Start() so Stop() never races with its creation.
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0) {
      stop_reader.emplace(control, fds[0]);
      stop_write_fd = fds[1];
    }
  }

  ~Impl() {
    for (auto& worker : workers) worker->CloseGate();
    if (stop_write_fd >= 0) ::close(stop_write_fd);
  }

  void WaitForStop() {
    stop_reader->async_read_some(
        asio::buffer(&stop_byte, 1),
        [this](boost::system::error_code, std::size_t) { BeginShutdown(); });
  }

  // Control thread. Every later step waits for Run() to see the workers drain.
  void BeginShutdown() {
    listener->Close();
    boost::system::error_code ignored;
    stop_reader->close(ignored);
    for (auto& worker : workers) {
      worker->Post([this, worker] {
        worker->BeginShutdown([this] {
          std::lock_guard<std::mutex> lock(mutex);
          ++drained;
          cv.notify_all();
        });
      });
    }
  }

  static void RunLoop(asio::io_context& context) {
    for (;;) {
      try {
        context.run();
        return;
      } catch (const std::exception& e) {
        // One failing handler must not take the thread (and its connections) down.
        log::Error("event loop handler threw", {{"error", e.what()}});
      }
    }
  }

  ServerOptions options;
  HttpHandler& http_handler;
  WebSocketHandler& ws_handler;

  asio::io_context control{1};
  std::vector<std::shared_ptr<Worker>> workers;
  std::unique_ptr<Listener> listener;
  std::optional<asio::posix::stream_descriptor> stop_reader;
  char stop_byte = 0;
  int stop_write_fd = -1;
  std::atomic<bool> stop_requested{false};
  bool started = false;
  bool ran = false;

  std::mutex mutex;
  std::condition_variable cv;
  std::size_t drained = 0;
  std::size_t exited = 0;
};

Server::Server(ServerOptions options, HttpHandler& http_handler, WebSocketHandler& ws_handler)
    : impl_(std::make_unique<Impl>(std::move(options), http_handler, ws_handler)) {}

Server::~Server() = default;

Status Server::Start() {
  Impl& impl = *impl_;
  if (impl.started) return Error::Internal("server already started");
  int threads = impl.options.threads > 0
                    ? impl.options.threads
                    : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int i = 0; i < threads; ++i) {
    impl.workers.push_back(
        std::make_shared<Worker>(impl.options, impl.http_handler, impl.ws_handler));
  }
  impl.listener = std::make_unique<Listener>(impl.control, impl.workers);
  if (!impl.stop_reader) return Error::Internal("cannot create the stop pipe");
  EDDY_TRY(impl.listener->Listen(impl.options.host, impl.options.port));
  impl.WaitForStop();
  impl.listener->Accept();
  impl.started = true;
  log::Info("listening", {{"host", impl.options.host},
                          {"port", std::to_string(impl.listener->port())},
                          {"threads", std::to_string(threads)}});
  return {};
}

std::uint16_t Server::port() const {
  return impl_->listener && impl_->started ? impl_->listener->port() : 0;
}

WriteStats Server::write_stats() const {
  WriteStats sum;
  for (const auto& worker : impl_->workers) {
    WriteStats w = worker->write_stats();
    sum.frames += w.frames;
    sum.writes += w.writes;
  }
  return sum;
}

void Server::Run() {
  Impl& impl = *impl_;
  if (!impl.started || impl.ran) return;
  impl.ran = true;
  std::vector<std::thread> threads;
  for (auto& worker : impl.workers) {
    threads.emplace_back([&impl, worker] {
      Impl::RunLoop(worker->io_context());
      std::lock_guard<std::mutex> lock(impl.mutex);
      ++impl.exited;
      impl.cv.notify_all();
    });
  }
  // Returns once Stop() was seen: the listener and the stop pipe are closed.
  Impl::RunLoop(impl.control);

  const std::size_t count = impl.workers.size();
  {
    std::unique_lock<std::mutex> lock(impl.mutex);
    if (!impl.cv.wait_for(lock, impl.options.shutdown_timeout,
                          [&] { return impl.drained == count; })) {
      log::Warn("shutdown timeout: closing the remaining connections");
    }
  }
  for (auto& worker : impl.workers) {
    worker->Post([worker] { worker->ForceCloseAll(); });
    // Work posted after this (late answers, Send) is dropped instead of stranded.
    worker->CloseGate();
    worker->ReleaseWork();
  }
  {
    std::unique_lock<std::mutex> lock(impl.mutex);
    if (!impl.cv.wait_for(lock, kForcedStopGrace, [&] { return impl.exited == count; })) {
      log::Warn("event loops still busy after shutdown: stopping them");
      for (auto& worker : impl.workers) worker->io_context().stop();
    }
  }
  for (auto& thread : threads) thread.join();
  WriteStats writes = write_stats();
  log::Info("server stopped", {{"websocket_frames", std::to_string(writes.frames)},
                               {"websocket_writes", std::to_string(writes.writes)}});
}

void Server::Stop() {
  if (impl_->stop_requested.exchange(true)) return;
  if (impl_->stop_write_fd < 0) return;
  char byte = 1;
  [[maybe_unused]] ssize_t n = ::write(impl_->stop_write_fd, &byte, 1);
}

}  // namespace eddy::server::transport
