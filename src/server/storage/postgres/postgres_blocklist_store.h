// BlocklistStore on PostgreSQL: one row per blocklist in `blocklists`, words as a JSON array.
#pragma once

#include "server/domain/blocklist_store.h"
#include "server/storage/postgres/pg_pool.h"

namespace eddy::server {

// Thread-safe: every call leases its own connection from the shared pool.
class PostgresBlocklistStore final : public BlocklistStore {
 public:
  explicit PostgresBlocklistStore(PgPool& pool) : pool_(pool) {}

  Status CreateBlocklist(std::string_view app_key, const Blocklist& list) override;
  Result<std::optional<Blocklist>> GetBlocklist(std::string_view app_key,
                                                std::string_view name) override;
  Result<std::vector<Blocklist>> ListBlocklists(std::string_view app_key) override;
  Status UpdateBlocklist(std::string_view app_key, const Blocklist& list) override;
  Status DeleteBlocklist(std::string_view app_key, std::string_view name) override;

 private:
  PgPool& pool_;
};

}  // namespace eddy::server
