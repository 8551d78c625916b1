#include "server/domain/app_settings.h"

#include <array>
#include <string>
#include <string_view>

#include "common/clock.h"

namespace eddy::server {

namespace {

constexpr std::array<std::string_view, 8> kBoolKeys = {
    "disable_auth_checks",       "disable_permissions_checks", "multi_tenant_enabled",
    "async_url_enrich_enabled",  "image_moderation_enabled",   "auto_translation_enabled",
    "channel_hide_members_only", "migrate_permissions_to_v2"};

constexpr std::array<std::string_view, 3> kUrlKeys = {"webhook_url", "custom_action_handler_url",
                                                      "before_message_send_hook_url"};

constexpr std::array<std::string_view, 2> kStringListKeys = {"user_search_disallowed_roles",
                                                             "webhook_events"};

constexpr std::array<std::string_view, 4> kUploadListKeys = {
    "allowed_file_extensions", "blocked_file_extensions", "allowed_mime_types",
    "blocked_mime_types"};

template <std::size_t N>
bool OneOf(const std::array<std::string_view, N>& keys, std::string_view key) {
  for (std::string_view k : keys) {
    if (k == key) return true;
  }
  return false;
}

Error Bad(std::string_view key, const char* want) {
  return Error::Input("app setting '" + std::string(key) + "' must be " + want);
}

bool IsStringList(const json::value& v) {
  if (!v.is_array()) return false;
  for (const json::value& e : v.get_array()) {
    if (!e.is_string()) return false;
  }
  return true;
}

bool IsCount(const json::value& v) { return (v.is_int64() && v.get_int64() >= 0) || v.is_uint64(); }

Result<json::value> UploadConfig(std::string_view key, const json::value& v) {
  if (!v.is_object()) return Bad(key, "an object");
  for (const auto& kv : v.get_object()) {
    if (OneOf(kUploadListKeys, kv.key())) {
      if (!IsStringList(kv.value())) {
        return Bad(std::string(key) + "." + std::string(kv.key()), "an array of strings");
      }
    } else if (kv.key() == "size_limit") {
      if (!IsCount(kv.value())) return Bad(std::string(key) + ".size_limit", "an integer >= 0");
    } else {
      return Error::Input("unknown key '" + std::string(kv.key()) + "' in app setting '" +
                          std::string(key) + "'");
    }
  }
  return v;
}

bool KnownKey(std::string_view key) {
  return OneOf(kBoolKeys, key) || OneOf(kUrlKeys, key) || OneOf(kStringListKeys, key) ||
         key == "enforce_unique_usernames" || key == "revoke_tokens_issued_before" ||
         key == "file_upload_config" || key == "image_upload_config" || key == "grants" ||
         key == "reminders_interval";
}

// The validated value to store for a known `key`, or an input error.
Result<json::value> Validate(std::string_view key, const json::value& v) {
  if (OneOf(kBoolKeys, key)) {
    if (!v.is_bool()) return Bad(key, "a boolean");
    return v;
  }
  if (OneOf(kUrlKeys, key)) {
    if (!v.is_string()) return Bad(key, "a string");
    std::string_view s = v.get_string();
    if (!s.empty() && s.rfind("http://", 0) != 0 && s.rfind("https://", 0) != 0) {
      return Bad(key, "an http:// or https:// URL, or empty");
    }
    return v;
  }
  if (OneOf(kStringListKeys, key)) {
    if (!IsStringList(v)) return Bad(key, "an array of strings");
    return v;
  }
  if (key == "enforce_unique_usernames") {
    if (!v.is_string() ||
        (v.get_string() != "no" && v.get_string() != "app" && v.get_string() != "team")) {
      return Bad(key, "one of \"no\", \"app\", \"team\"");
    }
    return v;
  }
  if (key == "revoke_tokens_issued_before") {
    std::optional<Micros> t;
    if (v.is_string()) t = ParseTime(v.get_string());
    if (!t) return Bad(key, "an RFC 3339 timestamp or null");
    return json::value(FormatTime(*t));
  }
  if (key == "file_upload_config" || key == "image_upload_config") return UploadConfig(key, v);
  if (key == "grants") {
    if (!v.is_object()) return Bad(key, "an object of role: [permission, ...]");
    for (const auto& kv : v.get_object()) {
      if (!IsStringList(kv.value())) return Bad(key, "an object of role: [permission, ...]");
    }
    return v;
  }
  if (!IsCount(v)) return Bad(key, "an integer >= 0");  // reminders_interval
  return v;
}

}  // namespace

Result<json::object> MergeAppSettings(const json::object& current, const json::object& patch) {
  json::object merged = current;
  for (const auto& kv : patch) {
    if (!KnownKey(kv.key())) {
      return Error::Input("unknown app setting '" + std::string(kv.key()) + "'");
    }
    if (kv.value().is_null()) {
      merged.stable_erase(kv.key());
      continue;
    }
    EDDY_ASSIGN_OR_RETURN(json::value v, Validate(kv.key(), kv.value()));
    merged[kv.key()] = std::move(v);
  }
  return merged;
}

}  // namespace eddy::server
