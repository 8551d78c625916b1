// ChannelService: delete, truncate, hide/show, stop-watching and the member query.
#include <utility>

#include "server/domain/channel_service.h"
#include "server/domain/channel_service_internal.h"

namespace eddy::server {

using channel_internal::ActingUser;
using channel_internal::Quote;

namespace {

std::string CidOf(std::string_view type, std::string_view id) {
  return std::string(type) + ":" + std::string(id);
}

// The acting user a truncate names: user_id, else the message's author.
std::string TruncatingUser(const TruncateRequest& req) {
  if (!req.user_id.empty() || !req.message) return req.user_id;
  if (const json::value* id = req.message->if_contains("user_id"); id && id->is_string()) {
    return std::string(id->get_string());
  }
  return {};
}

}  // namespace

Result<json::object> ChannelService::Delete(const Actor& actor, const App& app,
                                            std::string_view type, std::string_view id, bool hard) {
  EDDY_TRY(TypeOf(app, type));
  EDDY_TRY(protocol::ValidateChannelId(id));
  const std::string cid = CidOf(type, id);
  auto lock = Lock(app.api_key, cid);
  EDDY_ASSIGN_OR_RETURN(Loaded l, Load(app, type, id));
  EDDY_ASSIGN_OR_RETURN(Reader reader, ReaderFor(actor, app, l.channel, ""));
  EDDY_TRY(Check(app, reader, l, ChannelAction::kDeleteChannel));
  EDDY_ASSIGN_OR_RETURN(std::vector<Member> members, AllMembers(app, l.channel));
  const Micros now = clock_.Now();
  l.channel.deleted_at = now;
  l.channel.updated_at = now;
  if (hard) {
    EDDY_TRY(store_.channels().DeleteChannel(app.api_key, type, id));
  } else {
    EDDY_TRY(store_.channels().UpdateChannel(app.api_key, l.channel));
  }
  lock.unlock();

  EDDY_ASSIGN_OR_RETURN(Users users, Users::Load(store_, presence_, app,
                                                 {reader.user_id, l.channel.created_by_id,
                                                  l.channel.truncated_by_id}));
  json::object channel = ChannelJson(app, l, users, nullptr);
  json::object e = Envelope("channel.deleted", l.channel);
  e["channel"] = channel;
  if (!reader.user_id.empty()) e["user"] = users.Json(reader.user_id);
  channel_events_.ToWatchers(app.api_key, cid, e);
  json::object n = e;
  n["type"] = "notification.channel_deleted";
  n.erase("channel");  // each member gets its own view
  EmitToMembers(app, l, n, std::move(members));
  watches_.UnwatchChannel(app.api_key, cid);
  return channel;
}

Result<ChannelChange> ChannelService::Truncate(const Actor& actor, const App& app,
                                               std::string_view type, std::string_view id,
                                               TruncateRequest req) {
  EDDY_ASSIGN_OR_RETURN(const std::string acting, ActingUser(actor, TruncatingUser(req)));
  if (req.message && acting.empty()) {
    return Error::Input("a message needs a user: set user_id or message.user_id server side");
  }
  EDDY_TRY(TypeOf(app, type));
  EDDY_TRY(protocol::ValidateChannelId(id));
  const std::string cid = CidOf(type, id);
  auto lock = Lock(app.api_key, cid);
  EDDY_ASSIGN_OR_RETURN(Loaded l, Load(app, type, id));
  EDDY_ASSIGN_OR_RETURN(Reader reader, ReaderFor(actor, app, l.channel, acting));
  EDDY_TRY(Check(app, reader, l, ChannelAction::kTruncateChannel));
  const Micros now = clock_.Now();
  if (req.truncated_at && *req.truncated_at > now) {
    return Error::Input("truncated_at cannot be in the future");
  }
  const Micros at = req.truncated_at.value_or(now);
  if (req.hard_delete) {
    EDDY_TRY(store_.messages().HardDeleteChannelMessages(app.api_key, type, id, at));
  }
  EDDY_ASSIGN_OR_RETURN(std::optional<Channel> fresh,
                        store_.channels().GetChannel(app.api_key, type, id));
  if (fresh) l.channel = std::move(*fresh);  // counters after the hard delete
  l.channel.truncated_at = at;
  l.channel.truncated_by_id = acting;
  l.channel.updated_at = now;
  EDDY_TRY(store_.channels().UpdateChannel(app.api_key, l.channel));
  EDDY_ASSIGN_OR_RETURN(Loaded after, Load(app, type, id));
  EDDY_ASSIGN_OR_RETURN(std::vector<Member> members, AllMembers(app, after.channel));
  lock.unlock();

  ChannelChange out;
  if (req.message) {
    // Just after truncated_at, or the truncation would hide its own message.
    EDDY_ASSIGN_OR_RETURN(out.message, PostSystemMessage(app, after, acting, *req.message,
                                                         std::max(clock_.Now(), at + 1)));
    EDDY_ASSIGN_OR_RETURN(after, Load(app, type, id));
  }
  EDDY_ASSIGN_OR_RETURN(Users users,
                        Users::Load(store_, presence_, app, {acting, after.channel.created_by_id}));
  json::object e = Envelope("channel.truncated", after.channel);
  e["channel"] = ChannelJson(app, after, users, nullptr);
  if (!acting.empty()) e["user"] = users.Json(acting);
  if (out.message) e["message"] = *out.message;
  channel_events_.ToWatchers(app.api_key, cid, e);
  json::object n = Envelope("notification.channel_truncated", after.channel);
  if (!acting.empty()) n["user"] = users.Json(acting);
  EmitToMembers(app, after, n, std::move(members));

  EDDY_ASSIGN_OR_RETURN(reader, ReaderFor(actor, app, after.channel, acting));
  out.channel = ChannelJson(app, after, users, &reader);
  return out;
}

Status ChannelService::Hide(const Actor& actor, const App& app, std::string_view type,
                            std::string_view id, bool clear_history, std::string_view user_id) {
  EDDY_TRY(TypeOf(app, type));
  EDDY_TRY(protocol::ValidateChannelId(id));
  const std::string cid = CidOf(type, id);
  EDDY_ASSIGN_OR_RETURN(const std::string who, ActingUser(actor, std::string(user_id)));
  if (who.empty()) return Error::Input("user_id is required to hide a channel server side");
  auto lock = Lock(app.api_key, cid);
  EDDY_ASSIGN_OR_RETURN(Loaded l, Load(app, type, id));
  EDDY_ASSIGN_OR_RETURN(Reader reader, ReaderFor(actor, app, l.channel, who));
  if (!reader.member) {
    return Error::Input("user " + Quote(who) + " is not a member of channel " + Quote(cid));
  }
  const bool was_hidden = reader.member->hidden;
  Member m = *reader.member;
  m.hidden = true;
  if (clear_history) m.hide_messages_before = clock_.Now();
  if (!was_hidden || clear_history) {
    m.updated_at = clock_.Now();
    EDDY_TRY(store_.channels().UpsertMembers(app.api_key, {m}));
  }
  lock.unlock();
  if (was_hidden) return {};

  reader.member = m;
  EDDY_ASSIGN_OR_RETURN(Users users,
                        Users::Load(store_, presence_, app,
                                    {who, l.channel.created_by_id, l.channel.truncated_by_id}));
  json::object e = Envelope("channel.hidden", l.channel);
  e["channel"] = ChannelJson(app, l, users, &reader);
  e["clear_history"] = clear_history;
  e["user"] = users.Json(who);
  events_.ToUsers(app.api_key, {who}, e);
  return {};
}

Status ChannelService::Show(const Actor& actor, const App& app, std::string_view type,
                            std::string_view id, std::string_view user_id) {
  EDDY_TRY(TypeOf(app, type));
  EDDY_TRY(protocol::ValidateChannelId(id));
  const std::string cid = CidOf(type, id);
  EDDY_ASSIGN_OR_RETURN(const std::string who, ActingUser(actor, std::string(user_id)));
  if (who.empty()) return Error::Input("user_id is required to show a channel server side");
  auto lock = Lock(app.api_key, cid);
  EDDY_ASSIGN_OR_RETURN(Loaded l, Load(app, type, id));
  EDDY_ASSIGN_OR_RETURN(Reader reader, ReaderFor(actor, app, l.channel, who));
  if (!reader.member) {
    return Error::Input("user " + Quote(who) + " is not a member of channel " + Quote(cid));
  }
  if (!reader.member->hidden) return {};
  reader.member->hidden = false;
  reader.member->updated_at = clock_.Now();
  EDDY_TRY(store_.channels().UpsertMembers(app.api_key, {*reader.member}));
  lock.unlock();

  EDDY_ASSIGN_OR_RETURN(Users users,
                        Users::Load(store_, presence_, app,
                                    {who, l.channel.created_by_id, l.channel.truncated_by_id}));
  json::object e = Envelope("channel.visible", l.channel);
  e["channel"] = ChannelJson(app, l, users, &reader);
  e["user"] = users.Json(who);
  events_.ToUsers(app.api_key, {who}, e);
  return {};
}

Status ChannelService::StopWatching(const Actor& actor, const App& app, std::string_view type,
                                    std::string_view id, std::string_view connection_id) {
  EDDY_ASSIGN_OR_RETURN(Loaded l, Load(app, type, id));
  if (actor.server || connection_id.empty()) return {};
  if (watches_.ConnectionUser(app.api_key, connection_id) != actor.user_id) return {};
  const std::string cid = l.channel.cid();
  if (watches_.Unwatch(app.api_key, connection_id, cid) &&
      !watches_.IsWatching(app.api_key, actor.user_id, cid)) {
    EmitWatching(app, l, "user.watching.stop", actor.user_id);
  }
  return {};
}

Result<json::array> ChannelService::QueryMembers(const Actor& actor, const App& app,
                                                 const QueryMembersOptions& options) {
  EDDY_ASSIGN_OR_RETURN(Loaded l, Load(app, options.type, options.id));
  EDDY_ASSIGN_OR_RETURN(Reader reader, ReaderFor(actor, app, l.channel, ""));
  EDDY_TRY(Check(app, reader, l, ChannelAction::kReadChannel));
  EDDY_ASSIGN_OR_RETURN(
      std::vector<Member> members,
      store_.channels().QueryMembers(app.api_key, options.type, options.id, options.query));
  std::set<std::string> ids;
  for (const Member& m : members) ids.insert(m.user_id);
  EDDY_ASSIGN_OR_RETURN(Users users, Users::Load(store_, presence_, app, std::move(ids)));
  json::array out;
  for (const Member& m : members) out.push_back(MemberJson(app, m, users));
  return out;
}

}  // namespace eddy::server
