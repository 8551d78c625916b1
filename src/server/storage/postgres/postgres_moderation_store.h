// ModerationStore on PostgreSQL: tables bans, user_mutes, channel_mutes and flags (migration
// 5). A ban's or flag's channel is kept as its cid; absent strings are stored as '' so they
// can be part of the primary key.
#pragma once

#include "server/domain/moderation_store.h"
#include "server/storage/postgres/pg_pool.h"

namespace eddy::server {

// Thread-safe: every call leases its own connection from the shared pool.
class PostgresModerationStore final : public ModerationStore {
 public:
  explicit PostgresModerationStore(PgPool& pool) : pool_(pool) {}

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
  // Runs a DELETE (trusted SQL, the row's key as $1..$n); true if a row went.
  Result<bool> DeleteRow(const std::string& sql, PgParams params);

  PgPool& pool_;
};

}  // namespace eddy::server
