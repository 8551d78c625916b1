// A read-through cache of one kind of store read (a member row, a user's mutes, ...), kept
// correct against the writes that change it: a writer brackets its store write with
// BeginWrite/EndWrite naming the keys it changes (or every key), and a value loaded while such
// a write was in flight, or before a write that ended during the load, is returned but never
// cached. So a read that starts after a write was acknowledged never sees the old value.
// Thread-safe: mutex_ guards values_, stripes_, epoch_ and all_writers_; `load` runs without
// it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/error.h"

namespace eddy::server {

template <typename V>
class ReadThroughCache {
 public:
  // Past `max_entries` values the cache starts over (memory stays bounded).
  explicit ReadThroughCache(size_t max_entries) : max_entries_(max_entries) {}

  // The cached value of `key`, or what `load()` (returning Result<V>) gives, cached unless a
  // write overlapped the load.
  template <typename Load>
  Result<V> Get(const std::string& key, Load&& load) {
    const size_t stripe = StripeOf(key);
    Ticket ticket;
    {
      std::lock_guard lock(mutex_);
      auto it = values_.find(key);
      if (it != values_.end()) return it->second;
      ticket.epoch = epoch_;
      ticket.generation = stripes_[stripe].generation;
      ticket.cacheable = all_writers_ == 0 && stripes_[stripe].writers == 0;
    }
    Result<V> loaded = load();
    if (!loaded.ok() || !ticket.cacheable) return loaded;
    std::lock_guard lock(mutex_);
    const Stripe& now = stripes_[stripe];
    if (epoch_ != ticket.epoch || all_writers_ > 0 || now.writers > 0 ||
        now.generation != ticket.generation) {
      return loaded;
    }
    if (values_.size() >= max_entries_) ForgetAllLocked();
    values_.insert_or_assign(key, *loaded);
    return loaded;
  }

  // Whether `key` has a cached value (a hint: it may be forgotten right after).
  bool Contains(const std::string& key) {
    std::lock_guard lock(mutex_);
    return values_.count(key) > 0;
  }

  // Around a store write that changes the values of `keys`.
  void BeginWrite(const std::vector<std::string>& keys) {
    std::lock_guard lock(mutex_);
    for (const std::string& key : keys) {
      ++stripes_[StripeOf(key)].writers;
      values_.erase(key);
    }
  }
  void EndWrite(const std::vector<std::string>& keys) {
    std::lock_guard lock(mutex_);
    for (const std::string& key : keys) {
      Stripe& stripe = stripes_[StripeOf(key)];
      --stripe.writers;
      ++stripe.generation;
      values_.erase(key);
    }
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
    ++stripes_[StripeOf(key)].generation;
    values_.erase(key);
  }
  void ForgetAll() {
    std::lock_guard lock(mutex_);
    ForgetAllLocked();
  }

 private:
  // Writes are tracked per stripe of keys, not per key, so that nothing is kept for a key
  // that has no value: a write to another key of the same stripe only keeps a load out of
  // the cache (it is read again next time), never lets a stale one in.
  static constexpr size_t kStripes = 1024;
  struct Stripe {
    std::uint64_t generation = 0;  // bumped by every write that ends and every Forget
    int writers = 0;               // writes in flight
  };
  struct Ticket {
    std::uint64_t epoch = 0;
    std::uint64_t generation = 0;
    bool cacheable = false;
  };

  static size_t StripeOf(const std::string& key) {
    return std::hash<std::string>{}(key) % kStripes;
  }
  void ForgetAllLocked() {
    ++epoch_;
    values_.clear();
  }

  const size_t max_entries_;
  std::mutex mutex_;
  std::unordered_map<std::string, V> values_;
  std::array<Stripe, kStripes> stripes_{};
  std::uint64_t epoch_ = 0;  // bumped by every forget-all: loads from before it are stale
  int all_writers_ = 0;      // writes of every key in flight
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
