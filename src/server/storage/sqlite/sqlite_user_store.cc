#include "server/storage/sqlite/sqlite_user_store.h"

#include <string>

#include "server/storage/sql/filter_sql.h"
#include "server/storage/sql/store_rules.h"
#include "server/storage/sql/stored_json.h"
#include "server/storage/sql/user_schema.h"
#include "server/storage/sqlite/sqlite_dialect.h"

namespace eddy::server {

namespace {

// The order ReadUser expects.
constexpr std::string_view kColumns =
    "id, role, banned, shadow_banned, invisible, language, teams, created_at, updated_at, "
    "last_active, deactivated_at, deleted_at, revoke_tokens_issued_before, custom";

Result<User> ReadUser(const SqliteStatement& stmt) {
  User u;
  u.id = stmt.ColumnText(0);
  u.role = stmt.ColumnText(1);
  u.banned = stmt.ColumnBool(2);
  u.shadow_banned = stmt.ColumnBool(3);
  u.invisible = stmt.ColumnBool(4);
  u.language = stmt.ColumnText(5);
  EDDY_ASSIGN_OR_RETURN(json::value teams, sql::ParseStoredJson(stmt.ColumnText(6), "teams"));
  if (!teams.is_array()) return Error::Internal("stored teams are not an array");
  u.teams = std::move(teams.as_array());
  u.created_at = stmt.ColumnInt(7);
  u.updated_at = stmt.ColumnInt(8);
  u.last_active = stmt.ColumnOptionalInt(9);
  u.deactivated_at = stmt.ColumnOptionalInt(10);
  u.deleted_at = stmt.ColumnOptionalInt(11);
  u.revoke_tokens_issued_before = stmt.ColumnOptionalInt(12);
  EDDY_ASSIGN_OR_RETURN(json::value custom, sql::ParseStoredJson(stmt.ColumnText(13), "custom"));
  if (!custom.is_object()) return Error::Internal("stored custom data is not an object");
  u.custom = std::move(custom.as_object());
  return u;
}

Result<std::vector<User>> ReadUsers(SqliteStatement& stmt) {
  std::vector<User> users;
  while (true) {
    EDDY_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return users;
    EDDY_ASSIGN_OR_RETURN(User u, ReadUser(stmt));
    users.push_back(std::move(u));
  }
}

const SqliteDialect kDialect{};

}  // namespace

Status SqliteUserStore::UpsertUsers(std::string_view app_key, const std::vector<User>& users) {
  return db_.Write([&]() -> Status {
    {
      EDDY_ASSIGN_OR_RETURN(SqliteStatement app,
                            db_.Prepare("SELECT 1 FROM apps WHERE api_key = ?1"));
      app.Bind(1, app_key);
      EDDY_ASSIGN_OR_RETURN(bool found, app.Step());
      if (!found) return Error::NotFound("app " + std::string(app_key) + " not found");
    }
    for (const User& u : users) {
      // A full replace: every column is set from `u`, including the ones it leaves empty.
      EDDY_ASSIGN_OR_RETURN(
          SqliteStatement stmt,
          db_.Prepare("INSERT INTO users (app_key, " + std::string(kColumns) +
                      ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
                      " ON CONFLICT (app_key, id) DO UPDATE SET role = excluded.role,"
                      " banned = excluded.banned, shadow_banned = excluded.shadow_banned,"
                      " invisible = excluded.invisible, language = excluded.language,"
                      " teams = excluded.teams, created_at = excluded.created_at,"
                      " updated_at = excluded.updated_at, last_active = excluded.last_active,"
                      " deactivated_at = excluded.deactivated_at,"
                      " deleted_at = excluded.deleted_at,"
                      " revoke_tokens_issued_before = excluded.revoke_tokens_issued_before,"
                      " custom = excluded.custom"));
      stmt.Bind(1, app_key)
          .Bind(2, u.id)
          .Bind(3, u.role)
          .BindBool(4, u.banned)
          .BindBool(5, u.shadow_banned)
          .BindBool(6, u.invisible)
          .Bind(7, u.language)
          .Bind(8, json::serialize(u.teams))
          .Bind(9, u.created_at)
          .Bind(10, u.updated_at)
          .Bind(11, u.last_active)
          .Bind(12, u.deactivated_at)
          .Bind(13, u.deleted_at)
          .Bind(14, u.revoke_tokens_issued_before)
          .Bind(15, json::serialize(u.custom));
      EDDY_TRY(stmt.Run());
    }
    return {};
  });
}

Result<std::optional<User>> SqliteUserStore::FindUser(std::string_view app_key,
                                                      std::string_view id) {
  SqliteDb::Reading reading(db_);
  EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                        db_.Prepare("SELECT " + std::string(kColumns) +
                                    " FROM users WHERE app_key = ?1 AND id = ?2"));
  stmt.Bind(1, app_key).Bind(2, id);
  EDDY_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::optional<User>();
  EDDY_ASSIGN_OR_RETURN(User u, ReadUser(stmt));
  return std::optional<User>(std::move(u));
}

Result<std::vector<User>> SqliteUserStore::FindUsers(std::string_view app_key,
                                                     const std::vector<std::string>& ids) {
  if (ids.empty()) return std::vector<User>();
  // The ids travel as one JSON array parameter, so one cached statement serves any count.
  json::array id_array;
  for (const std::string& id : ids) id_array.emplace_back(id);
  SqliteDb::Reading reading(db_);
  EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                        db_.Prepare("SELECT " + std::string(kColumns) +
                                    " FROM users WHERE app_key = ?1"
                                    " AND id IN (SELECT value FROM json_each(?2))"));
  stmt.Bind(1, app_key).Bind(2, json::serialize(id_array));
  return ReadUsers(stmt);
}

Result<std::vector<User>> SqliteUserStore::QueryUsers(std::string_view app_key,
                                                      const UserQuery& q) {
  EDDY_TRY(sql::CheckLimitOffset(q.limit, q.offset));
  std::vector<sql::SqlParam> params = {std::string(app_key)};
  sql::FilterTranslator translator(sql::kUserSchema, kDialect, &params);
  EDDY_ASSIGN_OR_RETURN(std::string where, translator.Where(q.filter));
  EDDY_ASSIGN_OR_RETURN(std::string order, translator.OrderBy(q.sort));
  std::string limit = translator.Bind(static_cast<std::int64_t>(q.limit));
  std::string offset = translator.Bind(static_cast<std::int64_t>(q.offset));
  std::string text = "SELECT " + std::string(kColumns) +
                     " FROM users WHERE app_key = ?1 AND deleted_at IS NULL" +
                     (q.include_deactivated ? "" : " AND deactivated_at IS NULL") + " AND " +
                     where + " ORDER BY " + order + " LIMIT " + limit + " OFFSET " + offset;

  SqliteDb::Reading reading(db_);
  EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt, db_.PrepareGenerated(text));
  for (size_t i = 0; i < params.size(); ++i) stmt.BindParam(static_cast<int>(i + 1), params[i]);
  return ReadUsers(stmt);
}

Status SqliteUserStore::DeleteUser(std::string_view app_key, std::string_view id) {
  return db_.Write([&]() -> Status {
    EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                          db_.Prepare("DELETE FROM users WHERE app_key = ?1 AND id = ?2"));
    stmt.Bind(1, app_key).Bind(2, id);
    return stmt.Run();
  });
}

// A missing user is not an error: a connection may outlive a concurrent delete of its user.
Status SqliteUserStore::SetLastActive(std::string_view app_key, std::string_view id, Micros when) {
  return db_.Write([&]() -> Status {
    EDDY_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_.Prepare("UPDATE users SET last_active = ?3 WHERE app_key = ?1 AND id = ?2"));
    stmt.Bind(1, app_key).Bind(2, id).Bind(3, static_cast<std::int64_t>(when));
    return stmt.Run();
  });
}

}  // namespace eddy::server
