// ChannelService: construction, loading, access checks, rendering of channels and members,
// and the event helpers the other channel_*.cc files share.
#include "server/domain/channel_service.h"

#include <algorithm>
#include <functional>
#include <memory>
#include <utility>

#include "common/ids.h"
#include "common/json_arena.h"
#include "common/log.h"
#include "protocol/message_json.h"
#include "server/domain/channel_service_internal.h"
#include "server/domain/channel_visibility.h"
#include "server/domain/moderation_checks.h"

namespace eddy::server {

using channel_internal::ChannelNotFound;
using channel_internal::Quote;

ChannelService::ChannelService(Store& store, const ChannelTypes& types,
                               ChannelEvents& channel_events, EventSink& events, Watches& watches,
                               MessageViews& message_views, ReadState& reads,
                               const Presence& presence, const Clock& clock)
    : store_(store),
      types_(types),
      channel_events_(channel_events),
      events_(events),
      watches_(watches),
      message_views_(message_views),
      reads_(reads),
      presence_(presence),
      clock_(clock) {}

std::unique_lock<std::mutex> ChannelService::Lock(std::string_view app_key, std::string_view cid) {
  std::string key = std::string(app_key) + '\0' + std::string(cid);
  return std::unique_lock<std::mutex>(stripes_[std::hash<std::string>{}(key) % stripes_.size()]);
}

Result<std::shared_ptr<const ChannelType>> ChannelService::TypeOf(const App& app,
                                                                  std::string_view type) const {
  EDDY_TRY(protocol::ValidateChannelType(type));
  std::shared_ptr<const ChannelType> t = types_.Find(app.api_key, type);
  if (!t) return Error::NotFound("channel type " + Quote(type) + " does not exist");
  return t;
}

Result<ChannelService::Loaded> ChannelService::Load(const App& app, std::string_view type,
                                                    std::string_view id) {
  EDDY_ASSIGN_OR_RETURN(std::shared_ptr<const ChannelType> t, TypeOf(app, type));
  EDDY_TRY(protocol::ValidateChannelId(id));
  EDDY_ASSIGN_OR_RETURN(std::optional<Channel> c,
                        store_.channels().GetChannel(app.api_key, type, id));
  if (!c || c->deleted_at) {
    return ChannelNotFound(std::string(type) + ":" + std::string(id));
  }
  Loaded l{std::move(*c), {}};
  l.type = WithOverrides(std::move(t), l.channel.config_overrides);
  return l;
}

Result<ChannelService::Reader> ChannelService::ReaderFor(const Actor& actor, const App& app,
                                                         const Channel& channel,
                                                         std::string_view user_id) {
  Reader r;
  r.actor = actor;
  r.user_id = actor.server ? std::string(user_id) : actor.user_id;
  if (r.user_id.empty()) return r;
  EDDY_ASSIGN_OR_RETURN(r.user, store_.users().FindUser(app.api_key, r.user_id));
  EDDY_ASSIGN_OR_RETURN(
      r.member, store_.channels().GetMember(app.api_key, channel.type, channel.id, r.user_id));
  return r;
}

Status ChannelService::Check(const App& app, const Reader& reader, const Loaded& l,
                             ChannelAction action) const {
  if (app.DisablePermissionsChecks()) return {};
  AccessContext ctx{reader.actor, reader.user_ptr(), l.channel, *l.type, reader.member_ptr()};
  return CheckChannelAccess(ctx, action);
}

std::optional<Micros> ChannelService::NotBefore(const Channel& c, const Member* m) const {
  std::optional<Micros> out = c.truncated_at;
  if (m != nullptr && m->hide_messages_before && (!out || *m->hide_messages_before > *out)) {
    out = m->hide_messages_before;
  }
  return out;
}

json::object ChannelService::ChannelJson(const App& app, const Loaded& l, const Users& users,
                                         const Reader* reader) const {
  protocol::ChannelJsonParts parts;
  parts.config = &l.type->config;
  parts.created_by = users.JsonOrNull(l.channel.created_by_id);
  parts.truncated_by = users.JsonOrNull(l.channel.truncated_by_id);
  if (reader != nullptr) {
    // With permission checks off every client may do what the server may.
    Actor actor = app.DisablePermissionsChecks() ? Actor::Server() : reader->actor;
    AccessContext ctx{actor, reader->user_ptr(), l.channel, *l.type, reader->member_ptr()};
    parts.own_capabilities = OwnCapabilities(ctx);
    parts.hidden = reader->member ? reader->member->hidden : false;
    if (reader->member) parts.hide_messages_before = reader->member->hide_messages_before;
  }
  json::object out = protocol::ChannelToJson(l.channel, parts);
  if (reader != nullptr && !reader->user_id.empty()) {
    // §5.3 per-reader `muted` / `mute_expires_at` (channel mutes, #4).
    Result<std::optional<ChannelMute>> mute = ActiveChannelMute(
        store_.moderation(), app.api_key, reader->user_id, l.channel.cid(), clock_.Now());
    if (mute.ok()) {
      out["muted"] = mute->has_value();
      if (*mute && (*mute)->expires) out["mute_expires_at"] = FormatTime(*(*mute)->expires);
    }
  }
  return out;
}

json::object ChannelService::MemberJson(const App& app, const Member& m, const Users& users) const {
  return protocol::MemberToJson(m, users.Json(m.user_id), users.RoleOf(m.user_id));
}

Result<json::object> ChannelService::RenderChannel(const App& app, const Channel& channel,
                                                   std::string_view reader_id) {
  // Its channel JSON is built on the heap: its users would be copied out of an arena.
  JsonOnHeap on_heap;
  EDDY_ASSIGN_OR_RETURN(std::shared_ptr<const ChannelType> t, TypeOf(app, channel.type));
  Loaded l{channel, WithOverrides(std::move(t), channel.config_overrides)};
  Actor actor = reader_id.empty() ? Actor::Server() : Actor::ForUser(std::string(reader_id));
  EDDY_ASSIGN_OR_RETURN(Reader reader, ReaderFor(actor, app, channel, reader_id));
  if (reader.user && reader.user->role == "anonymous") reader.actor.anonymous = true;
  EDDY_ASSIGN_OR_RETURN(Users users, Users::Load(store_, presence_, app,
                                                 {channel.created_by_id, channel.truncated_by_id}));
  return ChannelJson(app, l, users, &reader);
}

Result<json::array> ChannelService::MemberList(const App& app, const Loaded& l, int limit,
                                               int offset) {
  MemberQuery q;
  q.limit = limit;
  q.offset = offset;
  EDDY_ASSIGN_OR_RETURN(
      std::vector<Member> members,
      store_.channels().QueryMembers(app.api_key, l.channel.type, l.channel.id, q));
  std::set<std::string> ids;
  for (const Member& m : members) ids.insert(m.user_id);
  EDDY_ASSIGN_OR_RETURN(Users users, Users::Load(store_, presence_, app, std::move(ids)));
  json::array out;
  for (const Member& m : members) out.push_back(MemberJson(app, m, users));
  return out;
}

Result<std::vector<Member>> ChannelService::AllMembers(const App& app, const Channel& c) {
  std::vector<Member> out;
  MemberQuery q;
  q.limit = 300;
  for (;;) {
    EDDY_ASSIGN_OR_RETURN(std::vector<Member> page,
                          store_.channels().QueryMembers(app.api_key, c.type, c.id, q));
    const bool last = static_cast<int>(page.size()) < q.limit;
    for (Member& m : page) out.push_back(std::move(m));
    if (last) break;
    q.offset += q.limit;
  }
  return out;
}

json::object ChannelService::Envelope(std::string_view type, const Channel& c) const {
  json::object e;
  e["type"] = type;
  e["cid"] = c.cid();
  e["channel_type"] = c.type;
  e["channel_id"] = c.id;
  e["created_at"] = FormatTime(clock_.Now());
  return e;
}

PersonalFields ChannelService::MemberNotification(const App& app, const Loaded& l,
                                                  std::vector<Member> members,
                                                  std::optional<json::array> channel_members) {
  // Each recipient gets its own member object, its own view of the channel (capabilities,
  // hidden) and its unread counters; everything else of the event is shared.
  PersonalFields unread = reads_.UnreadFields(app, l.channel);
  std::set<std::string> ids = {l.channel.created_by_id, l.channel.truncated_by_id};
  for (const Member& m : members) ids.insert(m.user_id);
  Result<Users> loaded = Users::Load(store_, presence_, app, std::move(ids));
  if (!loaded.ok()) {
    log::Warn("channel notification without user objects", {{"error", loaded.error().message}});
  }
  auto users = std::make_shared<Users>(loaded.ok() ? std::move(loaded).value() : Users());
  auto by_user = std::make_shared<std::map<std::string, Member>>();
  for (Member& m : members) by_user->emplace(m.user_id, std::move(m));
  auto listed = std::make_shared<std::optional<json::array>>(std::move(channel_members));
  return [this, app, l, users, by_user, listed, unread](const std::string& user_id) {
    json::object fields = unread ? unread(user_id) : json::object();
    Reader reader;
    reader.actor = Actor::ForUser(user_id);
    reader.user_id = user_id;
    if (const User* u = users->Find(user_id)) reader.user = *u;
    if (auto it = by_user->find(user_id); it != by_user->end()) {
      reader.member = it->second;
      fields["member"] = MemberJson(app, it->second, *users);
    }
    json::object channel = ChannelJson(app, l, *users, &reader);
    if (listed->has_value()) channel["members"] = **listed;
    fields["channel"] = std::move(channel);
    return fields;
  };
}

void ChannelService::EmitToMembers(const App& app, const Loaded& l, const json::object& event,
                                   std::vector<Member> recipients,
                                   std::optional<json::array> channel_members) {
  if (recipients.empty()) return;
  std::vector<std::string> ids;
  for (const Member& m : recipients) ids.push_back(m.user_id);
  channel_events_.ToUsersPersonal(
      app.api_key, ids, event,
      MemberNotification(app, l, std::move(recipients), std::move(channel_members)));
}

void ChannelService::EmitWatching(const App& app, const Loaded& l, std::string_view event_type,
                                  const std::string& user_id) {
  if (!l.type->Flag("connect_events")) return;
  Result<Users> users = Users::Load(store_, presence_, app, {user_id});
  json::object e = Envelope(event_type, l.channel);
  e["user"] = users.ok() ? users->Json(user_id) : json::object{{"id", user_id}};
  e["watcher_count"] = watches_.WatcherCount(app.api_key, l.channel.cid());
  channel_events_.ToWatchers(app.api_key, l.channel.cid(), e);
}

Result<json::object> ChannelService::PostSystemMessage(const App& app, const Loaded& l,
                                                       const std::string& user_id,
                                                       const json::object& input, Micros at) {
  EDDY_ASSIGN_OR_RETURN(protocol::MessageInput in, protocol::MessageFromJson(input));
  Message m;
  m.id = in.id.value_or(NewUuid());
  m.channel_type = l.channel.type;
  m.channel_id = l.channel.id;
  m.user_id = user_id;
  m.type = "system";
  m.text = in.text.value_or("");
  EDDY_TRY(protocol::CheckMessageText(m.text, l.type->MaxMessageLength()));
  if (in.attachments) m.attachments = std::move(*in.attachments);
  if (in.mentioned_users) m.mentioned_users = std::move(*in.mentioned_users);
  m.silent = in.silent.value_or(false);
  m.custom = std::move(in.custom);
  m.created_at = m.updated_at = at;
  {
    // The insert moves the author's read state (see MessageService::SendMessage).
    std::unique_lock<HandoffMutex> read_state = reads_.LockReadState(app.api_key, m.cid(), user_id);
    EDDY_TRY(store_.messages().InsertMessage(app.api_key, m));
  }
  EDDY_ASSIGN_OR_RETURN(json::object rendered, message_views_.RenderOne(app, user_id, m));
  // The events carry the channel as the message left it (last_message_at, message_count).
  Loaded after = l;
  EDDY_ASSIGN_OR_RETURN(std::optional<Channel> fresh,
                        store_.channels().GetChannel(app.api_key, l.channel.type, l.channel.id));
  if (fresh) after.channel = std::move(*fresh);

  EDDY_ASSIGN_OR_RETURN(Users users, Users::Load(store_, presence_, app, {user_id}));
  const std::string cid = after.channel.cid();
  json::object e = Envelope("message.new", after.channel);
  e["message_id"] = m.id;
  e["message"] = rendered;
  e["user"] = users.Json(user_id);
  e["watcher_count"] = watches_.WatcherCount(app.api_key, cid);
  channel_events_.ToWatchers(app.api_key, cid, e, reads_.UnreadFields(app, after.channel));
  // Members who are not watching learn of it as the channel list does (§3.7).
  EDDY_ASSIGN_OR_RETURN(std::vector<Member> members, AllMembers(app, after.channel));
  // Like any message of the main list it shows the channel to those who hid it.
  for (const std::string& uid : ShowHiddenChannel(store_.channels(), app.api_key, after.channel,
                                                  HiddenUserIds(members), at)) {
    json::object v = Envelope("channel.visible", after.channel);
    Result<json::object> view = RenderChannel(app, after.channel, uid);
    if (view.ok()) v["channel"] = std::move(*view);
    Result<Users> who = Users::Load(store_, presence_, app, {uid});
    if (who.ok()) v["user"] = who->Json(uid);
    events_.ToUsers(app.api_key, {uid}, v);
  }
  std::vector<std::string_view> member_ids;
  for (const Member& member : members) member_ids.push_back(member.user_id);
  const std::vector<bool> watching = watches_.IsWatchingEach(app.api_key, member_ids, cid);
  std::vector<std::string> away;
  std::vector<Member> away_members;
  for (std::size_t i = 0; i < members.size(); ++i) {
    if (watching[i]) continue;
    away.push_back(members[i].user_id);
    away_members.push_back(std::move(members[i]));
  }
  if (!away.empty()) {
    json::object n = e;
    n["type"] = "notification.message_new";
    channel_events_.ToUsersPersonal(app.api_key, away, n,
                                    MemberNotification(app, after, std::move(away_members)));
  }
  return rendered;
}

}  // namespace eddy::server
