// A clock that runs with the system clock but can be moved forward: what `eddy serve
// --test-clock` uses so integration tests can let timeouts (bans, mutes) run out without
// waiting. Never used for anything else.
#pragma once

#include <atomic>

#include "common/clock.h"

namespace eddy {

// System time plus an offset. Thread-safe: the offset is atomic.
class OffsetClock final : public Clock {
 public:
  Micros Now() const override { return system_.Now() + offset_.load(); }
  // Moves the clock forward (a negative amount moves it back).
  void Advance(Micros by) { offset_.fetch_add(by); }
  Micros offset() const { return offset_.load(); }

 private:
  SystemClock system_;
  std::atomic<Micros> offset_{0};
};

}  // namespace eddy
