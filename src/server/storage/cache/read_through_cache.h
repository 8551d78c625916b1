// A read-through cache of one kind of store read (a member row, a user's mutes, ...), kept
// correct against the writes that change it: a writer brackets its store write with
// BeginWrite/EndWrite naming the keys it changes (or every key), and a value loaded while such
// a write was in flight, or before a write that ended during the load, is returned but never
// cached. So a read that starts after a write was acknowledged never sees the old value.
// Thread-safe: mutex_ guards slots_, epoch_ and all_writers_; `load` runs without it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/error.h"

namespace eddy::server {

template <typename V>
class ReadThroughCache {
 public:
  // Past `max_entries` keys the cache starts over (memory stays bounded).
  explicit ReadThroughCache(size_t max_entries) : max_entries_(max_entries) {}

  // The cached value of `key`, or what `load()` (returning Result<V>) gives, cached unless a
  // write overlapped the load.
  template <typename Load>
  Result<V> Get(const std::string& key, Load&& load) {
    Ticket ticket;
    {
      std::lock_guard lock(mutex_);
      auto it = slots_.find(key);
      if (it != slots_.end() && it->second.value) return *it->second.value;
      ticket.epoch = epoch_;
      ticket.generation = it == slots_.end() ? 0 : it->second.generation;
      ticket.cacheable = all_writers_ == 0 && (it == slots_.end() || it->second.writers == 0);
    }
    Result<V> loaded = load();
    if (!loaded.ok() || !ticket.cacheable) return loaded;
    std::lock_guard lock(mutex_);
    if (epoch_ != ticket.epoch || all_writers_ > 0) return loaded;
    Slot& slot = slots_[key];
    if (slot.generation != ticket.generation || slot.writers > 0) return loaded;
    slot.value = *loaded;
    Bound();
    return loaded;
  }

  // Around a store write that changes the values of `keys`.
  void BeginWrite(const std::vector<std::string>& keys) {
    std::lock_guard lock(mutex_);
    for (const std::string& key : keys) {
      Slot& slot = slots_[key];
      ++slot.writers;
      slot.value.reset();
    }
  }
  void EndWrite(const std::vector<std::string>& keys) {
    std::lock_guard lock(mutex_);
    for (const std::string& key : keys) {
      Slot& slot = slots_[key];
      --slot.writers;
      slot.generation = ++last_generation_;
      slot.value.reset();
    }
    Bound();
  }
  // Around a store write that may change any value.
  void BeginWriteAll() {
    std::lock_guard lock(mutex_);
    ++all_writers_;
    ForgetAllLocked();
  }
  void EndWriteAll() {
    std::lock_guard lock(mutex_);
    --all_writers_;
    ForgetAllLocked();
  }

  // Another node changed the data behind `key` (or behind every key).
  void Forget(const std::string& key) {
    std::lock_guard lock(mutex_);
    Slot& slot = slots_[key];
    slot.generation = ++last_generation_;
    slot.value.reset();
    Bound();
  }
  void ForgetAll() {
    std::lock_guard lock(mutex_);
    ForgetAllLocked();
  }

 private:
  struct Slot {
    std::optional<V> value;
    std::uint64_t generation = 0;  // bumped by every write that ends and every Forget
    int writers = 0;               // writes of this key in flight
  };
  struct Ticket {
    std::uint64_t epoch = 0;
    std::uint64_t generation = 0;
    bool cacheable = false;
  };

  // Slots outlive their values (their generation is what stale loads are checked against), so
  // the bound is on slots: past it, start over.
  void Bound() {
    if (slots_.size() > max_entries_) ForgetAllLocked();
  }
  // Keeps the slots of writes in flight: their EndWrite must find them.
  void ForgetAllLocked() {
    ++epoch_;
    for (auto it = slots_.begin(); it != slots_.end();) {
      if (it->second.writers > 0) {
        it->second.value.reset();
        ++it;
      } else {
        it = slots_.erase(it);
      }
    }
  }

  const size_t max_entries_;
  std::mutex mutex_;
  std::unordered_map<std::string, Slot> slots_;
  std::uint64_t epoch_ = 0;            // bumped by every forget-all: loads before it are stale
  std::uint64_t last_generation_ = 0;  // source of Slot::generation values, never reused
  int all_writers_ = 0;                // writes of every key in flight
};

// Brackets one store write for a cache: BeginWrite now, EndWrite when it goes out of scope.
template <typename V>
class CacheWriteScope {
 public:
  CacheWriteScope(ReadThroughCache<V>& cache, std::vector<std::string> keys)
      : cache_(cache), keys_(std::move(keys)), all_(false) {
    cache_.BeginWrite(keys_);
  }
  explicit CacheWriteScope(ReadThroughCache<V>& cache) : cache_(cache), all_(true) {
    cache_.BeginWriteAll();
  }
  ~CacheWriteScope() {
    if (all_) {
      cache_.EndWriteAll();
    } else {
      cache_.EndWrite(keys_);
    }
  }
  CacheWriteScope(const CacheWriteScope&) = delete;
  CacheWriteScope& operator=(const CacheWriteScope&) = delete;

 private:
  ReadThroughCache<V>& cache_;
  std::vector<std::string> keys_;
  bool all_;
};

}  // namespace eddy::server
