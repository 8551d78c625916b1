#include "server/api/blocklists.h"

namespace eddy::server::api {

namespace {

// POST /blocklists
Result<ApiResponse> CreateBlocklist(BlocklistService& svc, const ApiRequest& req) {
  EDDY_ASSIGN_OR_RETURN(Blocklist list, svc.Create(*req.caller.app, req.body));
  return Ok({{"blocklist", BlocklistToJson(list)}}, 201);
}

// GET /blocklists
Result<ApiResponse> ListBlocklists(BlocklistService& svc, const ApiRequest& req) {
  EDDY_ASSIGN_OR_RETURN(std::vector<Blocklist> lists, svc.List(*req.caller.app));
  json::array out;
  for (const Blocklist& list : lists) out.push_back(BlocklistToJson(list));
  return Ok({{"blocklists", std::move(out)}});
}

// GET /blocklists/{name}
Result<ApiResponse> GetBlocklist(BlocklistService& svc, const ApiRequest& req) {
  EDDY_ASSIGN_OR_RETURN(Blocklist list, svc.Get(*req.caller.app, req.PathParam("name")));
  return Ok({{"blocklist", BlocklistToJson(list)}});
}

// PUT /blocklists/{name}
Result<ApiResponse> UpdateBlocklist(BlocklistService& svc, const ApiRequest& req) {
  EDDY_ASSIGN_OR_RETURN(Blocklist list,
                        svc.Update(*req.caller.app, req.PathParam("name"), req.body));
  return Ok({{"blocklist", BlocklistToJson(list)}});
}

// DELETE /blocklists/{name}
Result<ApiResponse> DeleteBlocklist(BlocklistService& svc, const ApiRequest& req) {
  EDDY_TRY(svc.Delete(*req.caller.app, req.PathParam("name")));
  return Ok({});
}

}  // namespace

void RegisterBlocklistRoutes(Router& router, BlocklistService& blocklists) {
  BlocklistService* svc = &blocklists;
  auto bind = [svc](Result<ApiResponse> (*fn)(BlocklistService&, const ApiRequest&)) {
    return [svc, fn](const ApiRequest& req) { return fn(*svc, req); };
  };
  router.Add("POST", "/blocklists", "CreateBlockList", Access::kServerOnly, bind(CreateBlocklist));
  router.Add("GET", "/blocklists", "ListBlockLists", Access::kServerOnly, bind(ListBlocklists));
  router.Add("GET", "/blocklists/{name}", "GetBlockList", Access::kServerOnly, bind(GetBlocklist));
  router.Add("PUT", "/blocklists/{name}", "UpdateBlockList", Access::kServerOnly,
             bind(UpdateBlocklist));
  router.Add("DELETE", "/blocklists/{name}", "DeleteBlockList", Access::kServerOnly,
             bind(DeleteBlocklist));
}

}  // namespace eddy::server::api
