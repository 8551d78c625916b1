#include "server/storage/postgres/postgres_user_store.h"

#include <algorithm>
#include <map>
#include <string>

#include "server/storage/postgres/postgres_dialect.h"
#include "server/storage/postgres/postgres_rows.h"
#include "server/storage/sql/filter_sql.h"
#include "server/storage/sql/store_rules.h"
#include "server/storage/sql/stored_json.h"
#include "server/storage/sql/user_schema.h"

namespace eddy::server {

namespace {

// The order ReadUsers expects.
const std::string kColumns =
    "id, role, banned, shadow_banned, invisible, language, teams, created_at, updated_at, "
    "last_active, deactivated_at, deleted_at, revoke_tokens_issued_before, custom";

const PostgresDialect kDialect{};

// Inserts or fully replaces every column from each row's user, including the ones it leaves
// empty. Followed by the VALUES rows.
const std::string kUpsertHead = "INSERT INTO users (app_key, " + kColumns + ") VALUES ";
constexpr std::string_view kUpsertTail =
    " ON CONFLICT (app_key, id) DO UPDATE SET role = excluded.role,"
    " banned = excluded.banned, shadow_banned = excluded.shadow_banned,"
    " invisible = excluded.invisible, language = excluded.language,"
    " teams = excluded.teams, created_at = excluded.created_at,"
    " updated_at = excluded.updated_at, last_active = excluded.last_active,"
    " deactivated_at = excluded.deactivated_at, deleted_at = excluded.deleted_at,"
    " revoke_tokens_issued_before = excluded.revoke_tokens_issued_before,"
    " custom = excluded.custom";
constexpr size_t kUpsertColumns = 15;

PgParams UserRow(std::string_view app_key, const User& u) {
  PgParams p;
  p.Add(app_key)
      .Add(u.id)
      .Add(u.role)
      .AddBool(u.banned)
      .AddBool(u.shadow_banned)
      .AddBool(u.invisible)
      .Add(u.language)
      .Add(json::serialize(u.teams))
      .Add(u.created_at)
      .Add(u.updated_at)
      .Add(u.last_active)
      .Add(u.deactivated_at)
      .Add(u.deleted_at)
      .Add(u.revoke_tokens_issued_before)
      .Add(json::serialize(u.custom));
  return p;
}

Result<std::vector<User>> ReadUsers(const PgResult& r) {
  std::vector<User> users;
  for (int i = 0; i < r.rows(); ++i) {
    User u;
    u.id = r.Text(i, 0);
    u.role = r.Text(i, 1);
    u.banned = r.Bool(i, 2);
    u.shadow_banned = r.Bool(i, 3);
    u.invisible = r.Bool(i, 4);
    u.language = r.Text(i, 5);
    EDDY_ASSIGN_OR_RETURN(json::value teams, sql::ParseStoredJson(r.Text(i, 6), "teams"));
    if (!teams.is_array()) return Error::Internal("stored teams are not an array");
    u.teams = std::move(teams.as_array());
    u.created_at = r.Int(i, 7);
    u.updated_at = r.Int(i, 8);
    u.last_active = r.OptionalInt(i, 9);
    u.deactivated_at = r.OptionalInt(i, 10);
    u.deleted_at = r.OptionalInt(i, 11);
    u.revoke_tokens_issued_before = r.OptionalInt(i, 12);
    EDDY_ASSIGN_OR_RETURN(u.custom, postgres_rows::ReadObject(r.Text(i, 13), "custom data"));
    users.push_back(std::move(u));
  }
  return users;
}

}  // namespace

Status PostgresUserStore::UpsertUsers(std::string_view app_key, const std::vector<User>& users) {
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
  EDDY_ASSIGN_OR_RETURN(PgTransaction tx, PgTransaction::Begin(*conn));
  {
    EDDY_ASSIGN_OR_RETURN(PgResult app, conn->Query("SELECT 1 FROM apps WHERE api_key = $1",
                                                    PgParams().Add(app_key)));
    if (app.rows() == 0) return Error::NotFound("app " + std::string(app_key) + " not found");
  }
  // One statement per batch of rows rather than one per user. A statement may not touch a
  // row twice, so a user listed more than once is written once, as its last listing: what
  // writing them one after the other would leave.
  std::map<std::string_view, const User*> latest;
  for (const User& u : users) latest[u.id] = &u;
  std::vector<const User*> rows;
  for (const User& u : users) {
    if (latest[u.id] == &u) rows.push_back(&u);
  }
  for (size_t begin = 0; begin < rows.size(); begin += PgMaxRows(kUpsertColumns)) {
    size_t n = std::min(rows.size() - begin, PgMaxRows(kUpsertColumns));
    PgParams params;
    for (size_t i = begin; i < begin + n; ++i) params.Append(UserRow(app_key, *rows[i]));
    std::string text = kUpsertHead + PgValuesRows(n, kUpsertColumns) + std::string(kUpsertTail);
    // A single row (the common case) is a prepared statement; batches vary in size.
    EDDY_TRY(n == 1 ? conn->Query(text, params) : conn->QueryOnce(text, params));
  }
  return tx.Commit();
}

Result<std::optional<User>> PostgresUserStore::FindUser(std::string_view app_key,
                                                        std::string_view id) {
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
  EDDY_ASSIGN_OR_RETURN(
      PgResult r, conn->Query("SELECT " + kColumns + " FROM users WHERE app_key = $1 AND id = $2",
                              PgParams().Add(app_key).Add(id)));
  EDDY_ASSIGN_OR_RETURN(std::vector<User> users, ReadUsers(r));
  if (users.empty()) return std::optional<User>();
  return std::optional<User>(std::move(users.front()));
}

Result<std::vector<User>> PostgresUserStore::FindUsers(std::string_view app_key,
                                                       const std::vector<std::string>& ids) {
  if (ids.empty()) return std::vector<User>();
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
  // The ids travel as one array parameter, so one prepared statement serves any count.
  EDDY_ASSIGN_OR_RETURN(
      PgResult r,
      conn->Query("SELECT " + kColumns + " FROM users WHERE app_key = $1 AND id = ANY($2)",
                  PgParams().Add(app_key).AddArray(ids)));
  return ReadUsers(r);
}

Result<std::vector<User>> PostgresUserStore::QueryUsers(std::string_view app_key,
                                                        const UserQuery& q) {
  EDDY_TRY(sql::CheckLimitOffset(q.limit, q.offset));
  std::vector<sql::SqlParam> params = {std::string(app_key)};
  sql::FilterTranslator translator(sql::kUserSchema, kDialect, &params);
  EDDY_ASSIGN_OR_RETURN(std::string where, translator.Where(q.filter));
  EDDY_ASSIGN_OR_RETURN(std::string order, translator.OrderBy(q.sort));
  std::string limit = translator.Bind(static_cast<std::int64_t>(q.limit));
  std::string offset = translator.Bind(static_cast<std::int64_t>(q.offset));
  std::string text = "SELECT " + kColumns +
                     " FROM users WHERE app_key = $1 AND deleted_at IS NULL" +
                     (q.include_deactivated ? "" : " AND deactivated_at IS NULL") + " AND " +
                     where + " ORDER BY " + order + " LIMIT " + limit + " OFFSET " + offset;

  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
  EDDY_ASSIGN_OR_RETURN(PgResult r, conn->QueryOnce(text, PgParams(std::move(params))));
  return ReadUsers(r);
}

Status PostgresUserStore::DeleteUser(std::string_view app_key, std::string_view id) {
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
  EDDY_TRY(conn->Query("DELETE FROM users WHERE app_key = $1 AND id = $2",
                       PgParams().Add(app_key).Add(id)));
  return {};
}

// A missing user is not an error: a connection may outlive a concurrent delete of its user.
Status PostgresUserStore::SetLastActive(std::string_view app_key, std::string_view id,
                                        Micros when) {
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
  EDDY_TRY(conn->Query("UPDATE users SET last_active = $3 WHERE app_key = $1 AND id = $2",
                       PgParams().Add(app_key).Add(id).Add(static_cast<std::int64_t>(when))));
  return {};
}

}  // namespace eddy::server
