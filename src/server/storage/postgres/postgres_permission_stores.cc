#include "server/storage/postgres/postgres_permission_stores.h"

#include <string>

#include "server/storage/postgres/postgres_rows.h"

namespace eddy::server {

namespace {

// Runs a DELETE of one (app_key, name) row; whether there was one.
Result<bool> DeleteRow(PgPool& pool, const std::string& sql, std::string_view app_key,
                       std::string_view name) {
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool.Acquire());
  EDDY_ASSIGN_OR_RETURN(PgResult r, conn->Query(sql, PgParams().Add(app_key).Add(name)));
  return r.affected() > 0;
}

}  // namespace

// The app check and the write are two statements: an app deleted in between takes the row
// with it through the foreign key's ON DELETE CASCADE, or fails the insert.
Status PostgresChannelTypeStore::PutChannelType(std::string_view app_key,
                                                const StoredChannelType& type) {
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
  EDDY_TRY(postgres_rows::RequireApp(*conn, app_key));
  EDDY_TRY(conn->Query(
      "INSERT INTO channel_types (app_key, name, config, grants) VALUES ($1, $2, $3, $4)"
      " ON CONFLICT (app_key, name) DO UPDATE SET config = excluded.config,"
      " grants = excluded.grants",
      PgParams()
          .Add(app_key)
          .Add(type.name)
          .Add(json::serialize(type.config))
          .Add(json::serialize(type.grants))));
  return {};
}

Result<std::vector<StoredChannelType>> PostgresChannelTypeStore::ListChannelTypes(
    std::string_view app_key) {
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
  EDDY_ASSIGN_OR_RETURN(PgResult r, conn->Query("SELECT name, config, grants FROM channel_types"
                                                " WHERE app_key = $1 ORDER BY name",
                                                PgParams().Add(app_key)));
  std::vector<StoredChannelType> out;
  for (int i = 0; i < r.rows(); ++i) {
    StoredChannelType t;
    t.name = r.Text(i, 0);
    EDDY_ASSIGN_OR_RETURN(t.config, postgres_rows::ReadObject(r.Text(i, 1), "channel type config"));
    EDDY_ASSIGN_OR_RETURN(t.grants, postgres_rows::ReadObject(r.Text(i, 2), "channel type grants"));
    out.push_back(std::move(t));
  }
  return out;
}

Result<bool> PostgresChannelTypeStore::DeleteChannelType(std::string_view app_key,
                                                         std::string_view name) {
  return DeleteRow(pool_, "DELETE FROM channel_types WHERE app_key = $1 AND name = $2", app_key,
                   name);
}

Status PostgresRoleStore::CreateRole(std::string_view app_key, const Role& role) {
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
  EDDY_TRY(postgres_rows::RequireApp(*conn, app_key));
  EDDY_ASSIGN_OR_RETURN(
      PgResult r,
      conn->Query(
          "INSERT INTO roles (app_key, name, created_at, updated_at)"
          " VALUES ($1, $2, $3, $4) ON CONFLICT (app_key, name) DO NOTHING",
          PgParams().Add(app_key).Add(role.name).Add(role.created_at).Add(role.updated_at)));
  if (r.affected() == 0) return Error::Input("role '" + role.name + "' already exists");
  return {};
}

Result<std::vector<Role>> PostgresRoleStore::ListRoles(std::string_view app_key) {
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
  EDDY_ASSIGN_OR_RETURN(PgResult r, conn->Query("SELECT name, created_at, updated_at FROM roles"
                                                " WHERE app_key = $1 ORDER BY name",
                                                PgParams().Add(app_key)));
  std::vector<Role> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back({std::string(r.Text(i, 0)), r.Int(i, 1), r.Int(i, 2)});
  }
  return out;
}

Result<bool> PostgresRoleStore::DeleteRole(std::string_view app_key, std::string_view name) {
  return DeleteRow(pool_, "DELETE FROM roles WHERE app_key = $1 AND name = $2", app_key, name);
}

}  // namespace eddy::server
