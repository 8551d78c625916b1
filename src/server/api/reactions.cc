// REST routes of reactions (protocol §6.6); registered by RegisterMessageRoutes.
#include <string>
#include <utility>

#include "protocol/message_json.h"
#include "server/api/messages.h"

namespace eddy::server::api {

namespace {

constexpr int kDefaultReactionsLimit = 25;

json::object Body(ReactionResult r) {
  return {{"message", std::move(r.message)}, {"reaction", std::move(r.reaction)}};
}

// POST /messages/{id}/reaction
Result<ApiResponse> SendReaction(MessageService& svc, const ApiRequest& req) {
  EDDY_ASSIGN_OR_RETURN(const json::object* reaction, GetObject(req.body, "reaction"));
  if (!reaction) return Error::Input("'reaction' is a required field: an object with a type");
  EDDY_ASSIGN_OR_RETURN(protocol::ReactionInput in, protocol::ReactionFromJson(*reaction));
  EDDY_ASSIGN_OR_RETURN(std::optional<bool> unique, GetBool(req.body, "enforce_unique"));
  EDDY_TRY(GetBool(req.body, "skip_push"));  // accepted and type-checked; eddy has no push
  EDDY_ASSIGN_OR_RETURN(ReactionResult out,
                        svc.SendReaction(ActorOf(req.caller), *req.caller.app, req.PathParam("id"),
                                         std::move(in), unique.value_or(false)));
  return Ok(Body(std::move(out)), 201);
}

// DELETE /messages/{id}/reaction/{type}[?user_id=]
Result<ApiResponse> DeleteReaction(MessageService& svc, const ApiRequest& req) {
  const std::string* user = req.http ? req.Query("user_id") : nullptr;
  // Clients send their own user_id on every request (§1.2): it names the caller, not a target.
  std::string user_id = user ? *user : "";
  EDDY_ASSIGN_OR_RETURN(ReactionResult out,
                        svc.DeleteReaction(ActorOf(req.caller), *req.caller.app,
                                           req.PathParam("id"), req.PathParam("type"), user_id));
  return Ok(Body(std::move(out)));
}

// GET /messages/{id}/reactions?limit=&offset=
Result<ApiResponse> GetReactions(MessageService& svc, const ApiRequest& req) {
  EDDY_ASSIGN_OR_RETURN(int limit, QueryInt(req, "limit", kDefaultReactionsLimit));
  EDDY_ASSIGN_OR_RETURN(int offset, QueryInt(req, "offset", 0));
  EDDY_ASSIGN_OR_RETURN(json::array out, svc.GetReactions(ActorOf(req.caller), *req.caller.app,
                                                          req.PathParam("id"), limit, offset));
  return Ok({{"reactions", std::move(out)}});
}

}  // namespace

void RegisterReactionRoutes(Router& router, MessageService& messages) {
  MessageService* svc = &messages;
  auto bind = [svc](Result<ApiResponse> (*fn)(MessageService&, const ApiRequest&)) {
    return [svc, fn](const ApiRequest& req) { return fn(*svc, req); };
  };
  router.Add("POST", "/messages/{id}/reaction", "SendReaction", Access::kServerOrUser,
             bind(SendReaction));
  router.Add("DELETE", "/messages/{id}/reaction/{type}", "DeleteReaction", Access::kServerOrUser,
             bind(DeleteReaction));
  router.Add("GET", "/messages/{id}/reactions", "GetReactions", Access::kServerOrUser,
             bind(GetReactions));
}

}  // namespace eddy::server::api
