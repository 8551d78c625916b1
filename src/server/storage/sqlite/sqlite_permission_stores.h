// ChannelTypeStore and RoleStore on SQLite: tables `channel_types` (config and grants as JSON
// text) and `roles`, keyed by (app_key, name).
#pragma once

#include "server/domain/channel_type_store.h"
#include "server/domain/role_store.h"
#include "server/storage/sqlite/sqlite_db.h"

namespace eddy::server {

// Thread-safe: writes go through the database's group commit (SqliteDb::Write), reads
// through a read connection (SqliteDb::Reading).
class SqliteChannelTypeStore final : public ChannelTypeStore {
 public:
  explicit SqliteChannelTypeStore(SqliteDb& db) : db_(db) {}

  Status PutChannelType(std::string_view app_key, const StoredChannelType& type) override;
  Result<std::vector<StoredChannelType>> ListChannelTypes(std::string_view app_key) override;
  Result<bool> DeleteChannelType(std::string_view app_key, std::string_view name) override;

 private:
  SqliteDb& db_;
};

// Thread-safe: writes go through the database's group commit (SqliteDb::Write), reads
// through a read connection (SqliteDb::Reading).
class SqliteRoleStore final : public RoleStore {
 public:
  explicit SqliteRoleStore(SqliteDb& db) : db_(db) {}

  Status CreateRole(std::string_view app_key, const Role& role) override;
  Result<std::vector<Role>> ListRoles(std::string_view app_key) override;
  Result<bool> DeleteRole(std::string_view app_key, std::string_view name) override;

 private:
  SqliteDb& db_;
};

}  // namespace eddy::server
