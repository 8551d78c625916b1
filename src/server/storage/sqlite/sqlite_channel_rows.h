// Row mapping shared by the SQLite channel store's files (CRUD and queries): the column lists,
// in the order the readers expect, and the readers. Channels are read as `c`, members as `m`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "server/domain/channel.h"
#include "server/storage/sqlite/sqlite_db.h"

namespace eddy::server::sqlite_rows {

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

// A user's memberships in channels not deleted, by cid. INDEXED BY: without statistics the
// planner prefers walking the primary key over all the app's member rows (it saves the index
// lookups) — milliseconds per call once an app has 100k members, on a path every connect and
// many deliveries take.
inline constexpr std::string_view kMembershipsOfUserFrom =
    " FROM members m INDEXED BY members_by_user"
    " JOIN channels c ON c.app_key = m.app_key AND c.cid = m.cid"
    " WHERE m.app_key = ?1 AND m.user_id = ?2 AND c.deleted_at IS NULL ORDER BY m.cid";

inline std::string Cid(std::string_view type, std::string_view id) {
  return std::string(type) + ":" + std::string(id);
}

// NotFound if the app does not exist (stores of per-app resources check before writing).
Status RequireApp(SqliteDb& db, std::string_view app_key);

// Stored JSON text that must be an object (custom data); an internal Error otherwise.
Result<json::object> ReadObject(std::string_view text, std::string_view what);

// Every row left in `stmt`, read with kChannelColumns / kMemberColumns.
Result<std::vector<Channel>> ReadChannels(SqliteStatement& stmt);
Result<std::vector<Member>> ReadMembers(SqliteStatement& stmt);

}  // namespace eddy::server::sqlite_rows
