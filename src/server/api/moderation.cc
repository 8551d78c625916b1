#include "server/api/moderation.h"

#include <string>
#include <utility>

#include "server/api/messages.h"

namespace eddy::server::api {

namespace {

constexpr std::int64_t kMaxAdvanceSeconds = 10LL * 365 * 24 * 3600;

Result<std::string> Str(const json::object& o, std::string_view key) {
  EDDY_ASSIGN_OR_RETURN(std::optional<std::string> v, GetString(o, key));
  return v.value_or("");
}

std::string QueryStr(const ApiRequest& req, std::string_view name) {
  const std::string* v = req.http ? req.Query(name) : nullptr;
  return v ? *v : "";
}

// A channel named by "type" + "id" (the SDK's channel.banUser) or by "channel_cid" (the spec).
Result<std::string> ChannelCid(std::string type, std::string id, std::string cid) {
  if (type.empty() != id.empty()) return Error::Input("type and id must be given together");
  if (!type.empty()) {
    if (!cid.empty() && cid != type + ":" + id) {
      return Error::Input("channel_cid and type/id name different channels");
    }
    return type + ":" + id;
  }
  return cid;
}

// One id (`one`) or a list (`many`); at least one of them.
Result<std::vector<std::string>> OneOrMany(const json::object& body, std::string_view one,
                                           std::string_view many) {
  std::vector<std::string> out;
  EDDY_ASSIGN_OR_RETURN(std::string single, Str(body, one));
  if (!single.empty()) out.push_back(single);
  EDDY_ASSIGN_OR_RETURN(const json::array* list, GetArray(body, many));
  if (list) {
    if (list->size() > kMaxMuteTargets) {
      return Error::Input(std::string(many) + " takes at most " + std::to_string(kMaxMuteTargets) +
                          " ids");
    }
    for (const json::value& v : *list) {
      if (!v.is_string()) return Error::Input(std::string(many) + " must be an array of strings");
      out.emplace_back(v.get_string());
    }
  }
  return out;
}

// POST /moderation/ban
Result<ApiResponse> Ban(ModerationService& svc, const ApiRequest& req) {
  const json::object& b = req.body;
  BanRequest in;
  EDDY_ASSIGN_OR_RETURN(in.target_user_id, Str(b, "target_user_id"));
  EDDY_ASSIGN_OR_RETURN(std::string type, Str(b, "type"));
  EDDY_ASSIGN_OR_RETURN(std::string id, Str(b, "id"));
  EDDY_ASSIGN_OR_RETURN(std::string cid, Str(b, "channel_cid"));
  EDDY_ASSIGN_OR_RETURN(in.channel_cid, ChannelCid(type, id, cid));
  EDDY_ASSIGN_OR_RETURN(in.reason, Str(b, "reason"));
  EDDY_ASSIGN_OR_RETURN(in.banned_by_id, Str(b, "banned_by_id"));
  EDDY_ASSIGN_OR_RETURN(const json::object* by, GetObject(b, "banned_by"));
  if (by && in.banned_by_id.empty()) {
    EDDY_ASSIGN_OR_RETURN(in.banned_by_id, Str(*by, "id"));
  }
  EDDY_ASSIGN_OR_RETURN(in.timeout_minutes, GetInt(b, "timeout"));
  EDDY_ASSIGN_OR_RETURN(std::optional<bool> shadow, GetBool(b, "shadow"));
  EDDY_ASSIGN_OR_RETURN(std::optional<bool> ip_ban, GetBool(b, "ip_ban"));
  in.shadow = shadow.value_or(false);
  in.ip_ban = ip_ban.value_or(false);
  EDDY_TRY(svc.BanUser(ActorOf(req.caller), *req.caller.app, in));
  return Ok({}, 201);
}

// DELETE /moderation/ban?target_user_id=&type=&id=[&channel_cid=][&shadow=]
Result<ApiResponse> Unban(ModerationService& svc, const ApiRequest& req) {
  UnbanRequest in;
  in.target_user_id = QueryStr(req, "target_user_id");
  EDDY_ASSIGN_OR_RETURN(in.channel_cid, ChannelCid(QueryStr(req, "type"), QueryStr(req, "id"),
                                                   QueryStr(req, "channel_cid")));
  EDDY_TRY(svc.UnbanUser(ActorOf(req.caller), *req.caller.app, in));
  return Ok({});
}

// GET /query_banned_users?payload={filter_conditions, sort, limit, offset, exclude_expired_bans}
Result<ApiResponse> QueryBanned(ModerationService& svc, const ApiRequest& req) {
  EDDY_ASSIGN_OR_RETURN(json::object payload, req.Payload());
  EDDY_ASSIGN_OR_RETURN(json::array bans,
                        svc.QueryBannedUsers(ActorOf(req.caller), *req.caller.app, payload));
  return Ok({{"bans", std::move(bans)}});
}

Result<MuteRequest> ReadMute(const ApiRequest& req) {
  MuteRequest in;
  EDDY_ASSIGN_OR_RETURN(in.target_ids, OneOrMany(req.body, "target_id", "target_ids"));
  EDDY_ASSIGN_OR_RETURN(in.user_id, Str(req.body, "user_id"));
  EDDY_ASSIGN_OR_RETURN(in.timeout_minutes, GetInt(req.body, "timeout"));
  return in;
}

// POST /moderation/mute
Result<ApiResponse> Mute(ModerationService& svc, const ApiRequest& req) {
  EDDY_ASSIGN_OR_RETURN(MuteRequest in, ReadMute(req));
  EDDY_ASSIGN_OR_RETURN(json::object out, svc.MuteUsers(ActorOf(req.caller), *req.caller.app, in));
  return Ok(std::move(out), 201);
}

// POST /moderation/unmute
Result<ApiResponse> Unmute(ModerationService& svc, const ApiRequest& req) {
  EDDY_ASSIGN_OR_RETURN(MuteRequest in, ReadMute(req));
  EDDY_ASSIGN_OR_RETURN(json::object out,
                        svc.UnmuteUsers(ActorOf(req.caller), *req.caller.app, in));
  return Ok(std::move(out));
}

Result<ChannelMuteRequest> ReadChannelMute(const ApiRequest& req) {
  ChannelMuteRequest in;
  EDDY_ASSIGN_OR_RETURN(in.cids, OneOrMany(req.body, "channel_cid", "channel_cids"));
  EDDY_ASSIGN_OR_RETURN(in.user_id, Str(req.body, "user_id"));
  EDDY_ASSIGN_OR_RETURN(in.expiration_ms, GetInt(req.body, "expiration"));
  return in;
}

// POST /moderation/mute/channel
Result<ApiResponse> MuteChannel(ModerationService& svc, const ApiRequest& req) {
  EDDY_ASSIGN_OR_RETURN(ChannelMuteRequest in, ReadChannelMute(req));
  EDDY_ASSIGN_OR_RETURN(json::object out,
                        svc.MuteChannels(ActorOf(req.caller), *req.caller.app, in));
  return Ok(std::move(out), 201);
}

// POST /moderation/unmute/channel
Result<ApiResponse> UnmuteChannel(ModerationService& svc, const ApiRequest& req) {
  EDDY_ASSIGN_OR_RETURN(ChannelMuteRequest in, ReadChannelMute(req));
  EDDY_ASSIGN_OR_RETURN(json::object out,
                        svc.UnmuteChannels(ActorOf(req.caller), *req.caller.app, in));
  return Ok(std::move(out));
}

Result<FlagRequest> ReadFlag(const ApiRequest& req) {
  FlagRequest in;
  EDDY_ASSIGN_OR_RETURN(in.target_message_id, Str(req.body, "target_message_id"));
  EDDY_ASSIGN_OR_RETURN(in.target_user_id, Str(req.body, "target_user_id"));
  EDDY_ASSIGN_OR_RETURN(in.user_id, Str(req.body, "user_id"));
  EDDY_ASSIGN_OR_RETURN(in.reason, Str(req.body, "reason"));
  return in;
}

// POST /moderation/flag
Result<ApiResponse> Flag(ModerationService& svc, const ApiRequest& req) {
  EDDY_ASSIGN_OR_RETURN(FlagRequest in, ReadFlag(req));
  EDDY_ASSIGN_OR_RETURN(json::object out, svc.AddFlag(ActorOf(req.caller), *req.caller.app, in));
  return Ok(std::move(out), 201);
}

// POST /moderation/unflag
Result<ApiResponse> Unflag(ModerationService& svc, const ApiRequest& req) {
  EDDY_ASSIGN_OR_RETURN(FlagRequest in, ReadFlag(req));
  EDDY_TRY(svc.RemoveFlag(ActorOf(req.caller), *req.caller.app, in));
  return Ok({});
}

// GET /moderation/flags/message?payload={filter_conditions, limit, offset}
Result<ApiResponse> MessageFlags(ModerationService& svc, const ApiRequest& req) {
  EDDY_ASSIGN_OR_RETURN(json::object payload, req.Payload());
  EDDY_ASSIGN_OR_RETURN(json::array flags,
                        svc.QueryFlags(ActorOf(req.caller), *req.caller.app, payload, true));
  return Ok({{"flags", std::move(flags)}});
}

// POST /moderation/flags {filter_conditions, limit, offset}
Result<ApiResponse> ReviewList(ModerationService& svc, const ApiRequest& req) {
  EDDY_ASSIGN_OR_RETURN(json::array flags,
                        svc.QueryFlags(ActorOf(req.caller), *req.caller.app, req.body, false));
  return Ok({{"flags", std::move(flags)}});
}

}  // namespace

void RegisterModerationRoutes(Router& router, ModerationService& moderation) {
  ModerationService* svc = &moderation;
  auto bind = [svc](Result<ApiResponse> (*fn)(ModerationService&, const ApiRequest&)) {
    return [svc, fn](const ApiRequest& req) { return fn(*svc, req); };
  };
  const Access any = Access::kServerOrUser;
  router.Add("POST", "/moderation/ban", "BanUser", any, bind(Ban));
  router.Add("DELETE", "/moderation/ban", "UnbanUser", any, bind(Unban));
  router.Add("GET", "/query_banned_users", "QueryBannedUsers", any, bind(QueryBanned));
  router.Add("POST", "/moderation/mute", "MuteUser", any, bind(Mute));
  router.Add("POST", "/moderation/unmute", "UnmuteUser", any, bind(Unmute));
  router.Add("POST", "/moderation/mute/channel", "MuteChannel", any, bind(MuteChannel));
  router.Add("POST", "/moderation/unmute/channel", "UnmuteChannel", any, bind(UnmuteChannel));
  router.Add("POST", "/moderation/flag", "Flag", any, bind(Flag));
  router.Add("POST", "/moderation/unflag", "Unflag", any, bind(Unflag));
  router.Add("GET", "/moderation/flags/message", "QueryMessageFlags", any, bind(MessageFlags));
  router.Add("POST", "/moderation/flags", "QueryFlags", any, bind(ReviewList));
}

// POST /_test/clock
void RegisterTestClockRoute(Router& router, OffsetClock& clock) {
  OffsetClock* c = &clock;
  router.Add("POST", "/_test/clock", "AdvanceTestClock", Access::kServerOnly,
             [c](const ApiRequest& req) -> Result<ApiResponse> {
               EDDY_ASSIGN_OR_RETURN(std::optional<std::int64_t> s,
                                     GetInt(req.body, "advance_seconds"));
               if (!s || *s < 0 || *s > kMaxAdvanceSeconds) {
                 return Error::Input("advance_seconds must be an integer between 0 and " +
                                     std::to_string(kMaxAdvanceSeconds));
               }
               c->Advance(*s * 1'000'000);
               return Ok({{"offset_seconds", c->offset() / 1'000'000}});
             });
}

}  // namespace eddy::server::api
