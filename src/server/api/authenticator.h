// Turns the credentials of a request (api_key, stream-auth-type, token, claimed user id) into
// a Caller, following protocol §2.3. Shared by REST (Dispatcher) and the WebSocket handshake.
// Thread-safe.
#pragma once

#include <string_view>

#include "common/clock.h"
#include "server/api/api.h"
#include "server/domain/app_service.h"
#include "server/domain/user_store.h"

namespace eddy::server::api {

struct Credentials {
  std::string_view api_key;
  std::string_view auth_type;  // "jwt", "anonymous" or empty (= jwt)
  std::string_view token;      // Authorization header / authorization query param
  std::string_view user_id;    // the `user_id` query param (REST) or json.user_id (WS)
};

class Authenticator {
 public:
  Authenticator(AppService& apps, UserStore& users, const Clock& clock)
      : apps_(apps), users_(users), clock_(clock) {}

  Result<Caller> Authenticate(const Credentials& credentials);

 private:
  AppService& apps_;
  UserStore& users_;
  const Clock& clock_;
};

}  // namespace eddy::server::api
