// What MessageStore::CountUnread counts, for one message: the rule the stores' SQL states
// (kUnreadCondition and the query around it), here for a cache that moves a count by a new
// message instead of counting again. The store suites check that both agree.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/domain/message.h"
#include "server/domain/message_store.h"

namespace eddy::server {

// Whether `m`, a message of the channel, counts as unread for `reader` at the position of
// an UnreadQuery (`after`, `not_before`, `muted_user_ids`).
inline bool CountsAsUnread(const Message& m, std::string_view reader, Micros after,
                           const std::optional<Micros>& not_before,
                           const std::vector<std::string>& muted_user_ids) {
  const bool shown_as_new = m.InChannelList() && !m.silent && !m.shadowed && !m.deleted_at &&
                            m.type != "system" && m.type != "error" && m.type != "ephemeral" &&
                            m.type != "deleted";
  return shown_as_new && m.created_at > std::max(after, not_before.value_or(after)) &&
         m.user_id != reader &&
         std::find(muted_user_ids.begin(), muted_user_ids.end(), m.user_id) == muted_user_ids.end();
}
inline bool CountsAsUnread(const Message& m, const UnreadQuery& q) {
  return CountsAsUnread(m, q.user_id, q.after, q.not_before, q.muted_user_ids);
}

}  // namespace eddy::server
