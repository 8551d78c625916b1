#include "protocol/user_json.h"

#include <iterator>
#include <string>

#include "common/json_arena.h"

namespace eddy::protocol {

namespace {

constexpr std::string_view kBuiltinRoles[] = {"admin", "user", "guest", "anonymous", "moderator"};

// Keys of UserResponse the server computes, and the extra keys of OwnUserResponse. A client
// echoing a user object it received must not turn them into custom data.
constexpr std::string_view kComputedKeys[] = {
    "online",     "created_at",       "updated_at",        "last_active", "deactivated_at",
    "deleted_at", "blocked_user_ids", "avg_response_time", "anon",        "duration"};
constexpr std::string_view kOwnUserKeys[] = {"devices",
                                             "mutes",
                                             "channel_mutes",
                                             "unread_count",
                                             "total_unread_count",
                                             "unread_channels",
                                             "unread_threads",
                                             "total_unread_count_by_team",
                                             "latest_hidden_channels",
                                             "roles",
                                             "push_preferences"};

constexpr std::string_view kPrivacyKinds[] = {"typing_indicators", "read_receipts",
                                              "delivery_receipts"};

bool IsIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '@' ||
         c == '_' || c == '-' || c == '.';
}

Error WrongType(std::string_view key, const char* want) {
  return Error::Input("user field '" + std::string(key) + "' must be " + want);
}

Result<json::array> ReadTeams(const json::value& v) {
  if (!v.is_array()) return WrongType("teams", "an array of strings");
  const json::array& a = v.get_array();
  if (a.size() > kMaxUserTeams) {
    return Error::Input("a user can be in at most " + std::to_string(kMaxUserTeams) + " teams");
  }
  for (const json::value& t : a) {
    if (!t.is_string() || t.get_string().empty() || t.get_string().size() > 255) {
      return Error::Input(
          "user field 'teams' must contain non-empty strings of at most 255 "
          "characters");
    }
  }
  return a;
}

void PutTime(json::object& o, std::string_view key, const std::optional<Micros>& t) {
  if (!t) return;
  TimeText text;
  o[key] = FormatTime(*t, text);
}

json::object PrivacySettings(const json::object& custom) {
  json::object out(JsonStorage());
  for (std::string_view kind : kPrivacyKinds) {
    out[kind] = json::object({{"enabled", true}}, out.storage());
  }
  const json::value* own = custom.if_contains("privacy_settings");
  if (own && own->is_object()) {
    for (const auto& kv : own->get_object()) out[kv.key()] = kv.value();
  }
  return out;
}

}  // namespace

UserKey ClassifyUserKey(std::string_view key) {
  if (key == "id") return UserKey::kId;
  if (key == "language" || key == "invisible") return UserKey::kProfile;
  if (key == "role" || key == "banned" || key == "shadow_banned" || key == "teams" ||
      key == "revoke_tokens_issued_before") {
    return UserKey::kPrivileged;
  }
  for (std::string_view k : kComputedKeys) {
    if (k == key) return UserKey::kReadOnly;
  }
  for (std::string_view k : kOwnUserKeys) {
    if (k == key) return UserKey::kReadOnly;
  }
  return UserKey::kCustom;
}

Status ValidateUserId(std::string_view id) {
  if (id.empty()) return Error::Input("user id must not be empty");
  if (id.size() > kMaxUserIdLength) {
    return Error::Input("user id must be at most " + std::to_string(kMaxUserIdLength) +
                        " characters");
  }
  for (char c : id) {
    if (!IsIdChar(c)) {
      return Error::Input("user id '" + std::string(id) +
                          "' may only contain letters, digits and the characters @ _ - .");
    }
  }
  return {};
}

Status ValidateRole(std::string_view role) {
  for (std::string_view r : kBuiltinRoles) {
    if (r == role) return {};
  }
  bool ok = !role.empty() && role.size() <= kMaxRoleLength && role[0] >= 'a' && role[0] <= 'z';
  for (char c : role) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
  }
  if (!ok) {
    return Error::Input("role '" + std::string(role) +
                        "' is not valid: use admin, user, guest, anonymous, moderator or a "
                        "custom role matching [a-z][a-z0-9_]*");
  }
  return {};
}

Status ValidateCustomKey(std::string_view key) {
  if (key.empty() || key.size() > 255) {
    return Error::Input("user custom field names must be 1 to 255 characters");
  }
  if (key.front() == '$' || key.find('.') != std::string_view::npos) {
    return Error::Input("user custom field name '" + std::string(key) +
                        "' must not start with '$' or contain '.'");
  }
  return {};
}

Status ValidateCustomData(const json::object& custom) {
  if (const json::value* p = custom.if_contains("privacy_settings"); p && !p->is_object()) {
    return WrongType("privacy_settings", "an object");
  }
  std::size_t size = json::serialize(custom).size();
  if (size > kMaxUserCustomBytes) {
    return Error::Input("user custom data is " + std::to_string(size) +
                        " bytes, more than the limit of " + std::to_string(kMaxUserCustomBytes));
  }
  return {};
}

Status ReadUserField(UserInput& in, std::string_view key, const json::value& v) {
  if (key == "role") {
    if (!v.is_string()) return WrongType(key, "a string");
    EDDY_TRY(ValidateRole(v.get_string()));
    in.role = std::string(v.get_string());
  } else if (key == "banned" || key == "shadow_banned" || key == "invisible") {
    if (!v.is_bool()) return WrongType(key, "a boolean");
    (key == "banned"          ? in.banned
     : key == "shadow_banned" ? in.shadow_banned
                              : in.invisible) = v.get_bool();
  } else if (key == "language") {
    if (!v.is_string()) return WrongType(key, "a string");
    if (v.get_string().size() > 32) return Error::Input("user language is too long");
    in.language = std::string(v.get_string());
  } else if (key == "teams") {
    EDDY_ASSIGN_OR_RETURN(in.teams, ReadTeams(v));
  } else if (key == "revoke_tokens_issued_before") {
    if (v.is_null()) {
      in.revoke_tokens_issued_before = std::optional<Micros>{};
    } else {
      std::optional<Micros> t;
      if (v.is_string()) t = ParseTime(v.get_string());
      if (!t) return WrongType(key, "an RFC 3339 timestamp or null");
      in.revoke_tokens_issued_before = t;
    }
  } else {
    return Error::Internal("not a typed user field: " + std::string(key));
  }
  return {};
}

Result<UserInput> UserFromJson(const json::object& o, bool require_id) {
  UserInput in;
  for (const auto& kv : o) {
    std::string_view key = kv.key();
    const json::value& v = kv.value();
    switch (ClassifyUserKey(key)) {
      case UserKey::kId:
        if (!v.is_string()) return WrongType("id", "a string");
        in.id = std::string(v.get_string());
        EDDY_TRY(ValidateUserId(in.id));
        break;
      case UserKey::kProfile:
      case UserKey::kPrivileged:
        // null means "not given" for typed fields, except where it clears a value.
        if (v.is_null() && key != "revoke_tokens_issued_before") break;
        EDDY_TRY(ReadUserField(in, key, v));
        break;
      case UserKey::kReadOnly:
        in.read_only_keys.emplace_back(key);
        break;
      case UserKey::kCustom:
        EDDY_TRY(ValidateCustomKey(key));
        in.custom[key] = v;
        break;
    }
  }
  if (require_id && in.id.empty()) return Error::Input("user 'id' is required");
  EDDY_TRY(ValidateCustomData(in.custom));
  return in;
}

namespace {

// How many keys PutUser writes besides custom data: user objects are sized once, not grown
// key by key (each growth of a user's table was a large allocation, which made malloc
// consolidate its free lists on every connect's health.check).
constexpr size_t kUserKeys = 16;

void PutUser(json::object& o, const server::User& u, bool online) {
  o["id"] = u.id;
  o["role"] = u.role;
  o["language"] = u.language;
  o["teams"] = u.teams;
  TimeText text;
  o["created_at"] = FormatTime(u.created_at, text);
  o["updated_at"] = FormatTime(u.updated_at, text);
  PutTime(o, "last_active", u.last_active);
  o["online"] = online;
  o["banned"] = u.banned;
  o["shadow_banned"] = u.shadow_banned;
  o["blocked_user_ids"] = json::array();
  o["invisible"] = u.invisible;
  PutTime(o, "deactivated_at", u.deactivated_at);
  PutTime(o, "deleted_at", u.deleted_at);
  PutTime(o, "revoke_tokens_issued_before", u.revoke_tokens_issued_before);
  o["privacy_settings"] = PrivacySettings(u.custom);
  for (const auto& kv : u.custom) {
    // Reserved keys never reach custom through UserFromJson; the check keeps a bad row
    // from overwriting what the server computed.
    if (ClassifyUserKey(kv.key()) == UserKey::kCustom && kv.key() != "privacy_settings") {
      o[kv.key()] = kv.value();
    }
  }
}

}  // namespace

json::object UserToJson(const server::User& u, bool online) {
  json::object o(kUserKeys + u.custom.size(), JsonStorage());
  PutUser(o, u, online);
  return o;
}

json::object OwnUserToJson(const server::User& u, bool online, const OwnUserExtras& extras) {
  json::object o(kUserKeys + std::size(kOwnUserKeys) + u.custom.size(), JsonStorage());
  PutUser(o, u, online);
  o["devices"] = extras.devices;
  o["mutes"] = extras.mutes;
  o["channel_mutes"] = extras.channel_mutes;
  o["unread_count"] = extras.unread_count;
  o["total_unread_count"] = extras.total_unread_count;
  o["unread_channels"] = extras.unread_channels;
  o["unread_threads"] = extras.unread_threads;
  o["total_unread_count_by_team"] = json::object();
  o["latest_hidden_channels"] = json::array();
  o["roles"] = json::array{json::string(u.role)};
  return o;
}

}  // namespace eddy::protocol
