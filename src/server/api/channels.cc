#include "server/api/channels.h"

#include <utility>
#include <vector>

#include "protocol/channel_json.h"
#include "protocol/user_json.h"

namespace eddy::server::api {

namespace {

Result<std::optional<Micros>> GetTime(const json::object& o, std::string_view key) {
  EDDY_ASSIGN_OR_RETURN(std::optional<std::string> s, GetString(o, key));
  if (!s) return std::optional<Micros>();
  std::optional<Micros> t = ParseTime(*s);
  if (!t) return Error::Input("'" + std::string(key) + "' must be an RFC 3339 timestamp");
  return t;
}

// The user named server-side (`user_id`); null and "" mean none.
Result<std::string> NamedUser(const json::object& body) {
  EDDY_ASSIGN_OR_RETURN(std::optional<std::string> id, GetString(body, "user_id"));
  if (!id || id->empty()) return std::string();
  EDDY_TRY(protocol::ValidateUserId(*id));
  return std::move(*id);
}

// {limit, offset} of `members` / `watchers` in a channel query.
Status ReadPage(const json::object& body, std::string_view key, int max_limit, int max_offset,
                int& limit, int& offset, bool* present = nullptr) {
  EDDY_ASSIGN_OR_RETURN(const json::object* page, GetObject(body, key));
  if (present != nullptr) *present = page != nullptr;
  if (page == nullptr) return {};
  EDDY_ASSIGN_OR_RETURN(std::optional<std::int64_t> l, GetInt(*page, "limit"));
  EDDY_ASSIGN_OR_RETURN(std::optional<std::int64_t> o, GetInt(*page, "offset"));
  if (l && (*l < 0 || *l > max_limit)) {
    return Error::Input(std::string(key) + ".limit must be between 0 and " +
                        std::to_string(max_limit));
  }
  if (o && (*o < 0 || *o > max_offset)) {
    return Error::Input(std::string(key) + ".offset must be between 0 and " +
                        std::to_string(max_offset));
  }
  if (l) limit = static_cast<int>(*l);
  if (o) offset = static_cast<int>(*o);
  return {};
}

Result<GetOrCreateRequest> ParseGetOrCreate(const ApiRequest& req) {
  GetOrCreateRequest r;
  const json::object& b = req.body;
  EDDY_ASSIGN_OR_RETURN(const json::object* data, GetObject(b, "data"));
  if (data != nullptr) {
    EDDY_ASSIGN_OR_RETURN(r.data, protocol::ChannelInputFromJson(*data));
  }
  StateOptions& o = r.options;
  EDDY_ASSIGN_OR_RETURN(std::optional<bool> state, GetBool(b, "state"));
  o.state = state.value_or(true);
  EDDY_ASSIGN_OR_RETURN(std::optional<bool> watch, GetBool(b, "watch"));
  o.watch = watch.value_or(false);
  EDDY_ASSIGN_OR_RETURN(std::optional<bool> presence, GetBool(b, "presence"));
  o.presence = presence.value_or(false);
  EDDY_ASSIGN_OR_RETURN(const json::object* messages, GetObject(b, "messages"));
  if (messages != nullptr) {
    EDDY_ASSIGN_OR_RETURN(o.messages, ParseMessagePage(*messages));
  } else {
    o.messages.limit = kDefaultStateMessageLimit;
  }
  EDDY_TRY(ReadPage(b, "members", kMaxMemberQueryLimit, kMaxMemberQueryOffset, o.member_limit,
                    o.member_offset));
  EDDY_TRY(ReadPage(b, "watchers", kMaxWatcherLimit, kMaxWatcherOffset, o.watcher_limit,
                    o.watcher_offset, &o.watchers));
  o.connection_id = req.connection_id;
  return r;
}

Result<std::vector<RoleAssignment>> ParseRoles(const json::value& v) {
  if (!v.is_array()) return Error::Input("'assign_roles' must be an array");
  if (v.get_array().size() > protocol::kMaxMembersPerRequest) {
    return Error::Input("'assign_roles' can list at most " +
                        std::to_string(protocol::kMaxMembersPerRequest) + " users");
  }
  std::vector<RoleAssignment> out;
  for (const json::value& e : v.get_array()) {
    if (!e.is_object()) {
      return Error::Input("each element of 'assign_roles' must be {user_id, channel_role}");
    }
    EDDY_ASSIGN_OR_RETURN(std::optional<std::string> user, GetString(e.get_object(), "user_id"));
    EDDY_ASSIGN_OR_RETURN(std::optional<std::string> role,
                          GetString(e.get_object(), "channel_role"));
    if (!user || !role) {
      return Error::Input("each element of 'assign_roles' must be {user_id, channel_role}");
    }
    EDDY_TRY(protocol::ValidateUserId(*user));
    EDDY_TRY(protocol::ValidateChannelRole(*role));
    out.push_back({std::move(*user), std::move(*role)});
  }
  return out;
}

Result<UpdateChannelRequest> ParseUpdate(const json::object& b) {
  UpdateChannelRequest r;
  EDDY_ASSIGN_OR_RETURN(const json::object* data, GetObject(b, "data"));
  if (data != nullptr) {
    EDDY_ASSIGN_OR_RETURN(r.data, protocol::ChannelInputFromJson(*data));
  }
  auto present = [&](std::string_view key) -> const json::value* {
    const json::value* v = b.if_contains(key);
    return v != nullptr && !v->is_null() ? v : nullptr;
  };
  if (const json::value* v = present("add_members")) {
    EDDY_ASSIGN_OR_RETURN(r.add_members, protocol::MemberListFromJson(*v, "add_members"));
  }
  if (const json::value* v = present("invites")) {
    EDDY_ASSIGN_OR_RETURN(r.invites, protocol::MemberListFromJson(*v, "invites"));
  }
  if (const json::value* v = present("remove_members")) {
    EDDY_ASSIGN_OR_RETURN(r.remove_members, protocol::UserIdListFromJson(*v, "remove_members"));
  }
  if (const json::value* v = present("add_moderators")) {
    EDDY_ASSIGN_OR_RETURN(r.add_moderators, protocol::UserIdListFromJson(*v, "add_moderators"));
  }
  if (const json::value* v = present("demote_moderators")) {
    EDDY_ASSIGN_OR_RETURN(r.demote_moderators,
                          protocol::UserIdListFromJson(*v, "demote_moderators"));
  }
  if (const json::value* v = present("assign_roles")) {
    EDDY_ASSIGN_OR_RETURN(r.assign_roles, ParseRoles(*v));
  }
  EDDY_ASSIGN_OR_RETURN(std::optional<bool> accept, GetBool(b, "accept_invite"));
  r.accept_invite = accept.value_or(false);
  EDDY_ASSIGN_OR_RETURN(std::optional<bool> reject, GetBool(b, "reject_invite"));
  r.reject_invite = reject.value_or(false);
  if (const json::value* v = present("cooldown")) {
    protocol::ChannelInput tmp;
    EDDY_TRY(protocol::ReadChannelField(tmp, "cooldown", *v));
    r.cooldown = tmp.cooldown;
  }
  EDDY_ASSIGN_OR_RETURN(const json::object* message, GetObject(b, "message"));
  if (message != nullptr) r.message = *message;
  EDDY_ASSIGN_OR_RETURN(std::optional<bool> hide, GetBool(b, "hide_history"));
  r.hide_history = hide.value_or(false);
  EDDY_ASSIGN_OR_RETURN(r.hide_history_before, GetTime(b, "hide_history_before"));
  if (r.hide_history_before) r.hide_history = true;
  EDDY_ASSIGN_OR_RETURN(r.user_id, NamedUser(b));
  return r;
}

// POST /channels/{type}/{id}/query
Result<ApiResponse> GetOrCreateChannel(ChannelService& svc, const ApiRequest& req) {
  EDDY_ASSIGN_OR_RETURN(GetOrCreateRequest r, ParseGetOrCreate(req));
  EDDY_ASSIGN_OR_RETURN(json::object state,
                        svc.GetOrCreate(ActorOf(req.caller), *req.caller.app, req.PathParam("type"),
                                        req.PathParam("id"), std::move(r)));
  return Ok(std::move(state), 201);
}

// POST /channels/{type}/query
Result<ApiResponse> GetOrCreateDistinctChannel(ChannelService& svc, const ApiRequest& req) {
  EDDY_ASSIGN_OR_RETURN(GetOrCreateRequest r, ParseGetOrCreate(req));
  EDDY_ASSIGN_OR_RETURN(json::object state,
                        svc.GetOrCreateDistinct(ActorOf(req.caller), *req.caller.app,
                                                req.PathParam("type"), std::move(r)));
  return Ok(std::move(state), 201);
}

// POST /channels
Result<ApiResponse> QueryChannels(ChannelService& svc, const ApiRequest& req) {
  EDDY_ASSIGN_OR_RETURN(QueryChannelsOptions options,
                        ParseQueryChannels(req.body, !req.connection_id.empty()));
  EDDY_ASSIGN_OR_RETURN(json::array channels,
                        svc.QueryChannels(ActorOf(req.caller), *req.caller.app, std::move(options),
                                          req.connection_id));
  return Ok({{"channels", std::move(channels)}});
}

json::object ChangeBody(ChannelChange change) {
  json::object body{{"channel", std::move(change.channel)}, {"members", std::move(change.members)}};
  if (change.message) body["message"] = std::move(*change.message);
  return body;
}

// POST /channels/{type}/{id}
Result<ApiResponse> UpdateChannel(ChannelService& svc, const ApiRequest& req) {
  EDDY_ASSIGN_OR_RETURN(UpdateChannelRequest r, ParseUpdate(req.body));
  EDDY_ASSIGN_OR_RETURN(ChannelChange change,
                        svc.Update(ActorOf(req.caller), *req.caller.app, req.PathParam("type"),
                                   req.PathParam("id"), std::move(r)));
  return Ok(ChangeBody(std::move(change)));
}

// PATCH /channels/{type}/{id}
Result<ApiResponse> UpdateChannelPartial(ChannelService& svc, const ApiRequest& req) {
  ChannelPatch patch;
  EDDY_ASSIGN_OR_RETURN(const json::object* set, GetObject(req.body, "set"));
  if (set != nullptr) patch.set = *set;
  EDDY_ASSIGN_OR_RETURN(const json::array* unset, GetArray(req.body, "unset"));
  if (unset != nullptr) {
    for (const json::value& key : *unset) {
      if (!key.is_string()) return Error::Input("'unset' must be an array of strings");
      patch.unset.emplace_back(key.get_string());
    }
  }
  EDDY_ASSIGN_OR_RETURN(patch.user_id, NamedUser(req.body));
  EDDY_ASSIGN_OR_RETURN(ChannelChange change,
                        svc.PartialUpdate(ActorOf(req.caller), *req.caller.app,
                                          req.PathParam("type"), req.PathParam("id"), patch));
  return Ok(ChangeBody(std::move(change)));
}

// DELETE /channels/{type}/{id}?hard_delete=true
Result<ApiResponse> DeleteChannel(ChannelService& svc, const ApiRequest& req) {
  const std::string* hard = req.http != nullptr ? req.Query("hard_delete") : nullptr;
  if (hard != nullptr && *hard != "true" && *hard != "false" && *hard != "1" && *hard != "0") {
    return Error::Input("query parameter 'hard_delete' must be true or false");
  }
  const bool hard_delete = hard != nullptr && (*hard == "true" || *hard == "1");
  EDDY_ASSIGN_OR_RETURN(json::object channel,
                        svc.Delete(ActorOf(req.caller), *req.caller.app, req.PathParam("type"),
                                   req.PathParam("id"), hard_delete));
  return Ok({{"channel", std::move(channel)}});
}

// POST /channels/{type}/{id}/truncate
Result<ApiResponse> TruncateChannel(ChannelService& svc, const ApiRequest& req) {
  TruncateRequest r;
  EDDY_ASSIGN_OR_RETURN(std::optional<bool> hard, GetBool(req.body, "hard_delete"));
  r.hard_delete = hard.value_or(false);
  EDDY_ASSIGN_OR_RETURN(r.truncated_at, GetTime(req.body, "truncated_at"));
  EDDY_ASSIGN_OR_RETURN(const json::object* message, GetObject(req.body, "message"));
  if (message != nullptr) r.message = *message;
  EDDY_ASSIGN_OR_RETURN(r.user_id, NamedUser(req.body));
  EDDY_ASSIGN_OR_RETURN(ChannelChange change,
                        svc.Truncate(ActorOf(req.caller), *req.caller.app, req.PathParam("type"),
                                     req.PathParam("id"), std::move(r)));
  json::object body{{"channel", std::move(change.channel)}};
  if (change.message) body["message"] = std::move(*change.message);
  return Ok(std::move(body));
}

// POST /channels/{type}/{id}/hide
Result<ApiResponse> HideChannel(ChannelService& svc, const ApiRequest& req) {
  EDDY_ASSIGN_OR_RETURN(std::optional<bool> clear, GetBool(req.body, "clear_history"));
  EDDY_ASSIGN_OR_RETURN(std::string user_id, NamedUser(req.body));
  EDDY_TRY(svc.Hide(ActorOf(req.caller), *req.caller.app, req.PathParam("type"),
                    req.PathParam("id"), clear.value_or(false), user_id));
  return Ok({});
}

// POST /channels/{type}/{id}/show
Result<ApiResponse> ShowChannel(ChannelService& svc, const ApiRequest& req) {
  EDDY_ASSIGN_OR_RETURN(std::string user_id, NamedUser(req.body));
  EDDY_TRY(svc.Show(ActorOf(req.caller), *req.caller.app, req.PathParam("type"),
                    req.PathParam("id"), user_id));
  return Ok({});
}

// POST /channels/{type}/{id}/stop-watching
Result<ApiResponse> StopWatching(ChannelService& svc, const ApiRequest& req) {
  EDDY_TRY(svc.StopWatching(ActorOf(req.caller), *req.caller.app, req.PathParam("type"),
                            req.PathParam("id"), req.connection_id));
  return Ok({});
}

// GET /members?payload={...}
Result<ApiResponse> QueryMembers(ChannelService& svc, const ApiRequest& req) {
  EDDY_ASSIGN_OR_RETURN(json::object payload, req.Payload());
  EDDY_ASSIGN_OR_RETURN(QueryMembersOptions options, ParseQueryMembers(payload));
  EDDY_ASSIGN_OR_RETURN(json::array members,
                        svc.QueryMembers(ActorOf(req.caller), *req.caller.app, options));
  return Ok({{"members", std::move(members)}});
}

using Fn = Result<ApiResponse> (*)(ChannelService&, const ApiRequest&);

Handler Bind(ChannelService& svc, Fn fn) {
  ChannelService* s = &svc;
  return [s, fn](const ApiRequest& req) { return fn(*s, req); };
}

}  // namespace

Result<MessagePage> ParseMessagePage(const json::object& o) {
  MessagePage page;
  EDDY_ASSIGN_OR_RETURN(std::optional<std::int64_t> limit, GetInt(o, "limit"));
  if (limit && (*limit < 0 || *limit > kMaxStateMessageLimit)) {
    return Error::Input("messages.limit must be between 0 and " +
                        std::to_string(kMaxStateMessageLimit));
  }
  page.limit = limit ? static_cast<int>(*limit) : kDefaultStateMessageLimit;
  int ids = 0;
  for (auto [key, field] : {std::pair{"id_lt", &page.id_lt}, std::pair{"id_lte", &page.id_lte},
                            std::pair{"id_gt", &page.id_gt}, std::pair{"id_gte", &page.id_gte},
                            std::pair{"id_around", &page.id_around}}) {
    EDDY_ASSIGN_OR_RETURN(std::optional<std::string> v, GetString(o, key));
    if (!v || v->empty()) continue;
    if (v->size() > 255) return Error::Input(std::string("messages.") + key + " is too long");
    *field = std::move(*v);
    ++ids;
  }
  if (ids > 1) return Error::Input("use at most one of id_lt, id_lte, id_gt, id_gte, id_around");
  int times = 0;
  for (auto [key, field] :
       {std::pair{"created_at_before", &page.created_at_before},
        std::pair{"created_at_before_or_equal", &page.created_at_before_or_equal},
        std::pair{"created_at_after", &page.created_at_after},
        std::pair{"created_at_after_or_equal", &page.created_at_after_or_equal},
        std::pair{"created_at_around", &page.created_at_around}}) {
    EDDY_ASSIGN_OR_RETURN(*field, GetTime(o, key));
    if (*field) ++times;
  }
  if (times > 1) return Error::Input("use at most one of the created_at_* bounds");
  return page;
}

void RegisterChannelRoutes(Router& router, ChannelService& channels) {
  router.Add("POST", "/channels", "QueryChannels", Access::kAnyone, Bind(channels, QueryChannels));
  router.Add("POST", "/channels/{type}/query", "GetOrCreateDistinctChannel", Access::kServerOrUser,
             Bind(channels, GetOrCreateDistinctChannel));
  router.Add("POST", "/channels/{type}/{id}/query", "GetOrCreateChannel", Access::kAnyone,
             Bind(channels, GetOrCreateChannel));
  router.Add("POST", "/channels/{type}/{id}", "UpdateChannel", Access::kServerOrUser,
             Bind(channels, UpdateChannel));
  router.Add("PATCH", "/channels/{type}/{id}", "UpdateChannelPartial", Access::kServerOrUser,
             Bind(channels, UpdateChannelPartial));
  router.Add("DELETE", "/channels/{type}/{id}", "DeleteChannel", Access::kServerOrUser,
             Bind(channels, DeleteChannel));
  router.Add("POST", "/channels/{type}/{id}/truncate", "TruncateChannel", Access::kServerOrUser,
             Bind(channels, TruncateChannel));
  router.Add("POST", "/channels/{type}/{id}/hide", "HideChannel", Access::kServerOrUser,
             Bind(channels, HideChannel));
  router.Add("POST", "/channels/{type}/{id}/show", "ShowChannel", Access::kServerOrUser,
             Bind(channels, ShowChannel));
  router.Add("POST", "/channels/{type}/{id}/stop-watching", "StopWatchingChannel", Access::kAnyone,
             Bind(channels, StopWatching));
}

void RegisterMemberRoutes(Router& router, ChannelService& channels) {
  router.Add("GET", "/members", "QueryMembers", Access::kAnyone, Bind(channels, QueryMembers));
}

}  // namespace eddy::server::api
