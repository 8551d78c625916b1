// Who may do what on a channel, until the grants of #4 replace it with per-type permission
// tables. Server-side actors may do everything. Pure functions; thread-safe.
//
// Rules (protocol §9's "reasonable default policy"):
//  - app admins and moderators: everything below;
//  - read (query/watch, list members, read messages, mark read): members of members_only
//    types; anyone in the app for the others;
//  - send message / reaction / typing and custom events: members; for !members_only types
//    any user;
//  - update channel data, add/remove members: the creator or a channel_moderator (and
//    any member removing themself);
//  - add/demote moderators, assign roles: server-side only ("changing channel member roles is
//    not allowed client-side");
//  - delete / truncate channel: the creator (members of messaging per §5.3's capability list
//    for delete-channel) or channel moderator;
//  - update/delete own message: its author; any message: channel moderators.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/json.h"
#include "server/domain/actor.h"
#include "server/domain/channel.h"
#include "server/domain/channel_types.h"
#include "server/domain/user.h"

namespace eddy::server {

enum class ChannelAction {
  kReadChannel,
  kCreateChannel,
  kUpdateChannel,
  kUpdateChannelMembers,
  kUpdateChannelRoles,
  kDeleteChannel,
  kTruncateChannel,
  kSendMessage,
  kSendReaction,
  kSendEvent,
  kUpdateOwnMessage,
  kUpdateAnyMessage,
  kDeleteOwnMessage,
  kDeleteAnyMessage,
  kPinMessage,
  kUploadAttachment,
  kFlagMessage,
  kMuteChannel,
  kBanChannelMembers,
  kFreezeChannel,
  kSetChannelCooldown,
  kSkipSlowMode,
  kSendToFrozenChannel,  // send messages and reactions while the channel is frozen
};

struct AccessContext {
  const Actor& actor;
  const User* user;  // the acting user's record (role); null for server-side
  const Channel& channel;
  const ChannelType& type;
  const Member* member;  // the acting user's membership, or null
};

// Ok, or 403 code 17: "User '<id>' with role '<role>' is not allowed to perform action
// <Action> in scope '<type>'".
Status CheckChannelAccess(const AccessContext& ctx, ChannelAction action);
// The §5.3 own_capabilities list for this reader.
json::array OwnCapabilities(const AccessContext& ctx);

}  // namespace eddy::server
