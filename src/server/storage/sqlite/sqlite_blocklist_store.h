// BlocklistStore on SQLite: one row per blocklist in `blocklists`, words as a JSON array.
#pragma once

#include "server/domain/blocklist_store.h"
#include "server/storage/sqlite/sqlite_db.h"

namespace eddy::server {

// Thread-safe: writes go through the database's group commit (SqliteDb::Write), reads
// through a read connection (SqliteDb::Reading).
class SqliteBlocklistStore final : public BlocklistStore {
 public:
  explicit SqliteBlocklistStore(SqliteDb& db) : db_(db) {}

  Status CreateBlocklist(std::string_view app_key, const Blocklist& list) override;
  Result<std::optional<Blocklist>> GetBlocklist(std::string_view app_key,
                                                std::string_view name) override;
  Result<std::vector<Blocklist>> ListBlocklists(std::string_view app_key) override;
  Status UpdateBlocklist(std::string_view app_key, const Blocklist& list) override;
  Status DeleteBlocklist(std::string_view app_key, std::string_view name) override;

 private:
  SqliteDb& db_;
};

}  // namespace eddy::server
