// How the moderation tables' columns map to the filter language's ban and flag fields. SQLite
// and PostgreSQL store bans and flags under the same column names (absent strings as ''), so
// they share this description and the column lists their readers expect.
#pragma once

#include <string_view>

#include "server/storage/sql/filter_sql.h"

namespace eddy::server::sql {

// SELECT lists of `bans` and `flags`, in the order the stores' readers expect.
inline constexpr std::string_view kBanColumns =
    "user_id, channel_cid, created_by_id, reason, shadow, ip_ban, timeout_minutes, created_at, "
    "expires, ip";
inline constexpr std::string_view kFlagColumns =
    "user_id, target_message_id, target_user_id, channel_cid, reason, created_at, updated_at";

// Columns of `bans` and `flags` (unqualified). No custom column: the query spec refuses
// unknown fields before they get here.
extern const TableSchema kBanSchema;
extern const TableSchema kFlagSchema;

}  // namespace eddy::server::sql
