// A hash map from string keys to V whose entries hold their key inline: one allocation per
// entry. std::unordered_map<std::string, V> takes two once a key outgrows std::string's 15
// inline bytes (every "app key + user id" key does) and spends 32 bytes on the string object
// besides; per idle connection eddy keeps several such entries (caches, the hub's users).
// Not thread-safe. Keys are compared bytewise; pointers to values stay valid until their
// entry is erased (rehashing moves no entry).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <iterator>
#include <new>
#include <string_view>
#include <utility>
#include <vector>

namespace eddy {

template <typename V>
class InlineKeyMap {
 public:
  InlineKeyMap() = default;
  ~InlineKeyMap() { clear(); }
  InlineKeyMap(const InlineKeyMap&) = delete;
  InlineKeyMap& operator=(const InlineKeyMap&) = delete;

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // The value of `key`, or null.
  V* find(std::string_view key) {
    if (size_ == 0) return nullptr;
    Node* node = *Link(key);
    return node != nullptr ? &node->value : nullptr;
  }
  const V* find(std::string_view key) const { return const_cast<InlineKeyMap*>(this)->find(key); }

  // Calls f(i, value of keys[i] or null) for every i, in order. Looking keys up one by one
  // waits for two cache misses per key (its bucket, then its node); here the buckets and nodes
  // of the next keys are fetched while earlier ones are compared. `keys` must not change the map.
  template <typename Keys, typename F>
  void find_each(const Keys& keys, F&& f) {
    const std::size_t n = std::size(keys);
    if (size_ == 0) {
      for (std::size_t i = 0; i < n; ++i) f(i, static_cast<V*>(nullptr));
      return;
    }
    // Keys between fetching a bucket, its node and the compare; 8 left the node's first load
    // missing in most lookups of a 2,000-recipient fan-out (perf annotate).
    constexpr std::size_t kAhead = 16;
    std::vector<Node**> buckets(n);
    for (std::size_t i = 0; i < n + 2 * kAhead; ++i) {
      if (i < n) {
        buckets[i] = &buckets_[Bucket(keys[i])];
        __builtin_prefetch(buckets[i]);
      }
      if (i >= kAhead && i - kAhead < n) {
        if (const Node* node = *buckets[i - kAhead]) {
          __builtin_prefetch(node);
          __builtin_prefetch(reinterpret_cast<const char*>(node + 1));  // the key's bytes
        }
      }
      if (i >= 2 * kAhead && i - 2 * kAhead < n) {
        const std::size_t k = i - 2 * kAhead;
        Node* node = *buckets[k];
        while (node != nullptr && node->key() != std::string_view(keys[k])) node = node->next;
        f(k, node != nullptr ? &node->value : nullptr);
      }
    }
  }
  // The same on a map the caller does not change: f gets const values.
  template <typename Keys, typename F>
  void find_each(const Keys& keys, F&& f) const {
    const_cast<InlineKeyMap*>(this)->find_each(keys,
                                               [&](std::size_t i, const V* value) { f(i, value); });
  }
  bool contains(std::string_view key) const { return find(key) != nullptr; }

  // The value of `key`, made from `args` if there was none; true if it was made.
  template <typename... Args>
  std::pair<V*, bool> try_emplace(std::string_view key, Args&&... args) {
    if (V* found = find(key)) return {found, false};
    if (size_ >= buckets_.size()) Rehash(buckets_.empty() ? 8 : buckets_.size() * 2);
    void* raw = ::operator new(sizeof(Node) + key.size());
    Node* node;
    try {
      node = new (raw)
          Node{nullptr, V(std::forward<Args>(args)...), static_cast<std::uint32_t>(key.size())};
    } catch (...) {
      ::operator delete(raw);
      throw;
    }
    std::memcpy(reinterpret_cast<char*>(node + 1), key.data(), key.size());
    Node*& head = buckets_[Bucket(key)];
    node->next = head;
    head = node;
    ++size_;
    return {&node->value, true};
  }
  V& operator[](std::string_view key) { return *try_emplace(key).first; }
  void insert_or_assign(std::string_view key, V value) {
    auto [slot, made] = try_emplace(key, std::move(value));
    if (!made) *slot = std::move(value);
  }

  // False if `key` was not there.
  bool erase(std::string_view key) {
    if (size_ == 0) return false;
    Node** link = Link(key);
    Node* node = *link;
    if (node == nullptr) return false;
    *link = node->next;
    Destroy(node);
    --size_;
    return true;
  }
  // Erases the entries for which pred(key, value) is true; pred may change the value.
  template <typename Pred>
  void erase_if(Pred&& pred) {
    for (Node*& head : buckets_) {
      for (Node** link = &head; *link != nullptr;) {
        Node* node = *link;
        if (pred(node->key(), node->value)) {
          *link = node->next;
          Destroy(node);
          --size_;
        } else {
          link = &node->next;
        }
      }
    }
  }
  void clear() {
    for (Node* head : buckets_) {
      while (head != nullptr) {
        Node* next = head->next;
        Destroy(head);
        head = next;
      }
    }
    std::vector<Node*>().swap(buckets_);
    size_ = 0;
  }

  // Calls f(key, value) for every entry, in no particular order; f must not change the map.
  template <typename F>
  void for_each(F&& f) {
    for (Node* node : buckets_) {
      for (; node != nullptr; node = node->next) f(node->key(), node->value);
    }
  }
  template <typename F>
  void for_each(F&& f) const {
    for (const Node* node : buckets_) {
      for (; node != nullptr; node = node->next) f(node->key(), std::as_const(node->value));
    }
  }

 private:
  // The key's bytes follow the node in the same allocation.
  struct Node {
    Node* next;
    V value;
    std::uint32_t key_size;
    std::string_view key() const { return {reinterpret_cast<const char*>(this + 1), key_size}; }
  };

  static std::size_t Hash(std::string_view key) { return std::hash<std::string_view>{}(key); }
  // buckets_.size() is a power of two.
  std::size_t Bucket(std::string_view key) const { return Hash(key) & (buckets_.size() - 1); }
  // The link that points at `key`'s node, or the null link that ends its bucket.
  Node** Link(std::string_view key) {
    Node** link = &buckets_[Bucket(key)];
    while (*link != nullptr && (*link)->key() != key) link = &(*link)->next;
    return link;
  }
  void Rehash(std::size_t bucket_count) {
    std::vector<Node*> old(bucket_count, nullptr);
    old.swap(buckets_);
    for (Node* node : old) {
      while (node != nullptr) {
        Node* next = node->next;
        Node*& head = buckets_[Bucket(node->key())];
        node->next = head;
        head = node;
        node = next;
      }
    }
  }
  static void Destroy(Node* node) {
    node->~Node();
    ::operator delete(node);
  }

  std::vector<Node*> buckets_;  // chains of nodes; at most one entry per bucket on average
  std::size_t size_ = 0;
};

}  // namespace eddy
