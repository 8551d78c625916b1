// ReadService operations: mark read, mark all read, mark unread, GET /unread.
#include "server/domain/read_service.h"

#include <map>

#include "common/json_arena.h"
#include "common/log.h"
#include "server/domain/channel_access.h"

namespace eddy::server {

namespace {

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

Error ReadsDisabled(const ChannelType& t) {
  return Error::Make(ErrorCode::kChannelFeatureNotSupported, 400,
                     "read events are disabled for channel type " + Quote(t.name));
}

json::object ChannelEventBase(std::string_view type, const Channel& c, Micros at) {
  TimeText text;
  return json::object({{"type", type},
                       {"created_at", FormatTime(at, text)},
                       {"cid", c.cid()},
                       {"channel_type", c.type},
                       {"channel_id", c.id}},
                      JsonStorage());
}

}  // namespace

Result<std::string> ReadService::ReaderId(const Actor& actor, std::string_view named) const {
  if (actor.server) {
    if (named.empty()) return Error::Input("'user_id' is required for server-side requests");
    return std::string(named);
  }
  if (!named.empty() && named != actor.user_id) {
    return Error::NotAllowed("user " + Quote(actor.user_id) + " cannot act as user " +
                             Quote(named) + ": only server-side requests may name another user");
  }
  return actor.user_id;
}

Result<ReadService::Scope> ReadService::LoadScope(const Actor& actor, const App& app,
                                                  std::string_view type, std::string_view id,
                                                  std::string_view reader_id) {
  std::shared_ptr<const ChannelType> t = types_.Find(app.api_key, type);
  if (!t) return Error::NotFound("channel type " + Quote(type) + " does not exist");
  EDDY_ASSIGN_OR_RETURN(std::optional<Channel> c,
                        store_.channels().GetChannel(app.api_key, type, id));
  if (!c || c->deleted_at) {
    return Error::NotFound("channel " + Quote(std::string(type) + ":" + std::string(id)) +
                           " does not exist");
  }
  EDDY_ASSIGN_OR_RETURN(std::optional<User> user, store_.users().FindUser(app.api_key, reader_id));
  if (!user) return Error::NotFound("user " + Quote(reader_id) + " does not exist");
  std::shared_ptr<const ChannelType> effective = WithOverrides(std::move(t), c->config_overrides);
  Scope s{std::move(*c),
          std::move(effective),
          std::move(*user),
          std::nullopt,
          actor,
          actor.server || app.DisablePermissionsChecks()};
  s.actor.user_id = std::string(reader_id);
  EDDY_ASSIGN_OR_RETURN(s.member, store_.channels().GetMember(app.api_key, type, id, reader_id));
  return s;
}

Status ReadService::CheckRead(const Scope& s) const {
  if (s.bypass) return {};
  AccessContext ctx{s.actor, &s.user, s.channel, *s.type, s.member ? &*s.member : nullptr};
  return CheckChannelAccess(ctx, ChannelAction::kReadChannel);
}

json::object ReadService::UserJson(const App& app, const User& user, const Actor& actor) const {
  bool online = !user.invisible && !user.deactivated_at && !user.deleted_at &&
                (presence_ ? presence_->IsOnline(app.api_key, user.id) : !actor.server);
  return protocol::UserToJson(user, online);
}

Result<ReadService::ReadMark> ReadService::MarkAtNow(const App& app, const Channel& channel,
                                                     const Member& member) {
  ReadMark mark{clock_.Now(), ""};
  EDDY_ASSIGN_OR_RETURN(
      std::optional<MessageStamp> last,
      store_.messages().LastChannelMessage(app.api_key, channel.type, channel.id));
  std::optional<Micros> not_before = NotBefore(channel, member);
  if (last && (!not_before || last->created_at > *not_before)) {
    mark.last_read_message_id = last->id;
  }
  return mark;
}

Result<ReadService::ReadMark> ReadService::MarkAtMessage(const App& app, const Channel& channel,
                                                         std::string_view message_id) {
  EDDY_ASSIGN_OR_RETURN(std::optional<Message> m,
                        store_.messages().GetMessage(app.api_key, message_id));
  if (!m) return Error::NotFound("message " + Quote(message_id) + " does not exist");
  if (m->channel_type != channel.type || m->channel_id != channel.id) {
    return Error::Input("message " + Quote(message_id) + " is not in channel " +
                        Quote(channel.cid()));
  }
  return ReadMark{m->created_at, m->id};
}

json::object ReadService::MessageReadEvent(const Channel& channel, const json::object& user,
                                           const ReadMark& mark) const {
  // The SDK takes created_at as the reader's last_read: it is the read mark itself.
  json::object e = ChannelEventBase("message.read", channel, mark.last_read);
  e["user"] = user;
  if (!mark.last_read_message_id.empty()) e["last_read_message_id"] = mark.last_read_message_id;
  return e;
}

void ReadService::NotifyMarkRead(const App& app, const Channel* channel, const json::object& user,
                                 const ReadMark* mark) {
  const std::string user_id(user.at("id").as_string());
  Result<UnreadSummary> summary = Summary(app, user_id);
  if (!summary.ok()) {
    log::Warn("notification.mark_read skipped",
              {{"user", user_id}, {"error", summary.error().message}});
    return;
  }
  json::object n;
  if (channel != nullptr) {
    n = ChannelEventBase("notification.mark_read", *channel, clock_.Now());
    // The channel's own count, also when the user hid it (the totals leave hidden channels
    // out): what it shows once opened, as in read[] and notification.mark_unread.
    Result<std::int64_t> here = std::int64_t{0};
    Result<std::optional<Member>> member =
        store_.channels().GetMember(app.api_key, channel->type, channel->id, user_id);
    if (!member.ok()) {
      here = member.error();
    } else if (*member) {
      here = UnreadCount(app, *channel, **member);
    }
    if (!here.ok()) {
      log::Warn("notification.mark_read without the channel's count",
                {{"user", user_id}, {"error", here.error().message}});
    }
    n["unread_count"] = here.ok() ? *here : 0;
    if (mark != nullptr && !mark->last_read_message_id.empty()) {
      n["last_read_message_id"] = mark->last_read_message_id;
    }
    Result<json::object> view = channel_views_.RenderChannel(app, *channel, user_id);
    if (view.ok()) n["channel"] = std::move(*view);
  } else {
    n = json::object{{"type", "notification.mark_read"}, {"created_at", FormatTime(clock_.Now())}};
    n["unread_count"] = summary->total_unread_count;
  }
  n["user"] = user;
  n["total_unread_count"] = summary->total_unread_count;
  n["unread_channels"] = summary->unread_channels;
  n["unread_threads"] = 0;
  events_.ToUsers(app.api_key, {user_id}, n);
}

Result<json::value> ReadService::MarkRead(const Actor& actor, const App& app, std::string_view type,
                                          std::string_view id, std::string_view user_id,
                                          std::string_view message_id) {
  EDDY_ASSIGN_OR_RETURN(std::string reader, ReaderId(actor, user_id));
  EDDY_ASSIGN_OR_RETURN(Scope s, LoadScope(actor, app, type, id, reader));
  EDDY_TRY(CheckRead(s));
  if (!s.type->Flag("read_events")) return ReadsDisabled(*s.type);
  ReadMark mark;
  if (!message_id.empty()) {
    EDDY_ASSIGN_OR_RETURN(mark, MarkAtMessage(app, s.channel, message_id));
  }
  if (!s.member) return json::value(nullptr);
  if (message_id.empty()) {
    EDDY_ASSIGN_OR_RETURN(mark, MarkAtNow(app, s.channel, *s.member));
  }
  EDDY_ASSIGN_OR_RETURN(bool written, WriteMark(app, s.channel, reader, mark));
  if (!written) return json::value(nullptr);
  json::object user = UserJson(app, s.user, actor);
  json::object event = MessageReadEvent(s.channel, user, mark);
  channel_events_.ToWatchers(app.api_key, s.channel.cid(), event);
  NotifyMarkRead(app, &s.channel, user, &mark);
  return json::value(std::move(event));
}

Status ReadService::MarkAllRead(
    const Actor& actor, const App& app, std::string_view user_id,
    const std::vector<std::pair<std::string, std::string>>& read_by_channel) {
  EDDY_ASSIGN_OR_RETURN(std::string reader, ReaderId(actor, user_id));
  if (read_by_channel.size() > kMaxReadByChannel) {
    return Error::Input("'read_by_channel' lists more than " + std::to_string(kMaxReadByChannel) +
                        " channels");
  }
  EDDY_ASSIGN_OR_RETURN(std::optional<User> user, store_.users().FindUser(app.api_key, reader));
  if (!user) return Error::NotFound("user " + Quote(reader) + " does not exist");

  // Everything is checked before anything changes.
  struct Plan {
    Channel channel;
    ReadMark mark;
  };
  std::map<std::string, Plan> plans;  // by cid: a repeated cid keeps its last message
  if (!read_by_channel.empty()) {
    for (const auto& [cid, message_id] : read_by_channel) {
      size_t colon = cid.find(':');
      if (colon == std::string::npos || colon == 0 || colon + 1 == cid.size()) {
        return Error::Input("'read_by_channel' key " + Quote(cid) + " is not a cid (type:id)");
      }
      EDDY_ASSIGN_OR_RETURN(
          Scope s, LoadScope(actor, app, cid.substr(0, colon), cid.substr(colon + 1), reader));
      EDDY_TRY(CheckRead(s));
      if (!s.type->Flag("read_events")) return ReadsDisabled(*s.type);
      if (!s.member) {
        return Error::NotAllowed("user " + Quote(reader) + " is not a member of channel " +
                                 Quote(cid));
      }
      ReadMark mark;
      if (message_id.empty()) {
        EDDY_ASSIGN_OR_RETURN(mark, MarkAtNow(app, s.channel, *s.member));
      } else {
        EDDY_ASSIGN_OR_RETURN(mark, MarkAtMessage(app, s.channel, message_id));
      }
      plans.insert_or_assign(cid, Plan{std::move(s.channel), std::move(mark)});
    }
  } else {
    EDDY_ASSIGN_OR_RETURN(std::vector<Member> members,
                          store_.channels().MembershipsOf(app.api_key, reader));
    std::vector<std::string> cids;
    for (const Member& m : members) cids.push_back(m.cid());
    EDDY_ASSIGN_OR_RETURN(std::vector<Channel> channels,
                          store_.channels().GetChannels(app.api_key, cids));
    std::map<std::string, const Member*> member_of;
    for (const Member& m : members) member_of.emplace(m.cid(), &m);
    for (Channel& c : channels) {
      auto it = member_of.find(c.cid());
      if (it == member_of.end() || c.deleted_at || !CountsReads(app, c)) continue;
      const Member& m = *it->second;
      // Nothing newer than the read mark: leave the channel (and its watchers) alone.
      if (!c.last_message_at || *c.last_message_at <= m.last_read) continue;
      EDDY_ASSIGN_OR_RETURN(ReadMark mark, MarkAtNow(app, c, m));
      std::string cid = c.cid();
      plans.insert_or_assign(std::move(cid), Plan{std::move(c), std::move(mark)});
    }
  }

  json::object user_json = UserJson(app, *user, actor);
  for (const auto& [cid, plan] : plans) {
    EDDY_ASSIGN_OR_RETURN(bool written, WriteMark(app, plan.channel, reader, plan.mark));
    if (!written) continue;
    channel_events_.ToWatchers(app.api_key, cid,
                               MessageReadEvent(plan.channel, user_json, plan.mark));
  }
  NotifyMarkRead(app, nullptr, user_json, nullptr);
  return {};
}

Status ReadService::MarkUnread(const Actor& actor, const App& app, std::string_view type,
                               std::string_view id, std::string_view user_id,
                               const UnreadTarget& target) {
  if (target.message_id.empty() == !target.message_time.has_value()) {
    return Error::Input("give exactly one of 'message_id' and 'message_timestamp'");
  }
  EDDY_ASSIGN_OR_RETURN(std::string reader, ReaderId(actor, user_id));
  EDDY_ASSIGN_OR_RETURN(Scope s, LoadScope(actor, app, type, id, reader));
  EDDY_TRY(CheckRead(s));
  if (!s.type->Flag("read_events")) return ReadsDisabled(*s.type);
  if (!s.member) {
    return Error::NotAllowed("user " + Quote(reader) + " is not a member of channel " +
                             Quote(s.channel.cid()));
  }
  const Channel& c = s.channel;
  MessagePage page;  // the message just before the first unread one
  page.limit = 1;
  page.not_before = NotBefore(c, *s.member);
  page.viewer_id = reader;
  std::string first_unread_id;
  Micros last_read = 0;
  if (!target.message_id.empty()) {
    EDDY_ASSIGN_OR_RETURN(std::optional<Message> m,
                          store_.messages().GetMessage(app.api_key, target.message_id));
    if (!m) return Error::NotFound("message " + Quote(target.message_id) + " does not exist");
    if (m->channel_type != c.type || m->channel_id != c.id) {
      return Error::Input("message " + Quote(target.message_id) + " is not in channel " +
                          Quote(c.cid()));
    }
    if (!m->InChannelList()) {
      return Error::Input("message " + Quote(m->id) +
                          " is a thread reply: only channel messages can be marked unread");
    }
    first_unread_id = m->id;
    last_read = m->created_at - 1;
    page.id_lt = m->id;
  } else {
    last_read = *target.message_time - 1;
    MessagePage first = page;
    first.created_at_after_or_equal = *target.message_time;
    EDDY_ASSIGN_OR_RETURN(std::vector<Message> after,
                          store_.messages().ChannelMessages(app.api_key, c.type, c.id, first));
    if (!after.empty()) first_unread_id = after.front().id;
    page.created_at_before = *target.message_time;
  }
  EDDY_ASSIGN_OR_RETURN(std::vector<Message> before,
                        store_.messages().ChannelMessages(app.api_key, c.type, c.id, page));
  ReadMark mark{last_read, before.empty() ? std::string() : before.back().id};
  EDDY_ASSIGN_OR_RETURN(bool written, WriteMark(app, c, reader, mark));
  if (!written) {
    return Error::NotAllowed("user " + Quote(reader) + " is not a member of channel " +
                             Quote(c.cid()));
  }

  Member updated = *s.member;
  updated.last_read = mark.last_read;
  updated.last_read_message_id = mark.last_read_message_id;
  EDDY_ASSIGN_OR_RETURN(std::int64_t unread, UnreadCount(app, c, updated));
  EDDY_ASSIGN_OR_RETURN(UnreadSummary summary, Summary(app, reader));
  json::object n = ChannelEventBase("notification.mark_unread", c, clock_.Now());
  n["user"] = UserJson(app, s.user, actor);
  n["unread_messages"] = unread;
  n["unread_count"] = unread;
  n["last_read_at"] = FormatTime(mark.last_read);
  n["last_read_message_id"] = mark.last_read_message_id;
  n["first_unread_message_id"] = first_unread_id;
  n["total_unread_count"] = summary.total_unread_count;
  n["unread_channels"] = summary.unread_channels;
  n["unread_threads"] = 0;
  events_.ToUsers(app.api_key, {reader}, n);
  return {};
}

Result<UnreadSummary> ReadService::UnreadCounts(const Actor& actor, const App& app,
                                                std::string_view user_id) {
  EDDY_ASSIGN_OR_RETURN(std::string reader, ReaderId(actor, user_id));
  if (actor.server) {
    EDDY_ASSIGN_OR_RETURN(std::optional<User> user, store_.users().FindUser(app.api_key, reader));
    if (!user) return Error::NotFound("user " + Quote(reader) + " does not exist");
  }
  return Summary(app, reader);
}

}  // namespace eddy::server
