#include "server/storage/cache/unread_count_cache.h"

#include <mutex>
#include <utility>

#include "server/domain/unread_rule.h"

namespace eddy::server {

WriteTracker::Ticket UnreadCountCache::BeginInsert(const std::string& group) {
  std::lock_guard lock(mutex_);
  return tracker_.BeginOwn(group);
}

void UnreadCountCache::EndInsert(const std::string& group, const WriteTracker::Ticket& insert,
                                 const Message* stored) {
  std::lock_guard lock(mutex_);
  const bool sole = tracker_.SoleWriter(insert);
  tracker_.EndOwn(insert);
  auto g = groups_.find(group);
  if (g == groups_.end()) return;
  if (!sole || stored == nullptr) {
    EraseLocked(group);
    return;
  }
  for (auto& [reader, c] : g->second) {
    if (CountsAsUnread(*stored, reader, c.after, c.not_before, c.muted_user_ids)) ++c.count;
  }
}

WriteTracker::Ticket UnreadCountCache::Ticket(const std::string& group) {
  std::lock_guard lock(mutex_);
  return tracker_.Take(group);
}

void UnreadCountCache::ReadUpTo(const std::string& group, const WriteTracker::Ticket& ticket,
                                const std::string& reader, Micros last_read,
                                std::optional<Micros> truncated_at) {
  std::lock_guard lock(mutex_);
  if (!tracker_.Valid(ticket)) return;
  auto g = groups_.find(group);
  if (g == groups_.end()) return;
  auto r = g->second.find(reader);
  if (r == g->second.end()) return;
  Counted& c = r->second;
  const bool truncated_ones_left_out = !truncated_at || last_read >= *truncated_at ||
                                       (c.not_before && *c.not_before >= *truncated_at);
  if (!truncated_ones_left_out) return;
  c.after = last_read;
  c.count = 0;
}

std::optional<std::int64_t> UnreadCountCache::FindLocked(const std::string& group,
                                                         const UnreadQuery& q) const {
  auto g = groups_.find(group);
  if (g == groups_.end()) return std::nullopt;
  auto reader = g->second.find(q.user_id);
  if (reader == g->second.end()) return std::nullopt;
  const Counted& c = reader->second;
  const bool same_position =
      c.after == q.after && c.not_before == q.not_before && c.muted_user_ids == q.muted_user_ids;
  if (!same_position) return std::nullopt;
  return c.count;
}

void UnreadCountCache::KeepLocked(const std::string& group, const UnreadQuery& q,
                                  std::int64_t count) {
  if (entries_ >= max_entries_) ForgetAllLocked();
  auto [reader, added] = groups_[group].try_emplace(q.user_id);
  if (added) ++entries_;
  reader->second = Counted{q.after, q.not_before, q.muted_user_ids, count};
}

void UnreadCountCache::EraseLocked(const std::string& group) {
  auto g = groups_.find(group);
  if (g == groups_.end()) return;
  entries_ -= g->second.size();
  groups_.erase(g);
}

void UnreadCountCache::ClearLocked() {
  groups_.clear();
  entries_ = 0;
}

}  // namespace eddy::server
