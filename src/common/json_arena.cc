#include "common/json_arena.h"

#include <utility>

namespace eddy {

namespace {
thread_local const json::storage_ptr* current_arena = nullptr;
}  // namespace

json::storage_ptr JsonStorage() { return current_arena ? *current_arena : json::storage_ptr(); }

JsonArena::JsonArena(std::size_t first_block)
    : storage_(json::make_shared_resource<json::monotonic_resource>(first_block)),
      saved_(std::exchange(current_arena, &storage_)) {}

JsonArena::~JsonArena() { current_arena = saved_; }

JsonOnHeap::JsonOnHeap() : saved_(std::exchange(current_arena, nullptr)) {}

JsonOnHeap::~JsonOnHeap() { current_arena = saved_; }

}  // namespace eddy
