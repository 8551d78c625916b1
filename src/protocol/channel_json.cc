#include "protocol/channel_json.h"

#include <openssl/evp.h>

#include <algorithm>
#include <set>
#include <stdexcept>

#include "protocol/base64.h"
#include "protocol/user_json.h"

namespace eddy::protocol {

namespace {

// Keys of ChannelResponse / ChannelStateResponse the server computes. A client echoing a
// channel object it received must not turn them into custom data.
constexpr std::string_view kReadOnlyKeys[] = {"id",
                                              "type",
                                              "cid",
                                              "created_at",
                                              "updated_at",
                                              "deleted_at",
                                              "last_message_at",
                                              "member_count",
                                              "message_count",
                                              "config",
                                              "own_capabilities",
                                              "truncated_at",
                                              "truncated_by",
                                              "truncated_by_id",
                                              "hidden",
                                              "blocked",
                                              "muted",
                                              "mute_expires_at",
                                              "membership",
                                              "read",
                                              "messages",
                                              "pinned_messages",
                                              "watchers",
                                              "watcher_count",
                                              "threads",
                                              "hide_messages_before",
                                              "duration",
                                              "pending_messages",
                                              "draft",
                                              "push_preferences",
                                              "active_live_locations",
                                              "channel"};

// Keys of ChannelMemberResponse the server computes or that have their own request fields.
constexpr std::string_view kMemberReservedKeys[] = {"user_id",
                                                    "user",
                                                    "channel_role",
                                                    "role",
                                                    "status",
                                                    "created_at",
                                                    "updated_at",
                                                    "banned",
                                                    "shadow_banned",
                                                    "ban_expires",
                                                    "is_moderator",
                                                    "invited",
                                                    "invite_accepted_at",
                                                    "invite_rejected_at",
                                                    "notifications_muted",
                                                    "pinned_at",
                                                    "archived_at",
                                                    "is_global_banned",
                                                    "channel_cid",
                                                    "deleted_at"};

constexpr std::string_view kOverridableFlags[] = {"typing_events", "reactions", "replies",
                                                  "quotes",        "uploads",   "url_enrichment"};

bool IsWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

Status ValidateName(std::string_view what, std::string_view s, bool allow_bang) {
  if (s.empty() || s.size() > kMaxChannelIdLength) {
    return Error::Input("channel " + std::string(what) + " must be 1 to " +
                        std::to_string(kMaxChannelIdLength) + " characters");
  }
  for (char c : s) {
    if (!IsWordChar(c) && !(allow_bang && c == '!')) {
      return Error::Input("channel " + std::string(what) + " '" + std::string(s) +
                          "' is not valid: it may only contain letters, digits, '_', '-'" +
                          (allow_bang ? " and '!'" : ""));
    }
  }
  return {};
}

Error WrongType(std::string_view key, const char* want) {
  return Error::Input("channel field '" + std::string(key) + "' must be " + want);
}

Status ValidateCustomKeyName(std::string_view what, std::string_view key) {
  if (key.empty() || key.size() > 255) {
    return Error::Input(std::string(what) + " custom field names must be 1 to 255 characters");
  }
  if (key.front() == '$' || key.find('.') != std::string_view::npos) {
    return Error::Input(std::string(what) + " custom field name '" + std::string(key) +
                        "' must not start with '$' or contain '.'");
  }
  return {};
}

Status CheckCustomSize(std::string_view what, const json::object& custom) {
  std::size_t size = json::serialize(custom).size();
  if (size > kMaxChannelCustomBytes) {
    return Error::Input(std::string(what) + " custom data is " + std::to_string(size) +
                        " bytes, more than the limit of " + std::to_string(kMaxChannelCustomBytes));
  }
  return {};
}

void PutTime(json::object& o, std::string_view key, const std::optional<Micros>& t) {
  if (t) o[key] = FormatTime(*t);
}

json::value TimeOrNull(const std::optional<Micros>& t) {
  return t ? json::value(FormatTime(*t)) : json::value(nullptr);
}

Status CheckCount(std::size_t n, std::string_view what) {
  if (n > kMaxMembersPerRequest) {
    return Error::Input("'" + std::string(what) + "' can list at most " +
                        std::to_string(kMaxMembersPerRequest) + " users");
  }
  return {};
}

Result<std::string> ReadCreator(const json::object& data) {
  EDDY_ASSIGN_OR_RETURN(std::optional<std::string> id, GetString(data, "created_by_id"));
  if (id) {
    EDDY_TRY(ValidateUserId(*id));
    return std::move(*id);
  }
  EDDY_ASSIGN_OR_RETURN(const json::object* by, GetObject(data, "created_by"));
  if (by == nullptr) return std::string();
  EDDY_ASSIGN_OR_RETURN(std::optional<std::string> by_id, GetString(*by, "id"));
  if (!by_id) return Error::Input("channel field 'created_by' must have an 'id'");
  EDDY_TRY(ValidateUserId(*by_id));
  return std::move(*by_id);
}

}  // namespace

Status ValidateChannelType(std::string_view type) { return ValidateName("type", type, false); }

Status ValidateChannelId(std::string_view id) { return ValidateName("id", id, true); }

Result<std::pair<std::string, std::string>> ParseCid(std::string_view cid) {
  std::size_t colon = cid.find(':');
  if (colon == std::string_view::npos) {
    return Error::Input("cid '" + std::string(cid) + "' must have the form type:id");
  }
  std::string type(cid.substr(0, colon));
  std::string id(cid.substr(colon + 1));
  EDDY_TRY(ValidateChannelType(type));
  EDDY_TRY(ValidateChannelId(id));
  return std::make_pair(std::move(type), std::move(id));
}

std::string DistinctChannelId(std::vector<std::string> member_ids) {
  std::sort(member_ids.begin(), member_ids.end());
  member_ids.erase(std::unique(member_ids.begin(), member_ids.end()), member_ids.end());
  std::string joined;
  for (const std::string& id : member_ids) {
    if (!joined.empty()) joined += ',';
    joined += id;
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(joined.data(), joined.size(), digest, &len, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed");
  }
  return std::string(kDistinctIdPrefix) +
         Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(digest), len));
}

ChannelKey ClassifyChannelKey(std::string_view key) {
  if (key == "team" || key == "frozen" || key == "disabled" || key == "cooldown" ||
      key == "config_overrides") {
    return ChannelKey::kSettable;
  }
  if (key == "members" || key == "invites" || key == "created_by_id" || key == "created_by") {
    return ChannelKey::kCreateOnly;
  }
  for (std::string_view k : kReadOnlyKeys) {
    if (k == key) return ChannelKey::kReadOnly;
  }
  return ChannelKey::kCustom;
}

Status ValidateChannelRole(std::string_view role) {
  bool ok = !role.empty() && role.size() <= 64 && role[0] >= 'a' && role[0] <= 'z';
  for (char c : role) ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
  if (!ok) {
    return Error::Input("channel_role '" + std::string(role) +
                        "' is not valid: use channel_member, channel_moderator or a custom role "
                        "matching [a-z][a-z0-9_]*");
  }
  return {};
}

Result<MemberInput> MemberInputFromJson(const json::value& v) {
  MemberInput m;
  if (v.is_string()) {
    m.user_id = std::string(v.get_string());
    EDDY_TRY(ValidateUserId(m.user_id));
    return m;
  }
  if (!v.is_object()) {
    return Error::Input("a member must be a user id or an object with 'user_id'");
  }
  const json::object& o = v.get_object();
  EDDY_ASSIGN_OR_RETURN(std::optional<std::string> id, GetString(o, "user_id"));
  if (!id) {
    EDDY_ASSIGN_OR_RETURN(const json::object* user, GetObject(o, "user"));
    if (user != nullptr) {
      EDDY_ASSIGN_OR_RETURN(id, GetString(*user, "id"));
    }
  }
  if (!id) return Error::Input("a member object must have 'user_id'");
  EDDY_TRY(ValidateUserId(*id));
  m.user_id = std::move(*id);
  EDDY_ASSIGN_OR_RETURN(m.channel_role, GetString(o, "channel_role"));
  if (m.channel_role) EDDY_TRY(ValidateChannelRole(*m.channel_role));
  for (const auto& kv : o) {
    std::string_view key = kv.key();
    if (std::find(std::begin(kMemberReservedKeys), std::end(kMemberReservedKeys), key) !=
        std::end(kMemberReservedKeys)) {
      continue;
    }
    EDDY_TRY(ValidateCustomKeyName("member", key));
    m.custom[key] = kv.value();
  }
  EDDY_TRY(CheckCustomSize("member", m.custom));
  return m;
}

Result<std::vector<MemberInput>> MemberListFromJson(const json::value& v, std::string_view what) {
  if (!v.is_array()) {
    return Error::Input("'" + std::string(what) + "' must be an array of user ids or members");
  }
  EDDY_TRY(CheckCount(v.get_array().size(), what));
  std::vector<MemberInput> out;
  std::set<std::string> seen;
  for (const json::value& e : v.get_array()) {
    EDDY_ASSIGN_OR_RETURN(MemberInput m, MemberInputFromJson(e));
    if (!seen.insert(m.user_id).second) {
      return Error::Input("user '" + m.user_id + "' is listed twice in '" + std::string(what) +
                          "'");
    }
    out.push_back(std::move(m));
  }
  return out;
}

Result<std::vector<std::string>> UserIdListFromJson(const json::value& v, std::string_view what) {
  if (!v.is_array())
    return Error::Input("'" + std::string(what) + "' must be an array of user ids");
  EDDY_TRY(CheckCount(v.get_array().size(), what));
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const json::value& e : v.get_array()) {
    if (!e.is_string()) {
      return Error::Input("'" + std::string(what) + "' must be an array of user ids");
    }
    std::string id(e.get_string());
    EDDY_TRY(ValidateUserId(id));
    if (seen.insert(id).second) out.push_back(std::move(id));
  }
  return out;
}

Status ValidateConfigOverrides(const json::object& overrides) {
  for (const auto& kv : overrides) {
    std::string_view key = kv.key();
    const json::value& v = kv.value();
    bool is_flag = std::find(std::begin(kOverridableFlags), std::end(kOverridableFlags), key) !=
                   std::end(kOverridableFlags);
    if (is_flag) {
      if (!v.is_bool())
        return Error::Input("config_overrides." + std::string(key) + " must be a boolean");
    } else if (key == "max_message_length") {
      if (!v.is_int64() || v.get_int64() < 1 || v.get_int64() > kMaxMessageLengthLimit) {
        return Error::Input("config_overrides.max_message_length must be an integer from 1 to " +
                            std::to_string(kMaxMessageLengthLimit));
      }
    } else if (key == "commands") {
      if (!v.is_array() || v.get_array().size() > 50 ||
          !std::all_of(v.get_array().begin(), v.get_array().end(),
                       [](const json::value& c) { return c.is_string(); })) {
        return Error::Input("config_overrides.commands must be an array of command names");
      }
    } else if (key == "blocklist" || key == "blocklist_behavior") {
      if (!v.is_string())
        return Error::Input("config_overrides." + std::string(key) + " must be a string");
    } else if (key == "grants") {
      if (!v.is_object()) return Error::Input("config_overrides.grants must be an object");
    } else {
      return Error::Input("'" + std::string(key) +
                          "' is not a channel setting that can be overridden");
    }
  }
  return CheckCustomSize("config_overrides", overrides);
}

Status ReadChannelField(ChannelInput& in, std::string_view key, const json::value& v) {
  if (key == "team") {
    if (!v.is_string()) return WrongType(key, "a string");
    if (v.get_string().size() > 255) return Error::Input("channel team is too long");
    in.team = std::string(v.get_string());
  } else if (key == "frozen" || key == "disabled") {
    if (!v.is_bool()) return WrongType(key, "a boolean");
    (key == "frozen" ? in.frozen : in.disabled) = v.get_bool();
  } else if (key == "cooldown") {
    if (!v.is_int64() || v.get_int64() < 0 || v.get_int64() > kMaxCooldownSeconds) {
      return Error::Input("channel field 'cooldown' must be an integer from 0 to " +
                          std::to_string(kMaxCooldownSeconds) + " (seconds)");
    }
    in.cooldown = v.get_int64();
  } else if (key == "config_overrides") {
    if (!v.is_object()) return WrongType(key, "an object");
    EDDY_TRY(ValidateConfigOverrides(v.get_object()));
    in.config_overrides = v.get_object();
  } else {
    return Error::Input("channel field '" + std::string(key) + "' cannot be set");
  }
  return {};
}

Status ValidateChannelCustom(const json::object& custom) {
  for (const auto& kv : custom) EDDY_TRY(ValidateCustomKeyName("channel", kv.key()));
  return CheckCustomSize("channel", custom);
}

Result<ChannelInput> ChannelInputFromJson(const json::object& data) {
  ChannelInput in;
  EDDY_ASSIGN_OR_RETURN(in.created_by_id, ReadCreator(data));
  for (const auto& kv : data) {
    std::string_view key = kv.key();
    const json::value& v = kv.value();
    switch (ClassifyChannelKey(key)) {
      case ChannelKey::kReadOnly:
        break;
      case ChannelKey::kSettable:
        if (!v.is_null()) EDDY_TRY(ReadChannelField(in, key, v));
        break;
      case ChannelKey::kCreateOnly:
        if (key == "members" && !v.is_null()) {
          EDDY_ASSIGN_OR_RETURN(in.members, MemberListFromJson(v, "members"));
        } else if (key == "invites" && !v.is_null()) {
          EDDY_ASSIGN_OR_RETURN(in.invites, MemberListFromJson(v, "invites"));
        }
        break;
      case ChannelKey::kCustom:
        in.custom[key] = v;
        break;
    }
  }
  EDDY_TRY(ValidateChannelCustom(in.custom));
  return in;
}

json::object ChannelToJson(const server::Channel& c, const ChannelJsonParts& parts) {
  json::object o(24 + c.custom.size());  // sized once for the keys below and the custom data
  o["id"] = c.id;
  o["type"] = c.type;
  o["cid"] = c.cid();
  o["created_at"] = FormatTime(c.created_at);
  o["updated_at"] = FormatTime(c.updated_at);
  o["created_by"] = parts.created_by;
  o["frozen"] = c.frozen;
  o["disabled"] = c.disabled;
  o["member_count"] = c.member_count;
  o["message_count"] = c.message_count;
  PutTime(o, "last_message_at", c.last_message_at);
  o["config"] = parts.config != nullptr ? json::value(*parts.config) : json::value(json::object());
  if (parts.own_capabilities) o["own_capabilities"] = *parts.own_capabilities;
  if (parts.hidden) o["hidden"] = *parts.hidden;
  PutTime(o, "hide_messages_before", parts.hide_messages_before);
  o["cooldown"] = c.cooldown;
  if (!c.team.empty()) o["team"] = c.team;
  if (c.truncated_at) {
    o["truncated_at"] = FormatTime(*c.truncated_at);
    o["truncated_by"] = parts.truncated_by;
  }
  PutTime(o, "deleted_at", c.deleted_at);
  if (!c.config_overrides.empty()) o["config_overrides"] = c.config_overrides;
  if (parts.members) o["members"] = *parts.members;
  for (const auto& kv : c.custom) {
    if (!o.contains(kv.key())) o[kv.key()] = kv.value();
  }
  return o;
}

std::string LegacyMemberRole(const server::Member& m, std::string_view app_role) {
  if (m.is_owner) return "owner";
  if (app_role == "admin") return "admin";
  if (m.channel_role == "channel_moderator") return "moderator";
  return "member";
}

std::string MemberStatus(const server::Member& m) {
  if (m.invite_rejected_at) return "rejected";
  if (m.invited && !m.invite_accepted_at) return "pending";
  return "member";
}

json::object MemberToJson(const server::Member& m, json::object user, std::string_view app_role) {
  json::object o(20 + m.custom.size());  // sized once for the keys below and the custom data
  o["user_id"] = m.user_id;
  o["user"] = std::move(user);
  o["channel_role"] = m.channel_role;
  o["role"] = LegacyMemberRole(m, app_role);
  o["status"] = MemberStatus(m);
  o["created_at"] = FormatTime(m.created_at);
  o["updated_at"] = FormatTime(m.updated_at);
  o["banned"] = m.banned;
  o["shadow_banned"] = m.shadow_banned;
  PutTime(o, "ban_expires", m.ban_expires);
  o["is_moderator"] = m.channel_role == "channel_moderator";
  o["invited"] = m.invited;
  PutTime(o, "invite_accepted_at", m.invite_accepted_at);
  PutTime(o, "invite_rejected_at", m.invite_rejected_at);
  o["notifications_muted"] = m.notifications_muted;
  o["pinned_at"] = TimeOrNull(m.pinned_at);
  o["archived_at"] = TimeOrNull(m.archived_at);
  for (const auto& kv : m.custom) {
    if (!o.contains(kv.key())) o[kv.key()] = kv.value();
  }
  return o;
}

json::object ReadStateToJson(const server::Member& m, json::object user,
                             std::int64_t unread_messages) {
  json::object o;
  o["user"] = std::move(user);
  o["last_read"] = m.last_read > 0 ? json::value(FormatTime(m.last_read)) : json::value(kZeroTime);
  o["unread_messages"] = unread_messages;
  if (!m.last_read_message_id.empty()) o["last_read_message_id"] = m.last_read_message_id;
  PutTime(o, "last_delivered_at", m.last_delivered_at);
  if (!m.last_delivered_message_id.empty()) {
    o["last_delivered_message_id"] = m.last_delivered_message_id;
  }
  return o;
}

}  // namespace eddy::protocol
