#include "server/storage/postgres/postgres_blocklist_store.h"

#include <string>

#include "server/storage/postgres/postgres_rows.h"
#include "server/storage/sql/stored_json.h"

namespace eddy::server {

namespace {

constexpr std::string_view kColumns = "name, type, words, created_at, updated_at";

Result<std::vector<Blocklist>> ReadBlocklists(const PgResult& r) {
  std::vector<Blocklist> out;
  for (int i = 0; i < r.rows(); ++i) {
    Blocklist b;
    b.name = r.Text(i, 0);
    b.type = r.Text(i, 1);
    EDDY_ASSIGN_OR_RETURN(b.words, sql::ParseStoredStringArray(r.Text(i, 2), "words"));
    b.created_at = r.Int(i, 3);
    b.updated_at = r.Int(i, 4);
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace

Status PostgresBlocklistStore::CreateBlocklist(std::string_view app_key, const Blocklist& list) {
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
  EDDY_TRY(postgres_rows::RequireApp(*conn, app_key));
  EDDY_ASSIGN_OR_RETURN(
      PgResult r,
      conn->Query("INSERT INTO blocklists (app_key, " + std::string(kColumns) +
                      ") VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (app_key, name) DO NOTHING",
                  PgParams()
                      .Add(app_key)
                      .Add(list.name)
                      .Add(list.type)
                      .Add(sql::StringArrayJson(list.words))
                      .Add(list.created_at)
                      .Add(list.updated_at)));
  if (r.affected() == 0) return Error::Input("blocklist " + list.name + " already exists");
  return {};
}

Result<std::optional<Blocklist>> PostgresBlocklistStore::GetBlocklist(std::string_view app_key,
                                                                      std::string_view name) {
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
  EDDY_ASSIGN_OR_RETURN(PgResult r, conn->Query("SELECT " + std::string(kColumns) +
                                                    " FROM blocklists WHERE app_key = $1"
                                                    " AND name = $2",
                                                PgParams().Add(app_key).Add(name)));
  EDDY_ASSIGN_OR_RETURN(std::vector<Blocklist> found, ReadBlocklists(r));
  if (found.empty()) return std::optional<Blocklist>();
  return std::optional<Blocklist>(std::move(found.front()));
}

Result<std::vector<Blocklist>> PostgresBlocklistStore::ListBlocklists(std::string_view app_key) {
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
  EDDY_ASSIGN_OR_RETURN(PgResult r, conn->Query("SELECT " + std::string(kColumns) +
                                                    " FROM blocklists WHERE app_key = $1"
                                                    " ORDER BY name",
                                                PgParams().Add(app_key)));
  return ReadBlocklists(r);
}

Status PostgresBlocklistStore::UpdateBlocklist(std::string_view app_key, const Blocklist& list) {
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
  EDDY_ASSIGN_OR_RETURN(PgResult r,
                        conn->Query("UPDATE blocklists SET type = $3, words = $4, updated_at = $5"
                                    " WHERE app_key = $1 AND name = $2",
                                    PgParams()
                                        .Add(app_key)
                                        .Add(list.name)
                                        .Add(list.type)
                                        .Add(sql::StringArrayJson(list.words))
                                        .Add(list.updated_at)));
  if (r.affected() == 0) return Error::NotFound("blocklist " + list.name + " does not exist");
  return {};
}

Status PostgresBlocklistStore::DeleteBlocklist(std::string_view app_key, std::string_view name) {
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
  EDDY_ASSIGN_OR_RETURN(PgResult r,
                        conn->Query("DELETE FROM blocklists WHERE app_key = $1 AND name = $2",
                                    PgParams().Add(app_key).Add(name)));
  if (r.affected() == 0) {
    return Error::NotFound("blocklist " + std::string(name) + " does not exist");
  }
  return {};
}

}  // namespace eddy::server
