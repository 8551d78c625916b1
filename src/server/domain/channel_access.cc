#include "server/domain/channel_access.h"

#include <string>
#include <string_view>

namespace eddy::server {

namespace {

std::string_view ActionName(ChannelAction action) {
  switch (action) {
    case ChannelAction::kReadChannel:
      return "ReadChannel";
    case ChannelAction::kCreateChannel:
      return "CreateChannel";
    case ChannelAction::kUpdateChannel:
      return "UpdateChannel";
    case ChannelAction::kUpdateChannelMembers:
      return "UpdateChannelMembers";
    case ChannelAction::kUpdateChannelRoles:
      return "UpdateChannelMemberRoles";
    case ChannelAction::kDeleteChannel:
      return "DeleteChannel";
    case ChannelAction::kTruncateChannel:
      return "TruncateChannel";
    case ChannelAction::kSendMessage:
      return "CreateMessage";
    case ChannelAction::kSendReaction:
      return "CreateReaction";
    case ChannelAction::kSendEvent:
      return "SendCustomEvent";
    case ChannelAction::kUpdateOwnMessage:
      return "UpdateOwnMessage";
    case ChannelAction::kUpdateAnyMessage:
      return "UpdateAnyMessage";
    case ChannelAction::kDeleteOwnMessage:
      return "DeleteOwnMessage";
    case ChannelAction::kDeleteAnyMessage:
      return "DeleteAnyMessage";
    case ChannelAction::kPinMessage:
      return "PinMessage";
    case ChannelAction::kUploadAttachment:
      return "UploadAttachment";
    case ChannelAction::kFlagMessage:
      return "FlagMessage";
    case ChannelAction::kMuteChannel:
      return "MuteChannel";
    case ChannelAction::kBanChannelMembers:
      return "BanChannelMember";
    case ChannelAction::kFreezeChannel:
      return "UpdateChannelFrozen";
    case ChannelAction::kSetChannelCooldown:
      return "UpdateChannelCooldown";
    case ChannelAction::kSkipSlowMode:
      return "SkipChannelCooldown";
    case ChannelAction::kSendToFrozenChannel:
      return "SendToFrozenChannel";
  }
  return "Unknown";
}

std::string RoleOf(const AccessContext& ctx) {
  if (ctx.actor.anonymous) return "anonymous";
  return ctx.user != nullptr ? ctx.user->role : "user";
}

// App-wide staff: may do everything a channel moderator may, in every channel.
bool IsStaff(const AccessContext& ctx) {
  if (ctx.user == nullptr || ctx.actor.anonymous) return false;
  return ctx.user->role == "admin" || ctx.user->role == "moderator";
}

// A member whose invite is still pending or was rejected has not joined.
bool Joined(const Member& m) {
  if (m.invite_rejected_at) return false;
  return !m.invited || m.invite_accepted_at.has_value();
}

bool IsChannelModerator(const AccessContext& ctx) {
  return ctx.member != nullptr && Joined(*ctx.member) &&
         ctx.member->channel_role == "channel_moderator";
}

bool IsCreator(const AccessContext& ctx) {
  return !ctx.actor.anonymous && !ctx.actor.user_id.empty() &&
         ctx.channel.created_by_id == ctx.actor.user_id;
}

// A real user (not anonymous) who may write: joined member of a private type, anyone in a
// public one; banned members never.
bool CanWrite(const AccessContext& ctx) {
  if (ctx.actor.anonymous || ctx.actor.user_id.empty()) return false;
  if (ctx.member != nullptr && ctx.member->banned) return false;
  if (!ctx.type.members_only) return true;
  return ctx.member != nullptr && Joined(*ctx.member);
}

bool Allowed(const AccessContext& ctx, ChannelAction action) {
  if (ctx.actor.server) return true;
  if (action == ChannelAction::kUpdateChannelRoles) return false;  // server side only
  if (IsStaff(ctx)) return true;
  const bool moderator = IsChannelModerator(ctx);
  switch (action) {
    case ChannelAction::kReadChannel:
      // Invitees read the channel they are asked to join; creators read what they made.
      return !ctx.type.members_only || ctx.member != nullptr || IsCreator(ctx);
    case ChannelAction::kCreateChannel:
      return !ctx.actor.anonymous && !ctx.actor.user_id.empty() &&
             (ctx.user == nullptr || ctx.user->role != "anonymous");
    case ChannelAction::kUpdateChannel:
    case ChannelAction::kUpdateChannelMembers:
    case ChannelAction::kTruncateChannel:
      return moderator || IsCreator(ctx);
    case ChannelAction::kDeleteChannel:
      // §5.3's member capability list for messaging includes delete-channel.
      return moderator || IsCreator(ctx) ||
             (ctx.type.name == "messaging" && ctx.member != nullptr && Joined(*ctx.member) &&
              !ctx.member->banned);
    case ChannelAction::kSendMessage:
    case ChannelAction::kSendReaction:
    case ChannelAction::kSendEvent:
    case ChannelAction::kUpdateOwnMessage:
    case ChannelAction::kDeleteOwnMessage:
    case ChannelAction::kPinMessage:
    case ChannelAction::kUploadAttachment:
      return CanWrite(ctx);
    case ChannelAction::kFlagMessage:
    case ChannelAction::kMuteChannel:
      return !ctx.actor.anonymous && !ctx.actor.user_id.empty() &&
             Allowed(ctx, ChannelAction::kReadChannel);
    case ChannelAction::kUpdateAnyMessage:
    case ChannelAction::kDeleteAnyMessage:
    case ChannelAction::kBanChannelMembers:
    case ChannelAction::kFreezeChannel:
    case ChannelAction::kSetChannelCooldown:
    case ChannelAction::kSkipSlowMode:
    case ChannelAction::kSendToFrozenChannel:
      return moderator;
    case ChannelAction::kUpdateChannelRoles:
      return false;
  }
  return false;
}

}  // namespace

Status CheckChannelAccess(const AccessContext& ctx, ChannelAction action) {
  if (Allowed(ctx, action)) return {};
  if (action == ChannelAction::kUpdateChannelRoles) {
    return Error::NotAllowed("changing channel member roles is not allowed client-side");
  }
  std::string who = ctx.actor.user_id.empty() ? "anonymous" : ctx.actor.user_id;
  return Error::NotAllowed("User '" + who + "' with role '" + RoleOf(ctx) +
                           "' is not allowed to perform action " + std::string(ActionName(action)) +
                           " in scope '" + ctx.type.name + "'");
}

json::array OwnCapabilities(const AccessContext& ctx) {
  const ChannelType& t = ctx.type;
  const bool read = Allowed(ctx, ChannelAction::kReadChannel);
  const bool user = !ctx.actor.anonymous && (ctx.actor.server || !ctx.actor.user_id.empty());
  auto allowed = [&ctx](ChannelAction action) { return Allowed(ctx, action); };
  const bool writable = !ctx.channel.frozen || allowed(ChannelAction::kSendToFrozenChannel);
  const bool send = writable && Allowed(ctx, ChannelAction::kSendMessage);
  const bool event = Allowed(ctx, ChannelAction::kSendEvent);

  json::array caps;
  auto add = [&caps](bool on, const char* name) {
    if (on) caps.emplace_back(name);
  };
  // Alphabetical, as the real backend lists them.
  add(allowed(ChannelAction::kBanChannelMembers), "ban-channel-members");
  add(read && t.Flag("connect_events"), "connect-events");
  add(send && t.Flag("uploads"), "create-attachment");
  add(send, "create-mention");
  add(Allowed(ctx, ChannelAction::kDeleteAnyMessage), "delete-any-message");
  add(Allowed(ctx, ChannelAction::kDeleteChannel), "delete-channel");
  add(Allowed(ctx, ChannelAction::kDeleteOwnMessage), "delete-own-message");
  add(read && user && t.Flag("delivery_events"), "delivery-events");
  add(allowed(ChannelAction::kFlagMessage), "flag-message");
  add(allowed(ChannelAction::kFreezeChannel), "freeze-channel");
  add(Allowed(ctx, ChannelAction::kUpdateChannelMembers) && ctx.member == nullptr, "join-channel");
  add(ctx.member != nullptr, "leave-channel");
  add(allowed(ChannelAction::kMuteChannel) && t.Flag("mutes"), "mute-channel");
  add(writable && Allowed(ctx, ChannelAction::kPinMessage), "pin-message");
  add(send && t.Flag("quotes"), "quote-message");
  add(read && user && t.Flag("read_events"), "read-events");
  add(read && t.Flag("search"), "search-messages");
  add(event && t.Flag("custom_events"), "send-custom-events");
  add(send, "send-links");
  add(send, "send-message");
  add(writable && Allowed(ctx, ChannelAction::kSendReaction) && t.Flag("reactions"),
      "send-reaction");
  add(send && t.Flag("replies"), "send-reply");
  add(event && t.Flag("typing_events"), "send-typing-events");
  add(allowed(ChannelAction::kSetChannelCooldown), "set-channel-cooldown");
  add(send && t.Flag("shared_locations"), "share-location");
  add(allowed(ChannelAction::kSkipSlowMode), "skip-slow-mode");
  add(event && t.Flag("typing_events"), "typing-events");
  add(Allowed(ctx, ChannelAction::kUpdateAnyMessage), "update-any-message");
  add(Allowed(ctx, ChannelAction::kUpdateChannel), "update-channel");
  add(Allowed(ctx, ChannelAction::kUpdateChannelMembers), "update-channel-members");
  add(Allowed(ctx, ChannelAction::kUpdateOwnMessage), "update-own-message");
  add(send && t.Flag("replies"), "update-thread");
  add(writable && allowed(ChannelAction::kUploadAttachment) && t.Flag("uploads"), "upload-file");
  return caps;
}

}  // namespace eddy::server
