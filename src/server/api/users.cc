#include "server/api/users.h"

#include <utility>
#include <vector>

#include "protocol/jwt.h"
#include "protocol/user_json.h"

namespace eddy::server::api {

namespace {

using protocol::UserInput;

json::object UserJson(const UserView& v) { return protocol::UserToJson(v.user, v.online); }

json::object UsersById(const std::vector<UserView>& users) {
  json::object out;
  for (const UserView& v : users) out[v.user.id] = UserJson(v);
  return out;
}

Status CheckBatch(std::size_t n) {
  if (n > protocol::kMaxUsersPerRequest) {
    return Error::Input("at most " + std::to_string(protocol::kMaxUsersPerRequest) +
                        " users can be sent in one request");
  }
  return {};
}

// "true"/"1" or "false"/"0"; absent is false.
Result<bool> QueryBool(const ApiRequest& req, std::string_view name) {
  const std::string* v = req.http ? req.Query(name) : nullptr;
  if (!v || *v == "false" || *v == "0") return false;
  if (*v == "true" || *v == "1") return true;
  return Error::Input("query parameter '" + std::string(name) + "' must be true or false");
}

// POST /users
Result<ApiResponse> UpsertUsers(UserService& svc, const ApiRequest& req) {
  EDDY_ASSIGN_OR_RETURN(const json::object* users, GetObject(req.body, "users"));
  if (!users) return Error::Input("'users' is a required field: an object keyed by user id");
  EDDY_TRY(CheckBatch(users->size()));
  std::vector<UserInput> inputs;
  for (const auto& kv : *users) {
    if (!kv.value().is_object()) {
      return Error::Input("users['" + std::string(kv.key()) + "'] must be an object");
    }
    EDDY_ASSIGN_OR_RETURN(UserInput in,
                          protocol::UserFromJson(kv.value().get_object(), /*require_id=*/false));
    if (in.id.empty()) {
      EDDY_TRY(protocol::ValidateUserId(kv.key()));
      in.id = std::string(kv.key());
    } else if (in.id != kv.key()) {
      return Error::Input("user id '" + in.id + "' does not match its key '" +
                          std::string(kv.key()) + "'");
    }
    inputs.push_back(std::move(in));
  }
  EDDY_ASSIGN_OR_RETURN(std::vector<UserView> out,
                        svc.UpsertUsers(ActorOf(req.caller), *req.caller.app, std::move(inputs)));
  return Ok({{"users", UsersById(out)}}, 201);
}

Result<UserPatch> ParsePatch(const json::value& v) {
  if (!v.is_object()) return Error::Input("each element of 'users' must be an object");
  const json::object& o = v.get_object();
  UserPatch p;
  EDDY_ASSIGN_OR_RETURN(std::optional<std::string> id, GetString(o, "id"));
  if (!id) return Error::Input("'id' is required for each user in a partial update");
  p.id = std::move(*id);
  EDDY_ASSIGN_OR_RETURN(const json::object* set, GetObject(o, "set"));
  if (set) p.set = *set;
  EDDY_ASSIGN_OR_RETURN(const json::array* unset, GetArray(o, "unset"));
  if (unset) {
    for (const json::value& key : *unset) {
      if (!key.is_string()) return Error::Input("'unset' must be an array of strings");
      p.unset.emplace_back(key.get_string());
    }
  }
  return p;
}

// PATCH /users
Result<ApiResponse> PartialUpdateUsers(UserService& svc, const ApiRequest& req) {
  EDDY_ASSIGN_OR_RETURN(const json::array* users, GetArray(req.body, "users"));
  if (!users) return Error::Input("'users' is a required field: an array of {id, set, unset}");
  EDDY_TRY(CheckBatch(users->size()));
  std::vector<UserPatch> patches;
  for (const json::value& v : *users) {
    EDDY_ASSIGN_OR_RETURN(UserPatch p, ParsePatch(v));
    patches.push_back(std::move(p));
  }
  EDDY_ASSIGN_OR_RETURN(std::vector<UserView> out,
                        svc.PartialUpdateUsers(ActorOf(req.caller), *req.caller.app, patches));
  return Ok({{"users", UsersById(out)}});
}

// GET /users?payload={...}
// With `presence: true` the caller's own connection follows the returned users' presence.
Result<ApiResponse> QueryUsers(UserService& svc, Watches* watches, const ApiRequest& req) {
  EDDY_ASSIGN_OR_RETURN(json::object payload, req.Payload());
  EDDY_ASSIGN_OR_RETURN(QueryUsersOptions options, ParseQueryUsers(payload));
  bool presence = options.presence;
  EDDY_ASSIGN_OR_RETURN(std::vector<UserView> out,
                        svc.QueryUsers(ActorOf(req.caller), *req.caller.app, std::move(options)));
  json::array users;
  std::vector<std::string> ids;
  for (const UserView& v : out) {
    users.push_back(UserJson(v));
    ids.push_back(v.user.id);
  }
  const std::string& app_key = req.caller.app->api_key;
  if (presence && watches != nullptr && !req.connection_id.empty() && !req.caller.IsServer() &&
      watches->ConnectionUser(app_key, req.connection_id) == req.caller.user_id) {
    watches->FollowPresence(app_key, req.connection_id, ids);
  }
  return Ok({{"users", std::move(users)}});
}

// POST /users/{id}/deactivate
Result<ApiResponse> DeactivateUser(UserService& svc, const ApiRequest& req) {
  DeactivateOptions options;
  EDDY_ASSIGN_OR_RETURN(std::optional<bool> mark, GetBool(req.body, "mark_messages_deleted"));
  options.mark_messages_deleted = mark.value_or(false);
  EDDY_ASSIGN_OR_RETURN(std::optional<std::string> by, GetString(req.body, "created_by_id"));
  options.created_by_id = by.value_or("");
  EDDY_ASSIGN_OR_RETURN(UserView v, svc.DeactivateUser(ActorOf(req.caller), *req.caller.app,
                                                       req.PathParam("id"), options));
  return Ok({{"user", UserJson(v)}});
}

// POST /users/{id}/reactivate
Result<ApiResponse> ReactivateUser(UserService& svc, const ApiRequest& req) {
  ReactivateOptions options;
  EDDY_ASSIGN_OR_RETURN(std::optional<bool> restore, GetBool(req.body, "restore_messages"));
  options.restore_messages = restore.value_or(false);
  EDDY_ASSIGN_OR_RETURN(options.name, GetString(req.body, "name"));
  EDDY_ASSIGN_OR_RETURN(std::optional<std::string> by, GetString(req.body, "created_by_id"));
  options.created_by_id = by.value_or("");
  EDDY_ASSIGN_OR_RETURN(UserView v, svc.ReactivateUser(ActorOf(req.caller), *req.caller.app,
                                                       req.PathParam("id"), options));
  return Ok({{"user", UserJson(v)}});
}

// DELETE /users/{id}?mark_messages_deleted=&hard_delete=&delete_conversation_channels=
Result<ApiResponse> DeleteUser(UserService& svc, const ApiRequest& req) {
  DeleteUserOptions options;
  EDDY_ASSIGN_OR_RETURN(options.mark_messages_deleted, QueryBool(req, "mark_messages_deleted"));
  EDDY_ASSIGN_OR_RETURN(options.hard_delete, QueryBool(req, "hard_delete"));
  EDDY_ASSIGN_OR_RETURN(options.delete_conversation_channels,
                        QueryBool(req, "delete_conversation_channels"));
  EDDY_ASSIGN_OR_RETURN(UserView v, svc.DeleteUser(ActorOf(req.caller), *req.caller.app,
                                                   req.PathParam("id"), options));
  return Ok({{"user", UserJson(v)}});
}

// POST /guest
Result<ApiResponse> CreateGuest(UserService& svc, const ApiRequest& req) {
  EDDY_ASSIGN_OR_RETURN(const json::object* user, GetObject(req.body, "user"));
  if (!user) return Error::Input("'user' is a required field");
  EDDY_ASSIGN_OR_RETURN(UserInput in, protocol::UserFromJson(*user, /*require_id=*/false));
  const App& app = *req.caller.app;
  EDDY_ASSIGN_OR_RETURN(UserView v, svc.CreateGuest(app, std::move(in)));
  std::string token = protocol::CreateUserToken(v.user.id, std::nullopt,
                                                v.user.created_at / 1'000'000, app.api_secret);
  return Ok({{"access_token", std::move(token)}, {"user", UserJson(v)}}, 201);
}

}  // namespace

void RegisterUserRoutes(Router& router, UserService& users, Watches* watches) {
  UserService* svc = &users;
  auto bind = [svc](Result<ApiResponse> (*fn)(UserService&, const ApiRequest&)) {
    return [svc, fn](const ApiRequest& req) { return fn(*svc, req); };
  };
  router.Add("POST", "/users", "UpdateUsers", Access::kServerOrUser, bind(UpsertUsers));
  router.Add("PATCH", "/users", "UpdateUsersPartial", Access::kServerOrUser,
             bind(PartialUpdateUsers));
  router.Add("GET", "/users", "QueryUsers", Access::kServerOrUser,
             [svc, watches](const ApiRequest& req) { return QueryUsers(*svc, watches, req); });
  router.Add("POST", "/users/{id}/deactivate", "DeactivateUser", Access::kServerOnly,
             bind(DeactivateUser));
  router.Add("POST", "/users/{id}/reactivate", "ReactivateUser", Access::kServerOnly,
             bind(ReactivateUser));
  router.Add("DELETE", "/users/{id}", "DeleteUser", Access::kServerOnly, bind(DeleteUser));
  router.Add("POST", "/guest", "CreateGuest", Access::kAnyone, bind(CreateGuest));
}

}  // namespace eddy::server::api
