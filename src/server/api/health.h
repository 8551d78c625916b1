// Health and readiness for load balancers and orchestrators; no credentials needed.
//   GET /healthz  200 while the process serves requests (liveness), with what is degraded.
//   GET /readyz   200 when the store answers and, with a bus, the bus is connected; else 503
//                 (send new clients elsewhere; local clients keep being served either way).
// Body of both: {"status": "ok"|"degraded", "node": id, "store": {"ok": ..., "error"?},
// "bus": {"backend", "connected", "detail"?, "reconnects"}}.
// Thread-safe: the handlers only call the store check and EventBus::Health.
#pragma once

#include <functional>
#include <string>

#include "common/error.h"
#include "server/api/router.h"
#include "server/domain/event_bus.h"

namespace eddy::server::api {

// `store_check` runs a cheap read on the store; `bus` is null for a single node.
void RegisterHealthRoutes(Router& router, std::function<Status()> store_check, const EventBus* bus,
                          std::string node_id);

}  // namespace eddy::server::api
