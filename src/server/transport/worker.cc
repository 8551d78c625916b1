#include "server/transport/worker.h"

#include <algorithm>
#include <cerrno>
#include <system_error>
#include <vector>

#include "common/prefetch.h"
#include "common/send_burst.h"

namespace eddy::server::transport {

namespace {

// The cache lines of a connection that queueing and flushing read first (its vtable
// pointer and the write state): fetched a few connections ahead in the loops below.
constexpr int kSinkLines = 3;

}  // namespace

Worker::Worker(const ServerOptions& options, HttpHandler& http_handler,
               WebSocketHandler& ws_handler)
    : options_(options),
      http_handler_(http_handler),
      ws_handler_(ws_handler),
      work_(boost::asio::make_work_guard(io_context_)),
      // Deadlines are met to within a quarter of the idle timeout, and within a second.
      sweep_interval_(std::clamp<std::chrono::steady_clock::duration>(
          options.ws_idle_timeout / 4, std::chrono::milliseconds(10), std::chrono::seconds(1))) {
  int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
  ready_set_.assign(epoll_fd);
}

bool Worker::WatchSocket(int fd, Connection* connection) {
  epoll_event event{};
  event.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  event.data.ptr = connection;
  if (epoll_ctl(ready_set_.native_handle(), EPOLL_CTL_ADD, fd, &event) != 0) return false;
  ++watched_sockets_;
  if (!readiness_armed_) ArmReadiness();
  return true;
}

void Worker::StopWatchingSocket(int fd) {
  epoll_ctl(ready_set_.native_handle(), EPOLL_CTL_DEL, fd, nullptr);
  if (--watched_sockets_ == 0 && readiness_armed_) ready_set_.cancel();
}

void Worker::ArmReadiness() {
  readiness_armed_ = true;
  ready_set_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                        [this](boost::system::error_code) {
                          readiness_armed_ = false;
                          // Drained after a cancelled wait too: a socket watched since the
                          // cancel may have signalled while no wait was pending, and that
                          // edge is not repeated.
                          if (watched_sockets_ > 0) DispatchReady();
                          if (watched_sockets_ > 0 && !readiness_armed_) ArmReadiness();
                        });
}

void Worker::DispatchReady() {
  // Asio watches the set edge-triggered: it is drained here, and a full batch goes on after
  // what else the loop has queued instead of waiting for an edge that may not come.
  int n = epoll_wait(ready_set_.native_handle(), ready_events_.data(),
                     static_cast<int>(ready_events_.size()), 0);
  for (int i = 0; i < n; ++i) {
    static_cast<Connection*>(ready_events_[i].data.ptr)->OnSocketReady(ready_events_[i].events);
  }
  if (n == static_cast<int>(ready_events_.size())) {
    boost::asio::post(io_context_, [this] { DispatchReady(); });
  }
}

void Worker::CloseGate() {
  std::lock_guard<std::mutex> lock(gate_mutex_);
  gate_open_ = false;
}

void Worker::Forward(std::shared_ptr<FrameSink> sink, std::shared_ptr<const std::string> text) {
  ForwardEntry({std::move(sink), std::move(text)});
}

void Worker::ForwardClose(std::shared_ptr<FrameSink> sink, std::uint16_t code, std::string reason) {
  ForwardEntry({std::move(sink), std::make_shared<const std::string>(std::move(reason)), code});
}

void Worker::ForwardEntry(Forwarded entry) {
  std::lock_guard<std::mutex> lock(gate_mutex_);
  if (!gate_open_) return;
  forwarded_.push_back(std::move(entry));
  // One handler takes the whole batch; a sender in a burst posts it when the burst ends.
  if (take_posted_) return;
  if (SendBurst::Active()) return SendBurst::WakeAtEnd(&Worker::TakeAfterBurst, this);
  PostTakeLocked();
}

void Worker::TakeAfterBurst(void* worker) {
  auto* self = static_cast<Worker*>(worker);
  std::lock_guard<std::mutex> lock(self->gate_mutex_);
  if (!self->take_posted_ && !self->forwarded_.empty()) self->PostTakeLocked();
}

void Worker::PostTakeLocked() {
  take_posted_ = true;
  boost::asio::post(io_context_, [this] { TakeForwarded(); });
}

void Worker::TakeForwarded() {
  {
    std::lock_guard<std::mutex> lock(gate_mutex_);
    taking_.swap(forwarded_);
    take_posted_ = false;
  }
  for (std::size_t i = 0; i < taking_.size(); ++i) {
    if (i + kPrefetchAhead < taking_.size()) {
      PrefetchLines(taking_[i + kPrefetchAhead].sink.get(), kSinkLines);
    }
    Forwarded& entry = taking_[i];
    if (entry.close_code != 0) {
      entry.sink->StartClose(entry.close_code, *entry.text);
    } else {
      entry.sink->QueueText(std::move(entry.text));
    }
  }
  taking_.clear();
}

void Worker::FlushSoon(std::shared_ptr<FrameSink> sink) {
  to_flush_.push_back(std::move(sink));
  // A round in progress schedules the next when it ends.
  if (to_flush_.size() == 1 && flushing_.empty()) ScheduleRound();
}

void Worker::ScheduleRound() {
  if (std::chrono::steady_clock::now() >= next_flush_at_) {
    boost::asio::post(io_context_, [this] { FlushSlice(); });
    return;
  }
  flush_timer_.expires_at(next_flush_at_);
  flush_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) FlushSlice();
  });
}

void Worker::FlushSlice() {
  if (flushing_.empty()) {
    flushing_.swap(to_flush_);
    flushed_ = 0;
    round_took_ = {};
  }
  // Slices, so that a request's response, or its read, does not wait for a whole round.
  const auto start = std::chrono::steady_clock::now();
  const size_t end = std::min(flushing_.size(), flushed_ + kFlushSlice);
  for (; flushed_ < end; ++flushed_) {
    if (flushed_ + kPrefetchAhead < end) {
      PrefetchLines(flushing_[flushed_ + kPrefetchAhead].get(), kSinkLines);
    }
    flushing_[flushed_]->Flush();
  }
  const auto now = std::chrono::steady_clock::now();
  round_took_ += now - start;
  if (flushed_ < flushing_.size()) {
    boost::asio::post(io_context_, [this] { FlushSlice(); });
    return;
  }
  flushing_.clear();
  // A long round (a burst to thousands of sockets: one system call each) is followed by a
  // pause twice as long as itself, so what arrives meanwhile shares those writes instead of
  // starting another round at once. Under a steady load the pause sets the loop's share of
  // the core, and so its CPU per frame, whatever a write costs: rounds of r ms and pauses of
  // p carry rate * (r + p) frames per socket, so writing them takes r / (r + p) of the core
  // (a pause as long as the round, a half; twice, a third). The cap bounds the latency this
  // adds. Short rounds (interactive traffic) are never held back.
  constexpr int kPausePerRound = 2;
  next_flush_at_ = round_took_ >= options_.ws_long_flush_round
                       ? now + std::min<std::chrono::steady_clock::duration>(
                                   kPausePerRound * round_took_, options_.ws_max_flush_pause)
                       : std::chrono::steady_clock::time_point::min();
  if (!to_flush_.empty()) ScheduleRound();
}

void Worker::ReleaseWork() { work_.reset(); }

std::uint64_t Worker::Register(std::weak_ptr<Connection> connection) {
  std::uint64_t id = next_id_++;
  connections_.emplace(id, std::move(connection));
  if (!sweeping_) ArmSweep();
  return id;
}

void Worker::Unregister(std::uint64_t id) {
  connections_.erase(id);
  if (connections_.empty() && sweeping_) {
    // A pending sweep would keep the loop running after shutdown.
    sweeping_ = false;
    sweep_timer_.cancel();
  }
  CheckDrained();
}

void Worker::ArmSweep() {
  sweeping_ = true;
  sweep_timer_.expires_after(sweep_interval_);
  sweep_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec && sweeping_) Sweep();
  });
}

void Worker::Sweep() {
  // By id: a connection that closes during the sweep leaves the registry, maybe with others.
  sweep_ids_.clear();
  for (const auto& entry : connections_) sweep_ids_.push_back(entry.first);
  const auto now = std::chrono::steady_clock::now();
  for (std::uint64_t id : sweep_ids_) {
    auto it = connections_.find(id);
    if (it == connections_.end()) continue;
    if (auto connection = it->second.lock()) connection->CheckDeadline(now);
  }
  if (sweep_ids_.capacity() > 2 * connections_.size() + 1024) {
    std::vector<std::uint64_t>().swap(sweep_ids_);
  }
  if (connections_.empty()) {
    sweeping_ = false;
    return;
  }
  ArmSweep();
}

void Worker::BeginShutdown(std::function<void()> on_drained) {
  stopping_ = true;
  on_drained_ = std::move(on_drained);
  // A connection that died without unregistering (its last owner dropped it) holds no one up.
  std::erase_if(connections_, [](const auto& entry) { return entry.second.expired(); });
  // Shutdown() may unregister synchronously, so walk a snapshot.
  std::vector<std::shared_ptr<Connection>> live;
  for (auto& [id, weak] : connections_) {
    if (auto connection = weak.lock()) live.push_back(std::move(connection));
  }
  for (auto& connection : live) connection->Shutdown();
  CheckDrained();
}

void Worker::ForceCloseAll() {
  std::vector<std::shared_ptr<Connection>> live;
  for (auto& [id, weak] : connections_) {
    if (auto connection = weak.lock()) live.push_back(std::move(connection));
  }
  connections_.clear();
  sweeping_ = false;
  sweep_timer_.cancel();
  flush_timer_.cancel();  // the sockets are closing: what waited for it is dropped with them
  to_flush_.clear();
  flushing_.clear();
  for (auto& connection : live) connection->ForceClose();
  CheckDrained();
}

void Worker::CheckDrained() {
  if (!stopping_ || !on_drained_ || !connections_.empty()) return;
  auto on_drained = std::move(on_drained_);
  on_drained_ = nullptr;
  on_drained();
}

}  // namespace eddy::server::transport
