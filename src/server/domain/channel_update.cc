// ChannelService: POST /channels/{type}/{id} — data, cooldown, members, moderators, roles,
// invites and their answers, with an optional system message.
#include <map>
#include <utility>

#include "server/domain/channel_service.h"
#include "server/domain/channel_service_internal.h"

namespace eddy::server {

using channel_internal::ActingUser;
using channel_internal::JoinIds;
using channel_internal::Quote;

namespace {

// The acting user a request names: user_id, else the message's author.
std::string NamedUser(const UpdateChannelRequest& req) {
  if (!req.user_id.empty() || !req.message) return req.user_id;
  const json::object& m = *req.message;
  if (const json::value* id = m.if_contains("user_id"); id && id->is_string()) {
    return std::string(id->get_string());
  }
  if (const json::value* u = m.if_contains("user"); u && u->is_object()) {
    if (const json::value* id = u->get_object().if_contains("id"); id && id->is_string()) {
      return std::string(id->get_string());
    }
  }
  return {};
}

bool PendingInvite(const Member& m) {
  return m.invited && !m.invite_accepted_at && !m.invite_rejected_at;
}

// Which member each list touches, so one request cannot, say, promote and remove one user.
class Touched {
 public:
  Status Add(const std::string& user_id, std::string_view list) {
    auto [it, inserted] = lists_.emplace(user_id, std::string(list));
    if (!inserted && it->second != list) {
      return Error::Input("user " + Quote(user_id) + " is listed in both '" + it->second +
                          "' and '" + std::string(list) + "'");
    }
    return {};
  }
  std::vector<std::string> Ids() const {
    std::vector<std::string> out;
    for (const auto& kv : lists_) out.push_back(kv.first);
    return out;
  }

 private:
  std::map<std::string, std::string> lists_;
};

}  // namespace

Result<ChannelChange> ChannelService::Update(const Actor& actor, const App& app,
                                             std::string_view type, std::string_view id,
                                             UpdateChannelRequest req) {
  if (req.accept_invite && req.reject_invite) {
    return Error::Input("accept_invite and reject_invite cannot both be set");
  }
  EDDY_ASSIGN_OR_RETURN(const std::string acting, ActingUser(actor, NamedUser(req)));
  EDDY_TRY(TypeOf(app, type));
  EDDY_TRY(protocol::ValidateChannelId(id));
  const std::string cid = std::string(type) + ":" + std::string(id);
  auto lock = Lock(app.api_key, cid);
  EDDY_ASSIGN_OR_RETURN(Loaded l, Load(app, type, id));
  EDDY_ASSIGN_OR_RETURN(Reader reader, ReaderFor(actor, app, l.channel, acting));
  const Channel& before = l.channel;

  // 1. Everything is checked before anything changes. Even an empty update answers the
  // channel, so it needs the right to read it.
  EDDY_TRY(Check(app, reader, l, ChannelAction::kReadChannel));
  if (req.data || req.cooldown) EDDY_TRY(Check(app, reader, l, ChannelAction::kUpdateChannel));
  if (req.data) {
    const protocol::ChannelInput& d = *req.data;
    if ((d.frozen && *d.frozen != before.frozen) ||
        (d.disabled && *d.disabled != before.disabled)) {
      EDDY_TRY(Check(app, reader, l, ChannelAction::kFreezeChannel));
    }
    if (d.config_overrides && *d.config_overrides != before.config_overrides && !actor.server) {
      return Error::NotAllowed("config_overrides can only be set server side");
    }
  }
  if (req.cooldown && *req.cooldown != before.cooldown) {
    EDDY_TRY(Check(app, reader, l, ChannelAction::kSetChannelCooldown));
  }
  if (!req.add_members.empty() || !req.invites.empty()) {
    EDDY_TRY(Check(app, reader, l, ChannelAction::kUpdateChannelMembers));
  }
  const bool leaving = req.remove_members.size() == 1 && req.remove_members[0] == acting &&
                       reader.member.has_value();
  if (!req.remove_members.empty() && !leaving) {
    EDDY_TRY(Check(app, reader, l, ChannelAction::kUpdateChannelMembers));
  }
  bool role_change =
      !req.add_moderators.empty() || !req.demote_moderators.empty() || !req.assign_roles.empty();
  for (const auto* list : {&req.add_members, &req.invites}) {
    for (const protocol::MemberInput& m : *list) {
      role_change = role_change || m.channel_role.value_or("channel_member") != "channel_member";
    }
  }
  if (role_change) EDDY_TRY(Check(app, reader, l, ChannelAction::kUpdateChannelRoles));
  if ((req.accept_invite || req.reject_invite) &&
      (!reader.member || !PendingInvite(*reader.member))) {
    return Error::Input("user " + Quote(acting) + " has no pending invite to channel " +
                        Quote(cid));
  }
  if (req.message && acting.empty()) {
    return Error::Input("a message needs a user: set user_id or message.user_id server side");
  }

  Touched touched;
  for (const protocol::MemberInput& m : req.add_members) {
    EDDY_TRY(touched.Add(m.user_id, "add_members"));
  }
  for (const protocol::MemberInput& m : req.invites) EDDY_TRY(touched.Add(m.user_id, "invites"));
  for (const std::string& u : req.remove_members) EDDY_TRY(touched.Add(u, "remove_members"));
  for (const std::string& u : req.add_moderators) EDDY_TRY(touched.Add(u, "add_moderators"));
  for (const std::string& u : req.demote_moderators) {
    EDDY_TRY(touched.Add(u, "demote_moderators"));
  }
  for (const RoleAssignment& r : req.assign_roles) EDDY_TRY(touched.Add(r.user_id, "assign_roles"));
  std::vector<std::string> touched_ids = touched.Ids();

  std::set<std::string> user_ids(touched_ids.begin(), touched_ids.end());
  user_ids.insert(acting);
  user_ids.insert(before.created_by_id);
  user_ids.insert(before.truncated_by_id);
  EDDY_ASSIGN_OR_RETURN(Users users, Users::Load(store_, presence_, app, user_ids));
  std::vector<std::string> must_exist;
  for (const std::string& u : touched_ids) {
    if (std::find(req.remove_members.begin(), req.remove_members.end(), u) ==
        req.remove_members.end()) {
      must_exist.push_back(u);
    }
  }
  if (std::vector<std::string> missing = users.Missing(must_exist); !missing.empty()) {
    return Error::Input("The following users don't exist: " + JoinIds(missing));
  }
  std::map<std::string, Member> current;
  for (const std::string& u : touched_ids) {
    EDDY_ASSIGN_OR_RETURN(std::optional<Member> m,
                          store_.channels().GetMember(app.api_key, type, id, u));
    if (m) current.emplace(u, std::move(*m));
  }
  auto member_of = [&](const std::string& u) -> Result<Member> {
    auto it = current.find(u);
    if (it == current.end()) {
      return Error::Input("user " + Quote(u) + " is not a member of channel " + Quote(cid));
    }
    return it->second;
  };

  // 2. The new rows and channel, still unwritten.
  const Micros now = clock_.Now();
  std::vector<Member> added, invited, updated, removed;
  auto make = [&](const protocol::MemberInput& in, bool invite) {
    Member m;
    m.channel_type = before.type;
    m.channel_id = before.id;
    m.user_id = in.user_id;
    m.channel_role = in.channel_role.value_or("channel_member");
    m.invited = invite;
    m.created_at = m.updated_at = now;
    m.custom = in.custom;
    if (req.hide_history) m.hide_messages_before = req.hide_history_before.value_or(now);
    return m;
  };
  // Re-adding or re-inviting a member is a silent no-op (§6.4).
  for (const protocol::MemberInput& in : req.add_members) {
    if (!current.count(in.user_id)) added.push_back(make(in, false));
  }
  for (const protocol::MemberInput& in : req.invites) {
    if (!current.count(in.user_id)) invited.push_back(make(in, true));
  }
  auto set_role = [&](const std::string& u, const std::string& role) -> Status {
    EDDY_ASSIGN_OR_RETURN(Member m, member_of(u));
    if (m.channel_role == role) return {};
    m.channel_role = role;
    m.updated_at = now;
    updated.push_back(std::move(m));
    return {};
  };
  for (const std::string& u : req.add_moderators) EDDY_TRY(set_role(u, "channel_moderator"));
  for (const std::string& u : req.demote_moderators) EDDY_TRY(set_role(u, "channel_member"));
  for (const RoleAssignment& r : req.assign_roles) EDDY_TRY(set_role(r.user_id, r.channel_role));
  std::optional<Member> answered;
  if (req.accept_invite || req.reject_invite) {
    Member m = *reader.member;
    (req.accept_invite ? m.invite_accepted_at : m.invite_rejected_at) = now;
    m.updated_at = now;
    answered = m;
    updated.push_back(std::move(m));
  }
  for (const std::string& u : req.remove_members) {
    if (auto it = current.find(u); it != current.end()) removed.push_back(it->second);
  }

  Channel next = before;
  bool channel_changed = false;
  if (req.data) {
    const protocol::ChannelInput& d = *req.data;
    next.custom = d.custom;
    if (d.team) next.team = *d.team;
    if (d.frozen) next.frozen = *d.frozen;
    if (d.disabled) next.disabled = *d.disabled;
    if (d.cooldown) next.cooldown = static_cast<int>(*d.cooldown);
    if (d.config_overrides) next.config_overrides = *d.config_overrides;
    channel_changed = true;
  }
  if (req.cooldown) {
    next.cooldown = static_cast<int>(*req.cooldown);
    channel_changed = true;
  }

  // 3. Writes.
  if (channel_changed) {
    next.updated_at = now;
    EDDY_TRY(store_.channels().UpdateChannel(app.api_key, next));
  }
  std::vector<Member> rows = added;
  rows.insert(rows.end(), invited.begin(), invited.end());
  rows.insert(rows.end(), updated.begin(), updated.end());
  if (!rows.empty()) EDDY_TRY(store_.channels().UpsertMembers(app.api_key, rows));
  std::vector<std::string> removed_ids;
  for (const Member& m : removed) removed_ids.push_back(m.user_id);
  if (!removed_ids.empty()) {
    EDDY_TRY(store_.channels().RemoveMembers(app.api_key, type, id, removed_ids));
  }
  EDDY_ASSIGN_OR_RETURN(Loaded after, Load(app, type, id));
  lock.unlock();

  // 4. Events: member.* to watchers, notification.* to the users concerned, then the channel.
  const bool changed = channel_changed || !rows.empty() || !removed.empty();
  EDDY_ASSIGN_OR_RETURN(json::array member_list, MemberList(app, after, 100, 0));
  auto member_event = [&](std::string_view event_type, const Member& m) {
    json::object e = Envelope(event_type, after.channel);
    e["member"] = MemberJson(app, m, users);
    e["user"] = users.Json(m.user_id);  // member.removed: the removed user (§4.5)
    e["channel_member_count"] = after.channel.member_count;
    channel_events_.ToWatchers(app.api_key, cid, e);
  };
  for (const Member& m : added) member_event("member.added", m);
  for (const Member& m : invited) member_event("member.added", m);
  for (const Member& m : updated) member_event("member.updated", m);
  for (const Member& m : removed) member_event("member.removed", m);

  auto notification = [&](std::string_view event_type) {
    json::object e = Envelope(event_type, after.channel);
    if (!acting.empty()) e["user"] = users.Json(acting);
    return e;
  };
  EmitToMembers(app, after, notification("notification.added_to_channel"), added, member_list);
  EmitToMembers(app, after, notification("notification.invited"), invited, member_list);
  if (answered) {
    EmitToMembers(app, after,
                  notification(req.accept_invite ? "notification.invite_accepted"
                                                 : "notification.invite_rejected"),
                  {*answered});
  }
  EmitToMembers(app, after, notification("notification.removed_from_channel"), removed);
  if (after.type->members_only) {
    for (const std::string& u : removed_ids) watches_.UnwatchUser(app.api_key, cid, u);
  }
  if (changed) {
    json::object e = notification("channel.updated");
    e["channel"] = ChannelJson(app, after, users, nullptr);
    channel_events_.ToWatchers(app.api_key, cid, e);
  }

  ChannelChange out;
  if (req.message) {
    EDDY_ASSIGN_OR_RETURN(out.message,
                          PostSystemMessage(app, after, acting, *req.message, clock_.Now()));
    EDDY_ASSIGN_OR_RETURN(after, Load(app, type, id));
  }
  EDDY_ASSIGN_OR_RETURN(Reader view, ReaderFor(actor, app, after.channel, acting));
  out.channel = ChannelJson(app, after, users, &view);
  out.members = std::move(member_list);
  return out;
}

}  // namespace eddy::server
