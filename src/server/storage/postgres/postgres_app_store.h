// AppStore on PostgreSQL: one row per app in `apps`, settings as JSON text.
#pragma once

#include "server/domain/app_store.h"
#include "server/storage/postgres/pg_pool.h"

namespace eddy::server {

// Thread-safe: every call leases its own connection from the shared pool.
class PostgresAppStore final : public AppStore {
 public:
  explicit PostgresAppStore(PgPool& pool) : pool_(pool) {}

  Status CreateApp(const App& app) override;
  Result<std::optional<App>> FindApp(std::string_view api_key) override;
  Result<std::vector<App>> ListApps() override;
  Status UpdateAppSettings(std::string_view api_key, const json::object& settings) override;

 private:
  PgPool& pool_;
};

}  // namespace eddy::server
