// ModerationStore on SQLite: tables bans, user_mutes, channel_mutes and flags (migration 4).
// A ban's or flag's channel is kept as its cid; absent strings are stored as '' so they can be
// part of the primary key.
#pragma once

#include <string>

#include "server/domain/moderation_store.h"
#include "server/storage/sqlite/sqlite_db.h"

namespace eddy::server {

// Thread-safe: writes go through the database's group commit (SqliteDb::Write), reads
// through a read connection (SqliteDb::Reading); queries are translated to SQL before either.
class SqliteModerationStore final : public ModerationStore {
 public:
  explicit SqliteModerationStore(SqliteDb& db) : db_(db) {}

  Status UpsertBan(std::string_view app_key, const Ban& ban) override;
  Result<bool> DeleteBan(std::string_view app_key, std::string_view user_id,
                         std::string_view channel_cid) override;
  Result<std::vector<Ban>> BansOf(std::string_view app_key, std::string_view user_id,
                                  std::string_view channel_cid) override;
  Result<std::optional<Ban>> FindIpBan(std::string_view app_key, std::string_view ip,
                                       Micros now) override;
  Result<std::vector<Ban>> QueryBans(std::string_view app_key, const BanQuery& q) override;

  Status UpsertMute(std::string_view app_key, const UserMute& mute) override;
  Result<bool> DeleteMute(std::string_view app_key, std::string_view user_id,
                          std::string_view target_id) override;
  Result<std::vector<UserMute>> MutesOf(std::string_view app_key,
                                        std::string_view user_id) override;

  Status UpsertChannelMute(std::string_view app_key, const ChannelMute& mute) override;
  Result<bool> DeleteChannelMute(std::string_view app_key, std::string_view user_id,
                                 std::string_view channel_cid) override;
  Result<std::vector<ChannelMute>> ChannelMutesOf(std::string_view app_key,
                                                  std::string_view user_id) override;

  Status UpsertFlag(std::string_view app_key, const Flag& flag) override;
  Result<bool> DeleteFlag(std::string_view app_key, std::string_view user_id,
                          std::string_view target_message_id,
                          std::string_view target_user_id) override;
  Result<std::vector<Flag>> QueryFlags(std::string_view app_key, const FlagQuery& q) override;

 private:
  // Deletes the row (app_key, user_id, <key_column> = key) of `table` (trusted names); true if
  // one went.
  Result<bool> DeleteKeyed(const std::string& table, const std::string& key_column,
                           std::string_view app_key, std::string_view user_id,
                           std::string_view key);

  SqliteDb& db_;
};

}  // namespace eddy::server
