// SqliteModerationStore: bans, mutes, channel mutes and flags.
#include "server/storage/sqlite/sqlite_moderation_store.h"

#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include "server/storage/sql/filter_sql.h"
#include "server/storage/sql/moderation_schema.h"
#include "server/storage/sqlite/sqlite_dialect.h"

namespace eddy::server {

namespace {

using sql::kBanColumns;
using sql::kBanSchema;
using sql::kFlagColumns;
using sql::kFlagSchema;

const SqliteDialect kDialect{};

Ban ReadBan(const SqliteStatement& s) {
  Ban b;
  b.user_id = s.ColumnText(0);
  b.channel_cid = s.ColumnText(1);
  b.created_by_id = s.ColumnText(2);
  b.reason = s.ColumnText(3);
  b.shadow = s.ColumnBool(4);
  b.ip_ban = s.ColumnBool(5);
  b.timeout_minutes = s.ColumnOptionalInt(6);
  b.created_at = s.ColumnInt(7);
  b.expires = s.ColumnOptionalInt(8);
  b.ip = s.ColumnText(9);
  return b;
}

Flag ReadFlag(const SqliteStatement& s) {
  Flag f;
  f.user_id = s.ColumnText(0);
  f.target_message_id = s.ColumnText(1);
  f.target_user_id = s.ColumnText(2);
  f.channel_cid = s.ColumnText(3);
  f.reason = s.ColumnText(4);
  f.created_at = s.ColumnInt(5);
  f.updated_at = s.ColumnInt(6);
  return f;
}

// user_mutes and channel_mutes share one shape: (user_id, <key>, created_at, updated_at,
// expires), keyed by (app_key, user_id, <key>).
struct MuteTable {
  std::string table;
  std::string key;  // the column naming what is muted
};
const MuteTable kUserMutes{"user_mutes", "target_id"};
const MuteTable kChannelMutes{"channel_mutes", "channel_cid"};

template <typename M>
M ReadMute(const SqliteStatement& s, std::string M::*key) {
  M m;
  m.user_id = s.ColumnText(0);
  m.*key = s.ColumnText(1);
  m.created_at = s.ColumnInt(2);
  m.updated_at = s.ColumnInt(3);
  m.expires = s.ColumnOptionalInt(4);
  return m;
}

template <typename T, typename ReadFn>
Result<std::vector<T>> ReadAll(SqliteStatement& stmt, ReadFn read) {
  std::vector<T> out;
  while (true) {
    EDDY_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return out;
    out.push_back(read(stmt));
  }
}

// A repeated mute keeps its created_at and takes the new expiry. Runs inside the caller's Write or
// Reading scope.
template <typename M>
Status UpsertMuteRow(SqliteDb& db, const MuteTable& t, std::string_view app_key, const M& m,
                     std::string M::*key) {
  return db.Write([&]() -> Status {
    EDDY_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db.Prepare("INSERT INTO " + t.table + " (app_key, user_id, " + t.key +
                   ", created_at, updated_at, expires) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
                   " ON CONFLICT (app_key, user_id, " +
                   t.key +
                   ") DO UPDATE SET"
                   " updated_at = excluded.updated_at, expires = excluded.expires"));
    stmt.Bind(1, app_key)
        .Bind(2, m.user_id)
        .Bind(3, m.*key)
        .Bind(4, static_cast<std::int64_t>(m.created_at))
        .Bind(5, static_cast<std::int64_t>(m.updated_at))
        .Bind(6, m.expires);
    return stmt.Run();
  });
}

// Every mute of the user in the table, oldest first. Runs inside the caller's Write or Reading
// scope. Sorted here: an ORDER BY would open a sorter on every call (every connect), for the
// few rows a user has.
template <typename M>
Result<std::vector<M>> MuteRows(SqliteDb& db, const MuteTable& t, std::string_view app_key,
                                std::string_view user_id, std::string M::*key) {
  SqliteDb::Reading reading(db);
  EDDY_ASSIGN_OR_RETURN(
      SqliteStatement stmt,
      db.Prepare("SELECT user_id, " + t.key + ", created_at, updated_at, expires FROM " + t.table +
                 " WHERE app_key = ?1 AND user_id = ?2"));
  stmt.Bind(1, app_key).Bind(2, user_id);
  EDDY_ASSIGN_OR_RETURN(std::vector<M> mutes, ReadAll<M>(stmt, [key](const SqliteStatement& s) {
                          return ReadMute<M>(s, key);
                        }));
  std::sort(mutes.begin(), mutes.end(), [key](const M& a, const M& b) {
    return std::tie(a.created_at, a.*key) < std::tie(b.created_at, b.*key);
  });
  return mutes;
}

// SELECT `columns` FROM `table` of the app, filtered by `filter` and `extra` (a condition the
// caller builds with the translator, or empty), ordered and paged. Runs inside the caller's Write
// or Reading scope.
template <typename T, typename ReadFn, typename ExtraFn>
Result<std::vector<T>> QueryRows(SqliteDb& db, const sql::TableSchema& schema,
                                 std::string_view columns, std::string_view table,
                                 std::string_view app_key, const Filter& filter,
                                 const std::vector<SortField>& sort, int limit, int offset,
                                 ExtraFn extra, ReadFn read) {
  if (limit < 0 || offset < 0) return Error::Input("limit and offset must not be negative");
  std::vector<sql::SqlParam> params = {std::string(app_key)};
  sql::FilterTranslator translator(schema, kDialect, &params);
  EDDY_ASSIGN_OR_RETURN(std::string where, translator.Where(filter));
  EDDY_ASSIGN_OR_RETURN(std::string order, translator.OrderBy(sort));
  std::string more = extra(translator);
  std::string page = " LIMIT " + translator.Bind(static_cast<std::int64_t>(limit)) + " OFFSET " +
                     translator.Bind(static_cast<std::int64_t>(offset));
  std::string text = "SELECT " + std::string(columns) + " FROM " + std::string(table) +
                     " WHERE app_key = ?1" + more + " AND " + where + " ORDER BY " + order + page;
  SqliteDb::Reading reading(db);
  EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt, db.PrepareGenerated(text));
  for (size_t i = 0; i < params.size(); ++i) stmt.BindParam(static_cast<int>(i + 1), params[i]);
  return ReadAll<T>(stmt, read);
}

}  // namespace

Status SqliteModerationStore::UpsertBan(std::string_view app_key, const Ban& b) {
  return db_.Write([&]() -> Status {
    EDDY_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_.Prepare("INSERT OR REPLACE INTO bans (app_key, " + std::string(kBanColumns) +
                    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"));
    stmt.Bind(1, app_key)
        .Bind(2, b.user_id)
        .Bind(3, b.channel_cid)
        .Bind(4, b.created_by_id)
        .Bind(5, b.reason)
        .BindBool(6, b.shadow)
        .BindBool(7, b.ip_ban)
        .Bind(8, b.timeout_minutes)
        .Bind(9, static_cast<std::int64_t>(b.created_at))
        .Bind(10, b.expires)
        .Bind(11, b.ip);
    return stmt.Run();
  });
}

Result<bool> SqliteModerationStore::DeleteBan(std::string_view app_key, std::string_view user_id,
                                              std::string_view channel_cid) {
  return DeleteKeyed("bans", "channel_cid", app_key, user_id, channel_cid);
}

Result<std::vector<Ban>> SqliteModerationStore::BansOf(std::string_view app_key,
                                                       std::string_view user_id,
                                                       std::string_view channel_cid) {
  // The app-wide ban, then the channel's: two key lookups. An IN list would build a temporary
  // table on every call, and every connect makes one.
  static const std::string kSql =
      "SELECT " + std::string(kBanColumns) +
      " FROM bans WHERE app_key = ?1 AND user_id = ?2 AND channel_cid = ''"
      " UNION ALL SELECT " +
      std::string(kBanColumns) +
      " FROM bans WHERE app_key = ?1 AND user_id = ?2 AND channel_cid = ?3 AND ?3 <> ''";
  SqliteDb::Reading reading(db_);
  EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt, db_.Prepare(kSql));
  stmt.Bind(1, app_key).Bind(2, user_id).Bind(3, channel_cid);
  return ReadAll<Ban>(stmt, ReadBan);
}

Result<std::vector<Ban>> SqliteModerationStore::QueryBans(std::string_view app_key,
                                                          const BanQuery& q) {
  std::vector<SortField> sort = q.sort;
  if (sort.empty()) sort.push_back({"created_at", -1});
  auto active = [&q](sql::FilterTranslator& t) -> std::string {
    if (!q.active_at) return "";
    return " AND (expires IS NULL OR expires > " + t.Bind(static_cast<std::int64_t>(*q.active_at)) +
           ")";
  };
  return QueryRows<Ban>(db_, kBanSchema, kBanColumns, "bans", app_key, q.filter, sort, q.limit,
                        q.offset, active, ReadBan);
}

Result<std::optional<Ban>> SqliteModerationStore::FindIpBan(std::string_view app_key,
                                                            std::string_view ip, Micros now) {
  SqliteDb::Reading reading(db_);
  EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                        db_.Prepare("SELECT " + std::string(kBanColumns) +
                                    " FROM bans WHERE app_key = ?1 AND ip = ?2 AND ip != ''"
                                    " AND ip_ban = 1 AND channel_cid = ''"
                                    " AND (expires IS NULL OR expires > ?3) LIMIT 1"));
  stmt.Bind(1, app_key).Bind(2, ip).Bind(3, static_cast<std::int64_t>(now));
  EDDY_ASSIGN_OR_RETURN(std::vector<Ban> found, ReadAll<Ban>(stmt, ReadBan));
  if (found.empty()) return std::optional<Ban>();
  return std::optional<Ban>(std::move(found.front()));
}

Status SqliteModerationStore::UpsertMute(std::string_view app_key, const UserMute& m) {
  return UpsertMuteRow(db_, kUserMutes, app_key, m, &UserMute::target_id);
}

Result<bool> SqliteModerationStore::DeleteMute(std::string_view app_key, std::string_view user_id,
                                               std::string_view target_id) {
  return DeleteKeyed(kUserMutes.table, kUserMutes.key, app_key, user_id, target_id);
}

Result<std::vector<UserMute>> SqliteModerationStore::MutesOf(std::string_view app_key,
                                                             std::string_view user_id) {
  return MuteRows(db_, kUserMutes, app_key, user_id, &UserMute::target_id);
}

Status SqliteModerationStore::UpsertChannelMute(std::string_view app_key, const ChannelMute& m) {
  return UpsertMuteRow(db_, kChannelMutes, app_key, m, &ChannelMute::channel_cid);
}

Result<bool> SqliteModerationStore::DeleteChannelMute(std::string_view app_key,
                                                      std::string_view user_id,
                                                      std::string_view channel_cid) {
  return DeleteKeyed(kChannelMutes.table, kChannelMutes.key, app_key, user_id, channel_cid);
}

Result<std::vector<ChannelMute>> SqliteModerationStore::ChannelMutesOf(std::string_view app_key,
                                                                       std::string_view user_id) {
  return MuteRows(db_, kChannelMutes, app_key, user_id, &ChannelMute::channel_cid);
}

Status SqliteModerationStore::UpsertFlag(std::string_view app_key, const Flag& f) {
  return db_.Write([&]() -> Status {
    // A repeated flag keeps its created_at and takes the new reason.
    EDDY_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_.Prepare("INSERT INTO flags (app_key, " + std::string(kFlagColumns) +
                    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
                    " ON CONFLICT (app_key, user_id, target_message_id, target_user_id)"
                    " DO UPDATE SET reason = excluded.reason, updated_at = excluded.updated_at,"
                    " channel_cid = excluded.channel_cid"));
    stmt.Bind(1, app_key)
        .Bind(2, f.user_id)
        .Bind(3, f.target_message_id)
        .Bind(4, f.target_user_id)
        .Bind(5, f.channel_cid)
        .Bind(6, f.reason)
        .Bind(7, static_cast<std::int64_t>(f.created_at))
        .Bind(8, static_cast<std::int64_t>(f.updated_at));
    return stmt.Run();
  });
}

Result<bool> SqliteModerationStore::DeleteFlag(std::string_view app_key, std::string_view user_id,
                                               std::string_view target_message_id,
                                               std::string_view target_user_id) {
  bool result{};
  EDDY_TRY(db_.Write([&]() -> Status {
    EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                          db_.Prepare("DELETE FROM flags WHERE app_key = ?1 AND user_id = ?2"
                                      " AND target_message_id = ?3 AND target_user_id = ?4"));
    stmt.Bind(1, app_key).Bind(2, user_id).Bind(3, target_message_id).Bind(4, target_user_id);
    EDDY_TRY(stmt.Run());
    result = db_.Changes() > 0;
    return {};
  }));
  return result;
}

Result<bool> SqliteModerationStore::DeleteKeyed(const std::string& table,
                                                const std::string& key_column,
                                                std::string_view app_key, std::string_view user_id,
                                                std::string_view key) {
  bool result{};
  EDDY_TRY(db_.Write([&]() -> Status {
    EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt, db_.Prepare("DELETE FROM " + table +
                                                            " WHERE app_key = ?1 AND user_id = ?2"
                                                            " AND " +
                                                            key_column + " = ?3"));
    stmt.Bind(1, app_key).Bind(2, user_id).Bind(3, key);
    EDDY_TRY(stmt.Run());
    result = db_.Changes() > 0;
    return {};
  }));
  return result;
}

Result<std::vector<Flag>> SqliteModerationStore::QueryFlags(std::string_view app_key,
                                                            const FlagQuery& q) {
  auto messages = [&q](sql::FilterTranslator&) -> std::string {
    return q.messages_only ? " AND target_message_id <> ''" : "";
  };
  return QueryRows<Flag>(db_, kFlagSchema, kFlagColumns, "flags", app_key, q.filter,
                         {{"created_at", -1}}, q.limit, q.offset, messages, ReadFlag);
}

}  // namespace eddy::server
