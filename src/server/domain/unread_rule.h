// What MessageStore::CountUnread counts, for one message: the rule the stores' SQL states
// (kUnreadCondition and the query around it), here for a cache that moves a count by a new
// message instead of counting again. The store suites check that both agree.
#pragma once

#include <algorithm>
#include <string>

#include "server/domain/message.h"
#include "server/domain/message_store.h"

namespace eddy::server {

// Whether `m`, a message of q's channel, counts as unread for q's reader.
inline bool CountsAsUnread(const Message& m, const UnreadQuery& q) {
  const bool shown_as_new = m.InChannelList() && !m.silent && !m.shadowed && !m.deleted_at &&
                            m.type != "system" && m.type != "error" && m.type != "ephemeral" &&
                            m.type != "deleted";
  return shown_as_new && m.created_at > std::max(q.after, q.not_before.value_or(q.after)) &&
         m.user_id != q.user_id &&
         std::find(q.muted_user_ids.begin(), q.muted_user_ids.end(), m.user_id) ==
             q.muted_user_ids.end();
}

}  // namespace eddy::server
