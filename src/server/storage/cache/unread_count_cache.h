// The unread counts of readers in channels (MessageStore::CountUnread), grouped by channel:
// writes, loads' tickets and forgets name the group (app, cid). Each reader has one entry per
// channel, the last query asked for them there with its count; a query of another position
// (last read, bounds, muted senders) is a miss and replaces it, so read-state and mute changes
// need no invalidation. A message insert that was its channel's only write while it ran moves
// each count it qualifies for by one (CountsAsUnread) instead of forgetting them: the next
// message of a group chat does not count every member's unread messages again.
// Thread-safe, as every WriteTrackedCache.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "server/domain/message.h"
#include "server/domain/message_store.h"
#include "server/storage/cache/read_through_cache.h"

namespace eddy::server {

class UnreadCountCache : public WriteTrackedCache<UnreadCountCache> {
 public:
  // Past `max_entries` counts the cache starts over (memory stays bounded).
  explicit UnreadCountCache(std::size_t max_entries) : max_entries_(max_entries) {}

  // q's count in `group` (q's channel): cached, or what `load()` gives, cached unless a write
  // of the group overlapped the load.
  template <typename Load>
  Result<std::int64_t> Get(const std::string& group, const UnreadQuery& q, Load&& load) {
    return ReadThrough<std::int64_t>(
        group, [&] { return FindLocked(group, q); }, load,
        [&](std::int64_t count) { KeepLocked(group, q, count); });
  }

  // Around a message insert in the group's channel (UnreadInsertScope pairs them). The
  // group's counts still answer while the insert runs (it is not acknowledged yet: a read
  // beside it may see the channel before it); at its end they are moved by the stored
  // message (null: the insert failed) if no other write of the group overlapped it, and
  // forgotten otherwise.
  WriteTracker::Ticket BeginInsert(const std::string& group);
  void EndInsert(const std::string& group, const WriteTracker::Ticket& insert,
                 const Message* stored);

  // A ticket of the group's counts, taken before reading the channel's row for ReadUpTo.
  WriteTracker::Ticket Ticket(const std::string& group);
  // `reader` read the group's channel up to `last_read`, after which its row (as read after
  // `ticket` was taken) shows no message that can count: the reader's count, if one is kept,
  // moves there as zero (its other bounds stay), unless a write of the group came since the
  // ticket. A member who reads after every message is then not counted in the store at the
  // next one. Messages up to the channel's `truncated_at` are not in its last_message_at: a
  // count whose bounds do not leave them out stays where it is.
  void ReadUpTo(const std::string& group, const WriteTracker::Ticket& ticket,
                const std::string& reader, Micros last_read, std::optional<Micros> truncated_at);

 private:
  friend class WriteTrackedCache<UnreadCountCache>;
  struct Counted {  // the reader's position (as in UnreadQuery) and its count
    Micros after = 0;
    std::optional<Micros> not_before;
    std::vector<std::string> muted_user_ids;
    std::int64_t count = 0;
  };
  using Readers = std::unordered_map<std::string, Counted>;  // by reader (user id)

  std::optional<std::int64_t> FindLocked(const std::string& group, const UnreadQuery& q) const;
  void KeepLocked(const std::string& group, const UnreadQuery& q, std::int64_t count);
  void EraseLocked(const std::string& group);
  void ClearLocked();

  const std::size_t max_entries_;
  std::unordered_map<std::string, Readers> groups_;
  std::size_t entries_ = 0;  // counts over all groups
};

// One message insert for the unread counts: BeginInsert now, EndInsert at the end of the
// scope with the message given to Stored (none: the insert failed).
class UnreadInsertScope {
 public:
  UnreadInsertScope(UnreadCountCache& cache, std::string group)
      : cache_(cache), group_(std::move(group)), insert_(cache_.BeginInsert(group_)) {}
  ~UnreadInsertScope() { cache_.EndInsert(group_, insert_, stored_); }
  UnreadInsertScope(const UnreadInsertScope&) = delete;
  UnreadInsertScope& operator=(const UnreadInsertScope&) = delete;

  // `m` (outliving the scope) is what the insert stored.
  void Stored(const Message& m) { stored_ = &m; }

 private:
  UnreadCountCache& cache_;
  std::string group_;
  WriteTracker::Ticket insert_;
  const Message* stored_ = nullptr;
};

}  // namespace eddy::server
