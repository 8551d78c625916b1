// A small set of strings kept sorted in one allocation. A connection watches a few channels and
// follows a few users: one block of [length][bytes] entries costs one allocation and a few
// bytes per name, where a vector of std::string costs 32 bytes per name plus an allocation
// for each name past 15 bytes (every cid), and a hash set a bucket table and a node per name.
// Lookups scan the block; the hub bounds a set at a few thousand names.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <new>
#include <string_view>
#include <utility>

namespace eddy::server::realtime {

class NameSet {
 public:
  NameSet() = default;
  ~NameSet() { ::operator delete(block_); }
  NameSet(NameSet&& other) noexcept : block_(std::exchange(other.block_, nullptr)) {}
  NameSet& operator=(NameSet&& other) noexcept {
    std::swap(block_, other.block_);
    return *this;
  }
  NameSet(const NameSet&) = delete;
  NameSet& operator=(const NameSet&) = delete;

  bool contains(std::string_view name) const {
    const char* at = Find(name);
    return at != end_ptr() && Name(at) == name;
  }
  // False if `name` was already there.
  bool insert(std::string_view name) {
    const char* at = Find(name);
    if (at != end_ptr() && Name(at) == name) return false;
    const std::size_t offset = block_ == nullptr ? 0 : at - entries();
    const std::size_t used = block_ == nullptr ? 0 : header().used;
    const std::size_t entry = kLengthBytes + name.size();
    Reserve(used + entry);
    char* pos = entries() + offset;
    std::memmove(pos + entry, pos, used - offset);
    const auto length = static_cast<std::uint32_t>(name.size());
    std::memcpy(pos, &length, kLengthBytes);
    std::memcpy(pos + kLengthBytes, name.data(), name.size());
    header().used = static_cast<std::uint32_t>(used + entry);
    ++header().count;
    return true;
  }
  // False if `name` was not there.
  bool erase(std::string_view name) {
    const char* at = Find(name);
    if (at == end_ptr() || Name(at) != name) return false;
    if (header().count == 1) {
      ::operator delete(std::exchange(block_, nullptr));
      return true;
    }
    const std::size_t offset = at - entries();
    const std::size_t entry = kLengthBytes + name.size();
    char* pos = entries() + offset;
    std::memmove(pos, pos + entry, header().used - offset - entry);
    header().used -= static_cast<std::uint32_t>(entry);
    --header().count;
    return true;
  }
  std::size_t size() const { return block_ == nullptr ? 0 : header().count; }
  bool empty() const { return block_ == nullptr; }

  // Names in ascending order, as views into the set (valid until it changes).
  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = std::string_view;
    using difference_type = std::ptrdiff_t;
    using pointer = const std::string_view*;
    using reference = std::string_view;
    const_iterator() = default;
    explicit const_iterator(const char* at) : at_(at) {}
    std::string_view operator*() const { return Name(at_); }
    const_iterator& operator++() {
      at_ += kLengthBytes + Name(at_).size();
      return *this;
    }
    const_iterator operator++(int) {
      const_iterator was = *this;
      ++*this;
      return was;
    }
    bool operator==(const const_iterator& other) const { return at_ == other.at_; }

   private:
    const char* at_ = nullptr;
  };
  const_iterator begin() const { return const_iterator(block_ == nullptr ? nullptr : entries()); }
  const_iterator end() const { return const_iterator(end_ptr()); }

 private:
  struct Header {
    std::uint32_t count;     // names
    std::uint32_t used;      // bytes of entries
    std::uint32_t capacity;  // bytes for entries
  };
  static constexpr std::size_t kLengthBytes = sizeof(std::uint32_t);

  Header& header() const { return *reinterpret_cast<Header*>(block_); }
  char* entries() const { return block_ + sizeof(Header); }
  const char* end_ptr() const { return block_ == nullptr ? nullptr : entries() + header().used; }
  static std::string_view Name(const char* entry) {
    std::uint32_t length;
    std::memcpy(&length, entry, kLengthBytes);
    return {entry + kLengthBytes, length};
  }
  // The first entry not less than `name` (or the end).
  const char* Find(std::string_view name) const {
    const char* at = block_ == nullptr ? nullptr : entries();
    const char* end = end_ptr();
    while (at != end && Name(at) < name) at += kLengthBytes + Name(at).size();
    return at;
  }
  // Room for `bytes` of entries: exactly for the first name (most sets hold one or a few),
  // then growing by half so a long run of inserts stays linear in copies.
  void Reserve(std::size_t bytes) {
    const std::size_t capacity = block_ == nullptr ? 0 : header().capacity;
    if (bytes <= capacity) return;
    const std::size_t grown = block_ == nullptr ? bytes : std::max(bytes, capacity + capacity / 2);
    auto* block = static_cast<char*>(::operator new(sizeof(Header) + grown));
    Header fresh{0, 0, static_cast<std::uint32_t>(grown)};
    if (block_ != nullptr) {
      fresh.count = header().count;
      fresh.used = header().used;
      std::memcpy(block + sizeof(Header), entries(), fresh.used);
      ::operator delete(block_);
    }
    std::memcpy(block, &fresh, sizeof fresh);
    block_ = block;
  }

  char* block_ = nullptr;  // Header, then `count` entries of [u32 length][bytes], sorted
};

}  // namespace eddy::server::realtime
