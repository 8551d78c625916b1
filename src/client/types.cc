// JSON <-> the typed structs of eddy/types.h. Take() moves a field into its typed member only
// when it has the expected type (and is non-empty for strings and arrays), so everything else
// stays in `extra` and ToJson reproduces the input exactly.
#include "eddy/types.h"

namespace eddy::client {
namespace {

namespace json = boost::json;

void Take(json::object& o, std::string_view key, std::string& out) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_string() || it->value().as_string().empty()) return;
  out = std::string(it->value().as_string());
  o.erase(it);
}
void Take(json::object& o, std::string_view key, std::optional<bool>& out) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_bool()) return;
  out = it->value().as_bool();
  o.erase(it);
}
void Take(json::object& o, std::string_view key, std::optional<std::int64_t>& out) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_int64()) return;
  out = it->value().as_int64();
  o.erase(it);
}
template <typename T>
void Take(json::object& o, std::string_view key, std::optional<T>& out) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_object()) return;
  out = T::FromJson(it->value().as_object());
  o.erase(it);
}
template <typename T>
void Take(json::object& o, std::string_view key, std::vector<T>& out) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_array() || it->value().as_array().empty()) return;
  for (const auto& v : it->value().as_array()) {
    if (!v.is_object()) return;  // mixed content: leave the array as it came
  }
  for (const auto& v : it->value().as_array()) out.push_back(T::FromJson(v.as_object()));
  o.erase(it);
}
void Take(json::object& o, std::string_view key, std::map<std::string, std::int64_t>& out) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_object() || it->value().as_object().empty()) return;
  for (const auto& [k, v] : it->value().as_object()) {
    if (!v.is_int64()) return;
  }
  for (const auto& [k, v] : it->value().as_object()) out[std::string(k)] = v.as_int64();
  o.erase(it);
}

void Put(json::object& o, std::string_view key, const std::string& v) {
  if (!v.empty()) o[key] = v;
}
void Put(json::object& o, std::string_view key, const std::optional<bool>& v) {
  if (v) o[key] = *v;
}
void Put(json::object& o, std::string_view key, const std::optional<std::int64_t>& v) {
  if (v) o[key] = *v;
}
template <typename T>
void Put(json::object& o, std::string_view key, const std::optional<T>& v) {
  if (v) o[key] = v->ToJson();
}
template <typename T>
void Put(json::object& o, std::string_view key, const std::vector<T>& v) {
  if (v.empty()) return;
  json::array a;
  for (const auto& e : v) a.push_back(e.ToJson());
  o[key] = std::move(a);
}
void Put(json::object& o, std::string_view key, const std::map<std::string, std::int64_t>& v) {
  if (v.empty()) return;
  json::object m;
  for (const auto& [k, n] : v) m[k] = n;
  o[key] = std::move(m);
}

// Applies F (Take or Put) to every typed field of a struct; one list per struct serves both
// directions.
#define EDDY_USER_FIELDS(F, o, s)                                                           \
  F(o, "id", s.id), F(o, "name", s.name), F(o, "image", s.image), F(o, "role", s.role),     \
      F(o, "online", s.online), F(o, "banned", s.banned), F(o, "created_at", s.created_at), \
      F(o, "updated_at", s.updated_at), F(o, "last_active", s.last_active)
#define EDDY_REACTION_FIELDS(F, o, s)                                                 \
  F(o, "type", s.type), F(o, "message_id", s.message_id), F(o, "user_id", s.user_id), \
      F(o, "user", s.user), F(o, "score", s.score), F(o, "created_at", s.created_at), \
      F(o, "updated_at", s.updated_at)
#define EDDY_MESSAGE_FIELDS(F, o, s)                                                            \
  F(o, "id", s.id), F(o, "text", s.text), F(o, "type", s.type), F(o, "cid", s.cid),             \
      F(o, "parent_id", s.parent_id), F(o, "user", s.user),                                     \
      F(o, "mentioned_users", s.mentioned_users), F(o, "latest_reactions", s.latest_reactions), \
      F(o, "own_reactions", s.own_reactions), F(o, "reaction_counts", s.reaction_counts),       \
      F(o, "reply_count", s.reply_count), F(o, "created_at", s.created_at),                     \
      F(o, "updated_at", s.updated_at), F(o, "deleted_at", s.deleted_at)
#define EDDY_MEMBER_FIELDS(F, o, s)                                                       \
  F(o, "user_id", s.user_id), F(o, "user", s.user), F(o, "channel_role", s.channel_role), \
      F(o, "role", s.role), F(o, "banned", s.banned), F(o, "created_at", s.created_at),   \
      F(o, "updated_at", s.updated_at)
#define EDDY_READ_FIELDS(F, o, s)                           \
  F(o, "user", s.user), F(o, "last_read", s.last_read),     \
      F(o, "last_read_message_id", s.last_read_message_id), \
      F(o, "unread_messages", s.unread_messages)
#define EDDY_CHANNEL_FIELDS(F, o, s)                                                \
  F(o, "id", s.id), F(o, "type", s.type), F(o, "cid", s.cid), F(o, "name", s.name), \
      F(o, "created_by", s.created_by), F(o, "member_count", s.member_count),       \
      F(o, "frozen", s.frozen), F(o, "created_at", s.created_at),                   \
      F(o, "updated_at", s.updated_at), F(o, "last_message_at", s.last_message_at)
#define EDDY_STATE_FIELDS(F, o, s)                                                \
  F(o, "messages", s.messages), F(o, "members", s.members), F(o, "read", s.read), \
      F(o, "watcher_count", s.watcher_count)
#define EDDY_EVENT_FIELDS(F, o, s)                                                        \
  F(o, "type", s.type), F(o, "cid", s.cid), F(o, "channel_type", s.channel_type),         \
      F(o, "channel_id", s.channel_id), F(o, "connection_id", s.connection_id),           \
      F(o, "created_at", s.created_at), F(o, "user", s.user), F(o, "message", s.message), \
      F(o, "reaction", s.reaction), F(o, "member", s.member), F(o, "channel", s.channel), \
      F(o, "watcher_count", s.watcher_count)

#define EDDY_CODEC(Type, FIELDS)                \
  Type Type::FromJson(const json::object& in) { \
    Type s;                                     \
    s.extra = in;                               \
    (void)(FIELDS(Take, s.extra, s));           \
    return s;                                   \
  }                                             \
  json::object Type::ToJson() const {           \
    json::object o = extra;                     \
    (void)(FIELDS(Put, o, (*this)));            \
    return o;                                   \
  }

}  // namespace

EDDY_CODEC(User, EDDY_USER_FIELDS)
EDDY_CODEC(Reaction, EDDY_REACTION_FIELDS)
EDDY_CODEC(Message, EDDY_MESSAGE_FIELDS)
EDDY_CODEC(Member, EDDY_MEMBER_FIELDS)
EDDY_CODEC(Read, EDDY_READ_FIELDS)
EDDY_CODEC(Channel, EDDY_CHANNEL_FIELDS)
EDDY_CODEC(Event, EDDY_EVENT_FIELDS)

// The state's channel is required: take it even when it is the only field.
ChannelState ChannelState::FromJson(const json::object& in) {
  ChannelState s;
  s.extra = in;
  if (auto it = s.extra.find("channel"); it != s.extra.end() && it->value().is_object()) {
    s.channel = Channel::FromJson(it->value().as_object());
    s.extra.erase(it);
  }
  (void)(EDDY_STATE_FIELDS(Take, s.extra, s));
  return s;
}

json::object ChannelState::ToJson() const {
  json::object o = extra;
  o["channel"] = channel.ToJson();
  (void)(EDDY_STATE_FIELDS(Put, o, (*this)));
  return o;
}

}  // namespace eddy::client
