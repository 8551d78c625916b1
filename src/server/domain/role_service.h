// Roles (protocol §6.11 /roles, §9): the built-in app and channel roles and an app's custom
// roles, which users may be given and grants may name. Thread-safe: mutex_ serialises the
// check-then-write of create and delete.
#pragma once

#include <mutex>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/error.h"
#include "common/json.h"
#include "server/domain/app.h"
#include "server/domain/store.h"

namespace eddy::server {

// An app may define at most this many custom roles.
inline constexpr std::size_t kMaxCustomRoles = 100;

// Ok if `role` may be a user's app role: a built-in app role or one of the app's custom
// roles; else an input error naming it.
Status CheckAppRoleDefined(Store& store, std::string_view app_key, std::string_view role);

class RoleService {
 public:
  RoleService(Store& store, const Clock& clock) : store_(store), clock_(clock) {}

  // {"role": {name, custom: true, scopes, created_at, updated_at}}; the name must match
  // [a-z][a-z0-9_]* and be new.
  Result<json::object> Create(const App& app, std::string_view name);
  // {"roles": [...]}: built-ins first (custom: false), then the custom roles by name.
  Result<json::object> List(const App& app);
  // Refuses built-in roles and roles still given to a user (code 4); NotFound if unknown.
  Status Delete(const App& app, std::string_view name);

 private:
  Store& store_;
  const Clock& clock_;
  std::mutex mutex_;
};

}  // namespace eddy::server
