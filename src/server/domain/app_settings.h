// The app settings PATCH /app may change (protocol §6.11), their types, and how a patch merges
// into the stored settings object (App::settings). Pure functions; safe from any thread.
#pragma once

#include "common/error.h"
#include "common/json.h"

namespace eddy::server {

// Bytes per upload when an app sets no size_limit (the SDK checks files against it).
inline constexpr std::int64_t kDefaultUploadSizeLimit = 100 * 1024 * 1024;

// Returns `current` with every key of `patch` applied. Known keys and their types:
//   booleans: disable_auth_checks, disable_permissions_checks, multi_tenant_enabled,
//     async_url_enrich_enabled, image_moderation_enabled, auto_translation_enabled,
//     channel_hide_members_only, migrate_permissions_to_v2 (accepted, no effect: eddy is v2);
//   strings: webhook_url, custom_action_handler_url, before_message_send_hook_url (each "" or
//     an http(s) URL); enforce_unique_usernames ("no", "app" or "team");
//   revoke_tokens_issued_before: RFC 3339 timestamp (stored normalised to UTC) or null;
//   file_upload_config, image_upload_config: {allowed_file_extensions, blocked_file_extensions,
//     allowed_mime_types, blocked_mime_types: [string], size_limit: int >= 0}, replacing the
//     previous object;
//   grants: {role: [permission, ...]}; user_search_disallowed_roles, webhook_events: [string];
//   reminders_interval: int >= 0.
// null resets a key to its default. Unknown keys and wrong types are input errors (code 4)
// naming the key, so a typo never passes silently.
Result<json::object> MergeAppSettings(const json::object& current, const json::object& patch);

}  // namespace eddy::server
