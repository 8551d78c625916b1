#include "server/api/channel_types.h"

namespace eddy::server::api {

namespace {

// GET /channeltypes
Result<ApiResponse> ListChannelTypes(ChannelTypeService& svc, const ApiRequest& req) {
  EDDY_ASSIGN_OR_RETURN(json::object out, svc.List(*req.caller.app));
  return Ok(std::move(out));
}

// POST /channeltypes
Result<ApiResponse> CreateChannelType(ChannelTypeService& svc, const ApiRequest& req) {
  EDDY_ASSIGN_OR_RETURN(json::object out, svc.Create(*req.caller.app, req.body));
  return Ok(std::move(out), 201);
}

// GET /channeltypes/{name}
Result<ApiResponse> GetChannelType(ChannelTypeService& svc, const ApiRequest& req) {
  EDDY_ASSIGN_OR_RETURN(json::object out, svc.Get(*req.caller.app, req.PathParam("name")));
  return Ok(std::move(out));
}

// PUT /channeltypes/{name}
Result<ApiResponse> UpdateChannelType(ChannelTypeService& svc, const ApiRequest& req) {
  EDDY_ASSIGN_OR_RETURN(json::object out,
                        svc.Update(*req.caller.app, req.PathParam("name"), req.body));
  return Ok(std::move(out));
}

// DELETE /channeltypes/{name}
Result<ApiResponse> DeleteChannelType(ChannelTypeService& svc, const ApiRequest& req) {
  EDDY_TRY(svc.Delete(*req.caller.app, req.PathParam("name")));
  return Ok({});
}

}  // namespace

void RegisterChannelTypeRoutes(Router& router, ChannelTypeService& types) {
  ChannelTypeService* svc = &types;
  auto bind = [svc](Result<ApiResponse> (*f)(ChannelTypeService&, const ApiRequest&)) {
    return [svc, f](const ApiRequest& req) { return f(*svc, req); };
  };
  router.Add("GET", "/channeltypes", "ListChannelTypes", Access::kServerOnly,
             bind(ListChannelTypes));
  router.Add("POST", "/channeltypes", "CreateChannelType", Access::kServerOnly,
             bind(CreateChannelType));
  router.Add("GET", "/channeltypes/{name}", "GetChannelType", Access::kServerOnly,
             bind(GetChannelType));
  router.Add("PUT", "/channeltypes/{name}", "UpdateChannelType", Access::kServerOnly,
             bind(UpdateChannelType));
  router.Add("DELETE", "/channeltypes/{name}", "DeleteChannelType", Access::kServerOnly,
             bind(DeleteChannelType));
}

}  // namespace eddy::server::api
