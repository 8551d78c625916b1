// MessageService: editing (POST and PUT /messages/{id}), pinning and deleting messages.
#include <utility>

#include "server/domain/blocklist_service.h"
#include "server/domain/message_service.h"

namespace eddy::server {

using protocol::MessageInput;
using protocol::MessageKey;

namespace {

constexpr std::size_t kMaxPatchKeys = 100;
constexpr int kMaxDotPathDepth = 8;

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

// Top-level message fields PUT /messages/{id} may set or unset.
bool Patchable(std::string_view key) {
  return key == "text" || key == "attachments" || key == "mentioned_users" || key == "silent" ||
         key == "pinned" || key == "pin_expires" || key == "pinned_at" ||
         key == "quoted_message_id";
}

// Splits a set/unset key into its path; only custom keys may be dot-paths.
Result<std::vector<std::string>> PatchPath(std::string_view key) {
  std::vector<std::string> parts;
  std::size_t pos = 0;
  while (true) {
    std::size_t dot = key.find('.', pos);
    std::string_view part = key.substr(pos, dot == std::string_view::npos ? dot : dot - pos);
    if (part.empty())
      return Error::Input("message field path " + Quote(key) + " has an empty part");
    parts.emplace_back(part);
    if (dot == std::string_view::npos) break;
    pos = dot + 1;
  }
  if (static_cast<int>(parts.size()) > kMaxDotPathDepth) {
    return Error::Input("message field path " + Quote(key) + " is nested too deeply");
  }
  switch (protocol::ClassifyMessageKey(parts.front())) {
    case MessageKey::kCustom:
      if (parts.front().front() == '$') {
        return Error::Input("message field " + Quote(key) + " must not start with '$'");
      }
      break;
    case MessageKey::kInput:
      if (!Patchable(parts.front())) {
        return Error::Input("message field " + Quote(parts.front()) + " cannot be changed");
      }
      if (parts.size() > 1) {
        return Error::Input("message field " + Quote(parts.front()) +
                            " cannot be changed with a dot-path");
      }
      break;
    case MessageKey::kReadOnly:
      return Error::Input("message field " + Quote(parts.front()) +
                          " is set by the server and cannot be changed");
  }
  return parts;
}

Status SetPath(json::object& root, const std::vector<std::string>& parts,
               const json::value& value) {
  json::object* obj = &root;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    json::value& slot = (*obj)[parts[i]];
    if (slot.is_null()) slot = json::object();
    if (!slot.is_object()) {
      return Error::Input("cannot set a field inside " + Quote(parts[i]) + ": not an object");
    }
    obj = &slot.get_object();
  }
  (*obj)[parts.back()] = value;
  return {};
}

void UnsetPath(json::object& root, const std::vector<std::string>& parts) {
  json::object* obj = &root;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    json::value* slot = obj->if_contains(parts[i]);
    if (!slot || !slot->is_object()) return;  // nothing there to remove
    obj = &slot->get_object();
  }
  obj->erase(parts.back());
}

json::value TimeOrNull(const std::optional<Micros>& t) {
  return t ? json::value(FormatTime(*t)) : json::value(nullptr);
}

// The editable fields of a stored message as a message object: what PUT /messages/{id}
// patches before the result is validated like any client input.
json::object Editable(const Message& m) {
  json::object o = m.custom;
  o["text"] = m.text;
  o["attachments"] = m.attachments;
  json::array mentions;
  for (const std::string& u : m.mentioned_users) mentions.emplace_back(u);
  o["mentioned_users"] = std::move(mentions);
  o["silent"] = m.silent;
  o["pinned"] = m.pinned;
  o["pin_expires"] = TimeOrNull(m.pin_expires);
  o["pinned_at"] = TimeOrNull(m.pinned_at);
  if (!m.quoted_message_id.empty()) o["quoted_message_id"] = m.quoted_message_id;
  return o;
}

bool EmptyMessage(const Message& m) {
  return m.text.empty() && m.attachments.empty() && m.custom.empty();
}

}  // namespace

json::object MessageService::ForEveryone(json::object rendered) {
  rendered["own_reactions"] = json::array();
  if (json::value* q = rendered.if_contains("quoted_message"); q && q->is_object()) {
    q->get_object()["own_reactions"] = json::array();
  }
  return rendered;
}

Status MessageService::ApplyEdit(const App& app, const Scope& s, Message& m,
                                 const MessageInput& in) {
  const Micros now = clock_.Now();
  std::string text = in.text.value_or("");
  EDDY_TRY(protocol::CheckMessageText(text, s.type->MaxMessageLength()));
  if (text != m.text) m.message_text_updated_at = now;
  m.text = std::move(text);
  m.attachments = in.attachments.value_or(json::array());
  m.mentioned_users = in.mentioned_users.value_or(std::vector<std::string>{});
  m.custom = in.custom;
  if (EmptyMessage(m)) return Error::Input("a message needs text, attachments or custom data");
  if (in.silent) m.silent = *in.silent;

  std::string quoted = in.quoted_message_id.value_or("");
  if (!quoted.empty() && quoted != m.quoted_message_id) {
    if (!s.type->Flag("quotes")) {
      return Error::Make(ErrorCode::kChannelFeatureNotSupported, 400,
                         "quotes are disabled for channel type " + Quote(s.type->name));
    }
    if (quoted == m.id) return Error::Input("a message cannot quote itself");
    EDDY_ASSIGN_OR_RETURN(std::optional<Message> q,
                          store_.messages().GetMessage(app.api_key, quoted));
    if (!q || !Visible(s, *q, s.actor.user_id)) {
      return Error::NotFound("quoted message " + Quote(quoted) + " does not exist");
    }
    if (q->cid() != m.cid()) {
      return Error::Input("quoted message " + Quote(quoted) + " is in another channel");
    }
  }
  m.quoted_message_id = std::move(quoted);

  const bool pin = in.pinned.value_or(m.pinned);
  if (pin && !m.pinned) {
    m.pinned = true;
    m.pinned_at = in.pinned_at && *in.pinned_at ? **in.pinned_at : now;
    m.pinned_by_id = s.actor.user_id;
    m.pin_expires = in.pin_expires ? *in.pin_expires : std::nullopt;
  } else if (!pin && m.pinned) {
    m.pinned = false;
    m.pinned_at.reset();
    m.pinned_by_id.clear();
    m.pin_expires.reset();
  } else if (pin) {
    if (in.pin_expires) m.pin_expires = *in.pin_expires;
    if (in.pinned_at && *in.pinned_at) m.pinned_at = **in.pinned_at;
  }
  m.updated_at = now;
  return {};
}

Status MessageService::CheckEdit(const Scope& s, const Message& before,
                                 const Message& after) const {
  const bool content =
      before.text != after.text || before.attachments != after.attachments ||
      before.mentioned_users != after.mentioned_users || before.custom != after.custom ||
      before.quoted_message_id != after.quoted_message_id || before.silent != after.silent;
  const bool pin = before.pinned != after.pinned || before.pin_expires != after.pin_expires ||
                   before.pinned_at != after.pinned_at;
  if (content || !pin) {
    EDDY_TRY(Check(s, s.actor.user_id == before.user_id ? ChannelAction::kUpdateOwnMessage
                                                        : ChannelAction::kUpdateAnyMessage));
  }
  if (pin) EDDY_TRY(Check(s, ChannelAction::kPinMessage));
  if (s.channel.frozen && !MayBypassFrozen(s)) {
    return Error::NotAllowed("channel " + Quote(s.channel.cid()) +
                             " is frozen: messages cannot be changed");
  }
  return {};
}

Result<json::object> MessageService::StoreEdit(const App& app, const Scope& s, const Message& m) {
  EDDY_ASSIGN_OR_RETURN(BlocklistAction verdict,
                        ScreenText(store_.blocklists(), app.api_key, *s.type, m.text));
  if (verdict == BlocklistAction::kBlock) {
    return Error::Input("message " + Quote(m.id) + " was blocked by moderation policies");
  }
  EDDY_TRY(store_.messages().UpdateMessage(app.api_key, m));
  EDDY_ASSIGN_OR_RETURN(json::object rendered, RenderOne(app, s.actor.user_id, m));
  json::object e = ChannelEvent("message.updated", s.channel, m.updated_at);
  e["message_id"] = m.id;
  e["user"] = s.user ? UserJson(app, *s.user) : rendered.at("user");
  e["message"] = ForEveryone(rendered);
  ToChannel(app, s.channel, m, e);
  return rendered;
}

Result<json::object> MessageService::UpdateMessage(const Actor& actor, const App& app,
                                                   std::string_view id, MessageInput in) {
  if (in.id && *in.id != id) {
    return Error::Input("message id " + Quote(*in.id) + " in the body differs from " + Quote(id) +
                        " in the path");
  }
  auto lock = LockMessage(app.api_key, id);
  EDDY_ASSIGN_OR_RETURN(Message m, MustFindMessage(app, id));
  EDDY_ASSIGN_OR_RETURN(std::string acting, ActingUser(actor, in.user_id));
  EDDY_ASSIGN_OR_RETURN(Scope s, LoadScope(actor, app, m.channel_type, m.channel_id, acting));
  if (!Visible(s, m, acting)) return Error::NotFound("message " + Quote(id) + " does not exist");
  if (m.type == "deleted") return Error::Input("message " + Quote(id) + " is deleted");
  if (in.parent_id && *in.parent_id != m.parent_id) {
    return Error::Input("the parent_id of a message cannot be changed");
  }
  Message next = m;
  EDDY_TRY(ApplyEdit(app, s, next, in));
  EDDY_TRY(CheckEdit(s, m, next));
  return StoreEdit(app, s, next);
}

Result<json::object> MessageService::PartialUpdateMessage(const Actor& actor, const App& app,
                                                          std::string_view id,
                                                          const MessagePatch& patch) {
  if (patch.set.size() > kMaxPatchKeys || patch.unset.size() > kMaxPatchKeys) {
    return Error::Input("'set' and 'unset' may name at most " + std::to_string(kMaxPatchKeys) +
                        " fields each");
  }
  auto lock = LockMessage(app.api_key, id);
  EDDY_ASSIGN_OR_RETURN(Message m, MustFindMessage(app, id));
  EDDY_ASSIGN_OR_RETURN(std::string acting, ActingUser(actor, patch.user_id));
  EDDY_ASSIGN_OR_RETURN(Scope s, LoadScope(actor, app, m.channel_type, m.channel_id, acting));
  if (!Visible(s, m, acting)) return Error::NotFound("message " + Quote(id) + " does not exist");
  if (m.type == "deleted") return Error::Input("message " + Quote(id) + " is deleted");

  json::object edited = Editable(m);
  for (const std::string& key : patch.unset) {
    if (patch.set.contains(key)) {
      return Error::Input("field " + Quote(key) + " is both set and unset");
    }
    EDDY_ASSIGN_OR_RETURN(std::vector<std::string> path, PatchPath(key));
    // Unsetting a flag means its default, not "keep it".
    if (key == "silent" || key == "pinned") {
      edited[key] = false;
    } else if (key == "pin_expires") {
      edited[key] = nullptr;
    } else {
      UnsetPath(edited, path);
    }
  }
  for (const auto& kv : patch.set) {
    EDDY_ASSIGN_OR_RETURN(std::vector<std::string> path, PatchPath(kv.key()));
    EDDY_TRY(SetPath(edited, path, kv.value()));
  }
  EDDY_ASSIGN_OR_RETURN(MessageInput in, protocol::MessageFromJson(edited));
  Message next = m;
  EDDY_TRY(ApplyEdit(app, s, next, in));
  EDDY_TRY(CheckEdit(s, m, next));
  return StoreEdit(app, s, next);
}

Result<json::object> MessageService::DeleteMessage(const Actor& actor, const App& app,
                                                   std::string_view id,
                                                   const DeleteMessageOptions& options) {
  auto lock = LockMessage(app.api_key, id);
  EDDY_ASSIGN_OR_RETURN(Message m, MustFindMessage(app, id));
  EDDY_ASSIGN_OR_RETURN(std::string acting, ActingUser(actor, options.deleted_by));
  EDDY_ASSIGN_OR_RETURN(Scope s, LoadScope(actor, app, m.channel_type, m.channel_id, acting));
  if (!Visible(s, m, acting)) return Error::NotFound("message " + Quote(id) + " does not exist");
  EDDY_TRY(Check(s, acting == m.user_id ? ChannelAction::kDeleteOwnMessage
                                        : ChannelAction::kDeleteAnyMessage));
  const Micros now = clock_.Now();
  if (m.type == "deleted" && !options.hard) {
    return RenderOne(app, acting, m);  // already deleted: nothing changes, nothing is sent
  }
  Message gone = m;
  gone.type = "deleted";
  gone.deleted_at = m.deleted_at.value_or(now);
  gone.updated_at = now;
  json::object rendered;
  if (options.hard) {
    // Rendered before the reactions go with the message.
    EDDY_ASSIGN_OR_RETURN(rendered, RenderOne(app, acting, gone));
    EDDY_TRY(store_.messages().DeleteMessage(app.api_key, id));
  } else {
    EDDY_TRY(store_.messages().UpdateMessage(app.api_key, gone));
    EDDY_ASSIGN_OR_RETURN(rendered, RenderOne(app, acting, gone));
  }

  Channel channel = s.channel;
  Result<std::optional<Channel>> reloaded =
      store_.channels().GetChannel(app.api_key, channel.type, channel.id);
  if (reloaded.ok() && *reloaded) channel = std::move(**reloaded);
  json::object e = ChannelEvent("message.deleted", channel, now);
  e["message_id"] = m.id;
  e["message"] = ForEveryone(rendered);
  e["hard_delete"] = options.hard;
  e["deleted_for_me"] = false;
  if (s.user) e["user"] = UserJson(app, *s.user);
  ToChannel(app, channel, m, e);
  if (!m.parent_id.empty() && !m.shadowed) {
    // The store recounted the parent (reply_count, deleted_reply_count): the thread's header
    // must show it.
    EDDY_TRY(EmitParentUpdated(app, channel, m.parent_id));
  }
  return rendered;
}

}  // namespace eddy::server
