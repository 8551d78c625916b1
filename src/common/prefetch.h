// Prefetching for loops over objects scattered on the heap (the connections of a fan-out,
// thousands of them): the object a few steps ahead is fetched while the current one is
// worked on, instead of each being a cache miss when its turn comes.
#pragma once

#include <cstddef>

namespace eddy {

// How many elements ahead such a loop fetches.
inline constexpr std::size_t kPrefetchAhead = 8;

// Starts loading the first `lines` cache lines of the object at `object` (not null).
inline void PrefetchLines(const void* object, int lines = 1) {
  const char* p = static_cast<const char*>(object);
  for (int i = 0; i < lines; ++i) __builtin_prefetch(p + 64 * i);
}

}  // namespace eddy
