// Permissions and grants (protocol §9, v2 style): the permission ids eddy checks, which
// ChannelAction each guards, the default grants of the built-in channel types, and the
// validation of grants a backend sends. Pure functions over immutable tables; thread-safe.
//
// Permission ids, one per ChannelAction:
//   read-channel            query/watch a channel, list its members, read and mark read
//   create-channel          create a channel of the type
//   update-channel          update data/config, (un)hide, partial update
//   update-channel-members  add, remove and invite members
//   update-channel-member-roles  add/demote moderators, assign roles (no default grant:
//                           server-side only unless a backend grants it)
//   delete-channel, truncate-channel
//   create-message, create-reaction, send-custom-event (typing and custom events)
//   update-own-message, update-any-message, delete-own-message, delete-any-message
//   pin-message, upload-attachment, flag-message, mute-channel, ban-channel-member,
//   freeze-channel, set-channel-cooldown, skip-channel-cooldown, send-to-frozen-channel
// The legacy v1 names and resources of §9 ("Create Message", "CreateMessage", "Read Any
// Channel", ...) are accepted in grants and stored as these ids.
//
// Roles a grant may name: the app roles (admin, moderator, user, guest, anonymous or a
// custom role) and the channel roles channel_member, channel_moderator and owner (the
// channel's creator), or a custom channel role.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/json.h"

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

// role -> permission ids.
using Grants = std::map<std::string, std::set<std::string>, std::less<>>;

// The permission id guarding `action`, e.g. "create-message".
std::string_view PermissionFor(ChannelAction action);
// The v2 action name used in refusals, e.g. "CreateMessage".
std::string_view ActionName(ChannelAction action);
// Every permission id, in the order of ChannelAction.
const std::vector<std::string_view>& AllPermissions();

// Whether any of `roles` is granted `permission`.
bool Granted(const Grants& grants, const std::vector<std::string>& roles,
             std::string_view permission);

// The app roles eddy defines; `custom: false` in GET /roles.
const std::vector<std::string_view>& BuiltinAppRoles();
// The channel roles eddy defines.
const std::vector<std::string_view>& BuiltinChannelRoles();
bool IsBuiltinRole(std::string_view role);

// Default grants of a built-in type; `members_only` types (messaging, team, commerce) are
// read and written by members, the others (livestream, gaming) by every user. `member_deletes`
// lets members delete the channel (messaging, as §5.3's member capability list shows).
Grants DefaultGrants(bool members_only, bool member_deletes);

// A grants object from the wire: {role: [permission, ...]}; unknown permissions, bad role
// names, wrong types and more than 64 roles or 64 permissions per role are input errors.
// Legacy names are translated to ids.
Result<Grants> ParseGrants(const json::value& v);
json::object GrantsToJson(const Grants& grants);

}  // namespace eddy::server
