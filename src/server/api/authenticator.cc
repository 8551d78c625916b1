#include "server/api/authenticator.h"

#include "server/domain/auth_service.h"

namespace eddy::server::api {

Result<Caller> Authenticator::Authenticate(const Credentials& credentials) {
  if (credentials.api_key.empty()) {
    return Error::Auth(ErrorCode::kAccessKey,
                       "api_key not found: pass it as the api_key query parameter");
  }
  EDDY_ASSIGN_OR_RETURN(std::shared_ptr<const App> app, apps_.Find(credentials.api_key));
  if (!app) {
    // The key is echoed back to its sender only; it is not a secret.
    return Error::Auth(ErrorCode::kAccessKey, "api_key not valid: no app has the key \"" +
                                                  std::string(credentials.api_key) + "\"");
  }
  AuthRequest request{credentials.auth_type, credentials.token, credentials.user_id, clock_.Now()};
  const std::string& app_key = app->api_key;
  EDDY_ASSIGN_OR_RETURN(
      Identity identity,
      server::Authenticate(*app, request, [this, &app_key](std::string_view user_id) {
        return users_.FindUser(app_key, user_id);
      }));
  Caller caller;
  caller.app = std::move(app);
  caller.user_id = identity.user_id;
  switch (identity.kind) {
    case Identity::Kind::kServer:
      caller.kind = Caller::Kind::kServer;
      break;
    case Identity::Kind::kUser:
      caller.kind = Caller::Kind::kUser;
      break;
    case Identity::Kind::kAnonymous:
      caller.kind = Caller::Kind::kAnonymous;
      break;
  }
  return caller;
}

}  // namespace eddy::server::api
