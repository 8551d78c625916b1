// REST routes of users (protocol §6.2): POST, PATCH and GET /users, POST
// /users/{id}/deactivate and /reactivate, DELETE /users/{id}, and POST /guest.
#pragma once

#include "server/api/router.h"
#include "server/domain/user_service.h"
#include "server/domain/watches.h"

namespace eddy::server::api {

// Registers the routes; `users` must outlive `router`. POST /guest answers with a user token
// signed with the app's secret (no expiry, iat = the guest's created_at).
// With `watches`, GET /users with presence:true makes the caller's connection follow the
// presence of the returned users.
void RegisterUserRoutes(Router& router, UserService& users, Watches* watches = nullptr);

}  // namespace eddy::server::api
