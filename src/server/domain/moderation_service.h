// The rules of moderation (protocol §6.9): bans (global or per channel, with timeout, shadow),
// user mutes, channel mutes and flags; who may take each measure, what it stores, and which
// events it emits. Enforcement lives where the refused action is (message sending, reactions,
// the WebSocket handshake, unread counts) through moderation_checks.h.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "common/json.h"
#include "protocol/user_json.h"
#include "server/domain/actor.h"
#include "server/domain/app.h"
#include "server/domain/channel_access.h"
#include "server/domain/channel_events.h"
#include "server/domain/channel_types.h"
#include "server/domain/channel_views.h"
#include "server/domain/events.h"
#include "server/domain/message_views.h"
#include "server/domain/presence.h"
#include "server/domain/read_service.h"
#include "server/domain/store.h"

namespace eddy::server {

// POST /moderation/ban. channel_cid empty: a global ban.
struct BanRequest {
  std::string target_user_id;
  std::string channel_cid;
  std::string banned_by_id;  // server-side only; client-side the caller is the banner
  std::string reason;
  std::optional<std::int64_t> timeout_minutes;
  bool shadow = false;
  bool ip_ban = false;
};

// DELETE /moderation/ban.
struct UnbanRequest {
  std::string target_user_id;
  std::string channel_cid;
};

// POST /moderation/mute and /moderation/unmute. `user_id` names the muter server-side.
struct MuteRequest {
  std::vector<std::string> target_ids;
  std::string user_id;
  std::optional<std::int64_t> timeout_minutes;
};

// POST /moderation/mute/channel and /moderation/unmute/channel.
struct ChannelMuteRequest {
  std::vector<std::string> cids;
  std::string user_id;
  std::optional<std::int64_t> expiration_ms;
};

// POST /moderation/flag and /moderation/unflag: exactly one target.
struct FlagRequest {
  std::string target_message_id;
  std::string target_user_id;
  std::string user_id;
  std::string reason;
};

inline constexpr std::size_t kMaxMuteTargets = 100;
inline constexpr std::int64_t kMaxTimeoutMinutes = 525600 * 10;  // ten years
inline constexpr int kMaxModerationQueryLimit = 300;
inline constexpr int kMaxModerationQueryOffset = 10000;
inline constexpr std::size_t kMaxReasonBytes = 1024;

// Responsible for taking and lifting moderation measures and rendering them. Client-side
// actors act as their token's user; server-side actors name the acting user and bypass
// permission checks. Rights client-side: a global ban needs app role admin or moderator; a
// channel ban needs the channel action kBanChannelMembers; querying bans and flags needs app
// role admin or moderator; muting a channel needs kMuteChannel; flagging a message needs
// kFlagMessage. Errors: unknown user, channel or message 404 code 16; bad input code 4; not
// allowed 403 code 17. A refused call changes nothing and emits nothing.
//
// Events: user.banned / user.unbanned for a channel ban go to the channel's watchers (with
// cid); for a global ban to the banned user's own connections. Shadow bans emit nothing: the
// user must not learn of them. notification.mutes_updated / channel_mutes_updated go to the
// muter's own connections with `me`.
//
// Thread-safe: no state of its own.
class ModerationService {
 public:
  // Every reference must outlive the service.
  ModerationService(Store& store, const ChannelTypes& types, ChannelEvents& channel_events,
                    EventSink& events, ReadService& reads, ChannelViews& channel_views,
                    MessageViews& message_views, const Presence& presence, const Clock& clock);

  Status BanUser(const Actor& actor, const App& app, const BanRequest& in);
  Status UnbanUser(const Actor& actor, const App& app, const UnbanRequest& in);
  // GET /query_banned_users: payload {filter_conditions, sort, limit, offset,
  // exclude_expired_bans}; returns the §6.9 ban objects.
  Result<json::array> QueryBannedUsers(const Actor& actor, const App& app,
                                       const json::object& payload);
  // 403 code 17 if the user is under a global ban that is not a shadow ban, or `address` (the
  // client's IP) is under a global ip_ban (§3.3 handshake). An ip_ban whose address was not
  // known yet takes the banned user's address here.
  Status CheckMayConnect(const App& app, std::string_view user_id, std::string_view address);

  // The response bodies of §6.9: {"mute", "mutes", "own_user"[, "non_existing_users"]}.
  Result<json::object> MuteUsers(const Actor& actor, const App& app, const MuteRequest& in);
  Result<json::object> UnmuteUsers(const Actor& actor, const App& app, const MuteRequest& in);
  // {"channel_mute", "channel_mutes", "own_user"}.
  Result<json::object> MuteChannels(const Actor& actor, const App& app,
                                    const ChannelMuteRequest& in);
  Result<json::object> UnmuteChannels(const Actor& actor, const App& app,
                                      const ChannelMuteRequest& in);
  // me.mutes and me.channel_mutes (mutes in force only).
  Status FillOwnMutes(const App& app, std::string_view user_id, protocol::OwnUserExtras& extras);

  // {"flag": {...}}.
  Result<json::object> AddFlag(const Actor& actor, const App& app, const FlagRequest& in);
  Status RemoveFlag(const Actor& actor, const App& app, const FlagRequest& in);
  // GET /moderation/flags/message (messages_only) and POST /moderation/flags (the review
  // list: messages and users). payload {filter_conditions, limit, offset}.
  Result<json::array> QueryFlags(const Actor& actor, const App& app, const json::object& payload,
                                 bool messages_only);

 private:
  struct ChannelScope {
    Channel channel;
    std::shared_ptr<const ChannelType> type;  // with config_overrides applied; never null
  };

  // limit (default 25, at most kMaxModerationQueryLimit) and offset of a query payload.
  static Status ReadPage(const json::object& payload, int* limit, int* offset);

  Result<std::string> ActingUser(const Actor& actor, std::string_view named,
                                 std::string_view what) const;
  Result<User> MustFindUser(const App& app, std::string_view id);
  Result<ChannelScope> LoadChannel(const App& app, std::string_view cid);
  // Ok if the actor may take `action` in the channel (server-side: always).
  Status CheckInChannel(const Actor& actor, const App& app, const ChannelScope& c,
                        ChannelAction action);
  Result<std::optional<ChannelScope>> AuthorizeBan(const Actor& actor, const App& app,
                                                   std::string_view channel_cid,
                                                   std::string_view global);
  // Ok for server-side actors and app admins/moderators.
  Status CheckModerator(const Actor& actor, const App& app, std::string_view what);
  json::object UserJson(const App& app, const User& u) const;
  Result<json::object> OwnUser(const App& app, std::string_view user_id);
  // channel null: a global ban's event.
  void EmitBanEvent(const App& app, json::object event, const std::string& user_id,
                    const Channel* channel);
  // Renders mutes of one user (the muter) with their targets / channels; a mute whose
  // target or channel is gone is left out.
  Result<json::array> MutesJson(const App& app, const User& muter,
                                const std::vector<UserMute>& mutes);
  Result<json::array> ChannelMutesJson(const App& app, const User& muter,
                                       const std::vector<ChannelMute>& mutes);
  Result<json::array> FlagsJson(const App& app, const std::vector<Flag>& flags);
  Result<json::array> BansJson(const App& app, const std::vector<Ban>& bans);
  // Users by id, rendered (missing ids are absent).
  Result<std::map<std::string, json::object>> UsersJson(const App& app,
                                                        std::vector<std::string> ids);
  void NotifyMutes(const App& app, std::string_view type, std::string_view user_id,
                   const json::object& own_user);

  Store& store_;
  const ChannelTypes& types_;
  ChannelEvents& channel_events_;
  EventSink& events_;
  ReadService& reads_;
  ChannelViews& channel_views_;
  MessageViews& message_views_;
  const Presence& presence_;
  const Clock& clock_;
};

}  // namespace eddy::server
