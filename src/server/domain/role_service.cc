#include "server/domain/role_service.h"

#include <vector>

#include "protocol/user_json.h"
#include "server/domain/permissions.h"

namespace eddy::server {

namespace {

// Built-in roles exist since the beginning of time, like the built-in channel types.
constexpr Micros kBuiltinTime = 1'577'836'800'000'000;  // 2020-01-01T00:00:00Z

json::object RoleJson(std::string_view name, bool custom, Micros created_at, Micros updated_at) {
  return {{"name", name},
          {"custom", custom},
          {"scopes", json::array()},
          {"created_at", FormatTime(created_at)},
          {"updated_at", FormatTime(updated_at)}};
}

Result<bool> IsCustomRole(Store& store, std::string_view app_key, std::string_view role) {
  EDDY_ASSIGN_OR_RETURN(std::vector<Role> roles, store.roles().ListRoles(app_key));
  for (const Role& r : roles) {
    if (r.name == role) return true;
  }
  return false;
}

}  // namespace

Status CheckAppRoleDefined(Store& store, std::string_view app_key, std::string_view role) {
  for (std::string_view r : BuiltinAppRoles()) {
    if (r == role) return {};
  }
  EDDY_ASSIGN_OR_RETURN(bool custom, IsCustomRole(store, app_key, role));
  if (custom) return {};
  return Error::Input("role '" + std::string(role) +
                      "' is not defined: use admin, moderator, user, guest, anonymous or a "
                      "custom role created with POST /roles");
}

Result<json::object> RoleService::Create(const App& app, std::string_view name) {
  if (IsBuiltinRole(name)) {
    return Error::Input("role '" + std::string(name) + "' is a built-in role");
  }
  EDDY_TRY(protocol::ValidateRole(name));
  std::lock_guard lock(mutex_);
  EDDY_ASSIGN_OR_RETURN(std::vector<Role> roles, store_.roles().ListRoles(app.api_key));
  if (roles.size() >= kMaxCustomRoles) {
    return Error::Input("an app may define at most " + std::to_string(kMaxCustomRoles) +
                        " custom roles");
  }
  const Micros now = clock_.Now();
  Role role{std::string(name), now, now};
  EDDY_TRY(store_.roles().CreateRole(app.api_key, role));
  return json::object{{"role", RoleJson(role.name, true, now, now)}};
}

Result<json::object> RoleService::List(const App& app) {
  json::array out;
  for (std::string_view r : BuiltinAppRoles()) {
    out.push_back(RoleJson(r, false, kBuiltinTime, kBuiltinTime));
  }
  for (std::string_view r : BuiltinChannelRoles()) {
    out.push_back(RoleJson(r, false, kBuiltinTime, kBuiltinTime));
  }
  EDDY_ASSIGN_OR_RETURN(std::vector<Role> roles, store_.roles().ListRoles(app.api_key));
  for (const Role& r : roles) out.push_back(RoleJson(r.name, true, r.created_at, r.updated_at));
  return json::object{{"roles", std::move(out)}};
}

Status RoleService::Delete(const App& app, std::string_view name) {
  if (IsBuiltinRole(name)) {
    return Error::Input("role '" + std::string(name) +
                        "' is a built-in role and cannot be deleted");
  }
  std::lock_guard lock(mutex_);
  EDDY_ASSIGN_OR_RETURN(bool custom, IsCustomRole(store_, app.api_key, name));
  if (!custom) return Error::NotFound("role '" + std::string(name) + "' does not exist");
  UserQuery q;
  q.filter.kind = Filter::Kind::kCondition;
  q.filter.field = "role";
  q.filter.op = FilterOp::kEq;
  q.filter.value = json::string(name);
  q.limit = 1;
  q.include_deactivated = true;
  EDDY_ASSIGN_OR_RETURN(std::vector<User> holders, store_.users().QueryUsers(app.api_key, q));
  if (!holders.empty()) {
    return Error::Input("role '" + std::string(name) + "' is still assigned to users (e.g. '" +
                        holders.front().id + "'); change their role first");
  }
  EDDY_ASSIGN_OR_RETURN(bool deleted, store_.roles().DeleteRole(app.api_key, name));
  if (!deleted) return Error::NotFound("role '" + std::string(name) + "' does not exist");
  return {};
}

}  // namespace eddy::server
