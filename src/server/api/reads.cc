#include "server/api/reads.h"

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace eddy::server::api {

namespace {

// The user a request names: `user_id`, or `user.id` (server-side SDK helpers send either).
Result<std::string> NamedUser(const json::object& body) {
  EDDY_ASSIGN_OR_RETURN(std::optional<std::string> id, GetString(body, "user_id"));
  if (id) return std::move(*id);
  EDDY_ASSIGN_OR_RETURN(const json::object* user, GetObject(body, "user"));
  if (user == nullptr) return std::string();
  EDDY_ASSIGN_OR_RETURN(std::optional<std::string> uid, GetString(*user, "id"));
  return uid.value_or("");
}

// POST /channels/{type}/{id}/read
Result<ApiResponse> MarkRead(ReadService& svc, const ApiRequest& req) {
  EDDY_ASSIGN_OR_RETURN(std::string user_id, NamedUser(req.body));
  EDDY_ASSIGN_OR_RETURN(std::optional<std::string> message_id, GetString(req.body, "message_id"));
  EDDY_ASSIGN_OR_RETURN(std::optional<std::string> thread_id, GetString(req.body, "thread_id"));
  if (thread_id && !message_id) return Ok({{"event", nullptr}}, 201);
  EDDY_ASSIGN_OR_RETURN(json::value event,
                        svc.MarkRead(ActorOf(req.caller), *req.caller.app, req.PathParam("type"),
                                     req.PathParam("id"), user_id, message_id.value_or("")));
  return Ok({{"event", std::move(event)}}, 201);
}

// POST /channels/read
Result<ApiResponse> MarkAllRead(ReadService& svc, const ApiRequest& req) {
  EDDY_ASSIGN_OR_RETURN(std::string user_id, NamedUser(req.body));
  EDDY_ASSIGN_OR_RETURN(const json::object* by_channel, GetObject(req.body, "read_by_channel"));
  std::vector<std::pair<std::string, std::string>> read_by_channel;
  if (by_channel != nullptr) {
    if (by_channel->size() > kMaxReadByChannel) {
      return Error::Input("'read_by_channel' lists more than " + std::to_string(kMaxReadByChannel) +
                          " channels");
    }
    for (const auto& kv : *by_channel) {
      if (!kv.value().is_string()) {
        return Error::Input("'read_by_channel' values must be message ids (strings)");
      }
      read_by_channel.emplace_back(std::string(kv.key()), std::string(kv.value().get_string()));
    }
  }
  EDDY_TRY(svc.MarkAllRead(ActorOf(req.caller), *req.caller.app, user_id, read_by_channel));
  return Ok({}, 201);
}

// POST /channels/delivered
Result<ApiResponse> MarkDelivered(ReadService& svc, const ApiRequest& req) {
  EDDY_ASSIGN_OR_RETURN(std::string user_id, NamedUser(req.body));
  EDDY_ASSIGN_OR_RETURN(const json::array* latest, GetArray(req.body, "latest_delivered_messages"));
  if (latest == nullptr) return Error::Input("'latest_delivered_messages' is a required field");
  if (latest->size() > kMaxDeliveredMessages) {
    return Error::Input("'latest_delivered_messages' lists more than " +
                        std::to_string(kMaxDeliveredMessages) + " messages");
  }
  std::vector<std::pair<std::string, std::string>> delivered;
  for (const json::value& v : *latest) {
    if (!v.is_object()) {
      return Error::Input("'latest_delivered_messages' entries must be objects {cid, id}");
    }
    EDDY_ASSIGN_OR_RETURN(std::optional<std::string> cid, GetString(v.get_object(), "cid"));
    EDDY_ASSIGN_OR_RETURN(std::optional<std::string> id, GetString(v.get_object(), "id"));
    if (!cid || cid->empty() || !id || id->empty()) {
      return Error::Input("each 'latest_delivered_messages' entry needs a 'cid' and an 'id'");
    }
    delivered.emplace_back(std::move(*cid), std::move(*id));
  }
  EDDY_TRY(svc.MarkDelivered(ActorOf(req.caller), *req.caller.app, user_id, delivered));
  return Ok({}, 201);
}

// POST /channels/{type}/{id}/unread
Result<ApiResponse> MarkUnread(ReadService& svc, const ApiRequest& req) {
  EDDY_ASSIGN_OR_RETURN(std::string user_id, NamedUser(req.body));
  EDDY_ASSIGN_OR_RETURN(std::optional<std::string> message_id, GetString(req.body, "message_id"));
  EDDY_ASSIGN_OR_RETURN(std::optional<std::string> stamp, GetString(req.body, "message_timestamp"));
  EDDY_ASSIGN_OR_RETURN(std::optional<std::string> thread_id, GetString(req.body, "thread_id"));
  if (thread_id && !message_id && !stamp) return Ok({}, 201);
  UnreadTarget target;
  target.message_id = message_id.value_or("");
  if (stamp) {
    target.message_time = ParseTime(*stamp);
    if (!target.message_time) {
      return Error::Input("'message_timestamp' must be an RFC 3339 time");
    }
  }
  if (target.message_id.empty() && !target.message_time) {
    return Error::Input("'message_id' is a required field");
  }
  EDDY_TRY(svc.MarkUnread(ActorOf(req.caller), *req.caller.app, req.PathParam("type"),
                          req.PathParam("id"), user_id, target));
  return Ok({}, 201);
}

json::object UnreadJson(const UnreadSummary& s) {
  json::array channels;
  // By type, in name order: channel_count is the number of unread channels of that type.
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> by_type;
  for (const ChannelUnread& c : s.channels) {
    channels.push_back(json::object{{"channel_id", c.cid},
                                    {"unread_count", c.unread_count},
                                    {"last_read", FormatTime(c.last_read)}});
    auto& t = by_type[c.cid.substr(0, c.cid.find(':'))];
    t.first += 1;
    t.second += c.unread_count;
  }
  json::array types;
  for (const auto& [type, counts] : by_type) {
    types.push_back(json::object{
        {"channel_type", type}, {"channel_count", counts.first}, {"unread_count", counts.second}});
  }
  return json::object{{"total_unread_count", s.total_unread_count},
                      {"total_unread_threads_count", 0},
                      {"total_unread_count_by_team", json::object()},
                      {"channels", std::move(channels)},
                      {"channel_type", std::move(types)},
                      {"threads", json::array()}};
}

// GET /unread[?user_id=]
Result<ApiResponse> UnreadCounts(ReadService& svc, const ApiRequest& req) {
  const std::string* user_id = req.http ? req.Query("user_id") : nullptr;
  EDDY_ASSIGN_OR_RETURN(UnreadSummary s, svc.UnreadCounts(ActorOf(req.caller), *req.caller.app,
                                                          user_id ? *user_id : std::string()));
  return Ok(UnreadJson(s));
}

}  // namespace

void RegisterReadRoutes(Router& router, ReadService& reads) {
  ReadService* svc = &reads;
  auto bind = [svc](Result<ApiResponse> (*fn)(ReadService&, const ApiRequest&)) {
    return [svc, fn](const ApiRequest& req) { return fn(*svc, req); };
  };
  router.Add("POST", "/channels/{type}/{id}/read", "MarkRead", Access::kServerOrUser,
             bind(MarkRead));
  router.Add("POST", "/channels/read", "MarkChannelsRead", Access::kServerOrUser,
             bind(MarkAllRead));
  router.Add("POST", "/channels/delivered", "MarkChannelsDelivered", Access::kServerOrUser,
             bind(MarkDelivered));
  router.Add("POST", "/channels/{type}/{id}/unread", "MarkUnread", Access::kServerOrUser,
             bind(MarkUnread));
  router.Add("GET", "/unread", "UnreadCounts", Access::kServerOrUser, bind(UnreadCounts));
}

}  // namespace eddy::server::api
