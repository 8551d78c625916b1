#include "server/api/messages.h"

#include <string>
#include <utility>
#include <vector>

#include "common/json_arena.h"
#include "protocol/message_json.h"

namespace eddy::server::api {

namespace {

using protocol::MessageInput;

// When the client gives no limit: the SDK's own default page for a thread.
constexpr int kDefaultRepliesLimit = 100;
constexpr int kDefaultPinnedLimit = 10;

const std::string* Param(const ApiRequest& req, std::string_view name) {
  return req.http ? req.Query(name) : nullptr;
}

// "true"/"1" or "false"/"0"; absent is false.
Result<bool> QueryBool(const ApiRequest& req, std::string_view name) {
  const std::string* v = Param(req, name);
  if (!v || *v == "false" || *v == "0") return false;
  if (*v == "true" || *v == "1") return true;
  return Error::Input("query parameter '" + std::string(name) + "' must be true or false");
}

Result<std::optional<Micros>> TimeParam(const std::string* v, std::string_view name) {
  if (!v) return std::optional<Micros>{};
  std::optional<Micros> t = ParseTime(*v);
  if (!t) {
    return Error::Input("'" + std::string(name) + "' must be an RFC 3339 timestamp");
  }
  return t;
}

// The body's "message" object (read in place: the request outlives the handler's use of it).
Result<const json::object*> MessageBody(const ApiRequest& req) {
  EDDY_ASSIGN_OR_RETURN(const json::object* message, GetObject(req.body, "message"));
  if (!message) return Error::Input("'message' is a required field: an object");
  return message;
}

// The acting user a server-side body names: "user_id" or "user": {"id"}.
Result<std::string> BodyUser(const json::object& body) {
  EDDY_ASSIGN_OR_RETURN(std::optional<std::string> id, GetString(body, "user_id"));
  EDDY_ASSIGN_OR_RETURN(const json::object* user, GetObject(body, "user"));
  if (user) {
    EDDY_ASSIGN_OR_RETURN(std::optional<std::string> uid, GetString(*user, "id"));
    if (!uid) return Error::Input("'user' must be an object with a string 'id'");
    if (id && *id != *uid) return Error::Input("'user_id' and 'user.id' differ");
    id = uid;
  }
  return id.value_or("");
}

// Channel-list style pagination given as flat query parameters (§6.5 getReplies).
Result<MessagePage> PageFromQuery(const ApiRequest& req) {
  MessagePage page;
  EDDY_ASSIGN_OR_RETURN(page.limit, QueryInt(req, "limit", kDefaultRepliesLimit));
  const std::pair<const char*, std::string*> ids[] = {{"id_lt", &page.id_lt},
                                                      {"id_lte", &page.id_lte},
                                                      {"id_gt", &page.id_gt},
                                                      {"id_gte", &page.id_gte},
                                                      {"id_around", &page.id_around}};
  int id_bounds = 0;
  for (const auto& [name, field] : ids) {
    if (const std::string* v = Param(req, name)) {
      EDDY_TRY(protocol::ValidateMessageId(*v));
      *field = *v;
      ++id_bounds;
    }
  }
  const std::pair<const char*, std::optional<Micros>*> times[] = {
      {"created_at_before", &page.created_at_before},
      {"created_at_before_or_equal", &page.created_at_before_or_equal},
      {"created_at_after", &page.created_at_after},
      {"created_at_after_or_equal", &page.created_at_after_or_equal},
      {"created_at_around", &page.created_at_around}};
  int time_bounds = 0;
  for (const auto& [name, field] : times) {
    EDDY_ASSIGN_OR_RETURN(*field, TimeParam(Param(req, name), name));
    if (*field) ++time_bounds;
  }
  if (id_bounds > 1 || time_bounds > 1) {
    return Error::Input(
        "give at most one of id_lt, id_lte, id_gt, id_gte, id_around and at "
        "most one of the created_at_* bounds");
  }
  return page;
}

// `sort` of getReplies / getPinnedMessages: [{"field": <field>, "direction": 1|-1}]; returns
// whether the order is descending.
Result<bool> SortDescending(const json::value& sort, std::string_view field, bool fallback) {
  if (sort.is_null()) return fallback;
  if (!sort.is_array() || sort.as_array().size() > 1) {
    return Error::Input("'sort' must be an array with at most one {field, direction}");
  }
  if (sort.as_array().empty()) return fallback;
  const json::value& s = sort.as_array().front();
  if (!s.is_object()) return Error::Input("'sort' elements must be objects");
  EDDY_ASSIGN_OR_RETURN(std::optional<std::string> f, GetString(s.as_object(), "field"));
  EDDY_ASSIGN_OR_RETURN(std::optional<std::int64_t> d, GetInt(s.as_object(), "direction"));
  if (f.value_or(std::string(field)) != field) {
    return Error::Input("this list can only be sorted by " + std::string(field));
  }
  if (d && *d != 1 && *d != -1) return Error::Input("sort direction must be 1 or -1");
  return d ? *d == -1 : fallback;
}

// POST /channels/{type}/{id}/message: the body's message and options.
struct SendRequest {
  MessageInput in;
  SendMessageOptions options;
};

Result<SendRequest> ParseSend(const ApiRequest& req) {
  SendRequest send;
  EDDY_ASSIGN_OR_RETURN(const json::object* message, MessageBody(req));
  EDDY_ASSIGN_OR_RETURN(send.in, protocol::MessageFromJson(*message));
  EDDY_ASSIGN_OR_RETURN(std::optional<bool> skip_push, GetBool(req.body, "skip_push"));
  EDDY_ASSIGN_OR_RETURN(std::optional<bool> keep_hidden, GetBool(req.body, "keep_channel_hidden"));
  send.options.skip_push = skip_push.value_or(false);
  send.options.keep_channel_hidden = keep_hidden.value_or(false);
  return send;
}

Result<ApiResponse> Sent(Result<json::object> out) {
  if (!out.ok()) return std::move(out).error();
  json::object body(out->storage());  // the message's storage: it moves in, not copied
  body["message"] = std::move(*out);
  return Ok(std::move(body), 201);
}

Result<ApiResponse> SendMessage(MessageService& svc, const ApiRequest& req) {
  // The message's JSON, its events and the response are built in one arena; the response
  // keeps it alive until the dispatcher has written it (common/json_arena.h).
  JsonArena arena;
  EDDY_ASSIGN_OR_RETURN(SendRequest send, ParseSend(req));
  return Sent(svc.SendMessage(ActorOf(req.caller), *req.caller.app, req.PathParam("type"),
                              req.PathParam("id"), std::move(send.in), send.options));
}

// The server's: no thread waits for the message's commit (MessageService::SendMessageAsync
// builds the rest in an arena of its own).
void SendMessageAsync(MessageService& svc, const ApiRequest& req,
                      std::function<void(Result<ApiResponse>)> done) {
  Result<SendRequest> send = ParseSend(req);
  if (!send.ok()) return done(std::move(send).error());
  svc.SendMessageAsync(
      ActorOf(req.caller), req.caller.app, req.PathParam("type"), req.PathParam("id"),
      std::move(send->in), send->options,
      [done = std::move(done)](Result<json::object> out) { done(Sent(std::move(out))); });
}

// GET /channels/{type}/{id}/messages?ids=a,b
Result<ApiResponse> GetManyMessages(MessageService& svc, const ApiRequest& req) {
  const std::string* list = Param(req, "ids");
  if (!list || list->empty()) return Error::Input("'ids' is a required query parameter");
  std::vector<std::string> ids;
  std::size_t pos = 0;
  while (pos <= list->size()) {
    std::size_t comma = list->find(',', pos);
    if (comma == std::string::npos) comma = list->size();
    ids.push_back(list->substr(pos, comma - pos));
    if (static_cast<int>(ids.size()) > kMaxMessagesById) break;  // the service refuses it
    pos = comma + 1;
  }
  EDDY_ASSIGN_OR_RETURN(json::array out,
                        svc.GetMessages(ActorOf(req.caller), *req.caller.app, req.PathParam("type"),
                                        req.PathParam("id"), ids));
  return Ok({{"messages", std::move(out)}});
}

// GET /channels/{type}/{id}/pinned_messages?payload={limit, sort, pinned_at_*}
Result<ApiResponse> GetPinnedMessages(MessageService& svc, const ApiRequest& req) {
  EDDY_ASSIGN_OR_RETURN(json::object payload, req.Payload());
  PinnedQuery q;
  EDDY_ASSIGN_OR_RETURN(std::optional<std::int64_t> limit, GetInt(payload, "limit"));
  if (limit && (*limit < 0 || *limit > kMaxMessagePageLimit)) {
    return Error::Input("limit must be between 0 and " + std::to_string(kMaxMessagePageLimit));
  }
  q.limit = static_cast<int>(limit.value_or(kDefaultPinnedLimit));
  for (const char* unsupported : {"id_lt", "id_lte", "id_gt", "id_gte", "id_around"}) {
    if (payload.contains(unsupported)) {
      return Error::Input(std::string("pinned messages are paginated with pinned_at_* bounds; '") +
                          unsupported + "' is not supported");
    }
  }
  const std::pair<const char*, std::optional<Micros>*> times[] = {
      {"pinned_at_before", &q.pinned_at_before},
      {"pinned_at_before_or_equal", &q.pinned_at_before_or_equal},
      {"pinned_at_after", &q.pinned_at_after},
      {"pinned_at_after_or_equal", &q.pinned_at_after_or_equal}};
  for (const auto& [name, field] : times) {
    EDDY_ASSIGN_OR_RETURN(std::optional<std::string> v, GetString(payload, name));
    EDDY_ASSIGN_OR_RETURN(*field, TimeParam(v ? &*v : nullptr, name));
  }
  const json::value* sort = payload.if_contains("sort");
  EDDY_ASSIGN_OR_RETURN(bool desc, SortDescending(sort ? *sort : json::value(), "pinned_at", true));
  q.ascending = !desc;
  EDDY_ASSIGN_OR_RETURN(json::array out,
                        svc.GetPinnedMessages(ActorOf(req.caller), *req.caller.app,
                                              req.PathParam("type"), req.PathParam("id"), q));
  return Ok({{"messages", std::move(out)}});
}

// POST /messages/{id}
Result<ApiResponse> UpdateMessage(MessageService& svc, const ApiRequest& req) {
  EDDY_ASSIGN_OR_RETURN(const json::object* message, MessageBody(req));
  EDDY_ASSIGN_OR_RETURN(MessageInput in, protocol::MessageFromJson(*message));
  EDDY_ASSIGN_OR_RETURN(json::object out, svc.UpdateMessage(ActorOf(req.caller), *req.caller.app,
                                                            req.PathParam("id"), std::move(in)));
  return Ok({{"message", std::move(out)}});
}

// PUT /messages/{id}
Result<ApiResponse> PartialUpdateMessage(MessageService& svc, const ApiRequest& req) {
  MessagePatch patch;
  EDDY_ASSIGN_OR_RETURN(const json::object* set, GetObject(req.body, "set"));
  if (set) patch.set = *set;
  EDDY_ASSIGN_OR_RETURN(const json::array* unset, GetArray(req.body, "unset"));
  if (unset) {
    for (const json::value& key : *unset) {
      if (!key.is_string()) return Error::Input("'unset' must be an array of strings");
      patch.unset.emplace_back(key.get_string());
    }
  }
  EDDY_ASSIGN_OR_RETURN(patch.user_id, BodyUser(req.body));
  EDDY_ASSIGN_OR_RETURN(
      json::object out,
      svc.PartialUpdateMessage(ActorOf(req.caller), *req.caller.app, req.PathParam("id"), patch));
  return Ok({{"message", std::move(out)}});
}

// DELETE /messages/{id}?hard=true&deleted_by=
Result<ApiResponse> DeleteMessage(MessageService& svc, const ApiRequest& req) {
  DeleteMessageOptions options;
  EDDY_ASSIGN_OR_RETURN(options.hard, QueryBool(req, "hard"));
  EDDY_ASSIGN_OR_RETURN(bool for_me, QueryBool(req, "delete_for_me"));
  if (for_me) return Error::Input("delete_for_me is not supported by this server");
  if (const std::string* by = Param(req, "deleted_by")) options.deleted_by = *by;
  EDDY_ASSIGN_OR_RETURN(json::object out, svc.DeleteMessage(ActorOf(req.caller), *req.caller.app,
                                                            req.PathParam("id"), options));
  return Ok({{"message", std::move(out)}});
}

// GET /messages/{id}
Result<ApiResponse> GetMessage(MessageService& svc, const ApiRequest& req) {
  EDDY_ASSIGN_OR_RETURN(MessageWithChannel out,
                        svc.GetMessage(ActorOf(req.caller), *req.caller.app, req.PathParam("id")));
  return Ok({{"message", std::move(out.message)}, {"channel", std::move(out.channel)}});
}

// GET /messages/{id}/replies?limit=&id_lt=...&sort=[...]
Result<ApiResponse> GetReplies(MessageService& svc, const ApiRequest& req) {
  EDDY_ASSIGN_OR_RETURN(MessagePage page, PageFromQuery(req));
  json::value sort;
  if (const std::string* s = Param(req, "sort")) {
    EDDY_ASSIGN_OR_RETURN(sort, ParseJson(*s, "sort query parameter"));
  }
  EDDY_ASSIGN_OR_RETURN(bool desc, SortDescending(sort, "created_at", false));
  EDDY_ASSIGN_OR_RETURN(json::array out,
                        svc.GetReplies(ActorOf(req.caller), *req.caller.app, req.PathParam("id"),
                                       std::move(page), desc));
  return Ok({{"messages", std::move(out)}});
}

}  // namespace

Result<int> QueryInt(const ApiRequest& req, std::string_view name, int fallback) {
  const std::string* v = Param(req, name);
  if (!v) return fallback;
  int n = 0;
  bool ok = !v->empty() && v->size() <= 9;
  for (char c : *v) {
    ok = ok && c >= '0' && c <= '9';
    if (ok) n = n * 10 + (c - '0');
  }
  if (!ok) {
    return Error::Input("query parameter '" + std::string(name) +
                        "' must be a non-negative integer");
  }
  return n;
}

void RegisterMessageRoutes(Router& router, MessageService& messages) {
  MessageService* svc = &messages;
  auto bind = [svc](Result<ApiResponse> (*fn)(MessageService&, const ApiRequest&)) {
    return [svc, fn](const ApiRequest& req) { return fn(*svc, req); };
  };
  router.Add("POST", "/channels/{type}/{id}/message", "SendMessage", Access::kServerOrUser,
             bind(SendMessage),
             [svc](const ApiRequest& req, std::function<void(Result<ApiResponse>)> done) {
               SendMessageAsync(*svc, req, std::move(done));
             });
  router.Add("GET", "/channels/{type}/{id}/messages", "GetManyMessages", Access::kServerOrUser,
             bind(GetManyMessages));
  router.Add("GET", "/channels/{type}/{id}/pinned_messages", "GetPinnedMessages",
             Access::kServerOrUser, bind(GetPinnedMessages));
  router.Add("POST", "/messages/{id}", "UpdateMessage", Access::kServerOrUser, bind(UpdateMessage));
  router.Add("PUT", "/messages/{id}", "UpdateMessagePartial", Access::kServerOrUser,
             bind(PartialUpdateMessage));
  router.Add("DELETE", "/messages/{id}", "DeleteMessage", Access::kServerOrUser,
             bind(DeleteMessage));
  router.Add("GET", "/messages/{id}", "GetMessage", Access::kServerOrUser, bind(GetMessage));
  router.Add("GET", "/messages/{id}/replies", "GetReplies", Access::kServerOrUser,
             bind(GetReplies));
  RegisterReactionRoutes(router, messages);
}

}  // namespace eddy::server::api
