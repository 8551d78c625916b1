#include "server/domain/event_service.h"

#include <array>
#include <optional>
#include <string>

#include "protocol/user_json.h"
#include "server/domain/channel_access.h"

namespace eddy::server {

namespace {

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

// Families of events only the server emits.
constexpr std::array<std::string_view, 18> kReservedPrefixes = {
    "message.", "channel.",      "member.",     "reaction.", "user.",       "notification.",
    "health.",  "connection.",   "poll.",       "thread.",   "draft.",      "reminder.",
    "typing.",  "ai_indicator.", "user_group.", "app.",      "moderation.", "call."};

constexpr std::array<std::string_view, 3> kAiIndicators = {
    "ai_indicator.update", "ai_indicator.stop", "ai_indicator.clear"};

// Keys whose value the server owns: a client copy is dropped, the server's is set.
constexpr std::array<std::string_view, 14> kServerKeys = {"user_id",
                                                          "user",
                                                          "cid",
                                                          "channel_type",
                                                          "channel_id",
                                                          "created_at",
                                                          "channel",
                                                          "watcher_count",
                                                          "connection_id",
                                                          "me",
                                                          "total_unread_count",
                                                          "unread_count",
                                                          "unread_channels",
                                                          "channel_member_count"};

enum class Kind { kTyping, kCustom };

Result<Kind> Classify(std::string_view type) {
  if (type.empty() || type.size() > EventService::kMaxEventTypeLength) {
    return Error::Input("event type must be 1 to " +
                        std::to_string(EventService::kMaxEventTypeLength) + " characters");
  }
  for (char ch : type) {
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '.' || ch == ':' || ch == '-';
    if (!ok)
      return Error::Input("event type " + Quote(type) + " has a character outside [A-Za-z0-9_.:-]");
  }
  if (type == "typing.start" || type == "typing.stop") return Kind::kTyping;
  for (std::string_view ai : kAiIndicators) {
    if (type == ai) return Kind::kCustom;
  }
  for (std::string_view prefix : kReservedPrefixes) {
    if (type.substr(0, prefix.size()) == prefix) {
      return Error::Make(
          ErrorCode::kEventNotSupported, 400,
          "event type " + Quote(type) + " is not supported: only the server sends it");
    }
  }
  return Kind::kCustom;
}

// The sender named by a server-side event: user_id, or user.id.
Result<std::string> NamedSender(const json::object& event) {
  EDDY_ASSIGN_OR_RETURN(std::optional<std::string> id, GetString(event, "user_id"));
  if (id) return std::move(*id);
  EDDY_ASSIGN_OR_RETURN(const json::object* user, GetObject(event, "user"));
  if (user == nullptr) return std::string();
  EDDY_ASSIGN_OR_RETURN(std::optional<std::string> uid, GetString(*user, "id"));
  return uid.value_or("");
}

}  // namespace

EventService::EventService(Store& store, const ChannelTypes& types, ChannelEvents& channel_events,
                           const Clock& clock, const Presence* presence)
    : store_(store),
      types_(types),
      channel_events_(channel_events),
      clock_(clock),
      presence_(presence) {}

Result<json::object> EventService::SendEvent(const Actor& actor, const App& app,
                                             std::string_view type, std::string_view id,
                                             const json::object& event) {
  EDDY_ASSIGN_OR_RETURN(std::optional<std::string> event_type, GetString(event, "type"));
  if (!event_type) return Error::Input("'event.type' is a required field");
  EDDY_ASSIGN_OR_RETURN(Kind kind, Classify(*event_type));
  EDDY_ASSIGN_OR_RETURN(std::optional<std::string> parent_id, GetString(event, "parent_id"));
  if (parent_id && parent_id->size() > 255) return Error::Input("'parent_id' is too long");
  if (json::serialize(event).size() > kMaxEventBytes) {
    return Error::Input("the event is larger than " + std::to_string(kMaxEventBytes) + " bytes");
  }

  EDDY_ASSIGN_OR_RETURN(std::string named, NamedSender(event));
  std::string sender;
  if (actor.server) {
    sender = named;
    if (sender.empty() && kind == Kind::kTyping) {
      return Error::Input("typing events need a user: set 'event.user_id'");
    }
  } else {
    if (!named.empty() && named != actor.user_id) {
      return Error::NotAllowed("user " + Quote(actor.user_id) + " cannot send events as user " +
                               Quote(named));
    }
    sender = actor.user_id;
  }

  std::shared_ptr<const ChannelType> t = types_.Find(app.api_key, type);
  if (!t) return Error::NotFound("channel type " + Quote(type) + " does not exist");
  EDDY_ASSIGN_OR_RETURN(std::optional<Channel> channel,
                        store_.channels().GetChannel(app.api_key, type, id));
  if (!channel || channel->deleted_at) {
    return Error::NotFound("channel " + Quote(std::string(type) + ":" + std::string(id)) +
                           " does not exist");
  }
  std::shared_ptr<const ChannelType> effective =
      WithOverrides(std::move(t), channel->config_overrides);

  std::optional<User> user;
  if (!sender.empty()) {
    EDDY_ASSIGN_OR_RETURN(user, store_.users().FindUser(app.api_key, sender));
    if (!user) return Error::NotFound("user " + Quote(sender) + " does not exist");
  }
  if (!actor.server && !app.DisablePermissionsChecks()) {
    EDDY_ASSIGN_OR_RETURN(std::optional<Member> member,
                          store_.channels().GetMember(app.api_key, type, id, sender));
    Actor acting = actor;
    acting.user_id = sender;
    AccessContext ctx{acting, user ? &*user : nullptr, *channel, *effective,
                      member ? &*member : nullptr};
    EDDY_TRY(CheckChannelAccess(ctx, ChannelAction::kSendEvent));
  }
  const char* flag = kind == Kind::kTyping ? "typing_events" : "custom_events";
  if (!effective->Flag(flag)) {
    return Error::Make(ErrorCode::kChannelFeatureNotSupported, 400,
                       std::string(kind == Kind::kTyping ? "typing" : "custom") +
                           " events are disabled for channel type " + Quote(effective->name));
  }

  json::object out;
  for (const auto& kv : event) {
    bool server_key = false;
    for (std::string_view k : kServerKeys) server_key = server_key || kv.key() == k;
    if (!server_key) out.emplace(kv.key(), kv.value());
  }
  out["cid"] = channel->cid();
  out["channel_type"] = channel->type;
  out["channel_id"] = channel->id;
  out["created_at"] = FormatTime(clock_.Now());
  if (user) {
    bool online = !user->invisible && !user->deactivated_at && !user->deleted_at &&
                  (presence_ ? presence_->IsOnline(app.api_key, user->id) : !actor.server);
    out["user"] = protocol::UserToJson(*user, online);
  }
  channel_events_.ToWatchers(app.api_key, channel->cid(), out);
  return out;
}

}  // namespace eddy::server
