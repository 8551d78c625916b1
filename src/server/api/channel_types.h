// REST routes of the channel types API (protocol §6.11), server-side only:
// GET/POST /channeltypes, GET/PUT/DELETE /channeltypes/{name}.
#pragma once

#include "server/api/router.h"
#include "server/domain/channel_type_service.h"

namespace eddy::server::api {

// Registers the routes; `types` must outlive `router`.
void RegisterChannelTypeRoutes(Router& router, ChannelTypeService& types);

}  // namespace eddy::server::api
