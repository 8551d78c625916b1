#include "server/domain/permissions.h"

#include <array>
#include <utility>

#include "protocol/user_json.h"

namespace eddy::server {

namespace {

struct ActionInfo {
  ChannelAction action;
  std::string_view permission;
  std::string_view name;
};

// Indexed by ChannelAction.
constexpr std::array<ActionInfo, 23> kActions = {{
    {ChannelAction::kReadChannel, "read-channel", "ReadChannel"},
    {ChannelAction::kCreateChannel, "create-channel", "CreateChannel"},
    {ChannelAction::kUpdateChannel, "update-channel", "UpdateChannel"},
    {ChannelAction::kUpdateChannelMembers, "update-channel-members", "UpdateChannelMembers"},
    {ChannelAction::kUpdateChannelRoles, "update-channel-member-roles", "UpdateChannelMemberRoles"},
    {ChannelAction::kDeleteChannel, "delete-channel", "DeleteChannel"},
    {ChannelAction::kTruncateChannel, "truncate-channel", "TruncateChannel"},
    {ChannelAction::kSendMessage, "create-message", "CreateMessage"},
    {ChannelAction::kSendReaction, "create-reaction", "CreateReaction"},
    {ChannelAction::kSendEvent, "send-custom-event", "SendCustomEvent"},
    {ChannelAction::kUpdateOwnMessage, "update-own-message", "UpdateOwnMessage"},
    {ChannelAction::kUpdateAnyMessage, "update-any-message", "UpdateAnyMessage"},
    {ChannelAction::kDeleteOwnMessage, "delete-own-message", "DeleteOwnMessage"},
    {ChannelAction::kDeleteAnyMessage, "delete-any-message", "DeleteAnyMessage"},
    {ChannelAction::kPinMessage, "pin-message", "PinMessage"},
    {ChannelAction::kUploadAttachment, "upload-attachment", "UploadAttachment"},
    {ChannelAction::kFlagMessage, "flag-message", "FlagMessage"},
    {ChannelAction::kMuteChannel, "mute-channel", "MuteChannel"},
    {ChannelAction::kBanChannelMembers, "ban-channel-member", "BanChannelMember"},
    {ChannelAction::kFreezeChannel, "freeze-channel", "UpdateChannelFrozen"},
    {ChannelAction::kSetChannelCooldown, "set-channel-cooldown", "UpdateChannelCooldown"},
    {ChannelAction::kSkipSlowMode, "skip-channel-cooldown", "SkipChannelCooldown"},
    {ChannelAction::kSendToFrozenChannel, "send-to-frozen-channel", "SendToFrozenChannel"},
}};

constexpr bool IndexedByAction() {
  for (std::size_t i = 0; i < kActions.size(); ++i) {
    if (static_cast<std::size_t>(kActions[i].action) != i) return false;
  }
  return true;
}
static_assert(IndexedByAction(), "kActions must list every ChannelAction in enum order");
static_assert(kActions.size() == static_cast<std::size_t>(ChannelAction::kSendToFrozenChannel) + 1);

// §9's v1 permission names and the unambiguous resource names.
constexpr std::pair<std::string_view, std::string_view> kLegacy[] = {
    {"Ban User", "ban-channel-member"},
    {"BanUser", "ban-channel-member"},
    {"Create Channel", "create-channel"},
    {"CreateChannel", "create-channel"},
    {"Create Message", "create-message"},
    {"CreateMessage", "create-message"},
    {"Create Reaction", "create-reaction"},
    {"CreateReaction", "create-reaction"},
    {"Delete Any Channel", "delete-channel"},
    {"Delete Own Channel", "delete-channel"},
    {"DeleteChannel", "delete-channel"},
    {"Delete Any Message", "delete-any-message"},
    {"Delete Own Message", "delete-own-message"},
    {"Read Any Channel", "read-channel"},
    {"Read Own Channel", "read-channel"},
    {"ReadChannel", "read-channel"},
    {"Update Any Channel", "update-channel"},
    {"Update Own Channel", "update-channel"},
    {"UpdateChannel", "update-channel"},
    {"Update Any Message", "update-any-message"},
    {"Update Own Message", "update-own-message"},
    {"Update Members Any Channel", "update-channel-members"},
    {"Update Members Own Channel", "update-channel-members"},
    {"UpdateChannelMembers", "update-channel-members"},
    {"Upload Attachment", "upload-attachment"},
    {"UploadAttachment", "upload-attachment"},
    {"Send messages and reactions to frozen channels", "send-to-frozen-channel"},
};

constexpr std::size_t kMaxGrantRoles = 64;
constexpr std::size_t kMaxRolePermissions = 64;

std::optional<std::string> PermissionId(std::string_view name) {
  for (const ActionInfo& a : kActions) {
    if (a.permission == name) return std::string(name);
  }
  for (const auto& [legacy, id] : kLegacy) {
    if (legacy == name) return std::string(id);
  }
  return std::nullopt;
}

// The grant a role holds in every type: posting in a channel it may read.
constexpr std::string_view kPost[] = {
    "create-message",     "create-reaction", "send-custom-event", "update-own-message",
    "delete-own-message", "pin-message",     "upload-attachment"};
constexpr std::string_view kManage[] = {"update-channel", "update-channel-members",
                                        "truncate-channel", "delete-channel"};
constexpr std::string_view kModerate[] = {
    "update-any-message",   "delete-any-message",    "ban-channel-member",    "freeze-channel",
    "set-channel-cooldown", "skip-channel-cooldown", "send-to-frozen-channel"};

template <typename List>
void Add(std::set<std::string>& to, const List& list) {
  for (std::string_view p : list) to.emplace(p);
}

}  // namespace

std::string_view PermissionFor(ChannelAction action) {
  return kActions[static_cast<std::size_t>(action)].permission;
}

std::string_view ActionName(ChannelAction action) {
  return kActions[static_cast<std::size_t>(action)].name;
}

const std::vector<std::string_view>& AllPermissions() {
  static const std::vector<std::string_view> all = [] {
    std::vector<std::string_view> out;
    for (const ActionInfo& a : kActions) out.push_back(a.permission);
    return out;
  }();
  return all;
}

bool Granted(const Grants& grants, const std::vector<std::string>& roles,
             std::string_view permission) {
  for (const std::string& role : roles) {
    auto it = grants.find(role);
    if (it != grants.end() && it->second.count(std::string(permission)) > 0) return true;
  }
  return false;
}

const std::vector<std::string_view>& BuiltinAppRoles() {
  static const std::vector<std::string_view> roles = {"admin", "moderator", "user", "guest",
                                                      "anonymous"};
  return roles;
}

const std::vector<std::string_view>& BuiltinChannelRoles() {
  static const std::vector<std::string_view> roles = {"channel_member", "channel_moderator",
                                                      "owner"};
  return roles;
}

bool IsBuiltinRole(std::string_view role) {
  for (std::string_view r : BuiltinAppRoles()) {
    if (r == role) return true;
  }
  for (std::string_view r : BuiltinChannelRoles()) {
    if (r == role) return true;
  }
  return false;
}

Grants DefaultGrants(bool members_only, bool member_deletes) {
  Grants g;
  // App staff may do everything except change member roles, which stays server-side (§6.4).
  for (const char* staff : {"admin", "moderator"}) {
    for (std::string_view p : AllPermissions()) {
      if (p != "update-channel-member-roles") g[staff].emplace(p);
    }
  }
  std::set<std::string> reader = {"read-channel", "flag-message", "mute-channel"};
  std::set<std::string> poster = reader;
  Add(poster, kPost);

  std::set<std::string>& member = g["channel_member"];
  member = poster;
  if (member_deletes) member.emplace("delete-channel");
  std::set<std::string>& moderator = g["channel_moderator"];
  moderator = poster;
  Add(moderator, kManage);
  Add(moderator, kModerate);
  std::set<std::string>& owner = g["owner"];
  owner = reader;
  Add(owner, kManage);

  for (const char* role : {"user", "guest"}) {
    g[role] = members_only ? std::set<std::string>{} : poster;
    g[role].emplace("create-channel");
  }
  g["anonymous"] = members_only ? std::set<std::string>{} : std::set<std::string>{"read-channel"};
  return g;
}

Result<Grants> ParseGrants(const json::value& v) {
  const char* shape = "grants must be an object of role: [permission, ...]";
  if (!v.is_object()) return Error::Input(shape);
  if (v.get_object().size() > kMaxGrantRoles) {
    return Error::Input("grants may name at most " + std::to_string(kMaxGrantRoles) + " roles");
  }
  Grants out;
  for (const auto& kv : v.get_object()) {
    std::string role(kv.key());
    if (!IsBuiltinRole(role)) EDDY_TRY(protocol::ValidateRole(role));
    if (!kv.value().is_array()) return Error::Input(shape);
    const json::array& list = kv.value().get_array();
    if (list.size() > kMaxRolePermissions) {
      return Error::Input("grants of role '" + role + "' may list at most " +
                          std::to_string(kMaxRolePermissions) + " permissions");
    }
    std::set<std::string>& perms = out[role];
    for (const json::value& p : list) {
      if (!p.is_string()) return Error::Input(shape);
      std::optional<std::string> id = PermissionId(p.get_string());
      if (!id) {
        return Error::Input("unknown permission '" + std::string(p.get_string()) +
                            "' in grants of role '" + role + "'");
      }
      perms.insert(std::move(*id));
    }
  }
  return out;
}

json::object GrantsToJson(const Grants& grants) {
  json::object out;
  for (const auto& [role, perms] : grants) {
    json::array list;
    for (const std::string& p : perms) list.emplace_back(p);
    out[role] = std::move(list);
  }
  return out;
}

}  // namespace eddy::server
