#include "server/domain/user_patch.h"

#include <set>

namespace eddy::server {

using protocol::UserInput;
using protocol::UserKey;

namespace {

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

Result<std::vector<std::string>> SplitPath(std::string_view path) {
  std::vector<std::string> parts;
  std::size_t pos = 0;
  while (true) {
    std::size_t dot = path.find('.', pos);
    std::string_view part = path.substr(pos, dot == std::string_view::npos ? dot : dot - pos);
    if (part.empty()) return Error::Input("user field path " + Quote(path) + " has an empty part");
    parts.emplace_back(part);
    if (dot == std::string_view::npos) break;
    pos = dot + 1;
  }
  if (static_cast<int>(parts.size()) > kMaxDotPathDepth) {
    return Error::Input("user field path " + Quote(path) + " is nested too deeply");
  }
  EDDY_TRY(protocol::ValidateCustomKey(parts.front()));
  if (protocol::ClassifyUserKey(parts.front()) != UserKey::kCustom) {
    return Error::Input("field " + Quote(parts.front()) + " cannot be changed with a dot-path");
  }
  return parts;
}

Status SetPath(json::object& root, std::string_view path, const json::value& value) {
  EDDY_ASSIGN_OR_RETURN(std::vector<std::string> parts, SplitPath(path));
  json::object* obj = &root;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    json::value& slot = (*obj)[parts[i]];
    if (slot.is_null()) slot = json::object();
    if (!slot.is_object()) {
      return Error::Input("cannot set " + Quote(path) + ": " + Quote(parts[i]) +
                          " is not an object");
    }
    obj = &slot.get_object();
  }
  (*obj)[parts.back()] = value;
  return {};
}

Status UnsetPath(json::object& root, std::string_view path) {
  EDDY_ASSIGN_OR_RETURN(std::vector<std::string> parts, SplitPath(path));
  json::object* obj = &root;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    json::value* slot = obj->if_contains(parts[i]);
    if (!slot || !slot->is_object()) return {};  // nothing there to remove
    obj = &slot->get_object();
  }
  obj->stable_erase(parts.back());
  return {};
}

// Resets a typed field to its default, as `unset` asks.
void UnsetTyped(UserInput& typed, std::string_view key) {
  if (key == "role") typed.role = "user";
  if (key == "banned") typed.banned = false;
  if (key == "shadow_banned") typed.shadow_banned = false;
  if (key == "invisible") typed.invisible = false;
  if (key == "language") typed.language = "";
  if (key == "teams") typed.teams = json::array();
  if (key == "revoke_tokens_issued_before") {
    typed.revoke_tokens_issued_before = std::optional<Micros>{};
  }
}

}  // namespace

std::string FirstPrivilegedChange(const User& current, const UserInput& in) {
  if (in.role && *in.role != current.role) return "role";
  if (in.banned && *in.banned != current.banned) return "banned";
  if (in.shadow_banned && *in.shadow_banned != current.shadow_banned) return "shadow_banned";
  if (in.teams && *in.teams != current.teams) return "teams";
  if (in.revoke_tokens_issued_before &&
      *in.revoke_tokens_issued_before != current.revoke_tokens_issued_before) {
    return "revoke_tokens_issued_before";
  }
  return "";
}

void ApplyTypedFields(User& user, const UserInput& in) {
  if (in.role) user.role = *in.role;
  if (in.banned) user.banned = *in.banned;
  if (in.shadow_banned) user.shadow_banned = *in.shadow_banned;
  if (in.invisible) user.invisible = *in.invisible;
  if (in.language) user.language = *in.language;
  if (in.teams) user.teams = *in.teams;
  if (in.revoke_tokens_issued_before) {
    user.revoke_tokens_issued_before = *in.revoke_tokens_issued_before;
  }
}

Result<PatchResult> ApplyPatch(User& user, const json::object& set,
                               const std::vector<std::string>& unset) {
  PatchResult r;
  std::set<std::string_view> unset_keys(unset.begin(), unset.end());
  for (const auto& kv : set) {
    std::string_view key = kv.key();
    if (unset_keys.count(key)) {
      return Error::Input("field " + Quote(key) + " is both set and unset");
    }
    if (key.find('.') != std::string_view::npos) {
      EDDY_TRY(SetPath(user.custom, key, kv.value()));
      continue;
    }
    switch (protocol::ClassifyUserKey(key)) {
      case UserKey::kId:
        return Error::Input("a user's id cannot be changed");
      case UserKey::kReadOnly:
        r.read_only_keys.emplace_back(key);
        break;
      case UserKey::kProfile:
      case UserKey::kPrivileged:
        EDDY_TRY(protocol::ReadUserField(r.typed, key, kv.value()));
        break;
      case UserKey::kCustom:
        EDDY_TRY(protocol::ValidateCustomKey(key));
        user.custom[key] = kv.value();
        break;
    }
  }
  for (const std::string& key : unset) {
    if (key.find('.') != std::string::npos) {
      EDDY_TRY(UnsetPath(user.custom, key));
      continue;
    }
    switch (protocol::ClassifyUserKey(key)) {
      case UserKey::kId:
        return Error::Input("a user's id cannot be unset");
      case UserKey::kReadOnly:
        r.read_only_keys.push_back(key);
        break;
      case UserKey::kProfile:
      case UserKey::kPrivileged:
        UnsetTyped(r.typed, key);
        break;
      case UserKey::kCustom:
        user.custom.stable_erase(key);
        break;
    }
  }
  EDDY_TRY(protocol::ValidateCustomData(user.custom));
  return r;
}

Result<UserInput> ConnectDetails(const json::object& user_details, std::string_view user_id) {
  UserInput in;
  in.id = std::string(user_id);
  for (const auto& kv : user_details) {
    std::string_view key = kv.key();
    switch (protocol::ClassifyUserKey(key)) {
      case UserKey::kId:
        if (!kv.value().is_string() || kv.value().get_string() != user_id) {
          return Error::Input("user_details.id must match the connecting user " + Quote(user_id));
        }
        break;
      case UserKey::kProfile:
        if (!kv.value().is_null()) EDDY_TRY(protocol::ReadUserField(in, key, kv.value()));
        break;
      case UserKey::kPrivileged:
      case UserKey::kReadOnly:
        break;
      case UserKey::kCustom:
        EDDY_TRY(protocol::ValidateCustomKey(key));
        in.custom[key] = kv.value();
        break;
    }
  }
  EDDY_TRY(protocol::ValidateCustomData(in.custom));
  return in;
}

}  // namespace eddy::server
