#include "server/domain/moderation_checks.h"

namespace eddy::server {

Result<std::optional<Ban>> ActiveBan(ModerationStore& store, std::string_view app_key,
                                     std::string_view user_id, std::string_view channel_cid,
                                     Micros now) {
  EDDY_ASSIGN_OR_RETURN(std::vector<Ban> bans, store.BansOf(app_key, user_id, channel_cid));
  for (Ban& b : bans) {  // global first
    if (b.Active(now)) return std::optional<Ban>(std::move(b));
  }
  return std::optional<Ban>();
}

Status SetBanFlags(Store& store, std::string_view app_key, const Ban& ban, bool banned) {
  if (ban.channel_cid.empty()) {
    EDDY_ASSIGN_OR_RETURN(std::optional<User> u, store.users().FindUser(app_key, ban.user_id));
    if (!u) return {};
    u->banned = banned && !ban.shadow;
    u->shadow_banned = banned && ban.shadow;
    return store.users().UpsertUsers(app_key, {*u});
  }
  const size_t colon = ban.channel_cid.find(':');
  if (colon == std::string::npos) return {};
  std::string type = ban.channel_cid.substr(0, colon), id = ban.channel_cid.substr(colon + 1);
  EDDY_ASSIGN_OR_RETURN(std::optional<Member> m,
                        store.channels().GetMember(app_key, type, id, ban.user_id));
  if (!m) return {};
  m->banned = banned && !ban.shadow;
  m->shadow_banned = banned && ban.shadow;
  m->ban_expires = banned ? ban.expires : std::nullopt;
  return store.channels().UpsertMembers(app_key, {*m});
}

Status LiftExpiredBans(Store& store, std::string_view app_key, std::string_view user_id,
                       std::string_view channel_cid, Micros now) {
  EDDY_ASSIGN_OR_RETURN(std::vector<Ban> bans,
                        store.moderation().BansOf(app_key, user_id, channel_cid));
  for (const Ban& b : bans) {
    if (b.Active(now)) continue;
    EDDY_ASSIGN_OR_RETURN(bool gone,
                          store.moderation().DeleteBan(app_key, b.user_id, b.channel_cid));
    if (gone) EDDY_TRY(SetBanFlags(store, app_key, b, false));
  }
  return {};
}

Status RefuseBanned(const std::optional<Ban>& ban, std::string_view user_id,
                    std::string_view what) {
  if (!ban || ban->shadow) return {};
  std::string where =
      ban->channel_cid.empty() ? "from the app" : "from channel '" + ban->channel_cid + "'";
  std::string until = ban->expires ? " until " + FormatTime(*ban->expires) : "";
  return Error::NotAllowed("user '" + std::string(user_id) + "' is banned " + where + until +
                           ": a banned user cannot " + std::string(what));
}

Result<std::vector<std::string>> MutedUserIds(ModerationStore& store, std::string_view app_key,
                                              std::string_view user_id, Micros now) {
  EDDY_ASSIGN_OR_RETURN(std::vector<UserMute> mutes, store.MutesOf(app_key, user_id));
  std::vector<std::string> out;
  for (const UserMute& m : mutes) {
    if (m.Active(now)) out.push_back(m.target_id);
  }
  return out;
}

Result<std::set<std::string>> MutedChannelCids(ModerationStore& store, std::string_view app_key,
                                               std::string_view user_id, Micros now) {
  EDDY_ASSIGN_OR_RETURN(std::vector<ChannelMute> mutes, store.ChannelMutesOf(app_key, user_id));
  std::set<std::string> out;
  for (const ChannelMute& m : mutes) {
    if (m.Active(now)) out.insert(m.channel_cid);
  }
  return out;
}

Result<std::optional<ChannelMute>> ActiveChannelMute(ModerationStore& store,
                                                     std::string_view app_key,
                                                     std::string_view user_id,
                                                     std::string_view channel_cid, Micros now) {
  EDDY_ASSIGN_OR_RETURN(std::vector<ChannelMute> mutes, store.ChannelMutesOf(app_key, user_id));
  for (ChannelMute& m : mutes) {
    if (m.channel_cid == channel_cid && m.Active(now)) return std::optional(std::move(m));
  }
  return std::optional<ChannelMute>();
}

}  // namespace eddy::server
