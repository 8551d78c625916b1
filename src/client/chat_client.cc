#include "eddy/chat_client.h"

#include "client/chat_state.h"
#include "client/convert.h"
#include "common/ids.h"

namespace eddy::client {

namespace json = boost::json;

Subscription& Subscription::operator=(Subscription&& other) noexcept {
  if (this != &other) {
    Unsubscribe();
    state_ = std::move(other.state_);
    id_ = std::exchange(other.id_, 0);
  }
  return *this;
}

void Subscription::Unsubscribe() {
  if (auto state = state_.lock(); state && id_ != 0) state->Unsubscribe(id_);
  state_.reset();
  id_ = 0;
}

ChatClient::ChatClient(std::string base_url, std::string api_key, ClientOptions options)
    : state_(std::make_shared<ChatState>(std::move(base_url), std::move(api_key),
                                         std::move(options))) {}

ChatClient::~ChatClient() { state_->Shutdown(); }

User ChatClient::ConnectUser(const User& user, const std::string& token) {
  return state_->Connect(user, token, nullptr);
}

User ChatClient::ConnectUser(const User& user, TokenProvider provider) {
  if (!provider) throw std::invalid_argument("ConnectUser: empty token provider");
  return state_->Connect(user, "", std::move(provider));
}

void ChatClient::DisconnectUser() { state_->Disconnect(); }

std::string ChatClient::user_id() const { return state_->user_id(); }
std::string ChatClient::connection_id() const { return state_->connection_id(); }

// POST /channels
std::vector<ChannelState> ChatClient::QueryChannels(const json::object& filter,
                                                    const json::array& sort, int limit, bool watch,
                                                    bool presence) {
  json::object body{
      {"filter_conditions", filter}, {"sort", sort},  {"state", true}, {"watch", watch},
      {"presence", presence},        {"limit", limit}};
  auto channels = List<ChannelState>(Request("POST", "/channels", &body), "channels");
  if (watch) {
    for (const auto& c : channels) state_->Watched(c.channel.cid, true);
  }
  return channels;
}

ChannelHandle ChatClient::GetChannel(const std::string& type, const std::string& id) {
  return ChannelHandle(state_, type, id);
}

// GET /users?payload=
std::vector<User> ChatClient::QueryUsers(const json::object& filter, const json::array& sort,
                                         int limit) {
  json::object payload{{"filter_conditions", filter}, {"sort", sort}, {"limit", limit}};
  return List<User>(Request("GET", "/users", nullptr, {{"payload", json::serialize(payload)}}),
                    "users");
}

// GET /app
json::object ChatClient::GetAppSettings() { return Field(Request("GET", "/app"), "app"); }

Subscription ChatClient::On(const std::string& type, EventHandler handler) {
  return Subscription(state_, state_->Subscribe(type, "", std::move(handler)));
}

json::object ChatClient::Request(const std::string& method, const std::string& path,
                                 const json::object* body, QueryParams params) {
  return state_->Request(method, path, body, std::move(params));
}

ChannelHandle::ChannelHandle(std::shared_ptr<ChatState> state, std::string type, std::string id)
    : state_(std::move(state)), type_(std::move(type)), id_(std::move(id)) {}

std::string ChannelHandle::Path(const std::string& suffix) const {
  return "/channels/" + Seg(type_) + "/" + Seg(id_) + suffix;
}

// POST /channels/{type}/{id}/query
ChannelState ChannelHandle::Watch(int message_limit, const json::object& data) {
  json::object body{{"data", data},
                    {"state", true},
                    {"watch", true},
                    {"presence", false},
                    {"messages", {{"limit", message_limit}}}};
  ChannelState state = Query(body);
  state_->Watched(cid(), true);
  return state;
}

ChannelState ChannelHandle::Query(const json::object& body) {
  return ChannelState::FromJson(state_->Request("POST", Path("/query"), &body, {}));
}

// POST /channels/{type}/{id}/stop-watching
void ChannelHandle::StopWatching() {
  json::object body;
  state_->Request("POST", Path("/stop-watching"), &body, {});
  state_->Watched(cid(), false);
}

// POST /channels/{type}/{id}/message
Message ChannelHandle::SendMessage(const Message& message) {
  json::object m = message.ToJson();
  if (message.id.empty()) m["id"] = NewUuid();
  json::object body{{"message", std::move(m)}};
  return Message::FromJson(Field(state_->Request("POST", Path("/message"), &body, {}), "message"));
}

Message ChannelHandle::SendMessage(const std::string& text) {
  Message m;
  m.text = text;
  return SendMessage(m);
}

// POST /messages/{id}
Message ChannelHandle::UpdateMessage(const Message& message) {
  json::object body{{"message", message.ToJson()}};
  return Message::FromJson(
      Field(state_->Request("POST", "/messages/" + Seg(message.id), &body, {}), "message"));
}

// DELETE /messages/{id}
Message ChannelHandle::DeleteMessage(const std::string& message_id, bool hard_delete) {
  QueryParams params;
  if (hard_delete) params.push_back({"hard", "true"});
  return Message::FromJson(
      Field(state_->Request("DELETE", "/messages/" + Seg(message_id), nullptr, params), "message"));
}

namespace {
ReactionResult ToReactionResult(const json::object& res) {
  return {Message::FromJson(Field(res, "message")), Reaction::FromJson(Field(res, "reaction"))};
}
}  // namespace

// POST /messages/{id}/reaction
ReactionResult ChannelHandle::SendReaction(const std::string& message_id, const std::string& type,
                                           bool enforce_unique) {
  json::object body{{"reaction", {{"type", type}}}};
  if (enforce_unique) body["enforce_unique"] = true;
  return ToReactionResult(
      state_->Request("POST", "/messages/" + Seg(message_id) + "/reaction", &body, {}));
}

// DELETE /messages/{id}/reaction/{type}
ReactionResult ChannelHandle::DeleteReaction(const std::string& message_id,
                                             const std::string& type) {
  return ToReactionResult(state_->Request(
      "DELETE", "/messages/" + Seg(message_id) + "/reaction/" + Seg(type), nullptr, {}));
}

// GET /messages/{id}/replies
std::vector<Message> ChannelHandle::GetReplies(const std::string& parent_id, int limit) {
  return List<Message>(state_->Request("GET", "/messages/" + Seg(parent_id) + "/replies", nullptr,
                                       {{"limit", std::to_string(limit)}}),
                       "messages");
}

// POST /channels/{type}/{id}/read
Event ChannelHandle::MarkRead(const std::string& message_id) {
  json::object body;
  if (!message_id.empty()) body["message_id"] = message_id;
  json::object res = state_->Request("POST", Path("/read"), &body, {});
  const json::value* e = res.if_contains("event");
  return e && e->is_object() ? Event::FromJson(e->as_object()) : Event{};
}

// POST /channels/{type}/{id}/event
Event ChannelHandle::SendEvent(const json::object& event) {
  json::object body{{"event", event}};
  return Event::FromJson(Field(state_->Request("POST", Path("/event"), &body, {}), "event"));
}

Event ChannelHandle::Keystroke(const std::string& parent_id) {
  json::object e{{"type", "typing.start"}};
  if (!parent_id.empty()) e["parent_id"] = parent_id;
  return SendEvent(e);
}

Event ChannelHandle::StopTyping(const std::string& parent_id) {
  json::object e{{"type", "typing.stop"}};
  if (!parent_id.empty()) e["parent_id"] = parent_id;
  return SendEvent(e);
}

// GET /members?payload=
std::vector<Member> ChannelHandle::QueryMembers(const json::object& filter, const json::array& sort,
                                                int limit) {
  json::object payload{{"type", type_},
                       {"id", id_},
                       {"filter_conditions", filter},
                       {"sort", sort},
                       {"limit", limit}};
  return List<Member>(
      state_->Request("GET", "/members", nullptr, {{"payload", json::serialize(payload)}}),
      "members");
}

Subscription ChannelHandle::On(const std::string& type, EventHandler handler) {
  return Subscription(state_, state_->Subscribe(type, cid(), std::move(handler)));
}

}  // namespace eddy::client
