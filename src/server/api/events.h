// REST route of client-sent channel events (protocol §6.8): POST /channels/{type}/{id}/event.
#pragma once

#include "server/api/router.h"
#include "server/domain/event_service.h"

namespace eddy::server::api {

// Registers the route; `events` must outlive `router`.
void RegisterEventRoutes(Router& router, EventService& events);

}  // namespace eddy::server::api
