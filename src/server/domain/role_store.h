// Port: persistence of an app's custom roles (protocol §6.11 POST/GET/DELETE /roles).
// Thread-safe; calls may block.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/error.h"

namespace eddy::server {

struct Role {
  std::string name;
  Micros created_at = 0;
  Micros updated_at = 0;
};

class RoleStore {
 public:
  virtual ~RoleStore() = default;

  // Input Error if the app has a role of that name; NotFound if the app does not exist.
  virtual Status CreateRole(std::string_view app_key, const Role& role) = 0;
  // The app's custom roles, by name.
  virtual Result<std::vector<Role>> ListRoles(std::string_view app_key) = 0;
  // Whether the role existed (and is now gone).
  virtual Result<bool> DeleteRole(std::string_view app_key, std::string_view name) = 0;
};

}  // namespace eddy::server
