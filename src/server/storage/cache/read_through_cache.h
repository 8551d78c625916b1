// Read-through caches of store reads (a member row, a user's mutes, an unread count, ...), kept
// correct against the writes that change them: a writer brackets its store write with
// BeginWrite/EndWrite naming the keys it changes (or every key), and a value loaded while such
// a write was in flight, or before a write that ended during the load, is returned but never
// cached. So a read that starts after a write was acknowledged never sees the old value.
// Thread-safe: each cache's mutex_ guards its values and its WriteTracker; `load` runs
// without it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "common/error.h"
#include "common/inline_key_map.h"

namespace eddy::server {

// The bookkeeping that keeps loads which overlapped a write out of a cache. A load takes a
// ticket for its key before reading the store; the value may be cached only if the ticket is
// still valid afterwards. Not thread-safe: its cache calls it with the cache's mutex held.
class WriteTracker {
 public:
  struct Ticket {
    std::uint64_t epoch = 0;
    std::uint64_t generation = 0;
    std::size_t stripe = 0;
    bool cacheable = false;  // no write of the key (or of every key) was in flight
    std::size_t own = 0;     // BeginOwn's: its slot in own_
  };

  Ticket Take(std::string_view key) const {
    const std::size_t stripe = StripeOf(key);
    return {epoch_, stripes_[stripe].generation, stripe,
            all_writers_ == 0 && stripes_[stripe].writers == 0};
  }
  bool Valid(const Ticket& t) const {
    const Stripe& now = stripes_[t.stripe];
    return t.cacheable && epoch_ == t.epoch && all_writers_ == 0 && now.writers == 0 &&
           now.generation == t.generation;
  }
  void Begin(const std::string& key) {
    const std::size_t stripe = StripeOf(key);
    MarkOwnWrites(stripe, key);
    ++stripes_[stripe].writers;
  }
  void End(const std::string& key) {
    Stripe& stripe = stripes_[StripeOf(key)];
    --stripe.writers;
    ++stripe.generation;
  }

  // For a write that knows the value it stores, tracked by its key (not only its stripe):
  // SoleWriter says before EndOwn whether it was the only write of its key from start to
  // end (no other write or change of the key heard of, no forget-all meanwhile, none in
  // flight at its start): then what it wrote is the stored value. Exact for concurrent
  // updates of different keys that share a stripe (sends in different channels), so they
  // keep their values; a plain write of the stripe in flight at the start still counts.
  Ticket BeginOwn(const std::string& key) {
    Ticket t = Take(key);
    Stripe& stripe = stripes_[t.stripe];
    t.cacheable =
        all_writers_ == 0 && stripe.writers == stripe.own_writers && !MarkOwnWrites(t.stripe, key);
    t.own = FreeOwnSlot();
    OwnWrite& own = own_[t.own];
    own.key.assign(key);
    own.stripe = t.stripe;
    own.in_flight = true;
    own.overlapped = false;
    ++stripe.writers;
    ++stripe.own_writers;
    return t;
  }
  bool SoleWriter(const Ticket& t) const {
    return t.cacheable && epoch_ == t.epoch && all_writers_ == 0 && !own_[t.own].overlapped;
  }
  void EndOwn(const Ticket& t) {
    OwnWrite& own = own_[t.own];
    own.in_flight = false;
    Stripe& stripe = stripes_[own.stripe];
    --stripe.own_writers;
    --stripe.writers;
    ++stripe.generation;
  }

  void Changed(const std::string& key) {
    const std::size_t stripe = StripeOf(key);
    MarkOwnWrites(stripe, key);
    ++stripes_[stripe].generation;
  }
  void BeginAll() {
    ++all_writers_;
    ++epoch_;
  }
  void EndAll() {
    --all_writers_;
    ++epoch_;
  }
  void ChangedAll() { ++epoch_; }

  // Writes are tracked per stripe of keys, not per key, so that nothing is kept for a key
  // that has no value: a write to another key of the same stripe only keeps a load out of
  // the cache (it is read again next time), never lets a stale one in. An update in flight
  // (BeginOwn) is also known by its key, until it ends.
  static constexpr std::size_t kStripes = 1024;
  static std::size_t StripeOf(std::string_view key) {
    return std::hash<std::string_view>{}(key) % kStripes;
  }

 private:
  struct Stripe {
    std::uint64_t generation = 0;  // bumped by every write that ends and every change heard of
    int writers = 0;               // writes in flight
    int own_writers = 0;           // of them, BeginOwn's
  };
  struct OwnWrite {
    std::string key;
    std::size_t stripe = 0;
    bool in_flight = false;
    bool overlapped = false;  // another write or change of `key` met this one
  };

  // Marks the own writes in flight of `key` as overlapped; whether there were any.
  bool MarkOwnWrites(std::size_t stripe, std::string_view key) {
    if (stripes_[stripe].own_writers == 0) return false;
    bool any = false;
    for (OwnWrite& own : own_) {
      if (own.in_flight && own.stripe == stripe && own.key == key) {
        own.overlapped = true;
        any = true;
      }
    }
    return any;
  }
  // A slot for an own write: a finished one's (its key's buffer reused), or a new one. As
  // many as updates were ever in flight at once: a few per work thread.
  std::size_t FreeOwnSlot() {
    for (std::size_t i = 0; i < own_.size(); ++i) {
      if (!own_[i].in_flight) return i;
    }
    own_.emplace_back();
    return own_.size() - 1;
  }

  std::array<Stripe, kStripes> stripes_{};
  std::vector<OwnWrite> own_;
  std::uint64_t epoch_ = 0;  // bumped by every forget-all: loads from before it are stale
  int all_writers_ = 0;      // writes of every key in flight
};

// What an update of one key (WriteTrackedCache::BeginUpdate) found cached, and its ticket.
template <typename V>
struct CacheUpdate {
  std::optional<V> before;
  WriteTracker::Ticket ticket;
};

// What every read-through cache does on writes and on changes heard from other nodes, over
// the values the cache `Derived` keeps: it provides EraseLocked(key) and ClearLocked(), called
// with mutex_ held. A key here is what a write names (a value's key, or a group's). Caches of
// one value per key (a `Value` each, with FindLocked and KeepLocked) are read with Get and take
// updates.
template <typename Derived>
class WriteTrackedCache {
 public:
  // Around a store write that changes the values of `keys`.
  void BeginWrite(const std::vector<std::string>& keys) {
    std::lock_guard lock(mutex_);
    for (const std::string& key : keys) {
      tracker_.Begin(key);
      self().EraseLocked(key);
    }
  }
  void EndWrite(const std::vector<std::string>& keys) {
    std::lock_guard lock(mutex_);
    for (const std::string& key : keys) {
      tracker_.End(key);
      self().EraseLocked(key);
    }
  }
  // Around a store write that may change any value.
  void BeginWriteAll() {
    std::lock_guard lock(mutex_);
    tracker_.BeginAll();
    self().ClearLocked();
  }
  void EndWriteAll() {
    std::lock_guard lock(mutex_);
    tracker_.EndAll();
    self().ClearLocked();
  }

  // The cached value of `key`, or what `load()` (returning Result<Value>) gives, cached
  // unless a write overlapped the load.
  template <typename Load>
  auto Get(const std::string& key, Load&& load) {
    return ReadThrough<typename Derived::Value>(
        key, [&] { return self().FindLocked(key); }, load,
        [&](const auto& value) { self().KeepLocked(key, value); });
  }

  // The cached value of `key`, if any, without loading it.
  auto Peek(const std::string& key) {
    std::lock_guard lock(mutex_);
    return self().FindLocked(key);
  }

  // Around a store write of `key` whose result the writer derives from the value before it
  // (a counter moved by one): BeginUpdate forgets the value, as BeginWrite does, and hands it
  // over (nullopt: none cached) with the write's ticket; EndUpdate forgets it again, as
  // EndWrite does, then keeps `after` (the stored value) if no other write of the key
  // overlapped this one. CacheUpdateScope pairs them.
  auto BeginUpdate(const std::string& key) {
    std::lock_guard lock(mutex_);
    CacheUpdate<typename Derived::Value> u{self().FindLocked(key), tracker_.BeginOwn(key)};
    self().EraseLocked(key);
    return u;
  }
  template <typename V>
  void EndUpdate(const std::string& key, const WriteTracker::Ticket& ticket,
                 const std::optional<V>& after) {
    std::lock_guard lock(mutex_);
    const bool sole = tracker_.SoleWriter(ticket);
    tracker_.EndOwn(ticket);
    self().EraseLocked(key);
    if (sole && after) self().KeepLocked(key, *after);
  }

  // Another node changed the data behind `key` (or behind every key).
  void Forget(const std::string& key) {
    std::lock_guard lock(mutex_);
    tracker_.Changed(key);
    self().EraseLocked(key);
  }
  void ForgetAll() {
    std::lock_guard lock(mutex_);
    ForgetAllLocked();
  }

 protected:
  void ForgetAllLocked() {
    tracker_.ChangedAll();
    self().ClearLocked();
  }

  // One value read through the cache: `find()` (mutex_ held) gives the cached value or
  // nullopt; otherwise `load()` runs without the lock and `store(value)` (mutex_ held) keeps
  // what it gave, unless a write of `ticket_key` overlapped the load.
  template <typename V, typename Find, typename Load, typename Store>
  Result<V> ReadThrough(const std::string& ticket_key, Find&& find, Load&& load, Store&& store) {
    WriteTracker::Ticket ticket;
    {
      std::lock_guard lock(mutex_);
      if (std::optional<V> cached = find()) return std::move(*cached);
      ticket = tracker_.Take(ticket_key);
    }
    Result<V> loaded = load();
    if (!loaded.ok()) return loaded;
    std::lock_guard lock(mutex_);
    if (tracker_.Valid(ticket)) store(*loaded);
    return loaded;
  }

  std::mutex mutex_;
  WriteTracker tracker_;

 private:
  Derived& self() { return static_cast<Derived&>(*this); }
};

template <typename V>
class ReadThroughCache : public WriteTrackedCache<ReadThroughCache<V>> {
 public:
  using Value = V;
  // Past `max_entries` values the cache starts over (memory stays bounded).
  explicit ReadThroughCache(size_t max_entries) : max_entries_(max_entries) {}

  // The values of `keys` (each key once), the cached ones from memory and the others from one
  // `load(missing_keys)` call, which returns Result<std::vector<V>> with one value per missing
  // key in their order; each is cached unless a write overlapped the load.
  template <typename Load>
  Result<std::vector<V>> GetMany(const std::vector<std::string>& keys, Load&& load) {
    std::vector<V> out;
    std::vector<std::string> missing;
    std::vector<WriteTracker::Ticket> tickets;
    std::unordered_set<std::string_view> seen;
    {
      std::lock_guard lock(this->mutex_);
      for (const std::string& key : keys) {
        if (!seen.insert(key).second) continue;
        if (const V* cached = values_.find(key)) {
          out.push_back(*cached);
        } else {
          missing.push_back(key);
          tickets.push_back(this->tracker_.Take(key));
        }
      }
    }
    if (missing.empty()) return out;
    Result<std::vector<V>> loaded = load(missing);
    if (!loaded.ok()) return loaded;
    if (loaded->size() != missing.size()) return Error::Internal("cache: a load lost a key");
    std::lock_guard lock(this->mutex_);
    for (std::size_t i = 0; i < missing.size(); ++i) {
      if (this->tracker_.Valid(tickets[i])) KeepLocked(missing[i], (*loaded)[i]);
      out.push_back(std::move((*loaded)[i]));
    }
    return out;
  }

  // Whether `key` has a cached value (a hint: it may be forgotten right after).
  bool Contains(const std::string& key) {
    std::lock_guard lock(this->mutex_);
    return values_.contains(key);
  }

 private:
  friend class WriteTrackedCache<ReadThroughCache<V>>;
  std::optional<V> FindLocked(const std::string& key) const {
    if (const V* cached = values_.find(key)) return *cached;
    return std::nullopt;
  }
  void EraseLocked(const std::string& key) { values_.erase(key); }
  void ClearLocked() { values_.clear(); }
  void KeepLocked(const std::string& key, const V& value) {
    if (values_.size() >= max_entries_) this->ForgetAllLocked();
    values_.insert_or_assign(key, value);
  }

  const size_t max_entries_;
  InlineKeyMap<V> values_;
};

// A cached list in one pointer: not cached, cached and empty, or cached with its items.
// Usable as a FieldCache field like std::optional<std::vector<T>>, at 8 bytes instead of 32:
// per-user entries hold several lists, nearly all empty.
template <typename T>
class CachedList {
 public:
  CachedList() = default;
  ~CachedList() { reset(); }
  CachedList(const CachedList&) = delete;
  CachedList& operator=(const CachedList&) = delete;

  bool has_value() const { return list_ != nullptr; }
  operator std::optional<std::vector<T>>() const {  // NOLINT: read like the optional it replaces
    if (list_ == nullptr) return std::nullopt;
    return *list_;
  }
  CachedList& operator=(const std::vector<T>& items) {
    reset();
    list_ = items.empty() ? KnownEmpty() : new std::vector<T>(items);
    return *this;
  }
  void reset() {
    if (list_ != KnownEmpty()) delete list_;
    list_ = nullptr;
  }

 private:
  static std::vector<T>* KnownEmpty() {
    static std::vector<T> empty;  // never changed: only compared with and copied
    return &empty;
  }
  std::vector<T>* list_ = nullptr;
};

// A cached list handed out shared rather than copied, also in one pointer: not cached,
// cached and empty, or a box holding the shared list. Usable as a FieldCache field like
// std::optional<std::shared_ptr<const std::vector<T>>>.
template <typename T>
class SharedCachedList {
 public:
  using List = std::shared_ptr<const std::vector<T>>;
  SharedCachedList() = default;
  ~SharedCachedList() { reset(); }
  SharedCachedList(const SharedCachedList&) = delete;
  SharedCachedList& operator=(const SharedCachedList&) = delete;

  bool has_value() const { return box_ != nullptr; }
  operator std::optional<List>() const {  // NOLINT: read like the optional it replaces
    if (box_ == nullptr) return std::nullopt;
    if (box_ == KnownEmpty()) return Empty();
    return *box_;
  }
  SharedCachedList& operator=(const List& list) {
    reset();
    box_ = !list || list->empty() ? KnownEmpty() : new List(list);
    return *this;
  }
  void reset() {
    if (box_ != KnownEmpty()) delete box_;
    box_ = nullptr;
  }

 private:
  static List* KnownEmpty() {
    static List sentinel;  // only compared with
    return &sentinel;
  }
  static const List& Empty() {
    static const List empty = std::make_shared<const std::vector<T>>();
    return empty;
  }
  List* box_ = nullptr;
};

// The values of several read-through caches over the same keys, one entry per key: each
// FieldCache keeps its values in one field of `Entry` (a std::optional<V>, or a CachedList
// or SharedCachedList when V is a vector or a shared one), and Entry provides `bool empty() const`
// (no field set). Per-user caches that hold a value, mostly empty, for nearly every connected user
// cost one key and one allocation per user this way, not one each.
template <typename Entry>
class SharedEntries {
 public:
  // Past `max_entries` entries they all start over (memory stays bounded).
  explicit SharedEntries(size_t max_entries) : max_entries_(max_entries) {}

 private:
  template <typename E, typename V, auto>
  friend class FieldCache;
  const size_t max_entries_;
  std::mutex mutex_;  // taken after a FieldCache's own mutex, never before it
  InlineKeyMap<Entry> entries_;
};

// A ReadThroughCache whose values live in `Field` of the entries of a SharedEntries. Its
// writes, tickets and forgets are its own: they leave the other fields alone.
template <typename Entry, typename V, auto Field>
class FieldCache : public WriteTrackedCache<FieldCache<Entry, V, Field>> {
 public:
  using Value = V;
  explicit FieldCache(SharedEntries<Entry>& shared) : shared_(shared) {}

  // The values of `keys`, in their order: the cached ones found in one pass (see
  // InlineKeyMap::find_each), the others from load(i) for keys[i], each cached unless a write
  // overlapped its load. For the fields of every recipient of a large fan-out.
  template <typename Load>
  Result<std::vector<V>> GetMany(const std::vector<std::string_view>& keys, Load&& load) {
    std::vector<V> out(keys.size());
    std::vector<std::size_t> missing;
    std::vector<WriteTracker::Ticket> tickets;
    {
      std::lock_guard lock(this->mutex_);
      std::lock_guard entries(shared_.mutex_);
      shared_.entries_.find_each(keys, [&](std::size_t i, const Entry* entry) {
        if (entry != nullptr) {
          if (std::optional<V> cached = entry->*Field) {
            out[i] = std::move(*cached);
            return;
          }
        }
        missing.push_back(i);
        tickets.push_back(this->tracker_.Take(keys[i]));
      });
    }
    for (std::size_t m = 0; m < missing.size(); ++m) {
      const std::size_t i = missing[m];
      Result<V> loaded = load(i);
      if (!loaded.ok()) return loaded.error();
      std::lock_guard lock(this->mutex_);
      if (this->tracker_.Valid(tickets[m])) KeepLocked(keys[i], *loaded);
      out[i] = std::move(*loaded);
    }
    return out;
  }

 private:
  friend class WriteTrackedCache<FieldCache>;
  std::optional<V> FindLocked(const std::string& key) const {
    std::lock_guard entries(shared_.mutex_);
    const Entry* entry = shared_.entries_.find(key);
    if (entry == nullptr) return std::nullopt;
    return entry->*Field;
  }
  void KeepLocked(std::string_view key, const V& value) {
    std::lock_guard entries(shared_.mutex_);
    // Starting over forgets values, none goes stale: the other fields' tickets stay valid.
    if (shared_.entries_.size() >= shared_.max_entries_ && !shared_.entries_.contains(key)) {
      shared_.entries_.clear();
    }
    shared_.entries_[key].*Field = value;
  }
  void EraseLocked(const std::string& key) {
    std::lock_guard entries(shared_.mutex_);
    Entry* entry = shared_.entries_.find(key);
    if (entry == nullptr) return;
    (entry->*Field).reset();
    if (entry->empty()) shared_.entries_.erase(key);
  }
  void ClearLocked() {
    std::lock_guard entries(shared_.mutex_);
    shared_.entries_.erase_if([](std::string_view, Entry& entry) {
      (entry.*Field).reset();
      return entry.empty();
    });
  }

  SharedEntries<Entry>& shared_;
};

// Brackets one store write for a cache: BeginWrite now, EndWrite when it goes out of scope.
template <typename Cache>
class CacheWriteScope {
 public:
  CacheWriteScope(Cache& cache, std::vector<std::string> keys)
      : cache_(cache), keys_(std::move(keys)), all_(false) {
    cache_.BeginWrite(keys_);
  }
  explicit CacheWriteScope(Cache& cache) : cache_(cache), all_(true) { cache_.BeginWriteAll(); }
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
  Cache& cache_;
  std::vector<std::string> keys_;
  bool all_;
};

// The write of one key of a cache whose writer knows what it stores (see BeginUpdate):
// before() is the cached value when the write began, Stored(value) what the write stored once
// it succeeded, kept at the scope's end unless another write overlapped.
template <typename Cache>
class CacheUpdateScope {
 public:
  using V = typename Cache::Value;
  CacheUpdateScope(Cache& cache, std::string key)
      : cache_(cache), key_(std::move(key)), update_(cache_.BeginUpdate(key_)) {}
  ~CacheUpdateScope() { cache_.EndUpdate(key_, update_.ticket, after_); }
  CacheUpdateScope(const CacheUpdateScope&) = delete;
  CacheUpdateScope& operator=(const CacheUpdateScope&) = delete;

  const std::optional<V>& before() const { return update_.before; }
  void Stored(V value) { after_ = std::move(value); }

 private:
  Cache& cache_;
  std::string key_;
  CacheUpdate<V> update_;
  std::optional<V> after_;
};

}  // namespace eddy::server
