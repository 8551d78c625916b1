// An app (tenant): its credentials and settings. Plain data, copied freely.
#pragma once

#include <optional>
#include <string>

#include "common/clock.h"
#include "common/json.h"

namespace eddy::server {

struct App {
  std::string api_key;
  std::string api_secret;
  std::string name;
  Micros created_at = 0;
  // The protocol's AppSettings keys (§6.11) as set with PATCH /app, e.g.
  // disable_auth_checks, disable_permissions_checks, revoke_tokens_issued_before (ISO string).
  json::object settings;

  bool DisableAuthChecks() const;
  bool DisablePermissionsChecks() const;
  std::optional<Micros> RevokeTokensIssuedBefore() const;
};

}  // namespace eddy::server
