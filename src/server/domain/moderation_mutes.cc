// ModerationService: user mutes and channel mutes (protocol §6.9, §5.2 me.mutes /
// me.channel_mutes, §4.1 notification.mutes_updated / channel_mutes_updated).
#include <set>
#include <utility>

#include "server/domain/channel_access.h"
#include "server/domain/moderation_service.h"

namespace eddy::server {

namespace {

constexpr Micros kMicrosPerMinute = 60'000'000;
constexpr std::int64_t kMaxExpirationMs = kMaxTimeoutMinutes * 60'000;

template <typename T>
Status CheckTargets(const std::vector<T>& ids, std::string_view what) {
  if (ids.empty()) return Error::Input(std::string(what) + " is a required field");
  if (ids.size() > kMaxMuteTargets) {
    return Error::Input("at most " + std::to_string(kMaxMuteTargets) + " " + std::string(what) +
                        " per request");
  }
  for (const auto& id : ids) {
    if (id.empty()) return Error::Input(std::string(what) + " must not contain empty ids");
  }
  return {};
}

}  // namespace

Result<json::object> ModerationService::MuteUsers(const Actor& actor, const App& app,
                                                  const MuteRequest& in) {
  EDDY_ASSIGN_OR_RETURN(std::string muter_id, ActingUser(actor, in.user_id, "user_id"));
  EDDY_TRY(CheckTargets(in.target_ids, "target_ids"));
  if (in.timeout_minutes &&
      (*in.timeout_minutes <= 0 || *in.timeout_minutes > kMaxTimeoutMinutes)) {
    return Error::Input("timeout must be a number of minutes between 1 and " +
                        std::to_string(kMaxTimeoutMinutes));
  }
  EDDY_ASSIGN_OR_RETURN(User muter, MustFindUser(app, muter_id));
  std::set<std::string> wanted(in.target_ids.begin(), in.target_ids.end());
  if (wanted.count(muter_id)) return Error::Input("a user cannot mute themself");
  EDDY_ASSIGN_OR_RETURN(std::vector<User> found,
                        store_.users().FindUsers(app.api_key, {wanted.begin(), wanted.end()}));
  std::set<std::string> existing;
  for (const User& u : found) {
    if (!u.deleted_at) existing.insert(u.id);
  }
  if (existing.empty()) return Error::NotFound("none of the users to mute exists");

  const Micros now = clock_.Now();
  std::vector<UserMute> mutes;
  for (const std::string& target : in.target_ids) {
    if (!existing.count(target)) continue;
    UserMute m{muter.id, target, now, now, std::nullopt};
    if (in.timeout_minutes) m.expires = now + *in.timeout_minutes * kMicrosPerMinute;
    EDDY_TRY(store_.moderation().UpsertMute(app.api_key, m));
    mutes.push_back(std::move(m));
  }
  // Rendered from the store: a repeated mute keeps its first created_at.
  EDDY_ASSIGN_OR_RETURN(std::vector<UserMute> stored,
                        store_.moderation().MutesOf(app.api_key, muter.id));
  std::erase_if(stored, [&](const UserMute& m) { return !existing.count(m.target_id); });
  EDDY_ASSIGN_OR_RETURN(json::array rendered, MutesJson(app, muter, stored));
  EDDY_ASSIGN_OR_RETURN(json::object own, OwnUser(app, muter.id));
  json::object body;
  if (!rendered.empty()) body["mute"] = rendered.front();
  body["mutes"] = std::move(rendered);
  body["own_user"] = own;
  json::array missing;
  for (const std::string& id : wanted) {
    if (!existing.count(id)) missing.emplace_back(id);
  }
  if (!missing.empty()) body["non_existing_users"] = std::move(missing);
  NotifyMutes(app, "notification.mutes_updated", muter.id, own);
  return body;
}

Result<json::object> ModerationService::UnmuteUsers(const Actor& actor, const App& app,
                                                    const MuteRequest& in) {
  EDDY_ASSIGN_OR_RETURN(std::string muter_id, ActingUser(actor, in.user_id, "user_id"));
  EDDY_TRY(CheckTargets(in.target_ids, "target_ids"));
  EDDY_ASSIGN_OR_RETURN(User muter, MustFindUser(app, muter_id));
  bool changed = false;
  for (const std::string& target : in.target_ids) {
    EDDY_ASSIGN_OR_RETURN(bool gone, store_.moderation().DeleteMute(app.api_key, muter.id, target));
    changed = changed || gone;
  }
  if (changed) {
    EDDY_ASSIGN_OR_RETURN(json::object own, OwnUser(app, muter.id));
    NotifyMutes(app, "notification.mutes_updated", muter.id, own);
  }
  return json::object();
}

Result<json::object> ModerationService::MuteChannels(const Actor& actor, const App& app,
                                                     const ChannelMuteRequest& in) {
  EDDY_ASSIGN_OR_RETURN(std::string muter_id, ActingUser(actor, in.user_id, "user_id"));
  EDDY_TRY(CheckTargets(in.cids, "channel_cids"));
  if (in.expiration_ms && (*in.expiration_ms <= 0 || *in.expiration_ms > kMaxExpirationMs)) {
    return Error::Input("expiration must be a number of milliseconds between 1 and " +
                        std::to_string(kMaxExpirationMs));
  }
  EDDY_ASSIGN_OR_RETURN(User muter, MustFindUser(app, muter_id));
  Actor as_muter = actor;
  as_muter.user_id = muter.id;
  for (const std::string& cid : in.cids) {  // every channel is checked before any is muted
    EDDY_ASSIGN_OR_RETURN(ChannelScope c, LoadChannel(app, cid));
    EDDY_TRY(CheckInChannel(as_muter, app, c, ChannelAction::kMuteChannel));
  }
  const Micros now = clock_.Now();
  for (const std::string& cid : in.cids) {
    ChannelMute m{muter.id, cid, now, now, std::nullopt};
    if (in.expiration_ms) m.expires = now + *in.expiration_ms * 1000;
    EDDY_TRY(store_.moderation().UpsertChannelMute(app.api_key, m));
  }
  std::set<std::string> asked(in.cids.begin(), in.cids.end());
  EDDY_ASSIGN_OR_RETURN(std::vector<ChannelMute> stored,
                        store_.moderation().ChannelMutesOf(app.api_key, muter.id));
  std::erase_if(stored, [&](const ChannelMute& m) { return !asked.count(m.channel_cid); });
  EDDY_ASSIGN_OR_RETURN(json::array rendered, ChannelMutesJson(app, muter, stored));
  EDDY_ASSIGN_OR_RETURN(json::object own, OwnUser(app, muter.id));
  json::object body;
  if (!rendered.empty()) body["channel_mute"] = rendered.front();
  body["channel_mutes"] = std::move(rendered);
  body["own_user"] = own;
  NotifyMutes(app, "notification.channel_mutes_updated", muter.id, own);
  return body;
}

Result<json::object> ModerationService::UnmuteChannels(const Actor& actor, const App& app,
                                                       const ChannelMuteRequest& in) {
  EDDY_ASSIGN_OR_RETURN(std::string muter_id, ActingUser(actor, in.user_id, "user_id"));
  EDDY_TRY(CheckTargets(in.cids, "channel_cids"));
  EDDY_ASSIGN_OR_RETURN(User muter, MustFindUser(app, muter_id));
  bool changed = false;
  for (const std::string& cid : in.cids) {
    EDDY_ASSIGN_OR_RETURN(bool gone,
                          store_.moderation().DeleteChannelMute(app.api_key, muter.id, cid));
    changed = changed || gone;
  }
  if (changed) {
    EDDY_ASSIGN_OR_RETURN(json::object own, OwnUser(app, muter.id));
    NotifyMutes(app, "notification.channel_mutes_updated", muter.id, own);
  }
  return json::object();
}

Status ModerationService::FillOwnMutes(const App& app, std::string_view user_id,
                                       protocol::OwnUserExtras& extras) {
  const Micros now = clock_.Now();
  EDDY_ASSIGN_OR_RETURN(std::vector<UserMute> mutes,
                        store_.moderation().MutesOf(app.api_key, user_id));
  EDDY_ASSIGN_OR_RETURN(std::vector<ChannelMute> channel_mutes,
                        store_.moderation().ChannelMutesOf(app.api_key, user_id));
  std::erase_if(mutes, [now](const UserMute& m) { return !m.Active(now); });
  std::erase_if(channel_mutes, [now](const ChannelMute& m) { return !m.Active(now); });
  if (mutes.empty() && channel_mutes.empty()) {
    extras.mutes = json::array();
    extras.channel_mutes = json::array();
    return {};
  }
  EDDY_ASSIGN_OR_RETURN(User muter, MustFindUser(app, user_id));
  EDDY_ASSIGN_OR_RETURN(extras.mutes, MutesJson(app, muter, mutes));
  EDDY_ASSIGN_OR_RETURN(extras.channel_mutes, ChannelMutesJson(app, muter, channel_mutes));
  return {};
}

// §5.2 UserMute: {user, target, created_at, updated_at, expires?}.
Result<json::array> ModerationService::MutesJson(const App& app, const User& muter,
                                                 const std::vector<UserMute>& mutes) {
  std::vector<std::string> ids;
  for (const UserMute& m : mutes) ids.push_back(m.target_id);
  EDDY_ASSIGN_OR_RETURN(auto targets, UsersJson(app, std::move(ids)));
  const json::object user = UserJson(app, muter);
  json::array out;
  for (const UserMute& m : mutes) {
    auto t = targets.find(m.target_id);
    if (t == targets.end()) continue;
    json::object o{{"user", user},
                   {"target", t->second},
                   {"created_at", FormatTime(m.created_at)},
                   {"updated_at", FormatTime(m.updated_at)}};
    if (m.expires) o["expires"] = FormatTime(*m.expires);
    out.push_back(std::move(o));
  }
  return out;
}

// §5.2 ChannelMute: {user, channel, created_at, updated_at, expires?}; the channel as the
// muter sees it.
Result<json::array> ModerationService::ChannelMutesJson(const App& app, const User& muter,
                                                        const std::vector<ChannelMute>& mutes) {
  const json::object user = UserJson(app, muter);
  json::array out;
  for (const ChannelMute& m : mutes) {
    Result<ChannelScope> c = LoadChannel(app, m.channel_cid);
    if (!c.ok()) continue;  // the channel is gone
    EDDY_ASSIGN_OR_RETURN(json::object channel,
                          channel_views_.RenderChannel(app, c->channel, muter.id));
    json::object o{{"user", user},
                   {"channel", std::move(channel)},
                   {"created_at", FormatTime(m.created_at)},
                   {"updated_at", FormatTime(m.updated_at)}};
    if (m.expires) o["expires"] = FormatTime(*m.expires);
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace eddy::server
