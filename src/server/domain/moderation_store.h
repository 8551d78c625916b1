// Port: persistence of moderation measures (protocol §6.9): bans, user mutes, channel mutes
// and flags. Records keep their expiry; deciding whether one is still in force is the caller's
// (it compares with its Clock), so nothing needs a background job. Implementations are
// thread-safe; calls may block.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "server/domain/query.h"

namespace eddy::server {

// One ban of a user, app-wide (channel_cid empty) or in one channel. Keyed by
// (user_id, channel_cid): banning again replaces the record.
struct Ban {
  std::string user_id;
  std::string channel_cid;    // empty: a global ban
  std::string created_by_id;  // the banning user; empty when a backend banned without naming one
  std::string reason;
  bool shadow = false;
  bool ip_ban = false;
  // With ip_ban: the address the user was seen connecting from ("" until known). A global
  // ip_ban in force refuses every connection from it, whichever user.
  std::string ip;
  std::optional<std::int64_t> timeout_minutes;
  Micros created_at = 0;
  std::optional<Micros> expires;

  bool Active(Micros now) const { return !expires || *expires > now; }
};

struct BanQuery {
  // Fields: user_id, channel_cid, banned_by_id, reason, shadow, created_at, expires.
  Filter filter;
  std::vector<SortField> sort;  // empty: created_at descending; ties broken by user_id
  int limit = 25;
  int offset = 0;
  std::optional<Micros> active_at;  // set: only bans still in force at this time
};

// `user_id` muted `target_id`. Keyed by the pair.
struct UserMute {
  std::string user_id;
  std::string target_id;
  Micros created_at = 0;
  Micros updated_at = 0;
  std::optional<Micros> expires;

  bool Active(Micros now) const { return !expires || *expires > now; }
};

// `user_id` muted a channel. Keyed by the pair.
struct ChannelMute {
  std::string user_id;
  std::string channel_cid;
  Micros created_at = 0;
  Micros updated_at = 0;
  std::optional<Micros> expires;

  bool Active(Micros now) const { return !expires || *expires > now; }
};

// `user_id` flagged a message (target_message_id, with its channel_cid and author in
// target_user_id) or a user (target_message_id empty). Keyed by (user_id, target_message_id,
// target_user_id): flagging again replaces the reason.
struct Flag {
  std::string user_id;
  std::string target_message_id;
  std::string target_user_id;
  std::string channel_cid;
  std::string reason;
  Micros created_at = 0;
  Micros updated_at = 0;
};

struct FlagQuery {
  // Fields: user_id, target_message_id, target_user_id, channel_cid, reason, created_at.
  Filter filter;
  bool messages_only = false;  // only flags of messages
  int limit = 25;              // newest first; ties broken by user_id
  int offset = 0;
};

class ModerationStore {
 public:
  virtual ~ModerationStore() = default;

  virtual Status UpsertBan(std::string_view app_key, const Ban& ban) = 0;
  // Returns false if there was no such ban.
  virtual Result<bool> DeleteBan(std::string_view app_key, std::string_view user_id,
                                 std::string_view channel_cid) = 0;
  // The user's global ban (channel_cid "") and, if channel_cid is set, that channel's ban;
  // expired ones too. Global ban first.
  virtual Result<std::vector<Ban>> BansOf(std::string_view app_key, std::string_view user_id,
                                          std::string_view channel_cid) = 0;
  virtual Result<std::vector<Ban>> QueryBans(std::string_view app_key, const BanQuery& q) = 0;
  // A global ip_ban on `ip` still in force at `now`, if any.
  virtual Result<std::optional<Ban>> FindIpBan(std::string_view app_key, std::string_view ip,
                                               Micros now) = 0;

  virtual Status UpsertMute(std::string_view app_key, const UserMute& mute) = 0;
  virtual Result<bool> DeleteMute(std::string_view app_key, std::string_view user_id,
                                  std::string_view target_id) = 0;
  // Every mute of the user (expired ones too), oldest first.
  virtual Result<std::vector<UserMute>> MutesOf(std::string_view app_key,
                                                std::string_view user_id) = 0;

  virtual Status UpsertChannelMute(std::string_view app_key, const ChannelMute& mute) = 0;
  virtual Result<bool> DeleteChannelMute(std::string_view app_key, std::string_view user_id,
                                         std::string_view channel_cid) = 0;
  // Every channel mute of the user (expired ones too), oldest first.
  virtual Result<std::vector<ChannelMute>> ChannelMutesOf(std::string_view app_key,
                                                          std::string_view user_id) = 0;

  virtual Status UpsertFlag(std::string_view app_key, const Flag& flag) = 0;
  virtual Result<bool> DeleteFlag(std::string_view app_key, std::string_view user_id,
                                  std::string_view target_message_id,
                                  std::string_view target_user_id) = 0;
  virtual Result<std::vector<Flag>> QueryFlags(std::string_view app_key, const FlagQuery& q) = 0;
};

}  // namespace eddy::server
