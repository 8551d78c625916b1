// Time: an injectable clock (tests move time forward) and RFC 3339 formatting.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace eddy {

// Microseconds since the Unix epoch, UTC. The unit of every stored timestamp.
using Micros = std::int64_t;

// Responsible for telling the time. Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Micros Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Micros Now() const override;
};

// "2026-06-24T11:44:48.428721Z" (microseconds, always UTC with Z).
std::string FormatTime(Micros t);
// Room for any FormatTime text.
using TimeText = std::array<char, 48>;
// The same text written into `buf`, without allocating; valid while `buf` is.
std::string_view FormatTime(Micros t, TimeText& buf);
// Accepts RFC 3339 with or without fraction, with Z or a numeric offset.
std::optional<Micros> ParseTime(std::string_view s);

}  // namespace eddy
