// ModerationService: shared plumbing (acting users, rights, rendering of users and own user).
// Bans, mutes and flags are in moderation_bans.cc, moderation_mutes.cc, moderation_flags.cc.
#include "server/domain/moderation_service.h"

#include <set>
#include <utility>

#include "server/domain/channel_access.h"

namespace eddy::server {

ModerationService::ModerationService(Store& store, const ChannelTypes& types,
                                     ChannelEvents& channel_events, EventSink& events,
                                     ReadService& reads, ChannelViews& channel_views,
                                     MessageViews& message_views, const Presence& presence,
                                     const Clock& clock)
    : store_(store),
      types_(types),
      channel_events_(channel_events),
      events_(events),
      reads_(reads),
      channel_views_(channel_views),
      message_views_(message_views),
      presence_(presence),
      clock_(clock) {}

Result<std::string> ModerationService::ActingUser(const Actor& actor, std::string_view named,
                                                  std::string_view what) const {
  if (actor.server) {
    if (named.empty()) {
      return Error::Input(std::string(what) + " is required server-side: it names the acting user");
    }
    return std::string(named);
  }
  if (!named.empty() && named != actor.user_id) {
    return Error::NotAllowed("user '" + actor.user_id + "' cannot act as user '" +
                             std::string(named) +
                             "': only server-side requests may name another user");
  }
  return actor.user_id;
}

Result<User> ModerationService::MustFindUser(const App& app, std::string_view id) {
  EDDY_ASSIGN_OR_RETURN(std::optional<User> u, store_.users().FindUser(app.api_key, id));
  if (!u || u->deleted_at) return Error::NotFound("user '" + std::string(id) + "' does not exist");
  return std::move(*u);
}

Result<ModerationService::ChannelScope> ModerationService::LoadChannel(const App& app,
                                                                       std::string_view cid) {
  const size_t colon = cid.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == cid.size()) {
    return Error::Input("channel cid '" + std::string(cid) + "' must look like 'type:id'");
  }
  std::string_view type = cid.substr(0, colon), id = cid.substr(colon + 1);
  std::shared_ptr<const ChannelType> t = types_.Find(app.api_key, type);
  EDDY_ASSIGN_OR_RETURN(std::optional<Channel> c,
                        store_.channels().GetChannel(app.api_key, type, id));
  if (!t || !c || c->deleted_at) {
    return Error::NotFound("channel '" + std::string(cid) + "' does not exist");
  }
  std::shared_ptr<const ChannelType> effective = WithOverrides(std::move(t), c->config_overrides);
  return ChannelScope{std::move(*c), std::move(effective)};
}

Status ModerationService::CheckInChannel(const Actor& actor, const App& app, const ChannelScope& c,
                                         ChannelAction action) {
  if (actor.server || app.DisablePermissionsChecks()) return {};
  EDDY_ASSIGN_OR_RETURN(std::optional<User> user,
                        store_.users().FindUser(app.api_key, actor.user_id));
  EDDY_ASSIGN_OR_RETURN(
      std::optional<Member> member,
      store_.channels().GetMember(app.api_key, c.channel.type, c.channel.id, actor.user_id));
  AccessContext ctx{actor, user ? &*user : nullptr, c.channel, *c.type,
                    member ? &*member : nullptr};
  return CheckChannelAccess(ctx, action);
}

Status ModerationService::CheckModerator(const Actor& actor, const App& app,
                                         std::string_view what) {
  if (actor.server) return {};
  EDDY_ASSIGN_OR_RETURN(std::optional<User> user,
                        store_.users().FindUser(app.api_key, actor.user_id));
  const std::string role = user ? user->role : "anonymous";
  if (!actor.anonymous && (role == "admin" || role == "moderator")) return {};
  return Error::NotAllowed("User '" + actor.user_id + "' with role '" + role +
                           "' is not allowed to " + std::string(what) +
                           ": only admins and moderators may");
}

Status ModerationService::ReadPage(const json::object& payload, int* limit, int* offset) {
  EDDY_ASSIGN_OR_RETURN(std::optional<std::int64_t> l, GetInt(payload, "limit"));
  EDDY_ASSIGN_OR_RETURN(std::optional<std::int64_t> o, GetInt(payload, "offset"));
  if (l && (*l < 0 || *l > kMaxModerationQueryLimit)) {
    return Error::Input("limit must be between 0 and " + std::to_string(kMaxModerationQueryLimit));
  }
  if (o && (*o < 0 || *o > kMaxModerationQueryOffset)) {
    return Error::Input("offset must be between 0 and " +
                        std::to_string(kMaxModerationQueryOffset));
  }
  *limit = l ? static_cast<int>(*l) : 25;
  *offset = o ? static_cast<int>(*o) : 0;
  return {};
}

json::object ModerationService::UserJson(const App& app, const User& u) const {
  bool online =
      !u.invisible && !u.deactivated_at && !u.deleted_at && presence_.IsOnline(app.api_key, u.id);
  return protocol::UserToJson(u, online);
}

Result<std::map<std::string, json::object>> ModerationService::UsersJson(
    const App& app, std::vector<std::string> ids) {
  std::map<std::string, json::object> out;
  std::set<std::string> distinct;
  for (std::string& id : ids) {
    if (!id.empty()) distinct.insert(std::move(id));
  }
  if (distinct.empty()) return out;
  EDDY_ASSIGN_OR_RETURN(std::vector<User> users,
                        store_.users().FindUsers(app.api_key, {distinct.begin(), distinct.end()}));
  for (const User& u : users) out.emplace(u.id, UserJson(app, u));
  return out;
}

Result<json::object> ModerationService::OwnUser(const App& app, std::string_view user_id) {
  EDDY_ASSIGN_OR_RETURN(User u, MustFindUser(app, user_id));
  protocol::OwnUserExtras extras;
  EDDY_TRY(reads_.FillOwnUserExtras(app, user_id, extras));
  EDDY_TRY(FillOwnMutes(app, user_id, extras));
  bool online = !u.invisible && presence_.IsOnline(app.api_key, u.id);
  return protocol::OwnUserToJson(u, online, extras);
}

void ModerationService::NotifyMutes(const App& app, std::string_view type, std::string_view user_id,
                                    const json::object& own_user) {
  json::object e{{"type", type}, {"created_at", FormatTime(clock_.Now())}, {"me", own_user}};
  events_.ToUsers(app.api_key, {std::string(user_id)}, e);
}

}  // namespace eddy::server
