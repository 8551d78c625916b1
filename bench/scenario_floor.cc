// The `floor` scenario: what the kernel alone charges for the fan-out's writes on this
// machine, with no server at all. A writer thread (pinned where the server would run) writes
// WebSocket-sized frames to `receivers` loopback TCP sockets, one gathered sendmsg per socket
// per round, as eddy's event loop does; this thread reads them all with epoll, as eddy-bench's
// receivers do. The writer's CPU time per write and per frame is the floor under eddy's fan-out
// CPU per delivery at the same rate and the same frames per write.
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <sstream>
#include <thread>
#include <vector>

#include "bench/scenarios.h"

namespace eddy::bench {
namespace {

double ThreadCpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

double Now() { return static_cast<double>(NowNanos()) / 1e9; }

bool PinThisThread(int cpu) {
  if (cpu < 0) return false;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

// Pairs of connected loopback sockets: the writer's ends (as eddy's accepted sockets: no
// delay, non-blocking) and the reader's.
struct SocketPairs {
  std::vector<int> writer_ends, reader_ends;
  ~SocketPairs() {
    for (int fd : writer_ends) ::close(fd);
    for (int fd : reader_ends) ::close(fd);
  }
  bool Open(int n, std::string* error) {
    int listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    bool ok = listener >= 0 && ::bind(listener, reinterpret_cast<sockaddr*>(&addr), len) == 0 &&
              ::listen(listener, 1024) == 0 &&
              ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
    for (int i = 0; ok && i < n; ++i) {
      int reader = ::socket(AF_INET, SOCK_STREAM, 0);
      if (reader >= 0) reader_ends.push_back(reader);
      ok = reader >= 0 && ::connect(reader, reinterpret_cast<sockaddr*>(&addr), len) == 0;
      int writer = ok ? ::accept(listener, nullptr, nullptr) : -1;
      if (writer >= 0) writer_ends.push_back(writer);
      ok = writer >= 0;
      int one = 1;
      if (ok) ::setsockopt(writer, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      if (ok)
        ok = ::fcntl(writer, F_SETFL, O_NONBLOCK) == 0 && ::fcntl(reader, F_SETFL, O_NONBLOCK) == 0;
    }
    if (listener >= 0) ::close(listener);
    if (!ok) *error = std::string("loopback socket pair: ") + std::strerror(errno);
    return ok;
  }
};

struct StepResult {
  double seconds = 0, writer_cpu_s = 0;
  std::uint64_t writes = 0, short_writes = 0;
};

// One step: a round every frames_per_write / rate seconds, each socket one write per round.
StepResult WriteStep(const std::vector<int>& sockets, const std::vector<iovec>& frames, double rate,
                     double seconds) {
  StepResult r;
  const double interval = static_cast<double>(frames.size() / 2) / rate;
  const double start = Now(), cpu_start = ThreadCpuSeconds();
  std::size_t bytes = 0;
  for (const iovec& v : frames) bytes += v.iov_len;
  for (double next = start; Now() - start < seconds;) {
    for (int fd : sockets) {
      msghdr msg{};
      msg.msg_iov = const_cast<iovec*>(frames.data());
      msg.msg_iovlen = frames.size();
      ssize_t sent = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
      ++r.writes;
      // The reader keeps up at these rates; a socket that does not take a whole write makes
      // the step's figures suspect and is reported.
      if (sent != static_cast<ssize_t>(bytes)) ++r.short_writes;
    }
    next += interval;
    const double wait = next - Now();
    if (wait > 0) std::this_thread::sleep_for(std::chrono::duration<double>(wait));
  }
  r.seconds = Now() - start;
  r.writer_cpu_s = ThreadCpuSeconds() - cpu_start;
  return r;
}

}  // namespace

Outcome RunFloor(const Options& o) {
  Outcome out;
  SocketPairs pairs;
  std::string error;
  if (!pairs.Open(o.receivers, &error)) {
    out.ok = false;
    out.result["error"] = error;
    out.summary = "floor: " + error;
    return out;
  }
  // This thread reads; the writer runs on its own thread, pinned like the server.
  int epoll = ::epoll_create1(0);
  for (int fd : pairs.reader_ends) {
    epoll_event e{};
    e.events = EPOLLIN;
    e.data.fd = fd;
    ::epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &e);
  }
  // A text frame's header with a 16-bit length (--frame-bytes is 126..65535), then the text.
  const std::string payload(static_cast<std::size_t>(o.frame_bytes), 'x');
  const std::string header{'\x81', '\x7e', static_cast<char>(o.frame_bytes >> 8),
                           static_cast<char>(o.frame_bytes & 0xff)};
  std::vector<iovec> frames;
  for (int i = 0; i < o.frames_per_write; ++i) {
    frames.push_back({const_cast<char*>(header.data()), header.size()});
    frames.push_back({const_cast<char*>(payload.data()), payload.size()});
  }
  const std::uint64_t bytes_per_write =
      static_cast<std::uint64_t>(o.frames_per_write) * (header.size() + payload.size());

  json::array steps;
  std::ostringstream summary;
  summary << "floor: " << Thousands(o.receivers) << " loopback sockets, " << o.frames_per_write
          << " frame(s) of " << payload.size() + header.size() << " bytes per write";
  bool pinned = false;
  std::atomic<bool> step_done{false};
  for (double rate : o.rates) {
    StepResult r;
    step_done = false;
    std::thread writer([&] {
      pinned = PinThisThread(o.writer_cpu);
      r = WriteStep(pairs.writer_ends, frames, rate, o.step_seconds);
      step_done = true;
    });
    // Read until the writer is done and every byte it wrote has arrived (or 5 s more).
    std::uint64_t received = 0;
    std::vector<epoll_event> ready(1024);
    std::vector<char> buffer(256 * 1024);
    double give_up = 0;
    while (true) {
      if (step_done && give_up == 0) give_up = Now() + 5;
      if (step_done && (received >= r.writes * bytes_per_write || Now() > give_up)) break;
      int n = ::epoll_wait(epoll, ready.data(), static_cast<int>(ready.size()), 50);
      for (int i = 0; i < n; ++i) {
        ssize_t got;
        while ((got = ::read(ready[static_cast<std::size_t>(i)].data.fd, buffer.data(),
                             buffer.size())) > 0) {
          received += static_cast<std::uint64_t>(got);
        }
      }
    }
    writer.join();
    const double deliveries = static_cast<double>(r.writes) * o.frames_per_write;
    const double per_write_us = Round(r.writer_cpu_s / static_cast<double>(r.writes) * 1e6, 3);
    const double per_delivery_us = Round(r.writer_cpu_s / deliveries * 1e6, 3);
    const double busy = Round(r.writer_cpu_s / r.seconds, 3);
    const bool whole = received == r.writes * bytes_per_write && r.short_writes == 0;
    out.ok = out.ok && whole;
    json::object s;
    s["rate_msgs_per_s"] = rate;
    s["frames_per_write"] = o.frames_per_write;
    s["writes"] = r.writes;
    s["writes_per_s"] = Round(static_cast<double>(r.writes) / r.seconds, 0);
    s["deliveries_per_s"] = Round(deliveries / r.seconds, 0);
    s["writer_cpu_per_write_us"] = per_write_us;
    s["writer_cpu_per_delivery_us"] = per_delivery_us;
    s["writer_core_busy"] = busy;
    s["short_writes"] = r.short_writes;
    s["all_received"] = whole;
    steps.push_back(std::move(s));
    summary << "\n  " << rate << " msg/s x " << Thousands(o.receivers) << ": "
            << Thousands(deliveries / r.seconds) << " deliveries/s, writer CPU " << per_write_us
            << " us/write, " << per_delivery_us << " us/delivery, core " << busy * 100 << "% busy"
            << (whole ? "" : ", NOT ALL RECEIVED");
  }
  ::close(epoll);
  out.result["scenario"] = "floor";
  out.result["label"] = o.label;
  out.result["receivers"] = o.receivers;
  out.result["frame_bytes"] = payload.size() + header.size();
  out.result["writer_cpu"] = o.writer_cpu;
  out.result["writer_pinned"] = pinned;
  out.result["steps"] = std::move(steps);
  out.summary = summary.str();
  return out;
}

}  // namespace eddy::bench
