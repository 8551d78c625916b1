#include "server/api/health.h"

namespace eddy::server::api {

namespace {

struct Probe {
  bool ready = true;
  json::object body;
};

Probe Check(const std::function<Status()>& store_check, const EventBus* bus,
            const std::string& node_id) {
  Probe p;
  json::object store{{"ok", true}};
  if (Status st = store_check(); !st.ok()) {
    store["ok"] = false;
    store["error"] = st.error().message;
    p.ready = false;
  }
  json::object bus_json{{"backend", "none"}, {"connected", true}, {"reconnects", 0}};
  if (bus != nullptr) {
    BusHealth h = bus->Health();
    bus_json = {{"backend", h.backend}, {"connected", h.connected}, {"reconnects", h.reconnects}};
    if (!h.detail.empty()) bus_json["detail"] = h.detail;
    if (!h.connected) p.ready = false;
  }
  p.body = {{"status", p.ready ? "ok" : "degraded"},
            {"node", node_id},
            {"store", std::move(store)},
            {"bus", std::move(bus_json)}};
  return p;
}

}  // namespace

void RegisterHealthRoutes(Router& router, std::function<Status()> store_check, const EventBus* bus,
                          std::string node_id) {
  // GET /healthz
  router.Add("GET", "/healthz", "Health", Access::kPublic,
             [store_check, bus, node_id](const ApiRequest&) -> Result<ApiResponse> {
               return Ok(Check(store_check, bus, node_id).body);
             });
  // GET /readyz
  router.Add("GET", "/readyz", "Ready", Access::kPublic,
             [store_check, bus, node_id](const ApiRequest&) -> Result<ApiResponse> {
               Probe p = Check(store_check, bus, node_id);
               return Ok(std::move(p.body), p.ready ? 200 : 503);
             });
}

}  // namespace eddy::server::api
