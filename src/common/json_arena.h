// A per-request arena for the JSON a request builds: its response and its events.
//
// Boost.JSON takes every string, array and object table from the heap by default: rendering a
// sent message, its event and the response was ~140 of the send's ~430 allocations. Builders
// of response and event JSON construct their containers with JsonStorage(), which inside a
// JsonArena (the send handler holds one for its request) is a monotonic resource: an
// allocation bumps a pointer, a free does nothing, and the blocks go when the last value
// using them does.
//
// A value keeps the storage it was constructed with: assignment into a container copies into
// the container's storage, while copy- or move-constructing a value takes the source's. JSON
// that outlives the request (a cache, another thread) must therefore reach it by assignment
// into heap values, never by construction from the arena's. The reference count keeps a stray
// one from dangling, but it would hold the arena's blocks and share its allocator between
// threads, which it is not safe for.
#pragma once

#include <cstddef>

#include "common/json.h"

namespace eddy {

// The innermost JsonArena's storage on this thread, or the heap's outside every arena.
json::storage_ptr JsonStorage();

// Makes JsonStorage() on this thread its own arena while it lives. One thread only: create
// and destroy it on the thread that builds in it.
class JsonArena {
 public:
  // The arena's first block; it grows by larger blocks as needed.
  explicit JsonArena(std::size_t first_block = 16 * 1024);
  ~JsonArena();
  JsonArena(const JsonArena&) = delete;
  JsonArena& operator=(const JsonArena&) = delete;

 private:
  json::storage_ptr storage_;
  const json::storage_ptr* saved_;  // the enclosing arena's, restored at the end
};

// Inside a JsonArena, makes JsonStorage() the heap's again while it lives: for code whose
// JSON goes into heap containers (each value built in the arena would be copied there).
class JsonOnHeap {
 public:
  JsonOnHeap();
  ~JsonOnHeap();
  JsonOnHeap(const JsonOnHeap&) = delete;
  JsonOnHeap& operator=(const JsonOnHeap&) = delete;

 private:
  const json::storage_ptr* saved_;
};

}  // namespace eddy
