// SqliteChannelStore's queries (queryChannels, queryMembers): the filter language translated
// through the shared sql/ translation, with these tables' descriptions.

#include <string>

#include "server/storage/sql/filter_sql.h"
#include "server/storage/sql/store_rules.h"
#include "server/storage/sqlite/sqlite_channel_rows.h"
#include "server/storage/sqlite/sqlite_channel_store.h"
#include "server/storage/sqlite/sqlite_dialect.h"

namespace eddy::server {

namespace {

using sql::ColumnType;

// ?1 is the app key and ?2 ChannelQuery::user_id, bound before the translator's parameters.
// `me` is user_id's member row, LEFT JOINed: where there is none, the per-user fields read as
// a non-member's (not hidden, pinned, archived or joined; no invite).
constexpr sql::Column kChannelColumns[] = {
    {"type", "c.type", ColumnType::kString, false},
    {"id", "c.id", ColumnType::kString, false},
    {"cid", "c.cid", ColumnType::kString, false},
    {"created_by_id", "NULLIF(c.created_by_id, '')", ColumnType::kString, true},
    {"created_at", "c.created_at", ColumnType::kTime, false},
    {"updated_at", "c.updated_at", ColumnType::kTime, false},
    {"last_message_at", "c.last_message_at", ColumnType::kTime, true,
     "COALESCE(c.last_message_at, c.created_at)"},
    {"member_count", "c.member_count", ColumnType::kNumber, false},
    {"message_count", "c.message_count", ColumnType::kNumber, false},
    {"frozen", "c.frozen", ColumnType::kBool, false},
    {"disabled", "c.disabled", ColumnType::kBool, false},
    {"team", "NULLIF(c.team, '')", ColumnType::kString, true},
    {"deleted_at", "c.deleted_at", ColumnType::kTime, true},
    {"hidden", "COALESCE(me.hidden, 0)", ColumnType::kBool, false},
    {"pinned", "(me.pinned_at IS NOT NULL)", ColumnType::kBool, false},
    {"archived", "(me.archived_at IS NOT NULL)", ColumnType::kBool, false},
    {"joined", "(me.user_id IS NOT NULL AND (me.invited = 0 OR me.invite_accepted_at IS NOT NULL))",
     ColumnType::kBool, false},
    {"invite",
     "(CASE WHEN me.invited = 1 THEN CASE WHEN me.invite_rejected_at IS NOT NULL THEN 'rejected'"
     " WHEN me.invite_accepted_at IS NOT NULL THEN 'accepted' ELSE 'pending' END END)",
     ColumnType::kString, true},
    {"pinned_at", "me.pinned_at", ColumnType::kTime, true},
};

constexpr sql::SetColumn kChannelSets[] = {
    {"members", "c.cid", "FROM members sm WHERE sm.app_key = ?1", "sm.cid", "sm.user_id"},
};

const sql::TableSchema kChannelSchema = {kChannelColumns, "c.custom", "last_message_at", "c.cid",
                                         kChannelSets};

// ?1 is the app key and ?2 the channel's cid. `u` is the member's user (LEFT JOINed: a member
// whose user is gone still counts, with no name).
constexpr sql::Column kMemberColumns[] = {
    {"user_id", "m.user_id", ColumnType::kString, false},
    {"id", "m.user_id", ColumnType::kString, false},
    {"channel_role", "m.channel_role", ColumnType::kString, false},
    {"is_moderator", "(m.channel_role = 'channel_moderator')", ColumnType::kBool, false},
    {"banned", "m.banned", ColumnType::kBool, false},
    {"shadow_banned", "m.shadow_banned", ColumnType::kBool, false},
    {"notifications_muted", "m.notifications_muted", ColumnType::kBool, false},
    {"joined", "(m.invited = 0 OR m.invite_accepted_at IS NOT NULL)", ColumnType::kBool, false},
    {"invite",
     "(CASE WHEN m.invited = 1 THEN CASE WHEN m.invite_rejected_at IS NOT NULL THEN 'rejected'"
     " WHEN m.invite_accepted_at IS NOT NULL THEN 'accepted' ELSE 'pending' END END)",
     ColumnType::kString, true},
    {"created_at", "m.created_at", ColumnType::kTime, false},
    {"updated_at", "m.updated_at", ColumnType::kTime, false},
    {"name",
     "(CASE WHEN json_type(u.custom, '$.\"name\"') = 'text'"
     " THEN json_extract(u.custom, '$.\"name\"') END)",
     ColumnType::kString, true},
    {"last_active", "u.last_active", ColumnType::kTime, true},
};

const sql::TableSchema kMemberSchema = {kMemberColumns, "m.custom", "created_at", "m.user_id"};

const SqliteDialect kDialect{};

}  // namespace

Result<std::vector<Channel>> SqliteChannelStore::QueryChannels(std::string_view app_key,
                                                               const ChannelQuery& q) {
  EDDY_TRY(sql::CheckChannelQuery(q));
  std::vector<sql::SqlParam> params = {std::string(app_key), q.user_id};
  sql::FilterTranslator translator(kChannelSchema, kDialect, &params);
  EDDY_ASSIGN_OR_RETURN(std::string where, translator.Where(q.filter));
  std::vector<SortField> sort = q.sort;
  if (sort.empty()) sort.push_back({"last_message_at", -1});
  EDDY_ASSIGN_OR_RETURN(std::string order, translator.OrderBy(sort));
  std::string limit = translator.Bind(static_cast<std::int64_t>(q.limit));
  std::string offset = translator.Bind(static_cast<std::int64_t>(q.offset));
  std::string text =
      "SELECT " + std::string(sqlite_rows::kChannelColumns) +
      " FROM channels c LEFT JOIN members me"
      " ON me.app_key = c.app_key AND me.cid = c.cid AND me.user_id = ?2"
      " WHERE c.app_key = ?1" +
      (q.include_deleted ? "" : " AND c.deleted_at IS NULL") +
      // Through members_by_user: a user's channels are found without a scan of the app's.
      (q.member_only ? " AND c.cid IN (SELECT cid FROM members WHERE app_key = ?1 AND user_id = ?2)"
                     : "") +
      " AND " + where + " ORDER BY " + order + " LIMIT " + limit + " OFFSET " + offset;

  SqliteDb::Reading reading(db_);
  EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt, db_.PrepareGenerated(text));
  for (size_t i = 0; i < params.size(); ++i) stmt.BindParam(static_cast<int>(i + 1), params[i]);
  return sqlite_rows::ReadChannels(stmt);
}

Result<std::vector<Member>> SqliteChannelStore::QueryMembers(std::string_view app_key,
                                                             std::string_view type,
                                                             std::string_view id,
                                                             const MemberQuery& q) {
  EDDY_TRY(sql::CheckLimitOffset(q.limit, q.offset));
  std::vector<sql::SqlParam> params = {std::string(app_key), sqlite_rows::Cid(type, id)};
  sql::FilterTranslator translator(kMemberSchema, kDialect, &params);
  EDDY_ASSIGN_OR_RETURN(std::string where, translator.Where(q.filter));
  EDDY_ASSIGN_OR_RETURN(std::string order, translator.OrderBy(q.sort));
  std::string limit = translator.Bind(static_cast<std::int64_t>(q.limit));
  std::string offset = translator.Bind(static_cast<std::int64_t>(q.offset));
  std::string text = "SELECT " + std::string(sqlite_rows::kMemberColumns) +
                     " FROM members m LEFT JOIN users u ON u.app_key = m.app_key"
                     " AND u.id = m.user_id WHERE m.app_key = ?1 AND m.cid = ?2 AND " +
                     where + " ORDER BY " + order + " LIMIT " + limit + " OFFSET " + offset;

  SqliteDb::Reading reading(db_);
  EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt, db_.PrepareGenerated(text));
  for (size_t i = 0; i < params.size(); ++i) stmt.BindParam(static_cast<int>(i + 1), params[i]);
  return sqlite_rows::ReadMembers(stmt);
}

}  // namespace eddy::server
