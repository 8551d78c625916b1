#include "server/storage/postgres/postgres_store.h"

#include "server/storage/postgres/pg_pool.h"
#include "server/storage/postgres/postgres_app_store.h"
#include "server/storage/postgres/postgres_blocklist_store.h"
#include "server/storage/postgres/postgres_channel_store.h"
#include "server/storage/postgres/postgres_message_store.h"
#include "server/storage/postgres/postgres_migrations.h"
#include "server/storage/postgres/postgres_moderation_store.h"
#include "server/storage/postgres/postgres_permission_stores.h"
#include "server/storage/postgres/postgres_user_store.h"

namespace eddy::server {

namespace {

// Owns the pool and the resource stores that share it. Thread-safe: each call leases its own
// connection.
class PostgresStore final : public Store {
 public:
  PostgresStore(const std::string& url, int pool_size)
      : pool_(url, pool_size),
        apps_(pool_),
        users_(pool_),
        channels_(pool_),
        messages_(pool_),
        blocklists_(pool_),
        channel_types_(pool_),
        roles_(pool_),
        moderation_(pool_) {}

  PgPool& pool() { return pool_; }
  AppStore& apps() override { return apps_; }
  UserStore& users() override { return users_; }
  ChannelStore& channels() override { return channels_; }
  MessageStore& messages() override { return messages_; }
  BlocklistStore& blocklists() override { return blocklists_; }
  ChannelTypeStore& channel_types() override { return channel_types_; }
  RoleStore& roles() override { return roles_; }
  ModerationStore& moderation() override { return moderation_; }

  // Every acknowledged write was committed, and PostgreSQL made it durable at commit.
  Status Flush() override { return {}; }

 private:
  PgPool pool_;
  PostgresAppStore apps_;
  PostgresUserStore users_;
  PostgresChannelStore channels_;
  PostgresMessageStore messages_;
  PostgresBlocklistStore blocklists_;
  PostgresChannelTypeStore channel_types_;
  PostgresRoleStore roles_;
  PostgresModerationStore moderation_;
};

}  // namespace

Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url, int pool_size) {
  auto store = std::make_unique<PostgresStore>(url, pool_size);
  {
    EDDY_ASSIGN_OR_RETURN(PgLease conn, store->pool().Acquire());
    EDDY_TRY(ApplyPostgresMigrations(*conn, PostgresMigrations()));
  }
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace eddy::server
