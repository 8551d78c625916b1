#include "server/domain/channel_access.h"

#include <string>
#include <string_view>

namespace eddy::server {

namespace {

// A member whose invite is still pending or was rejected has not joined.
bool Joined(const Member& m) {
  if (m.invite_rejected_at) return false;
  return !m.invited || m.invite_accepted_at.has_value();
}

// Actions that post into the channel: a channel ban takes them away whatever the grants.
bool Posts(ChannelAction action) {
  switch (action) {
    case ChannelAction::kSendMessage:
    case ChannelAction::kSendReaction:
    case ChannelAction::kSendEvent:
    case ChannelAction::kUpdateOwnMessage:
    case ChannelAction::kDeleteOwnMessage:
    case ChannelAction::kPinMessage:
    case ChannelAction::kUploadAttachment:
      return true;
    default:
      return false;
  }
}

bool Allowed(const AccessContext& ctx, const std::vector<std::string>& roles,
             ChannelAction action) {
  if (ctx.actor.server) return true;
  if (ctx.member != nullptr && ctx.member->banned && Posts(action)) return false;
  // Invitees read the channel they are asked to join.
  if (action == ChannelAction::kReadChannel && ctx.member != nullptr) return true;
  return Granted(ctx.type.grants, roles, PermissionFor(action));
}

std::string Quote(const std::string& s) { return "'" + s + "'"; }

}  // namespace

std::vector<std::string> RolesOf(const AccessContext& ctx) {
  std::vector<std::string> roles;
  if (ctx.actor.anonymous) {
    roles.emplace_back("anonymous");
  } else {
    roles.push_back(ctx.user != nullptr && !ctx.user->role.empty() ? ctx.user->role : "user");
  }
  if (ctx.member != nullptr && Joined(*ctx.member)) {
    roles.push_back(ctx.member->channel_role.empty() ? "channel_member" : ctx.member->channel_role);
  }
  if (!ctx.actor.anonymous && !ctx.actor.user_id.empty() &&
      ctx.channel.created_by_id == ctx.actor.user_id) {
    roles.emplace_back("owner");
  }
  return roles;
}

bool AppRoleReads(const ChannelType& type, const std::string& app_role) {
  return Granted(type.grants, {app_role}, PermissionFor(ChannelAction::kReadChannel));
}

Status CheckChannelAccess(const AccessContext& ctx, ChannelAction action) {
  const std::vector<std::string> roles = RolesOf(ctx);
  if (Allowed(ctx, roles, action)) return {};
  if (action == ChannelAction::kUpdateChannelRoles) {
    return Error::NotAllowed("changing channel member roles is not allowed client-side");
  }
  std::string who = ctx.actor.user_id.empty() ? "anonymous" : ctx.actor.user_id;
  std::string role_text = "role " + Quote(roles.front());
  if (roles.size() > 1) {
    role_text = "roles [";
    for (std::size_t i = 0; i < roles.size(); ++i) {
      role_text += (i > 0 ? ", " : "") + Quote(roles[i]);
    }
    role_text += "]";
  }
  return Error::NotAllowed("User " + Quote(who) + " with " + role_text +
                           " is not allowed to perform action " + std::string(ActionName(action)) +
                           " in scope " + Quote(ctx.type.name));
}

json::array OwnCapabilities(const AccessContext& ctx) {
  const ChannelType& t = ctx.type;
  const std::vector<std::string> roles = RolesOf(ctx);
  auto allowed = [&ctx, &roles](ChannelAction action) { return Allowed(ctx, roles, action); };
  const bool read = allowed(ChannelAction::kReadChannel);
  const bool user = !ctx.actor.anonymous && (ctx.actor.server || !ctx.actor.user_id.empty());
  const bool writable = !ctx.channel.frozen || allowed(ChannelAction::kSendToFrozenChannel);
  const bool send = writable && allowed(ChannelAction::kSendMessage);
  const bool event = allowed(ChannelAction::kSendEvent);

  json::array caps;
  auto add = [&caps](bool on, const char* name) {
    if (on) caps.emplace_back(name);
  };
  // Alphabetical, as the real backend lists them.
  add(allowed(ChannelAction::kBanChannelMembers), "ban-channel-members");
  add(read && t.Flag("connect_events"), "connect-events");
  add(send && t.Flag("uploads"), "create-attachment");
  add(send, "create-mention");
  add(allowed(ChannelAction::kDeleteAnyMessage), "delete-any-message");
  add(allowed(ChannelAction::kDeleteChannel), "delete-channel");
  add(allowed(ChannelAction::kDeleteOwnMessage), "delete-own-message");
  add(read && user && t.Flag("delivery_events"), "delivery-events");
  add(allowed(ChannelAction::kFlagMessage), "flag-message");
  add(allowed(ChannelAction::kFreezeChannel), "freeze-channel");
  add(allowed(ChannelAction::kUpdateChannelMembers) && ctx.member == nullptr, "join-channel");
  add(ctx.member != nullptr, "leave-channel");
  add(allowed(ChannelAction::kMuteChannel) && t.Flag("mutes"), "mute-channel");
  add(writable && allowed(ChannelAction::kPinMessage), "pin-message");
  add(send && t.Flag("quotes"), "quote-message");
  add(read && user && t.Flag("read_events"), "read-events");
  add(read && t.Flag("search"), "search-messages");
  add(event && t.Flag("custom_events"), "send-custom-events");
  add(send, "send-links");
  add(send, "send-message");
  add(writable && allowed(ChannelAction::kSendReaction) && t.Flag("reactions"), "send-reaction");
  add(send && t.Flag("replies"), "send-reply");
  add(event && t.Flag("typing_events"), "send-typing-events");
  add(allowed(ChannelAction::kSetChannelCooldown), "set-channel-cooldown");
  add(send && t.Flag("shared_locations"), "share-location");
  add(allowed(ChannelAction::kSkipSlowMode), "skip-slow-mode");
  add(event && t.Flag("typing_events"), "typing-events");
  add(allowed(ChannelAction::kUpdateAnyMessage), "update-any-message");
  add(allowed(ChannelAction::kUpdateChannel), "update-channel");
  add(allowed(ChannelAction::kUpdateChannelMembers), "update-channel-members");
  add(allowed(ChannelAction::kUpdateOwnMessage), "update-own-message");
  add(send && t.Flag("replies"), "update-thread");
  add(writable && allowed(ChannelAction::kUploadAttachment) && t.Flag("uploads"), "upload-file");
  return caps;
}

}  // namespace eddy::server
