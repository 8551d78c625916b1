// AppStore on SQLite: one row per app in `apps`, settings as JSON text.
#pragma once

#include "server/domain/app_store.h"
#include "server/storage/sqlite/sqlite_db.h"

namespace eddy::server {

// Thread-safe: writes go through the database's group commit (SqliteDb::Write), reads
// through a read connection (SqliteDb::Reading).
class SqliteAppStore final : public AppStore {
 public:
  explicit SqliteAppStore(SqliteDb& db) : db_(db) {}

  Status CreateApp(const App& app) override;
  Result<std::optional<App>> FindApp(std::string_view api_key) override;
  Result<std::vector<App>> ListApps() override;
  Status UpdateAppSettings(std::string_view api_key, const json::object& settings) override;

 private:
  SqliteDb& db_;
};

}  // namespace eddy::server
