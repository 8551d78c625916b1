// REST routes of read state (protocol §6.7): POST /channels/{type}/{id}/read,
// POST /channels/read, POST /channels/delivered, POST /channels/{type}/{id}/unread and
// GET /unread.
#pragma once

#include "server/api/router.h"
#include "server/domain/read_service.h"

namespace eddy::server::api {

// Registers the routes; `reads` must outlive `router`. Server-side callers name the user with
// `user_id` (body, or query parameter for GET /unread). Thread reads (`thread_id` without a
// message) are accepted and change nothing: eddy keeps no per-thread read state yet.
void RegisterReadRoutes(Router& router, ReadService& reads);

}  // namespace eddy::server::api
