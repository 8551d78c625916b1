// ChannelTypeStore and RoleStore on PostgreSQL: tables `channel_types` (config and grants as
// the exact JSON text written) and `roles`, keyed by (app_key, name).
#pragma once

#include "server/domain/channel_type_store.h"
#include "server/domain/role_store.h"
#include "server/storage/postgres/pg_pool.h"

namespace eddy::server {

// Thread-safe: every call leases its own connection from the shared pool.
class PostgresChannelTypeStore final : public ChannelTypeStore {
 public:
  explicit PostgresChannelTypeStore(PgPool& pool) : pool_(pool) {}

  Status PutChannelType(std::string_view app_key, const StoredChannelType& type) override;
  Result<std::vector<StoredChannelType>> ListChannelTypes(std::string_view app_key) override;
  Result<bool> DeleteChannelType(std::string_view app_key, std::string_view name) override;

 private:
  PgPool& pool_;
};

// Thread-safe: every call leases its own connection from the shared pool.
class PostgresRoleStore final : public RoleStore {
 public:
  explicit PostgresRoleStore(PgPool& pool) : pool_(pool) {}

  Status CreateRole(std::string_view app_key, const Role& role) override;
  Result<std::vector<Role>> ListRoles(std::string_view app_key) override;
  Result<bool> DeleteRole(std::string_view app_key, std::string_view name) override;

 private:
  PgPool& pool_;
};

}  // namespace eddy::server
