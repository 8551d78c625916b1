#include "eddy/server_client.h"

#include "client/convert.h"
#include "client/http_transport.h"
#include "protocol/jwt.h"

namespace eddy::client {

namespace json = boost::json;

ServerClient::ServerClient(std::string base_url, std::string api_key, std::string api_secret,
                           ClientOptions options)
    : api_key_(std::move(api_key)),
      api_secret_(std::move(api_secret)),
      server_token_(protocol::CreateServerToken(api_secret_)),
      http_(std::make_unique<HttpTransport>(ParseBaseUrl(base_url), std::move(options))) {}

ServerClient::~ServerClient() = default;

std::string ServerClient::CreateToken(const std::string& user_id, std::optional<std::int64_t> exp,
                                      std::optional<std::int64_t> iat) const {
  return protocol::CreateUserToken(user_id, exp, iat, api_secret_);
}

json::object ServerClient::Request(const std::string& method, const std::string& path,
                                   const json::object* body, QueryParams params) {
  params.insert(params.begin(), {"api_key", api_key_});
  HttpResponse res =
      http_->Send(method, BuildTarget(path, params), body ? json::serialize(*body) : "",
                  {{"Authorization", server_token_}, {"stream-auth-type", "jwt"}});
  return DecodeResponse(res);
}

// POST /users
std::vector<User> ServerClient::UpsertUsers(const std::vector<User>& users) {
  json::object by_id;
  for (const auto& u : users) by_id[u.id] = u.ToJson();
  json::object body{{"users", std::move(by_id)}};
  json::object res = Request("POST", "/users", &body);
  std::vector<User> out;
  for (const auto& u : users) {
    if (auto* v = Field(res, "users").if_contains(u.id); v && v->is_object())
      out.push_back(User::FromJson(v->as_object()));
  }
  return out;
}

User ServerClient::UpsertUser(const User& user) {
  auto users = UpsertUsers({user});
  if (users.empty()) throw ApiError(ApiError::kNetworkError, 0, "user missing in the answer");
  return users.front();
}

// PATCH /users
User ServerClient::PartialUpdateUser(const std::string& id, const json::object& set,
                                     const std::vector<std::string>& unset) {
  json::object update{{"id", id}, {"set", set}};
  if (!unset.empty()) update["unset"] = Strings(unset);
  json::object body{{"users", json::array{update}}};
  json::object res = Request("PATCH", "/users", &body);
  return User::FromJson(Field(Field(res, "users"), id));
}

// GET /users?payload=
std::vector<User> ServerClient::QueryUsers(const json::object& filter, const json::array& sort,
                                           int limit, int offset) {
  json::object payload{
      {"filter_conditions", filter}, {"sort", sort}, {"limit", limit}, {"offset", offset}};
  return List<User>(Request("GET", "/users", nullptr, {{"payload", json::serialize(payload)}}),
                    "users");
}

// POST /users/{id}/deactivate
User ServerClient::DeactivateUser(const std::string& id, bool mark_messages_deleted) {
  json::object body{{"mark_messages_deleted", mark_messages_deleted}};
  return User::FromJson(Field(Request("POST", "/users/" + Seg(id) + "/deactivate", &body), "user"));
}

// POST /users/{id}/reactivate
User ServerClient::ReactivateUser(const std::string& id) {
  json::object body;
  return User::FromJson(Field(Request("POST", "/users/" + Seg(id) + "/reactivate", &body), "user"));
}

// DELETE /users/{id}
User ServerClient::DeleteUser(const std::string& id, bool hard_delete) {
  QueryParams params;
  if (hard_delete) params.push_back({"hard_delete", "true"});
  return User::FromJson(Field(Request("DELETE", "/users/" + Seg(id), nullptr, params), "user"));
}

// POST /channels/{type}/{id}/query
ChannelState ServerClient::CreateChannel(const std::string& type, const std::string& id,
                                         const std::string& created_by_id,
                                         const std::vector<std::string>& members,
                                         const json::object& data) {
  json::object d = data;
  d["created_by_id"] = created_by_id;
  if (!members.empty()) d["members"] = Strings(members);
  json::object body{{"data", std::move(d)}, {"state", true}, {"watch", false}, {"presence", false}};
  return ChannelState::FromJson(
      Request("POST", "/channels/" + Seg(type) + "/" + Seg(id) + "/query", &body));
}

// POST /channels/{type}/{id}
ChannelUpdate ServerClient::UpdateChannelWith(const std::string& type, const std::string& id,
                                              const json::object& body) {
  json::object res = Request("POST", "/channels/" + Seg(type) + "/" + Seg(id), &body);
  ChannelUpdate out{Channel::FromJson(Field(res, "channel")), List<Member>(res, "members"), {}};
  if (auto* m = res.if_contains("message"); m && m->is_object())
    out.message = Message::FromJson(m->as_object());
  return out;
}

ChannelUpdate ServerClient::UpdateChannel(const std::string& type, const std::string& id,
                                          const json::object& data) {
  return UpdateChannelWith(type, id, {{"data", data}});
}
ChannelUpdate ServerClient::AddMembers(const std::string& type, const std::string& id,
                                       const std::vector<std::string>& user_ids) {
  return UpdateChannelWith(type, id, {{"add_members", Strings(user_ids)}});
}
ChannelUpdate ServerClient::RemoveMembers(const std::string& type, const std::string& id,
                                          const std::vector<std::string>& user_ids) {
  return UpdateChannelWith(type, id, {{"remove_members", Strings(user_ids)}});
}
ChannelUpdate ServerClient::AddModerators(const std::string& type, const std::string& id,
                                          const std::vector<std::string>& user_ids) {
  return UpdateChannelWith(type, id, {{"add_moderators", Strings(user_ids)}});
}
ChannelUpdate ServerClient::DemoteModerators(const std::string& type, const std::string& id,
                                             const std::vector<std::string>& user_ids) {
  return UpdateChannelWith(type, id, {{"demote_moderators", Strings(user_ids)}});
}

// DELETE /channels/{type}/{id}
Channel ServerClient::DeleteChannel(const std::string& type, const std::string& id,
                                    bool hard_delete) {
  QueryParams params;
  if (hard_delete) params.push_back({"hard_delete", "true"});
  return Channel::FromJson(Field(
      Request("DELETE", "/channels/" + Seg(type) + "/" + Seg(id), nullptr, params), "channel"));
}

// POST /channels/{type}/{id}/truncate
Channel ServerClient::TruncateChannel(const std::string& type, const std::string& id,
                                      bool hard_delete) {
  json::object body{{"hard_delete", hard_delete}};
  return Channel::FromJson(Field(
      Request("POST", "/channels/" + Seg(type) + "/" + Seg(id) + "/truncate", &body), "channel"));
}

// POST /channels
std::vector<ChannelState> ServerClient::QueryChannels(const json::object& filter,
                                                      const std::string& user_id,
                                                      const json::array& sort, int limit) {
  json::object body{{"filter_conditions", filter},
                    {"sort", sort},
                    {"state", true},
                    {"watch", false},
                    {"limit", limit},
                    {"user_id", user_id}};
  return List<ChannelState>(Request("POST", "/channels", &body), "channels");
}

// POST /channels/{type}/{id}/message
Message ServerClient::SendMessage(const std::string& type, const std::string& id,
                                  const std::string& user_id, const Message& message) {
  json::object m = message.ToJson();
  m["user_id"] = user_id;
  json::object body{{"message", std::move(m)}};
  return Message::FromJson(Field(
      Request("POST", "/channels/" + Seg(type) + "/" + Seg(id) + "/message", &body), "message"));
}

// POST /messages/{id}
Message ServerClient::UpdateMessage(const Message& message, const std::string& user_id) {
  json::object m = message.ToJson();
  m["user_id"] = user_id;
  json::object body{{"message", std::move(m)}};
  return Message::FromJson(
      Field(Request("POST", "/messages/" + Seg(message.id), &body), "message"));
}

// DELETE /messages/{id}
Message ServerClient::DeleteMessage(const std::string& message_id, bool hard_delete) {
  QueryParams params;
  if (hard_delete) params.push_back({"hard", "true"});
  return Message::FromJson(
      Field(Request("DELETE", "/messages/" + Seg(message_id), nullptr, params), "message"));
}

// GET /messages/{id}
Message ServerClient::GetMessage(const std::string& message_id) {
  return Message::FromJson(Field(Request("GET", "/messages/" + Seg(message_id)), "message"));
}

// POST /moderation/ban
void ServerClient::BanUser(const std::string& target_user_id, const BanOptions& options) {
  json::object body{{"target_user_id", target_user_id}};
  if (!options.banned_by_id.empty()) body["banned_by_id"] = options.banned_by_id;
  if (!options.reason.empty()) body["reason"] = options.reason;
  if (options.timeout_minutes > 0) body["timeout"] = options.timeout_minutes;
  if (options.shadow) body["shadow"] = true;
  if (options.ip_ban) body["ip_ban"] = true;
  if (auto colon = options.cid.find(':'); colon != std::string::npos) {
    body["type"] = options.cid.substr(0, colon);
    body["id"] = options.cid.substr(colon + 1);
  }
  Request("POST", "/moderation/ban", &body);
}

// DELETE /moderation/ban?target_user_id=
void ServerClient::UnbanUser(const std::string& target_user_id, const std::string& cid) {
  QueryParams params{{"target_user_id", target_user_id}};
  if (auto colon = cid.find(':'); colon != std::string::npos) {
    params.push_back({"type", cid.substr(0, colon)});
    params.push_back({"id", cid.substr(colon + 1)});
  }
  Request("DELETE", "/moderation/ban", nullptr, params);
}

// POST /moderation/mute
void ServerClient::MuteUser(const std::string& target_user_id, const std::string& user_id) {
  json::object body{{"target_id", target_user_id}, {"user_id", user_id}};
  Request("POST", "/moderation/mute", &body);
}

// POST /moderation/unmute
void ServerClient::UnmuteUser(const std::string& target_user_id, const std::string& user_id) {
  json::object body{{"target_id", target_user_id}, {"user_id", user_id}};
  Request("POST", "/moderation/unmute", &body);
}

// POST /moderation/flag
json::object ServerClient::FlagMessage(const std::string& message_id, const std::string& user_id,
                                       const std::string& reason) {
  json::object body{{"target_message_id", message_id}, {"user_id", user_id}};
  if (!reason.empty()) body["reason"] = reason;
  return Request("POST", "/moderation/flag", &body);
}

json::object ServerClient::FlagUser(const std::string& target_user_id, const std::string& user_id,
                                    const std::string& reason) {
  json::object body{{"target_user_id", target_user_id}, {"user_id", user_id}};
  if (!reason.empty()) body["reason"] = reason;
  return Request("POST", "/moderation/flag", &body);
}

// GET /query_banned_users?payload=
json::array ServerClient::QueryBannedUsers(const json::object& filter) {
  json::object payload{{"filter_conditions", filter}};
  json::object res =
      Request("GET", "/query_banned_users", nullptr, {{"payload", json::serialize(payload)}});
  auto* bans = res.if_contains("bans");
  return bans && bans->is_array() ? bans->as_array() : json::array{};
}

// GET /app
json::object ServerClient::GetAppSettings() { return Field(Request("GET", "/app"), "app"); }

// PATCH /app
void ServerClient::UpdateAppSettings(const json::object& settings) {
  Request("PATCH", "/app", &settings);
}

std::string FetchToken(const std::string& url, const std::string& user_id,
                       const ClientOptions& options) {
  BaseUrl base = ParseBaseUrl(url);
  std::string path = base.prefix.empty() ? "/" : base.prefix;
  base.prefix.clear();
  HttpTransport http(base, options);
  json::object body{{"user_id", user_id}};
  HttpResponse res = http.Send("POST", path, json::serialize(body), {});
  boost::system::error_code ec;
  json::value v = json::parse(res.body, ec);
  if (res.status / 100 == 2 && !ec && v.is_object()) {
    if (auto* p = v.as_object().if_contains("payload"); p && p->is_string())
      return std::string(p->as_string());
  }
  throw ApiError(ApiError::kNetworkError, res.status, "token endpoint answered: " + res.body);
}

}  // namespace eddy::client
