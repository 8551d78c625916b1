#include "server/domain/auth_service.h"

#include <cmath>
#include <limits>

#include "protocol/jwt.h"
#include "protocol/verified_tokens.h"

namespace eddy::server {

namespace {

constexpr Micros kMicrosPerSecond = 1'000'000;

Error AuthError(std::string msg) { return Error::Auth(ErrorCode::kAuthentication, std::move(msg)); }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    if (x != b[i]) return false;
  }
  return true;
}

std::int64_t FloorSeconds(Micros t) {
  return t >= 0 ? t / kMicrosPerSecond : -((-(t + 1)) / kMicrosPerSecond) - 1;
}

// VerifyJwt has already checked iat is a number; fractions are dropped and absurd values
// clamped so the conversion is always defined.
std::optional<std::int64_t> IatSeconds(const json::object& payload) {
  auto it = payload.find("iat");
  if (it == payload.end() || !it->value().is_number()) return std::nullopt;
  const json::value& v = it->value();
  if (v.is_int64()) return v.get_int64();
  const double d = std::floor(v.to_number<double>());
  if (d <= static_cast<double>(std::numeric_limits<std::int64_t>::min())) {
    return std::numeric_limits<std::int64_t>::min();
  }
  if (d >= static_cast<double>(std::numeric_limits<std::int64_t>::max())) {
    return std::numeric_limits<std::int64_t>::max();
  }
  return static_cast<std::int64_t>(d);
}

// A token without iat is revoked by any revocation time (the docs: "regardless of whether the
// token has an iat claim"). The comparison is in whole seconds, the precision of iat: a backend
// that revokes and re-mints within the same second must get a token that works, or the SDK's
// refresh-on-40 would loop until the clock ticks over.
bool Revoked(const std::optional<std::int64_t>& iat, std::optional<Micros> revoke_before) {
  if (!revoke_before) return false;
  return !iat || *iat < FloorSeconds(*revoke_before);
}

}  // namespace

Result<Identity> AuthenticateToken(const App& app, const AuthRequest& request) {
  if (EqualsIgnoreCase(request.auth_type, "anonymous")) {
    Identity anonymous;
    anonymous.kind = Identity::Kind::kAnonymous;
    anonymous.user_id = std::string(request.claimed_user_id);
    return anonymous;
  }
  if (!request.auth_type.empty() && !EqualsIgnoreCase(request.auth_type, "jwt")) {
    return AuthError("unknown stream-auth-type \"" + std::string(request.auth_type) +
                     "\", use \"jwt\" or \"anonymous\"");
  }
  if (request.token.empty()) {
    return AuthError(
        "JWTAuth error: token is missing, send it in the Authorization header (REST) or the "
        "authorization query parameter (WebSocket)");
  }

  // A few hundred tokens in use at once (backends' server tokens, active users') are checked
  // once each; the rest as they come.
  static protocol::VerifiedTokens verified(256);
  EDDY_ASSIGN_OR_RETURN(json::object payload,
                        verified.Verify(request.token, app.api_secret, app.DisableAuthChecks(),
                                        FloorSeconds(request.now), app.api_key));

  Identity identity;
  identity.iat = IatSeconds(payload);
  identity.dev_token = request.token.ends_with(".devtoken");

  auto server = payload.find("server");
  if (server != payload.end() && server->value().is_bool() && server->value().get_bool()) {
    // App-level revocation deliberately spares server tokens: the SDK mints them without iat
    // for every call, so revoking them would lock the backend out for good. Their safety
    // rests on the secret, which is rotated, not revoked.
    identity.kind = Identity::Kind::kServer;
    return identity;
  }

  auto user_id = payload.find("user_id");
  if (user_id == payload.end() || user_id->value().is_null()) {
    return AuthError("JWTAuth error: the token has neither a user_id nor \"server\": true");
  }
  if (!user_id->value().is_string() || user_id->value().get_string().empty()) {
    return AuthError("JWTAuth error: user_id in the token must be a non-empty string");
  }
  identity.kind = Identity::Kind::kUser;
  identity.user_id = std::string(user_id->value().get_string());

  if (!request.claimed_user_id.empty() && request.claimed_user_id != identity.user_id) {
    return AuthError("JWTAuth error: the user_id in the token (\"" + identity.user_id +
                     "\") does not match the user_id of the request (\"" +
                     std::string(request.claimed_user_id) + "\")");
  }
  if (Revoked(identity.iat, app.RevokeTokensIssuedBefore())) {
    return Error::Auth(ErrorCode::kTokenExpired,
                       "JWTAuth error: token has been revoked: it was issued before the app's "
                       "revoke_tokens_issued_before");
  }
  return identity;
}

Status CheckUserStanding(const Identity& identity, const std::optional<User>& user) {
  if (identity.kind != Identity::Kind::kUser || !user) return {};
  // Deletion and deactivation come first and use code 5, not 40: a 40 would make the SDK
  // fetch a fresh token and retry, which can never succeed for such a user.
  if (user->deleted_at) return AuthError("user \"" + user->id + "\" was deleted");
  if (user->deactivated_at) return AuthError("user \"" + user->id + "\" is deactivated");
  if (Revoked(identity.iat, user->revoke_tokens_issued_before)) {
    return Error::Auth(ErrorCode::kTokenExpired,
                       "JWTAuth error: token has been revoked: it was issued before the user's "
                       "revoke_tokens_issued_before");
  }
  return {};
}

Result<Identity> Authenticate(const App& app, const AuthRequest& request,
                              const UserLookup& lookup) {
  EDDY_ASSIGN_OR_RETURN(Identity identity, AuthenticateToken(app, request));
  if (identity.kind != Identity::Kind::kUser) return identity;
  EDDY_ASSIGN_OR_RETURN(std::optional<User> user, lookup(identity.user_id));
  EDDY_TRY(CheckUserStanding(identity, user));
  return identity;
}

Actor ToActor(const Identity& identity) {
  switch (identity.kind) {
    case Identity::Kind::kServer:
      return Actor::Server();
    case Identity::Kind::kUser:
      return Actor::ForUser(identity.user_id);
    case Identity::Kind::kAnonymous:
      break;
  }
  Actor anonymous = Actor::ForUser(identity.user_id);
  anonymous.anonymous = true;
  return anonymous;
}

}  // namespace eddy::server
