// Measurement helpers for eddy-bench: latency samples with percentiles, the server's CPU
// time and RSS read from /proc/<pid>, and eddy-bench's own CPU time. Plain values; a
// Latencies is filled by one thread and merged afterwards.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/json.h"

namespace eddy::bench {

using SteadyClock = std::chrono::steady_clock;

// Nanoseconds on the monotonic clock, which every process on the machine shares.
inline std::int64_t NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now().time_since_epoch())
      .count();
}

// Latency samples in microseconds.
class Latencies {
 public:
  void Add(std::int64_t micros) { samples_.push_back(micros < 0 ? 0 : micros); }
  void Merge(const Latencies& other);
  size_t count() const { return samples_.size(); }
  // {"count","p50_ms","p99_ms","max_ms"}; sorts the samples.
  json::object Summary();

 private:
  std::vector<std::int64_t> samples_;
};

// What /proc says about a process at one moment.
struct ProcSample {
  bool ok = false;
  double cpu_seconds = 0;  // utime + stime
  std::int64_t rss_bytes = 0;
  double taken_at = 0;  // seconds on the monotonic clock
};
ProcSample ReadProc(pid_t pid);  // pid <= 0: not ok

// CPU seconds (user + sys) this process has used.
double OwnCpuSeconds();

double Round(double v, int decimals);

// "N p50 1.23 ms p99 4.56 ms max 7.89 ms" from a Latencies::Summary().
std::string LatencyLine(const json::object& summary);

}  // namespace eddy::bench
