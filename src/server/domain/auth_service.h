// Authentication (protocol §2.3): turns what a request or WebSocket handshake presents (auth
// type, token, claimed user id) into an Identity, independent of HTTP. Pure functions of their
// arguments, so thread-safe; the only I/O is the caller's UserLookup, and callers that must not
// block can run AuthenticateToken on the network thread and CheckUserStanding after an
// asynchronous lookup.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/error.h"
#include "server/domain/actor.h"
#include "server/domain/app.h"
#include "server/domain/user.h"

namespace eddy::server {

// Who a request authenticated as.
struct Identity {
  enum class Kind { kServer, kUser, kAnonymous };

  Kind kind = Kind::kAnonymous;
  // kUser: the token's user_id. kAnonymous: the id the client claimed (may be empty, e.g. for
  // POST /guest). kServer: empty; a backend names the user it acts for in each call.
  std::string user_id;
  // The token's iat claim in epoch seconds (fractions dropped), when it has one.
  std::optional<std::int64_t> iat;
  bool dev_token = false;
};

// What the client presented.
struct AuthRequest {
  std::string_view auth_type;        // stream-auth-type: "jwt", "anonymous", or empty (= jwt)
  std::string_view token;            // Authorization header (REST) / authorization param (WS)
  std::string_view claimed_user_id;  // user_id query param (REST) / json.user_id (WS)
  Micros now = 0;
};

// The stored user with this id, or nullopt when there is none yet: connectUser creates users,
// so a valid token for an unknown user is accepted.
using UserLookup = std::function<Result<std::optional<User>>(std::string_view user_id)>;

// Every check that needs only the app and the request (§2.3 steps 2-7, including app-level
// revocation). All failures are 401: code 5 for missing or malformed credentials, dev tokens
// the app does not allow, and a user_id that contradicts the token; 43 for a bad signature;
// 40, 41, 42 for time claims; 40 for revoked tokens so the SDK fetches a new one.
Result<Identity> AuthenticateToken(const App& app, const AuthRequest& request);

// The checks that need the stored user (§2.3 steps 6 and 8) for an identity from
// AuthenticateToken: deleted or deactivated -> 401 code 5; token issued before the user's
// revoke_tokens_issued_before -> 401 code 40. Server and anonymous identities always pass.
Status CheckUserStanding(const Identity& identity, const std::optional<User>& user);

// AuthenticateToken then, for user identities only, lookup and CheckUserStanding. A lookup
// error is returned as is.
Result<Identity> Authenticate(const App& app, const AuthRequest& request, const UserLookup& lookup);

// The actor domain services act as: server-side, the token's user, or the anonymous user.
Actor ToActor(const Identity& identity);

}  // namespace eddy::server
