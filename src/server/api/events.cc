#include "server/api/events.h"

#include <optional>
#include <string>

namespace eddy::server::api {

namespace {

// POST /channels/{type}/{id}/event
Result<ApiResponse> SendEvent(EventService& svc, const ApiRequest& req) {
  EDDY_ASSIGN_OR_RETURN(const json::object* given, GetObject(req.body, "event"));
  if (given == nullptr) return Error::Input("'event' is a required field: an object with a type");
  json::object event = *given;
  // A top-level user_id (server-side helpers) names the sender when the event does not.
  EDDY_ASSIGN_OR_RETURN(std::optional<std::string> user_id, GetString(req.body, "user_id"));
  if (user_id && !event.contains("user_id") && !event.contains("user")) {
    event["user_id"] = *user_id;
  }
  EDDY_ASSIGN_OR_RETURN(json::object sent,
                        svc.SendEvent(ActorOf(req.caller), *req.caller.app, req.PathParam("type"),
                                      req.PathParam("id"), event));
  return Ok({{"event", std::move(sent)}}, 201);
}

}  // namespace

void RegisterEventRoutes(Router& router, EventService& events) {
  EventService* svc = &events;
  router.Add("POST", "/channels/{type}/{id}/event", "SendEvent", Access::kServerOrUser,
             [svc](const ApiRequest& req) { return SendEvent(*svc, req); });
}

}  // namespace eddy::server::api
