// Row mapping shared by the PostgreSQL stores' files: the column lists, in the order the
// readers expect, the readers, and the SQL fragments several files use. Channels are read as
// `c`, members as `m`; message columns are unqualified.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "server/domain/channel.h"
#include "server/domain/message.h"
#include "server/storage/postgres/pg_conn.h"

namespace eddy::server::postgres_rows {

inline constexpr std::string_view kChannelColumns =
    "c.type, c.id, c.created_by_id, c.created_at, c.updated_at, c.deleted_at, c.truncated_at, "
    "c.truncated_by_id, c.last_message_at, c.frozen, c.disabled, c.cooldown, c.team, "
    "c.member_count, c.message_count, c.custom, c.config_overrides";

inline constexpr std::string_view kMemberColumns =
    "m.cid, m.user_id, m.channel_role, m.is_owner, m.created_at, m.updated_at, m.invited, "
    "m.invite_accepted_at, m.invite_rejected_at, m.banned, m.shadow_banned, m.ban_expires, "
    "m.notifications_muted, m.pinned_at, m.archived_at, m.hidden, m.hide_messages_before, "
    "m.last_read, m.last_read_message_id, m.last_delivered_at, m.last_delivered_message_id, "
    "m.custom";

inline constexpr std::string_view kMessageColumns =
    "seq, id, cid, user_id, text, type, parent_id, show_in_channel, quoted_message_id, "
    "mentioned_users, attachments, silent, shadowed, pinned, pinned_at, pinned_by_id, "
    "pin_expires, created_at, updated_at, deleted_at, message_text_updated_at, reply_count, "
    "thread_participants, custom, deleted_reply_count";

// The channel's main list: everything but thread-only replies (Message::InChannelList).
inline constexpr std::string_view kInChannelList = "(parent_id IS NULL OR show_in_channel)";

// What counts as unread besides time, reader and mutes; the partial index messages_unread
// (migration 2) has this condition word for word.
inline constexpr std::string_view kUnreadCondition =
    "(parent_id IS NULL OR show_in_channel) AND NOT silent AND NOT shadowed"
    " AND deleted_at IS NULL AND type NOT IN ('system', 'error', 'ephemeral', 'deleted')";

inline std::string Cid(std::string_view type, std::string_view id) {
  return std::string(type) + ":" + std::string(id);
}

// NotFound if the app does not exist (stores of per-app resources check before writing).
Status RequireApp(PgConn& conn, std::string_view app_key);

// Stored JSON text that must be an object (custom data); an internal Error otherwise.
Result<json::object> ReadObject(std::string_view text, std::string_view what);

// Locks the channel row for the rest of the transaction (FOR UPDATE), so concurrent writers of
// one channel take turns and counters recomputed from rows see every committed change; false
// if there is no such channel.
Result<bool> LockChannel(PgConn& conn, std::string_view app_key, std::string_view cid);

// The channel's last_message_at from its stored messages (the newest of the main list that is
// not shadowed and not at or before truncated_at; NULL if none), after messages went away.
Status RecomputeLastMessageAt(PgConn& conn, std::string_view app_key, std::string_view cid);

// Adds `delta` (negative after deletions) to the channel's message_count.
Status AddToMessageCount(PgConn& conn, std::string_view app_key, std::string_view cid,
                         std::int64_t delta);

// A thread parent's reply_count, deleted_reply_count and thread_participants from its stored
// replies (shadowed ones do not count), after replies went away or changed. A missing parent
// is left alone.
Status RecountThread(PgConn& conn, std::string_view app_key, std::string_view parent_id);

// Every row of `r`, read with kChannelColumns / kMemberColumns / kMessageColumns.
Result<std::vector<Channel>> ReadChannels(const PgResult& r);
Result<std::vector<Member>> ReadMembers(const PgResult& r);
Result<std::vector<Message>> ReadMessages(const PgResult& r);

}  // namespace eddy::server::postgres_rows
