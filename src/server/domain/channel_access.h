// Who may do what on a channel: the grants of the channel's type (permissions.h) evaluated
// for the acting user's roles. Pure functions; thread-safe.
//
// The roles of a client-side actor in a channel:
//  - its app role: `anonymous` for anonymous connections, else the user's role (`user` when
//    the user has no record);
//  - `owner` when it created the channel;
//  - its membership's channel role (channel_member, channel_moderator or custom) once it has
//    joined; a pending or rejected invitee has no channel role but may read the channel it
//    is asked to join.
// Rules above the grants: server-side actors may do everything; a banned member may not post
// (send, react, send events, edit/delete/pin own messages, upload) whatever its grants.
// Callers skip the check when the app sets disable_permissions_checks.
#pragma once

#include <string>
#include <vector>

#include "common/error.h"
#include "common/json.h"
#include "server/domain/actor.h"
#include "server/domain/channel.h"
#include "server/domain/channel_types.h"
#include "server/domain/permissions.h"
#include "server/domain/user.h"

namespace eddy::server {

struct AccessContext {
  const Actor& actor;
  const User* user;  // the acting user's record (role); null for server-side
  const Channel& channel;
  const ChannelType& type;
  const Member* member;  // the acting user's membership, or null
};

// The actor's roles in the channel, app role first.
std::vector<std::string> RolesOf(const AccessContext& ctx);

// Ok, or 403 code 17: "User '<id>' with role '<role>' is not allowed to perform action
// <Action> in scope '<type>'" ("with roles ['user', 'channel_member']" for several roles).
Status CheckChannelAccess(const AccessContext& ctx, ChannelAction action);
// The §5.3 own_capabilities list for this reader.
json::array OwnCapabilities(const AccessContext& ctx);

// Whether `app_role` alone (no channel role) may read every channel of `type`: public types
// for users, every type for admins.
bool AppRoleReads(const ChannelType& type, const std::string& app_role);

}  // namespace eddy::server
