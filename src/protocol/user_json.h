// Users on the wire (protocol §5.1, §5.2): the UserResponse and OwnUserResponse shapes, and
// user objects sent by clients, validated and split into server-owned fields and custom data.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "common/json.h"
#include "server/domain/user.h"

namespace eddy::protocol {

inline constexpr std::size_t kMaxUserIdLength = 255;
// Serialized size of one user's custom data (name, image and every other app key).
inline constexpr std::size_t kMaxUserCustomBytes = 5 * 1024;
inline constexpr std::size_t kMaxUsersPerRequest = 100;
inline constexpr std::size_t kMaxUserTeams = 100;
inline constexpr std::size_t kMaxRoleLength = 64;

// How the server treats one top-level key of a user object.
enum class UserKey {
  kCustom,      // app data: stored as given, echoed back flattened
  kId,          // identifies the user; never changes
  kProfile,     // typed, the user may set it: language, invisible
  kPrivileged,  // typed, server-side only: role, banned, shadow_banned, teams,
                // revoke_tokens_issued_before
  kReadOnly,    // computed by the server (created_at, online, unread_count, ...): never stored
};
UserKey ClassifyUserKey(std::string_view key);

// A user object as sent by a client, validated. An unset optional means the key was absent.
struct UserInput {
  std::string id;
  std::optional<std::string> role;
  std::optional<bool> banned;
  std::optional<bool> shadow_banned;
  std::optional<bool> invisible;
  std::optional<std::string> language;
  std::optional<json::array> teams;
  // Outer optional: the key was present; inner nullopt: it was null (clear the revocation).
  std::optional<std::optional<Micros>> revoke_tokens_issued_before;
  json::object custom;
  // Server-computed keys the client sent back (clients often echo a whole UserResponse):
  // ignored, listed so callers that must refuse them can.
  std::vector<std::string> read_only_keys;

  bool HasPrivilegedField() const {
    return role || banned || shadow_banned || teams || revoke_tokens_issued_before;
  }
};

// User ids: 1 to 255 characters from [A-Za-z0-9@_.-]. That is §8's recommended set plus '.',
// so e-mail addresses work; it excludes whitespace, ':' (cid separator), '|', ',', '*', '/'
// and anything a query string or a path could mangle.
Status ValidateUserId(std::string_view id);
// App roles: admin, user, guest, anonymous, moderator, or a custom name matching
// [a-z][a-z0-9_]{0,63}.
Status ValidateRole(std::string_view role);
// A custom key set at top level: non-empty, at most 255 bytes, no '.' (dot-paths address
// nested keys) and no leading '$' (filter operators).
Status ValidateCustomKey(std::string_view key);
// Serialized custom data within kMaxUserCustomBytes; privacy_settings, if set, an object.
Status ValidateCustomData(const json::object& custom);

// Parses a user object. `require_id`: "id" must be present (false for POST /guest, where
// the server makes the id). Wrong types, bad ids and oversized data are input errors.
Result<UserInput> UserFromJson(const json::object& o, bool require_id = true);
// Reads one kProfile or kPrivileged key into `in`, checking its type and format.
Status ReadUserField(UserInput& in, std::string_view key, const json::value& value);

// §5.1 UserResponse: typed fields, privacy_settings (defaults: everything enabled, overridden
// by the user's own settings) and every custom key flattened at top level.
json::object UserToJson(const server::User& user, bool online);

// The per-connection parts of an OwnUserResponse; the caller knows them, users do not.
struct OwnUserExtras {
  std::int64_t unread_count = 0;
  std::int64_t total_unread_count = 0;
  std::int64_t unread_channels = 0;
  std::int64_t unread_threads = 0;
  json::array devices;
  json::array mutes;
  json::array channel_mutes;
};

// §5.2 OwnUserResponse (health.check `me`): UserResponse plus devices, mutes, channel_mutes,
// unread counters, roles, total_unread_count_by_team and latest_hidden_channels.
json::object OwnUserToJson(const server::User& user, bool online, const OwnUserExtras& extras = {});

}  // namespace eddy::protocol
