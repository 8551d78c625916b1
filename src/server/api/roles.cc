#include "server/api/roles.h"

namespace eddy::server::api {

namespace {

// POST /roles
Result<ApiResponse> CreateRole(RoleService& svc, const ApiRequest& req) {
  const json::value* name = req.body.if_contains("name");
  if (name == nullptr || !name->is_string()) {
    return Error::Input("'name' is a required field: the role's name");
  }
  EDDY_ASSIGN_OR_RETURN(json::object out, svc.Create(*req.caller.app, name->get_string()));
  return Ok(std::move(out), 201);
}

// GET /roles
Result<ApiResponse> ListRoles(RoleService& svc, const ApiRequest& req) {
  EDDY_ASSIGN_OR_RETURN(json::object out, svc.List(*req.caller.app));
  return Ok(std::move(out));
}

// DELETE /roles/{name}
Result<ApiResponse> DeleteRole(RoleService& svc, const ApiRequest& req) {
  EDDY_TRY(svc.Delete(*req.caller.app, req.PathParam("name")));
  return Ok({});
}

}  // namespace

void RegisterRoleRoutes(Router& router, RoleService& roles) {
  RoleService* svc = &roles;
  router.Add("POST", "/roles", "CreateRole", Access::kServerOnly,
             [svc](const ApiRequest& req) { return CreateRole(*svc, req); });
  router.Add("GET", "/roles", "ListRoles", Access::kServerOnly,
             [svc](const ApiRequest& req) { return ListRoles(*svc, req); });
  router.Add("DELETE", "/roles/{name}", "DeleteRole", Access::kServerOnly,
             [svc](const ApiRequest& req) { return DeleteRole(*svc, req); });
}

}  // namespace eddy::server::api
