// REST routes of word blocklists (protocol §6.11, server-side only): POST/GET /blocklists,
// GET/PUT/DELETE /blocklists/{name}.
#pragma once

#include "server/api/router.h"
#include "server/domain/blocklist_service.h"

namespace eddy::server::api {

// Registers the routes; `blocklists` must outlive `router`.
void RegisterBlocklistRoutes(Router& router, BlocklistService& blocklists);

}  // namespace eddy::server::api
