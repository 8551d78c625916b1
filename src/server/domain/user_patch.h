// Applying client input to a User: typed fields, PATCH set/unset with dot-paths into custom
// objects, and the user_details of a WebSocket connect. Pure functions; safe from any thread.
// Authorization is the caller's (UserService's) business: these only say what would change.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/json.h"
#include "protocol/user_json.h"
#include "server/domain/user.h"

namespace eddy::server {

// Dot-paths address at most this many nested levels ("a.b.c.d.e.f.g.h").
inline constexpr int kMaxDotPathDepth = 8;

// The first privileged field (role, banned, shadow_banned, teams, revoke_tokens_issued_before)
// whose value in `in` differs from `current`, or "" if none does.
std::string FirstPrivilegedChange(const User& current, const protocol::UserInput& in);

// Copies every typed field present in `in` onto `user`; custom data is not touched.
void ApplyTypedFields(User& user, const protocol::UserInput& in);

struct PatchResult {
  protocol::UserInput typed;                // typed fields to apply (custom unused)
  std::vector<std::string> read_only_keys;  // server-computed keys the patch tried to change
};

// Applies `set` and `unset` of one PATCH /users element to `user.custom` and collects the
// typed fields into the result without applying them. Unsetting a typed field means its
// default: role "user", banned/shadow_banned/invisible false, language "", teams [],
// revoke_tokens_issued_before none. A key in both set and unset, dot-paths into typed
// fields, dot-paths through non-objects, changing `id`, wrong types and custom data over the
// size limit are input errors.
Result<PatchResult> ApplyPatch(User& user, const json::object& set,
                               const std::vector<std::string>& unset);

// The user_details of a WebSocket connect: the profile fields (language, invisible) and custom
// keys; privileged and server-computed keys are dropped without error, because the SDK
// forwards whatever the app put in its user object. An `id` must match `user_id`.
Result<protocol::UserInput> ConnectDetails(const json::object& user_details,
                                           std::string_view user_id);

}  // namespace eddy::server
