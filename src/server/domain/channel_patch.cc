// ChannelService: PATCH /channels/{type}/{id} — set/unset with dot-paths into custom data.
#include <utility>

#include "server/domain/channel_service.h"
#include "server/domain/channel_service_internal.h"

namespace eddy::server {

using channel_internal::ActingUser;
using channel_internal::Quote;
using protocol::ChannelKey;

namespace {

constexpr int kMaxPathDepth = 8;
constexpr std::size_t kMaxPatchKeys = 100;

// "a.b.c" -> {"a","b","c"}; the first part must be a custom key (typed fields are set whole).
Result<std::vector<std::string>> SplitPath(std::string_view path) {
  std::vector<std::string> parts;
  std::size_t pos = 0;
  for (;;) {
    std::size_t dot = path.find('.', pos);
    std::string_view part = path.substr(pos, dot == std::string_view::npos ? dot : dot - pos);
    if (part.empty()) {
      return Error::Input("channel field path " + Quote(path) + " has an empty part");
    }
    parts.emplace_back(part);
    if (dot == std::string_view::npos) break;
    pos = dot + 1;
  }
  if (static_cast<int>(parts.size()) > kMaxPathDepth) {
    return Error::Input("channel field path " + Quote(path) + " is nested too deeply");
  }
  if (parts.size() > 1 && protocol::ClassifyChannelKey(parts.front()) != ChannelKey::kCustom) {
    return Error::Input("field " + Quote(parts.front()) + " cannot be changed with a dot-path");
  }
  return parts;
}

Status SetPath(json::object& root, const std::vector<std::string>& parts, const json::value& value,
               std::string_view path) {
  json::object* obj = &root;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    json::value& slot = (*obj)[parts[i]];
    if (slot.is_null()) slot = json::object();
    if (!slot.is_object()) {
      return Error::Input("cannot set " + Quote(path) + ": " + Quote(parts[i]) +
                          " is not an object");
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
    if (slot == nullptr || !slot->is_object()) return;  // nothing there to remove
    obj = &slot->get_object();
  }
  obj->erase(parts.back());
}

Error CannotChange(std::string_view key) {
  return Error::Input("channel field " + Quote(key) +
                      " is set by the server and cannot be changed");
}

}  // namespace

Result<ChannelChange> ChannelService::PartialUpdate(const Actor& actor, const App& app,
                                                    std::string_view type, std::string_view id,
                                                    const ChannelPatch& patch) {
  if (patch.set.size() + patch.unset.size() > kMaxPatchKeys) {
    return Error::Input("a partial update can change at most " + std::to_string(kMaxPatchKeys) +
                        " fields");
  }
  EDDY_TRY(TypeOf(app, type));
  EDDY_TRY(protocol::ValidateChannelId(id));
  const std::string cid = std::string(type) + ":" + std::string(id);
  EDDY_ASSIGN_OR_RETURN(const std::string acting, ActingUser(actor, patch.user_id));
  auto lock = Lock(app.api_key, cid);
  EDDY_ASSIGN_OR_RETURN(Loaded l, Load(app, type, id));
  EDDY_ASSIGN_OR_RETURN(Reader reader, ReaderFor(actor, app, l.channel, acting));
  EDDY_TRY(Check(app, reader, l, ChannelAction::kUpdateChannel));

  // Typed fields collect in `typed`; custom paths apply to a copy of the custom data.
  protocol::ChannelInput typed;
  json::object custom = l.channel.custom;
  for (const std::string& key : patch.unset) {
    if (patch.set.contains(key)) {
      return Error::Input("field " + Quote(key) + " is in both set and unset");
    }
    EDDY_ASSIGN_OR_RETURN(std::vector<std::string> parts, SplitPath(key));
    switch (protocol::ClassifyChannelKey(parts.front())) {
      case ChannelKey::kCustom:
        UnsetPath(custom, parts);
        break;
      case ChannelKey::kSettable:
        if (key == "team") typed.team = "";
        if (key == "frozen") typed.frozen = false;
        if (key == "disabled") typed.disabled = false;
        if (key == "cooldown") typed.cooldown = 0;
        if (key == "config_overrides") typed.config_overrides = json::object();
        break;
      case ChannelKey::kCreateOnly:
      case ChannelKey::kReadOnly:
        return CannotChange(key);
    }
  }
  for (const auto& kv : patch.set) {
    std::string_view key = kv.key();
    EDDY_ASSIGN_OR_RETURN(std::vector<std::string> parts, SplitPath(key));
    switch (protocol::ClassifyChannelKey(parts.front())) {
      case ChannelKey::kCustom:
        EDDY_TRY(SetPath(custom, parts, kv.value(), key));
        break;
      case ChannelKey::kSettable:
        EDDY_TRY(protocol::ReadChannelField(typed, key, kv.value()));
        break;
      case ChannelKey::kCreateOnly:
      case ChannelKey::kReadOnly:
        return CannotChange(key);
    }
  }
  EDDY_TRY(protocol::ValidateChannelCustom(custom));

  Channel next = l.channel;
  if ((typed.frozen && *typed.frozen != next.frozen) ||
      (typed.disabled && *typed.disabled != next.disabled)) {
    EDDY_TRY(Check(app, reader, l, ChannelAction::kFreezeChannel));
  }
  if (typed.cooldown && *typed.cooldown != next.cooldown) {
    EDDY_TRY(Check(app, reader, l, ChannelAction::kSetChannelCooldown));
  }
  if (typed.config_overrides && *typed.config_overrides != next.config_overrides && !actor.server) {
    return Error::NotAllowed("config_overrides can only be set server side");
  }
  next.custom = std::move(custom);
  if (typed.team) next.team = *typed.team;
  if (typed.frozen) next.frozen = *typed.frozen;
  if (typed.disabled) next.disabled = *typed.disabled;
  if (typed.cooldown) next.cooldown = static_cast<int>(*typed.cooldown);
  if (typed.config_overrides) next.config_overrides = *typed.config_overrides;
  next.updated_at = clock_.Now();
  EDDY_TRY(store_.channels().UpdateChannel(app.api_key, next));
  EDDY_ASSIGN_OR_RETURN(Loaded after, Load(app, type, id));
  lock.unlock();

  EDDY_ASSIGN_OR_RETURN(Users users, Users::Load(store_, presence_, app,
                                                 {acting, after.channel.created_by_id,
                                                  after.channel.truncated_by_id}));
  json::object e = Envelope("channel.updated", after.channel);
  e["channel"] = ChannelJson(app, after, users, nullptr);
  if (!acting.empty()) e["user"] = users.Json(acting);
  channel_events_.ToWatchers(app.api_key, cid, e);

  ChannelChange out;
  out.channel = ChannelJson(app, after, users, &reader);
  EDDY_ASSIGN_OR_RETURN(out.members, MemberList(app, after, 100, 0));
  return out;
}

}  // namespace eddy::server
