#include "server/storage/postgres/postgres_app_store.h"

#include <string>

#include "server/storage/postgres/postgres_rows.h"

namespace eddy::server {

namespace {

const std::string kColumns = "api_key, api_secret, name, created_at, settings";

Result<std::vector<App>> ReadApps(const PgResult& r) {
  std::vector<App> apps;
  for (int i = 0; i < r.rows(); ++i) {
    App app;
    app.api_key = r.Text(i, 0);
    app.api_secret = r.Text(i, 1);
    app.name = r.Text(i, 2);
    app.created_at = r.Int(i, 3);
    EDDY_ASSIGN_OR_RETURN(app.settings, postgres_rows::ReadObject(r.Text(i, 4), "app settings"));
    apps.push_back(std::move(app));
  }
  return apps;
}

}  // namespace

Status PostgresAppStore::CreateApp(const App& app) {
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
  EDDY_ASSIGN_OR_RETURN(PgResult r, conn->Query("INSERT INTO apps (" + kColumns +
                                                    ") VALUES ($1, $2, $3, $4, $5)"
                                                    " ON CONFLICT (api_key) DO NOTHING",
                                                PgParams()
                                                    .Add(app.api_key)
                                                    .Add(app.api_secret)
                                                    .Add(app.name)
                                                    .Add(app.created_at)
                                                    .Add(json::serialize(app.settings))));
  if (r.affected() == 0) return Error::Input("app with api_key " + app.api_key + " exists");
  return {};
}

Result<std::optional<App>> PostgresAppStore::FindApp(std::string_view api_key) {
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
  EDDY_ASSIGN_OR_RETURN(
      PgResult r,
      conn->Query("SELECT " + kColumns + " FROM apps WHERE api_key = $1", PgParams().Add(api_key)));
  EDDY_ASSIGN_OR_RETURN(std::vector<App> apps, ReadApps(r));
  if (apps.empty()) return std::optional<App>();
  return std::optional<App>(std::move(apps.front()));
}

Result<std::vector<App>> PostgresAppStore::ListApps() {
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
  // seq orders apps created in the same microsecond by insertion.
  EDDY_ASSIGN_OR_RETURN(PgResult r,
                        conn->Query("SELECT " + kColumns + " FROM apps ORDER BY created_at, seq"));
  return ReadApps(r);
}

Status PostgresAppStore::UpdateAppSettings(std::string_view api_key, const json::object& settings) {
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
  EDDY_ASSIGN_OR_RETURN(PgResult r,
                        conn->Query("UPDATE apps SET settings = $2 WHERE api_key = $1",
                                    PgParams().Add(api_key).Add(json::serialize(settings))));
  if (r.affected() == 0) return Error::NotFound("app " + std::string(api_key) + " not found");
  return {};
}

}  // namespace eddy::server
