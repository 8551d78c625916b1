// UserStore on SQLite: one row per (app, user) in `users`. Server-set fields have typed
// columns (so they can be indexed and compared natively); `teams` and `custom` are JSON text,
// queried through json_extract/json_each.
#pragma once

#include "server/domain/user_store.h"
#include "server/storage/sqlite/sqlite_db.h"

namespace eddy::server {

// Thread-safe: writes go through the database's group commit (SqliteDb::Write), reads
// through a read connection (SqliteDb::Reading); queries are translated to SQL before either.
class SqliteUserStore final : public UserStore {
 public:
  explicit SqliteUserStore(SqliteDb& db) : db_(db) {}

  Status UpsertUsers(std::string_view app_key, const std::vector<User>& users) override;
  Result<std::optional<User>> FindUser(std::string_view app_key, std::string_view id) override;
  Result<std::vector<User>> FindUsers(std::string_view app_key,
                                      const std::vector<std::string>& ids) override;
  Result<std::vector<User>> QueryUsers(std::string_view app_key, const UserQuery& q) override;
  Status DeleteUser(std::string_view app_key, std::string_view id) override;
  Status SetLastActive(std::string_view app_key, std::string_view id, Micros when) override;

 private:
  SqliteDb& db_;
};

}  // namespace eddy::server
