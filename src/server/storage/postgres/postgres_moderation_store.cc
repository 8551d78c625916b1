// PostgresModerationStore: bans, mutes, channel mutes and flags.
#include "server/storage/postgres/postgres_moderation_store.h"

#include <string>
#include <vector>

#include "server/storage/postgres/postgres_dialect.h"
#include "server/storage/sql/filter_sql.h"
#include "server/storage/sql/moderation_schema.h"
#include "server/storage/sql/store_rules.h"

namespace eddy::server {

namespace {

const PostgresDialect kDialect{};

Ban ReadBan(const PgResult& r, int i) {
  Ban b;
  b.user_id = r.Text(i, 0);
  b.channel_cid = r.Text(i, 1);
  b.created_by_id = r.Text(i, 2);
  b.reason = r.Text(i, 3);
  b.shadow = r.Bool(i, 4);
  b.ip_ban = r.Bool(i, 5);
  b.timeout_minutes = r.OptionalInt(i, 6);
  b.created_at = r.Int(i, 7);
  b.expires = r.OptionalInt(i, 8);
  b.ip = r.Text(i, 9);
  return b;
}

Flag ReadFlag(const PgResult& r, int i) {
  Flag f;
  f.user_id = r.Text(i, 0);
  f.target_message_id = r.Text(i, 1);
  f.target_user_id = r.Text(i, 2);
  f.channel_cid = r.Text(i, 3);
  f.reason = r.Text(i, 4);
  f.created_at = r.Int(i, 5);
  f.updated_at = r.Int(i, 6);
  return f;
}

template <typename T, typename ReadFn>
std::vector<T> ReadAll(const PgResult& r, ReadFn read) {
  std::vector<T> out;
  out.reserve(static_cast<size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(read(r, i));
  return out;
}

// user_mutes and channel_mutes share one shape: (user_id, <key>, created_at, updated_at,
// expires), keyed by (app_key, user_id, <key>).
struct MuteTable {
  std::string table;
  std::string key;  // the column naming what is muted
};
const MuteTable kUserMutes{"user_mutes", "target_id"};
const MuteTable kChannelMutes{"channel_mutes", "channel_cid"};

// A repeated mute keeps its created_at and takes the new expiry.
template <typename M>
Status UpsertMuteRow(PgPool& pool, const MuteTable& t, std::string_view app_key, const M& m,
                     std::string M::*key) {
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool.Acquire());
  EDDY_TRY(conn->Query("INSERT INTO " + t.table + " (app_key, user_id, " + t.key +
                           ", created_at, updated_at, expires) VALUES ($1, $2, $3, $4, $5, $6)"
                           " ON CONFLICT (app_key, user_id, " +
                           t.key +
                           ") DO UPDATE SET updated_at = excluded.updated_at,"
                           " expires = excluded.expires",
                       PgParams()
                           .Add(app_key)
                           .Add(m.user_id)
                           .Add(m.*key)
                           .Add(static_cast<std::int64_t>(m.created_at))
                           .Add(static_cast<std::int64_t>(m.updated_at))
                           .Add(m.expires)));
  return {};
}

// Every mute of the user in the table, oldest first.
template <typename M>
Result<std::vector<M>> MuteRows(PgPool& pool, const MuteTable& t, std::string_view app_key,
                                std::string_view user_id, std::string M::*key) {
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool.Acquire());
  EDDY_ASSIGN_OR_RETURN(
      PgResult r,
      conn->Query("SELECT user_id, " + t.key + ", created_at, updated_at, expires FROM " + t.table +
                      " WHERE app_key = $1 AND user_id = $2 ORDER BY created_at, " + t.key,
                  PgParams().Add(app_key).Add(user_id)));
  return ReadAll<M>(r, [key](const PgResult& r, int i) {
    M m;
    m.user_id = r.Text(i, 0);
    m.*key = r.Text(i, 1);
    m.created_at = r.Int(i, 2);
    m.updated_at = r.Int(i, 3);
    m.expires = r.OptionalInt(i, 4);
    return m;
  });
}

// SELECT `columns` FROM `table` of the app, filtered by `filter` and `extra` (a condition the
// caller builds with the translator, or empty), ordered and paged.
template <typename T, typename ReadFn, typename ExtraFn>
Result<std::vector<T>> QueryRows(PgPool& pool, const sql::TableSchema& schema,
                                 std::string_view columns, std::string_view table,
                                 std::string_view app_key, const Filter& filter,
                                 const std::vector<SortField>& sort, int limit, int offset,
                                 ExtraFn extra, ReadFn read) {
  EDDY_TRY(sql::CheckLimitOffset(limit, offset));
  std::vector<sql::SqlParam> params = {std::string(app_key)};
  sql::FilterTranslator translator(schema, kDialect, &params);
  EDDY_ASSIGN_OR_RETURN(std::string where, translator.Where(filter));
  EDDY_ASSIGN_OR_RETURN(std::string order, translator.OrderBy(sort));
  std::string more = extra(translator);
  std::string page = " LIMIT " + translator.Bind(static_cast<std::int64_t>(limit)) + " OFFSET " +
                     translator.Bind(static_cast<std::int64_t>(offset));
  std::string text = "SELECT " + std::string(columns) + " FROM " + std::string(table) +
                     " WHERE app_key = $1" + more + " AND " + where + " ORDER BY " + order + page;
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool.Acquire());
  EDDY_ASSIGN_OR_RETURN(PgResult r, conn->QueryOnce(text, PgParams(std::move(params))));
  return ReadAll<T>(r, read);
}

}  // namespace

Status PostgresModerationStore::UpsertBan(std::string_view app_key, const Ban& b) {
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
  EDDY_TRY(conn->Query(
      "INSERT INTO bans (app_key, " + std::string(sql::kBanColumns) +
          ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
          " ON CONFLICT (app_key, user_id, channel_cid) DO UPDATE SET"
          " created_by_id = excluded.created_by_id, reason = excluded.reason,"
          " shadow = excluded.shadow, ip_ban = excluded.ip_ban,"
          " timeout_minutes = excluded.timeout_minutes, created_at = excluded.created_at,"
          " expires = excluded.expires, ip = excluded.ip",
      PgParams()
          .Add(app_key)
          .Add(b.user_id)
          .Add(b.channel_cid)
          .Add(b.created_by_id)
          .Add(b.reason)
          .AddBool(b.shadow)
          .AddBool(b.ip_ban)
          .Add(b.timeout_minutes)
          .Add(static_cast<std::int64_t>(b.created_at))
          .Add(b.expires)
          .Add(b.ip)));
  return {};
}

Result<bool> PostgresModerationStore::DeleteBan(std::string_view app_key, std::string_view user_id,
                                                std::string_view channel_cid) {
  return DeleteRow("DELETE FROM bans WHERE app_key = $1 AND user_id = $2 AND channel_cid = $3",
                   PgParams().Add(app_key).Add(user_id).Add(channel_cid));
}

Result<std::vector<Ban>> PostgresModerationStore::BansOf(std::string_view app_key,
                                                         std::string_view user_id,
                                                         std::string_view channel_cid) {
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
  EDDY_ASSIGN_OR_RETURN(PgResult r,
                        conn->Query("SELECT " + std::string(sql::kBanColumns) +
                                        " FROM bans WHERE app_key = $1 AND user_id = $2"
                                        " AND channel_cid IN ('', $3) ORDER BY channel_cid",
                                    PgParams().Add(app_key).Add(user_id).Add(channel_cid)));
  return ReadAll<Ban>(r, ReadBan);
}

Result<std::vector<Ban>> PostgresModerationStore::QueryBans(std::string_view app_key,
                                                            const BanQuery& q) {
  std::vector<SortField> sort = q.sort;
  if (sort.empty()) sort.push_back({"created_at", -1});
  auto active = [&q](sql::FilterTranslator& t) -> std::string {
    if (!q.active_at) return "";
    return " AND (expires IS NULL OR expires > " + t.Bind(static_cast<std::int64_t>(*q.active_at)) +
           ")";
  };
  return QueryRows<Ban>(pool_, sql::kBanSchema, sql::kBanColumns, "bans", app_key, q.filter, sort,
                        q.limit, q.offset, active, ReadBan);
}

Result<std::optional<Ban>> PostgresModerationStore::FindIpBan(std::string_view app_key,
                                                              std::string_view ip, Micros now) {
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
  EDDY_ASSIGN_OR_RETURN(
      PgResult r, conn->Query("SELECT " + std::string(sql::kBanColumns) +
                                  " FROM bans WHERE app_key = $1 AND ip = $2 AND ip <> ''"
                                  " AND ip_ban AND channel_cid = ''"
                                  " AND (expires IS NULL OR expires > $3) LIMIT 1",
                              PgParams().Add(app_key).Add(ip).Add(static_cast<std::int64_t>(now))));
  std::vector<Ban> found = ReadAll<Ban>(r, ReadBan);
  if (found.empty()) return std::optional<Ban>();
  return std::optional<Ban>(std::move(found.front()));
}

Status PostgresModerationStore::UpsertMute(std::string_view app_key, const UserMute& m) {
  return UpsertMuteRow(pool_, kUserMutes, app_key, m, &UserMute::target_id);
}

Result<bool> PostgresModerationStore::DeleteMute(std::string_view app_key, std::string_view user_id,
                                                 std::string_view target_id) {
  return DeleteRow(
      "DELETE FROM user_mutes WHERE app_key = $1 AND user_id = $2"
      " AND target_id = $3",
      PgParams().Add(app_key).Add(user_id).Add(target_id));
}

Result<std::vector<UserMute>> PostgresModerationStore::MutesOf(std::string_view app_key,
                                                               std::string_view user_id) {
  return MuteRows(pool_, kUserMutes, app_key, user_id, &UserMute::target_id);
}

Status PostgresModerationStore::UpsertChannelMute(std::string_view app_key, const ChannelMute& m) {
  return UpsertMuteRow(pool_, kChannelMutes, app_key, m, &ChannelMute::channel_cid);
}

Result<bool> PostgresModerationStore::DeleteChannelMute(std::string_view app_key,
                                                        std::string_view user_id,
                                                        std::string_view channel_cid) {
  return DeleteRow(
      "DELETE FROM channel_mutes WHERE app_key = $1 AND user_id = $2"
      " AND channel_cid = $3",
      PgParams().Add(app_key).Add(user_id).Add(channel_cid));
}

Result<std::vector<ChannelMute>> PostgresModerationStore::ChannelMutesOf(std::string_view app_key,
                                                                         std::string_view user_id) {
  return MuteRows(pool_, kChannelMutes, app_key, user_id, &ChannelMute::channel_cid);
}

// A repeated flag keeps its created_at and takes the new reason.
Status PostgresModerationStore::UpsertFlag(std::string_view app_key, const Flag& f) {
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
  EDDY_TRY(conn->Query("INSERT INTO flags (app_key, " + std::string(sql::kFlagColumns) +
                           ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
                           " ON CONFLICT (app_key, user_id, target_message_id, target_user_id)"
                           " DO UPDATE SET reason = excluded.reason,"
                           " updated_at = excluded.updated_at, channel_cid = excluded.channel_cid",
                       PgParams()
                           .Add(app_key)
                           .Add(f.user_id)
                           .Add(f.target_message_id)
                           .Add(f.target_user_id)
                           .Add(f.channel_cid)
                           .Add(f.reason)
                           .Add(static_cast<std::int64_t>(f.created_at))
                           .Add(static_cast<std::int64_t>(f.updated_at))));
  return {};
}

Result<bool> PostgresModerationStore::DeleteFlag(std::string_view app_key, std::string_view user_id,
                                                 std::string_view target_message_id,
                                                 std::string_view target_user_id) {
  return DeleteRow(
      "DELETE FROM flags WHERE app_key = $1 AND user_id = $2"
      " AND target_message_id = $3 AND target_user_id = $4",
      PgParams().Add(app_key).Add(user_id).Add(target_message_id).Add(target_user_id));
}

Result<std::vector<Flag>> PostgresModerationStore::QueryFlags(std::string_view app_key,
                                                              const FlagQuery& q) {
  auto messages = [&q](sql::FilterTranslator&) -> std::string {
    return q.messages_only ? " AND target_message_id <> ''" : "";
  };
  return QueryRows<Flag>(pool_, sql::kFlagSchema, sql::kFlagColumns, "flags", app_key, q.filter,
                         {{"created_at", -1}}, q.limit, q.offset, messages, ReadFlag);
}

Result<bool> PostgresModerationStore::DeleteRow(const std::string& sql, PgParams params) {
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
  EDDY_ASSIGN_OR_RETURN(PgResult r, conn->Query(sql, params));
  return r.affected() > 0;
}

}  // namespace eddy::server
