// ChannelStore on PostgreSQL: `channels` keyed by (app, cid) and `members` keyed by
// (app, cid, user_id), one row per member carrying its read state and per-user channel state.
// Deleting a channel cascades (foreign keys) to its members, messages and reactions.
#pragma once

#include "server/domain/channel_store.h"
#include "server/storage/postgres/pg_pool.h"

namespace eddy::server {

// Thread-safe: every call leases its own connection from the shared pool
// (queries are translated to SQL before taking it).
class PostgresChannelStore final : public ChannelStore {
 public:
  explicit PostgresChannelStore(PgPool& pool) : pool_(pool) {}

  Status CreateChannel(std::string_view app_key, const Channel& channel,
                       const std::vector<Member>& members) override;
  Result<std::optional<Channel>> GetChannel(std::string_view app_key, std::string_view type,
                                            std::string_view id) override;
  Result<std::vector<Channel>> GetChannels(std::string_view app_key,
                                           const std::vector<std::string>& cids) override;
  Status UpdateChannel(std::string_view app_key, const Channel& channel) override;
  Status DeleteChannel(std::string_view app_key, std::string_view type,
                       std::string_view id) override;
  Result<std::vector<Channel>> QueryChannels(std::string_view app_key,
                                             const ChannelQuery& query) override;

  Status UpsertMembers(std::string_view app_key, const std::vector<Member>& members) override;
  Status UpdateReadState(std::string_view app_key, const Member& member) override;
  Status RemoveMembers(std::string_view app_key, std::string_view type, std::string_view id,
                       const std::vector<std::string>& user_ids) override;
  Result<std::optional<Member>> GetMember(std::string_view app_key, std::string_view type,
                                          std::string_view id, std::string_view user_id) override;
  Result<std::vector<Member>> QueryMembers(std::string_view app_key, std::string_view type,
                                           std::string_view id, const MemberQuery& q) override;
  Result<std::vector<Member>> MembershipsOf(std::string_view app_key,
                                            std::string_view user_id) override;

  Result<std::vector<RosterEntry>> Roster(std::string_view app_key, std::string_view type,
                                          std::string_view id) override;

 private:
  PgPool& pool_;
};

}  // namespace eddy::server
