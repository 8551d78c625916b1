// Row mapping and SQL fragments shared by the SQLite message store's files (writes, reads,
// reactions): the column list, in the order the reader expects, and the reader.
#pragma once

#include <string_view>
#include <vector>

#include "common/error.h"
#include "server/domain/message.h"
#include "server/storage/sqlite/sqlite_db.h"

namespace eddy::server::sqlite_rows {

inline constexpr std::string_view kMessageColumns =
    "seq, id, cid, user_id, text, type, parent_id, show_in_channel, quoted_message_id, "
    "mentioned_users, attachments, silent, shadowed, pinned, pinned_at, pinned_by_id, "
    "pin_expires, created_at, updated_at, deleted_at, message_text_updated_at, reply_count, "
    "thread_participants, custom, deleted_reply_count";

// The channel's main list: everything but thread-only replies (Message::InChannelList).
inline constexpr std::string_view kInChannelList = "(parent_id IS NULL OR show_in_channel = 1)";

// What counts as unread (MessageStore::CountUnread) besides time, reader and mutes
// (domain/unread_rule.h states the same rule for the caches). The types are compared one by
// one: `type NOT IN (...)` builds a temporary table of the list at every execution.
inline constexpr std::string_view kUnreadCondition =
    "(parent_id IS NULL OR show_in_channel = 1) AND silent = 0 AND shadowed = 0"
    " AND deleted_at IS NULL AND type <> 'system' AND type <> 'error'"
    " AND type <> 'ephemeral' AND type <> 'deleted'";

// Every row left in `stmt`, read with kMessageColumns.
Result<std::vector<Message>> ReadMessages(SqliteStatement& stmt);

// Recomputes the channel's last_message_at from its stored messages (the newest of the main
// list that is not shadowed; NULL if none), after messages went away.
Status RecomputeLastMessageAt(SqliteDb& db, std::string_view app_key, std::string_view cid);

// Recomputes a thread parent's reply_count and thread_participants from its stored replies
// (shadowed ones do not count), after replies went away. A missing parent is left alone.
// Adds `delta` (negative after deletions) to the channel's message_count.
Status AddToMessageCount(SqliteDb& db, std::string_view app_key, std::string_view cid,
                         std::int64_t delta);
Status RecountThread(SqliteDb& db, std::string_view app_key, std::string_view parent_id);

}  // namespace eddy::server::sqlite_rows
