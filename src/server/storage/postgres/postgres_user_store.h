// UserStore on PostgreSQL: one row per (app, user) in `users`. Server-set fields have typed
// columns; `teams` and `custom` are JSON text, queried through a jsonb cast.
#pragma once

#include "server/domain/user_store.h"
#include "server/storage/postgres/pg_pool.h"

namespace eddy::server {

// Thread-safe: every call leases its own connection from the shared pool (queries are
// translated to SQL before leasing one).
class PostgresUserStore final : public UserStore {
 public:
  explicit PostgresUserStore(PgPool& pool) : pool_(pool) {}

  Status UpsertUsers(std::string_view app_key, const std::vector<User>& users) override;
  Result<std::optional<User>> FindUser(std::string_view app_key, std::string_view id) override;
  Result<std::vector<User>> FindUsers(std::string_view app_key,
                                      const std::vector<std::string>& ids) override;
  Result<std::vector<User>> QueryUsers(std::string_view app_key, const UserQuery& q) override;
  Status DeleteUser(std::string_view app_key, std::string_view id) override;
  Status SetLastActive(std::string_view app_key, std::string_view id, Micros when) override;

 private:
  PgPool& pool_;
};

}  // namespace eddy::server
