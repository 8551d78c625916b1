#include "server/storage/sqlite/sqlite_app_store.h"

#include <string>

#include "server/storage/sql/stored_json.h"

namespace eddy::server {

namespace {

constexpr std::string_view kColumns = "api_key, api_secret, name, created_at, settings";

Result<App> ReadApp(const SqliteStatement& stmt) {
  App app;
  app.api_key = stmt.ColumnText(0);
  app.api_secret = stmt.ColumnText(1);
  app.name = stmt.ColumnText(2);
  app.created_at = stmt.ColumnInt(3);
  EDDY_ASSIGN_OR_RETURN(json::value settings, sql::ParseStoredJson(stmt.ColumnText(4), "settings"));
  if (!settings.is_object()) return Error::Internal("stored app settings are not an object");
  app.settings = std::move(settings.as_object());
  return app;
}

}  // namespace

Status SqliteAppStore::CreateApp(const App& app) {
  return db_.Write([&]() -> Status {
    EDDY_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_.Prepare("INSERT INTO apps (" + std::string(kColumns) +
                    ") VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (api_key) DO NOTHING"));
    stmt.Bind(1, app.api_key)
        .Bind(2, app.api_secret)
        .Bind(3, app.name)
        .Bind(4, app.created_at)
        .Bind(5, json::serialize(app.settings));
    EDDY_TRY(stmt.Run());
    if (db_.Changes() == 0) return Error::Input("app with api_key " + app.api_key + " exists");
    return {};
  });
}

Result<std::optional<App>> SqliteAppStore::FindApp(std::string_view api_key) {
  SqliteDb::Reading reading(db_);
  EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt, db_.Prepare("SELECT " + std::string(kColumns) +
                                                          " FROM apps WHERE api_key = ?1"));
  stmt.Bind(1, api_key);
  EDDY_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::optional<App>();
  EDDY_ASSIGN_OR_RETURN(App app, ReadApp(stmt));
  return std::optional<App>(std::move(app));
}

Result<std::vector<App>> SqliteAppStore::ListApps() {
  SqliteDb::Reading reading(db_);
  // rowid orders apps created in the same microsecond by insertion.
  EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt, db_.Prepare("SELECT " + std::string(kColumns) +
                                                          " FROM apps ORDER BY created_at, rowid"));
  std::vector<App> apps;
  while (true) {
    EDDY_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    EDDY_ASSIGN_OR_RETURN(App app, ReadApp(stmt));
    apps.push_back(std::move(app));
  }
  return apps;
}

Status SqliteAppStore::UpdateAppSettings(std::string_view api_key, const json::object& settings) {
  return db_.Write([&]() -> Status {
    EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                          db_.Prepare("UPDATE apps SET settings = ?2 WHERE api_key = ?1"));
    stmt.Bind(1, api_key).Bind(2, json::serialize(settings));
    EDDY_TRY(stmt.Run());
    if (db_.Changes() == 0) return Error::NotFound("app " + std::string(api_key) + " not found");
    return {};
  });
}

}  // namespace eddy::server
