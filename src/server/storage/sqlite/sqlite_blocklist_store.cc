#include "server/storage/sqlite/sqlite_blocklist_store.h"

#include <string>

#include "server/storage/sql/stored_json.h"
#include "server/storage/sqlite/sqlite_channel_rows.h"

namespace eddy::server {

namespace {

constexpr std::string_view kColumns = "name, type, words, created_at, updated_at";

Result<Blocklist> ReadBlocklist(const SqliteStatement& stmt) {
  Blocklist b;
  b.name = stmt.ColumnText(0);
  b.type = stmt.ColumnText(1);
  EDDY_ASSIGN_OR_RETURN(b.words, sql::ParseStoredStringArray(stmt.ColumnText(2), "words"));
  b.created_at = stmt.ColumnInt(3);
  b.updated_at = stmt.ColumnInt(4);
  return b;
}

}  // namespace

Status SqliteBlocklistStore::CreateBlocklist(std::string_view app_key, const Blocklist& list) {
  return db_.Write([&]() -> Status {
    EDDY_TRY(sqlite_rows::RequireApp(db_, app_key));
    EDDY_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_.Prepare("INSERT INTO blocklists (app_key, " + std::string(kColumns) +
                    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (app_key, name) DO NOTHING"));
    stmt.Bind(1, app_key)
        .Bind(2, list.name)
        .Bind(3, list.type)
        .Bind(4, sql::StringArrayJson(list.words))
        .Bind(5, list.created_at)
        .Bind(6, list.updated_at);
    EDDY_TRY(stmt.Run());
    if (db_.Changes() == 0) return Error::Input("blocklist " + list.name + " already exists");
    return {};
  });
}

Result<std::optional<Blocklist>> SqliteBlocklistStore::GetBlocklist(std::string_view app_key,
                                                                    std::string_view name) {
  SqliteDb::Reading reading(db_);
  EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                        db_.Prepare("SELECT " + std::string(kColumns) +
                                    " FROM blocklists WHERE app_key = ?1 AND name = ?2"));
  stmt.Bind(1, app_key).Bind(2, name);
  EDDY_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::optional<Blocklist>();
  EDDY_ASSIGN_OR_RETURN(Blocklist b, ReadBlocklist(stmt));
  return std::optional<Blocklist>(std::move(b));
}

Result<std::vector<Blocklist>> SqliteBlocklistStore::ListBlocklists(std::string_view app_key) {
  SqliteDb::Reading reading(db_);
  EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                        db_.Prepare("SELECT " + std::string(kColumns) +
                                    " FROM blocklists WHERE app_key = ?1 ORDER BY name"));
  stmt.Bind(1, app_key);
  std::vector<Blocklist> out;
  while (true) {
    EDDY_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return out;
    EDDY_ASSIGN_OR_RETURN(Blocklist b, ReadBlocklist(stmt));
    out.push_back(std::move(b));
  }
}

Status SqliteBlocklistStore::UpdateBlocklist(std::string_view app_key, const Blocklist& list) {
  return db_.Write([&]() -> Status {
    EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                          db_.Prepare("UPDATE blocklists SET type = ?3, words = ?4, updated_at = ?5"
                                      " WHERE app_key = ?1 AND name = ?2"));
    stmt.Bind(1, app_key)
        .Bind(2, list.name)
        .Bind(3, list.type)
        .Bind(4, sql::StringArrayJson(list.words))
        .Bind(5, list.updated_at);
    EDDY_TRY(stmt.Run());
    if (db_.Changes() == 0) return Error::NotFound("blocklist " + list.name + " does not exist");
    return {};
  });
}

Status SqliteBlocklistStore::DeleteBlocklist(std::string_view app_key, std::string_view name) {
  return db_.Write([&]() -> Status {
    EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                          db_.Prepare("DELETE FROM blocklists WHERE app_key = ?1 AND name = ?2"));
    stmt.Bind(1, app_key).Bind(2, name);
    EDDY_TRY(stmt.Run());
    if (db_.Changes() == 0) {
      return Error::NotFound("blocklist " + std::string(name) + " does not exist");
    }
    return {};
  });
}

}  // namespace eddy::server
