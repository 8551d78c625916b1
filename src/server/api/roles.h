// REST routes of custom roles (protocol §6.11), server-side only: POST /roles, GET /roles,
// DELETE /roles/{name}.
#pragma once

#include "server/api/router.h"
#include "server/domain/role_service.h"

namespace eddy::server::api {

// Registers the routes; `roles` must outlive `router`.
void RegisterRoleRoutes(Router& router, RoleService& roles);

}  // namespace eddy::server::api
