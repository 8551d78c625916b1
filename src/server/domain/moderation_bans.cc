// ModerationService: bans (protocol §6.9 ban / unban / query_banned_users, §4.1 events).
#include <utility>

#include "server/domain/channel_access.h"
#include "server/domain/filter_parser.h"
#include "server/domain/moderation_checks.h"
#include "server/domain/moderation_service.h"

namespace eddy::server {

namespace {

constexpr Micros kMicrosPerMinute = 60'000'000;

const QuerySpec& BanQuerySpec() {
  static const QuerySpec spec = [] {
    using Op = FilterOp;
    const std::vector<Op> ids = {Op::kEq, Op::kNe, Op::kIn, Op::kNin};
    const std::vector<Op> times = {Op::kEq, Op::kNe, Op::kGt, Op::kGte, Op::kLt, Op::kLte};
    QuerySpec s;
    s.resource = "banned users";
    s.fields["user_id"] = {FieldType::kString, ids, true};
    s.fields["channel_cid"] = {
        FieldType::kString, {Op::kEq, Op::kNe, Op::kIn, Op::kNin, Op::kExists}, true};
    s.fields["banned_by_id"] = {FieldType::kString, ids, true};
    s.fields["reason"] = {FieldType::kString, {Op::kEq, Op::kNe, Op::kAutocomplete}, false};
    s.fields["shadow"] = {FieldType::kBool, {Op::kEq, Op::kNe}, false};
    s.fields["created_at"] = {FieldType::kTime, times, true};
    std::vector<Op> expires = times;
    expires.push_back(Op::kExists);
    s.fields["expires"] = {FieldType::kTime, expires, true};
    return s;
  }();
  return spec;
}

}  // namespace

// A channel ban needs kBanChannelMembers in that channel; a global one an app admin or
// moderator. Returns the channel of a channel ban.
Result<std::optional<ModerationService::ChannelScope>> ModerationService::AuthorizeBan(
    const Actor& actor, const App& app, std::string_view channel_cid, std::string_view global) {
  if (channel_cid.empty()) {
    EDDY_TRY(CheckModerator(actor, app, global));
    return std::optional<ChannelScope>();
  }
  EDDY_ASSIGN_OR_RETURN(ChannelScope c, LoadChannel(app, channel_cid));
  EDDY_TRY(CheckInChannel(actor, app, c, ChannelAction::kBanChannelMembers));
  return std::optional<ChannelScope>(std::move(c));
}

Status ModerationService::BanUser(const Actor& actor, const App& app, const BanRequest& in) {
  if (in.target_user_id.empty()) return Error::Input("target_user_id is a required field");
  if (in.reason.size() > kMaxReasonBytes) {
    return Error::Input("reason is longer than " + std::to_string(kMaxReasonBytes) + " bytes");
  }
  if (in.timeout_minutes &&
      (*in.timeout_minutes <= 0 || *in.timeout_minutes > kMaxTimeoutMinutes)) {
    return Error::Input("timeout must be a number of minutes between 1 and " +
                        std::to_string(kMaxTimeoutMinutes));
  }
  std::string banner = actor.server ? in.banned_by_id : actor.user_id;
  if (!actor.server && !in.banned_by_id.empty() && in.banned_by_id != actor.user_id) {
    return Error::NotAllowed("banned_by_id can only name another user server-side");
  }
  if (!actor.server && in.target_user_id == actor.user_id) {
    return Error::Input("a user cannot ban themself");
  }
  EDDY_ASSIGN_OR_RETURN(User target, MustFindUser(app, in.target_user_id));
  std::optional<User> by;
  if (!banner.empty()) {
    EDDY_ASSIGN_OR_RETURN(User b, MustFindUser(app, banner));
    by = std::move(b);
  }
  EDDY_ASSIGN_OR_RETURN(std::optional<ChannelScope> scope,
                        AuthorizeBan(actor, app, in.channel_cid, "ban users app-wide"));

  const Micros now = clock_.Now();
  Ban ban;
  ban.user_id = target.id;
  ban.channel_cid = in.channel_cid;
  ban.created_by_id = banner;
  ban.reason = in.reason;
  ban.shadow = in.shadow;
  ban.ip_ban = in.ip_ban;
  ban.timeout_minutes = in.timeout_minutes;
  ban.created_at = now;
  if (in.timeout_minutes) ban.expires = now + *in.timeout_minutes * kMicrosPerMinute;
  EDDY_TRY(store_.moderation().UpsertBan(app.api_key, ban));
  EDDY_TRY(SetBanFlags(store_, app.api_key, ban, true));
  if (ban.shadow) return {};  // the shadow-banned user must not learn of it

  json::object e{{"type", "user.banned"},
                 {"created_at", FormatTime(now)},
                 {"user", UserJson(app, target)},
                 {"shadow", false}};
  if (by) e["created_by"] = UserJson(app, *by);
  if (!ban.reason.empty()) e["reason"] = ban.reason;
  if (ban.expires) e["expiration"] = FormatTime(*ban.expires);
  EmitBanEvent(app, e, ban.user_id, scope ? &scope->channel : nullptr);
  if (!scope) {
    // A global ban ends the sessions too: the SDK must not reconnect (code 17 is final).
    events_.DisconnectUser(app.api_key, ban.user_id,
                           Error::NotAllowed("user " + ban.user_id + " is banned"), now);
  }
  return {};
}

Status ModerationService::UnbanUser(const Actor& actor, const App& app, const UnbanRequest& in) {
  if (in.target_user_id.empty()) return Error::Input("target_user_id is a required field");
  EDDY_ASSIGN_OR_RETURN(User target, MustFindUser(app, in.target_user_id));
  EDDY_ASSIGN_OR_RETURN(std::optional<ChannelScope> scope,
                        AuthorizeBan(actor, app, in.channel_cid, "unban users app-wide"));
  EDDY_ASSIGN_OR_RETURN(std::vector<Ban> bans,
                        store_.moderation().BansOf(app.api_key, target.id, in.channel_cid));
  std::optional<Ban> existing;
  for (Ban& b : bans) {
    if (b.channel_cid == in.channel_cid) existing = std::move(b);
  }
  if (!existing) return {};  // nothing to lift: nothing changes, nothing is announced
  EDDY_TRY(store_.moderation().DeleteBan(app.api_key, target.id, in.channel_cid));
  EDDY_TRY(SetBanFlags(store_, app.api_key, *existing, false));
  if (existing->shadow) return {};
  json::object e{{"type", "user.unbanned"},
                 {"created_at", FormatTime(clock_.Now())},
                 {"user", UserJson(app, target)},
                 {"shadow", false}};
  if (!actor.server) {
    Result<User> by = MustFindUser(app, actor.user_id);
    if (by.ok()) e["created_by"] = UserJson(app, *by);
  }
  EmitBanEvent(app, e, target.id, scope ? &scope->channel : nullptr);
  return {};
}

// A channel ban concerns the channel: its watchers hear of it (§3.7). A global ban concerns
// the user, whose own connections hear of it.
void ModerationService::EmitBanEvent(const App& app, json::object event, const std::string& user_id,
                                     const Channel* channel) {
  if (!channel) {
    events_.ToUsers(app.api_key, {user_id}, event);
    return;
  }
  event["cid"] = channel->cid();
  event["channel_type"] = channel->type;
  event["channel_id"] = channel->id;
  channel_events_.ToWatchers(app.api_key, channel->cid(), event);
}

Status ModerationService::CheckMayConnect(const App& app, std::string_view user_id) {
  EDDY_TRY(LiftExpiredBans(store_, app.api_key, user_id, "", clock_.Now()));
  EDDY_ASSIGN_OR_RETURN(std::optional<Ban> ban,
                        ActiveBan(store_.moderation(), app.api_key, user_id, "", clock_.Now()));
  return RefuseBanned(ban, user_id, "connect");
}

Result<json::array> ModerationService::QueryBannedUsers(const Actor& actor, const App& app,
                                                        const json::object& payload) {
  EDDY_TRY(CheckModerator(actor, app, "query banned users"));
  BanQuery q;
  const json::value* filter = payload.if_contains("filter_conditions");
  EDDY_ASSIGN_OR_RETURN(q.filter, ParseFilter(filter ? *filter : json::value(), BanQuerySpec()));
  const json::value* sort = payload.if_contains("sort");
  EDDY_ASSIGN_OR_RETURN(q.sort, ParseSort(sort ? *sort : json::value(), BanQuerySpec()));
  EDDY_TRY(ReadPage(payload, &q.limit, &q.offset));
  EDDY_ASSIGN_OR_RETURN(std::optional<bool> exclude, GetBool(payload, "exclude_expired_bans"));
  if (exclude.value_or(false)) q.active_at = clock_.Now();
  EDDY_ASSIGN_OR_RETURN(std::vector<Ban> bans, store_.moderation().QueryBans(app.api_key, q));
  return BansJson(app, bans);
}

// §6.9: {user, banned_by, channel?, created_at, expires?, reason?, shadow, ip_ban, timeout?}.
Result<json::array> ModerationService::BansJson(const App& app, const std::vector<Ban>& bans) {
  std::vector<std::string> ids;
  for (const Ban& b : bans) {
    ids.push_back(b.user_id);
    ids.push_back(b.created_by_id);
  }
  EDDY_ASSIGN_OR_RETURN(auto users, UsersJson(app, std::move(ids)));
  json::array out;
  for (const Ban& b : bans) {
    json::object o;
    auto u = users.find(b.user_id);
    if (u == users.end()) continue;  // the user is gone: so is the ban's meaning
    o["user"] = u->second;
    auto by = users.find(b.created_by_id);
    if (by != users.end()) o["banned_by"] = by->second;
    if (!b.channel_cid.empty()) {
      Result<ChannelScope> c = LoadChannel(app, b.channel_cid);
      if (c.ok()) {
        EDDY_ASSIGN_OR_RETURN(o["channel"], channel_views_.RenderChannel(app, c->channel, ""));
      }
    }
    o["created_at"] = FormatTime(b.created_at);
    if (b.expires) o["expires"] = FormatTime(*b.expires);
    if (!b.reason.empty()) o["reason"] = b.reason;
    o["shadow"] = b.shadow;
    o["ip_ban"] = b.ip_ban;
    if (b.timeout_minutes) o["timeout"] = *b.timeout_minutes;
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace eddy::server
