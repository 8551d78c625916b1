#include "server/storage/sqlite/sqlite_permission_stores.h"

#include <string>

#include "server/storage/sql/stored_json.h"

namespace eddy::server {

namespace {

// Runs inside the caller's Write or Reading scope.
Status RequireApp(SqliteDb& db, std::string_view app_key) {
  EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt, db.Prepare("SELECT 1 FROM apps WHERE api_key = ?1"));
  stmt.Bind(1, app_key);
  EDDY_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return Error::NotFound("app " + std::string(app_key) + " not found");
  return {};
}

Result<json::object> StoredObject(std::string_view text, const char* what) {
  EDDY_ASSIGN_OR_RETURN(json::value v, sql::ParseStoredJson(text, what));
  if (!v.is_object()) return Error::Internal(std::string("stored ") + what + " is not an object");
  return std::move(v.as_object());
}

// Runs a DELETE of one (app_key, name) row; whether there was one.
Result<bool> DeleteRow(SqliteDb& db, const std::string& sql, std::string_view app_key,
                       std::string_view name) {
  bool result{};
  EDDY_TRY(db.Write([&]() -> Status {
    EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt, db.Prepare(sql));
    stmt.Bind(1, app_key).Bind(2, name);
    EDDY_TRY(stmt.Run());
    result = db.Changes() > 0;
    return {};
  }));
  return result;
}

}  // namespace

Status SqliteChannelTypeStore::PutChannelType(std::string_view app_key,
                                              const StoredChannelType& type) {
  return db_.Write([&]() -> Status {
    EDDY_TRY(RequireApp(db_, app_key));
    EDDY_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_.Prepare("INSERT INTO channel_types (app_key, name, config, grants) VALUES (?1, ?2, ?3, "
                    "?4) ON CONFLICT (app_key, name) DO UPDATE SET config = excluded.config, "
                    "grants = excluded.grants"));
    stmt.Bind(1, app_key)
        .Bind(2, type.name)
        .Bind(3, json::serialize(type.config))
        .Bind(4, json::serialize(type.grants));
    return stmt.Run();
  });
}

Result<std::vector<StoredChannelType>> SqliteChannelTypeStore::ListChannelTypes(
    std::string_view app_key) {
  SqliteDb::Reading reading(db_);
  EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                        db_.Prepare("SELECT name, config, grants FROM channel_types "
                                    "WHERE app_key = ?1 ORDER BY name"));
  stmt.Bind(1, app_key);
  std::vector<StoredChannelType> out;
  while (true) {
    EDDY_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    StoredChannelType t;
    t.name = stmt.ColumnText(0);
    EDDY_ASSIGN_OR_RETURN(t.config, StoredObject(stmt.ColumnText(1), "channel type config"));
    EDDY_ASSIGN_OR_RETURN(t.grants, StoredObject(stmt.ColumnText(2), "channel type grants"));
    out.push_back(std::move(t));
  }
  return out;
}

Result<bool> SqliteChannelTypeStore::DeleteChannelType(std::string_view app_key,
                                                       std::string_view name) {
  return DeleteRow(db_, "DELETE FROM channel_types WHERE app_key = ?1 AND name = ?2", app_key,
                   name);
}

Status SqliteRoleStore::CreateRole(std::string_view app_key, const Role& role) {
  return db_.Write([&]() -> Status {
    EDDY_TRY(RequireApp(db_, app_key));
    EDDY_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_.Prepare("INSERT INTO roles (app_key, name, created_at, updated_at) VALUES (?1, ?2, ?3, "
                    "?4) ON CONFLICT (app_key, name) DO NOTHING"));
    stmt.Bind(1, app_key).Bind(2, role.name).Bind(3, role.created_at).Bind(4, role.updated_at);
    EDDY_TRY(stmt.Run());
    if (db_.Changes() == 0) return Error::Input("role '" + role.name + "' already exists");
    return {};
  });
}

Result<std::vector<Role>> SqliteRoleStore::ListRoles(std::string_view app_key) {
  SqliteDb::Reading reading(db_);
  EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                        db_.Prepare("SELECT name, created_at, updated_at FROM roles "
                                    "WHERE app_key = ?1 ORDER BY name"));
  stmt.Bind(1, app_key);
  std::vector<Role> out;
  while (true) {
    EDDY_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    out.push_back({std::string(stmt.ColumnText(0)), stmt.ColumnInt(1), stmt.ColumnInt(2)});
  }
  return out;
}

Result<bool> SqliteRoleStore::DeleteRole(std::string_view app_key, std::string_view name) {
  return DeleteRow(db_, "DELETE FROM roles WHERE app_key = ?1 AND name = ?2", app_key, name);
}

}  // namespace eddy::server
