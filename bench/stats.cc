#include "bench/stats.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace eddy::bench {

void Latencies::Merge(const Latencies& other) {
  samples_.insert(samples_.end(), other.samples_.begin(), other.samples_.end());
}

json::object Latencies::Summary() {
  json::object o{{"count", samples_.size()}};
  if (samples_.empty()) return o;
  std::sort(samples_.begin(), samples_.end());
  auto at = [&](double q) {
    size_t i = static_cast<size_t>(std::ceil(q * static_cast<double>(samples_.size()))) - 1;
    return Round(static_cast<double>(samples_[std::min(i, samples_.size() - 1)]) / 1000.0, 3);
  };
  o["p50_ms"] = at(0.50);
  o["p99_ms"] = at(0.99);
  o["max_ms"] = Round(static_cast<double>(samples_.back()) / 1000.0, 3);
  return o;
}

ProcSample ReadProc(pid_t pid) {
  ProcSample s;
  if (pid <= 0) return s;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return s;
  // The command name may hold spaces; the fields after its closing parenthesis do not.
  size_t close = line.rfind(')');
  if (close == std::string::npos) return s;
  std::istringstream fields(line.substr(close + 2));
  std::string field;
  double utime = 0, stime = 0;
  std::int64_t rss_pages = 0;
  // Fields 3.. of proc(5): state is field 3, utime 14, stime 15, rss 24.
  for (int n = 3; n <= 24 && (fields >> field); ++n) {
    if (n == 14) utime = std::stod(field);
    if (n == 15) stime = std::stod(field);
    if (n == 24) rss_pages = std::stoll(field);
  }
  double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  s.cpu_seconds = (utime + stime) / ticks;
  s.rss_bytes = rss_pages * sysconf(_SC_PAGESIZE);
  s.taken_at = static_cast<double>(NowNanos()) / 1e9;
  s.ok = true;
  return s;
}

double OwnCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto secs = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return secs(u.ru_utime) + secs(u.ru_stime);
}

double Round(double v, int decimals) {
  double f = std::pow(10.0, decimals);
  return std::round(v * f) / f;
}

std::string LatencyLine(const json::object& summary) {
  auto get = [&](std::string_view key) {
    const json::value* v = summary.if_contains(key);
    return v ? v->to_number<double>() : 0.0;
  };
  char line[160];
  std::snprintf(line, sizeof line, "%.0f p50 %.2f ms p99 %.2f ms max %.2f ms", get("count"),
                get("p50_ms"), get("p99_ms"), get("max_ms"));
  return line;
}

}  // namespace eddy::bench
