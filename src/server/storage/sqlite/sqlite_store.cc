#include "server/storage/sqlite/sqlite_store.h"

#include <filesystem>
#include <system_error>

#include "server/storage/sqlite/sqlite_app_store.h"
#include "server/storage/sqlite/sqlite_blocklist_store.h"
#include "server/storage/sqlite/sqlite_channel_store.h"
#include "server/storage/sqlite/sqlite_db.h"
#include "server/storage/sqlite/sqlite_message_store.h"
#include "server/storage/sqlite/sqlite_migrations.h"
#include "server/storage/sqlite/sqlite_moderation_store.h"
#include "server/storage/sqlite/sqlite_permission_stores.h"
#include "server/storage/sqlite/sqlite_user_store.h"

namespace eddy::server {

namespace {

// Owns the database and the resource stores that share it. Thread-safe: the resource stores
// write through its group commit and read through its read connections.
class SqliteStore final : public Store {
 public:
  explicit SqliteStore(std::unique_ptr<SqliteDb> db)
      : db_(std::move(db)),
        apps_(*db_),
        users_(*db_),
        channels_(*db_),
        messages_(*db_),
        blocklists_(*db_),
        channel_types_(*db_),
        roles_(*db_),
        moderation_(*db_) {}

  AppStore& apps() override { return apps_; }
  UserStore& users() override { return users_; }
  ChannelStore& channels() override { return channels_; }
  MessageStore& messages() override { return messages_; }
  BlocklistStore& blocklists() override { return blocklists_; }
  ChannelTypeStore& channel_types() override { return channel_types_; }
  RoleStore& roles() override { return roles_; }
  ModerationStore& moderation() override { return moderation_; }

  Status Flush() override { return db_->Checkpoint(); }

 private:
  std::unique_ptr<SqliteDb> db_;
  SqliteAppStore apps_;
  SqliteUserStore users_;
  SqliteChannelStore channels_;
  SqliteMessageStore messages_;
  SqliteBlocklistStore blocklists_;
  SqliteChannelTypeStore channel_types_;
  SqliteRoleStore roles_;
  SqliteModerationStore moderation_;
};

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& data_dir) {
  std::string path = data_dir;
  if (data_dir != ":memory:") {
    std::error_code ec;
    std::filesystem::create_directories(data_dir, ec);
    if (ec) {
      return Error::Internal("cannot create data directory " + data_dir + ": " + ec.message());
    }
    path = (std::filesystem::path(data_dir) / "eddy.db").string();
  }
  EDDY_ASSIGN_OR_RETURN(std::unique_ptr<SqliteDb> db, SqliteDb::Open(path));
  EDDY_TRY(ApplyMigrations(*db, SqliteMigrations()));
  return std::unique_ptr<Store>(std::make_unique<SqliteStore>(std::move(db)));
}

}  // namespace eddy::server
