// What other services ask of moderation: is this user banned here, whom and which channels
// has this user muted. A record counts only while in force at `now` (the caller's Clock), so
// timeouts end by themselves. Free functions over the ModerationStore port; thread-safe.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "server/domain/moderation_store.h"
#include "server/domain/store.h"

namespace eddy::server {

// The ban in force for the user in the channel (channel_cid empty: globally), if any. A
// global ban wins over a channel ban.
Result<std::optional<Ban>> ActiveBan(ModerationStore& store, std::string_view app_key,
                                     std::string_view user_id, std::string_view channel_cid,
                                     Micros now);

// The user's `banned`/`shadow_banned` (global ban) or the member's `banned`/`shadow_banned`/
// `ban_expires` (channel ban, if a member) mirror the ban: for rendering, for user and member
// queries, and for the channel access rules (a banned member may not write). `banned` false
// clears them.
Status SetBanFlags(Store& store, std::string_view app_key, const Ban& ban, bool banned);

// Removes the user's bans (global, and in the channel if channel_cid is set) that ran out by
// `now` and clears the flags they set, so an expired ban stops counting everywhere. Called
// before the checks of an action a ban refuses.
Status LiftExpiredBans(Store& store, std::string_view app_key, std::string_view user_id,
                       std::string_view channel_cid, Micros now);

// 403 code 17 for a user under a ban that is not a shadow ban (a shadow-banned user must not
// notice); Ok otherwise. `what` names the refused action ("send messages").
Status RefuseBanned(const std::optional<Ban>& ban, std::string_view user_id, std::string_view what);

// Users `user_id` has muted, mutes in force only.
Result<std::vector<std::string>> MutedUserIds(ModerationStore& store, std::string_view app_key,
                                              std::string_view user_id, Micros now);
// Channels `user_id` has muted (cids), mutes in force only.
Result<std::set<std::string>> MutedChannelCids(ModerationStore& store, std::string_view app_key,
                                               std::string_view user_id, Micros now);

// The user's mute of the channel, if in force.
Result<std::optional<ChannelMute>> ActiveChannelMute(ModerationStore& store,
                                                     std::string_view app_key,
                                                     std::string_view user_id,
                                                     std::string_view channel_cid, Micros now);

}  // namespace eddy::server
