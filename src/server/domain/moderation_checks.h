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

namespace eddy::server {

// The ban in force for the user in the channel (channel_cid empty: globally), if any. A
// global ban wins over a channel ban.
Result<std::optional<Ban>> ActiveBan(ModerationStore& store, std::string_view app_key,
                                     std::string_view user_id, std::string_view channel_cid,
                                     Micros now);

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
