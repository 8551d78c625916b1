// ChannelService: get-or-create (with watch and presence) and member-based channels.
#include <utility>

#include "server/domain/channel_service.h"
#include "server/domain/channel_service_internal.h"

namespace eddy::server {

using channel_internal::JoinIds;
using channel_internal::Quote;

Result<json::object> ChannelService::GetOrCreate(const Actor& actor, const App& app,
                                                 std::string_view type, std::string_view id,
                                                 GetOrCreateRequest request) {
  EDDY_TRY(protocol::ValidateChannelId(id));
  return CreateOrGet(actor, app, type, id, request);
}

Result<json::object> ChannelService::GetOrCreateDistinct(const Actor& actor, const App& app,
                                                         std::string_view type,
                                                         GetOrCreateRequest request) {
  EDDY_TRY(TypeOf(app, type));
  std::vector<std::string> ids;
  if (request.data.members) {
    for (const protocol::MemberInput& m : *request.data.members) ids.push_back(m.user_id);
  }
  if (ids.size() < 2) {
    return Error::Input("When using member based IDs specify at least 2 members");
  }
  return CreateOrGet(actor, app, type, protocol::DistinctChannelId(std::move(ids)), request);
}

Result<json::object> ChannelService::CreateOrGet(const Actor& actor, const App& app,
                                                 std::string_view type, std::string_view id,
                                                 GetOrCreateRequest& request) {
  EDDY_ASSIGN_OR_RETURN(std::shared_ptr<const ChannelType> t, TypeOf(app, type));
  const std::string cid = std::string(type) + ":" + std::string(id);
  {
    auto lock = Lock(app.api_key, cid);
    EDDY_ASSIGN_OR_RETURN(std::optional<Channel> found,
                          store_.channels().GetChannel(app.api_key, type, id));
    if (!found || found->deleted_at) {
      Channel fresh;
      fresh.type = std::string(type);
      fresh.id = std::string(id);
      const bool recreate = found.has_value();
      EDDY_TRY(Create(actor, app, t, recreate ? std::move(*found) : std::move(fresh), request.data,
                      recreate));
    }
  }
  EDDY_ASSIGN_OR_RETURN(Loaded l, Load(app, type, id));
  EDDY_ASSIGN_OR_RETURN(Reader reader, ReaderFor(actor, app, l.channel, ""));
  // An existing channel's `data` is not applied; reading it needs the right to.
  EDDY_TRY(Check(app, reader, l, ChannelAction::kReadChannel));
  WatchFor(app, l, reader, request.options);
  EDDY_ASSIGN_OR_RETURN(json::object state, BuildState(app, l, reader, request.options));
  FollowMembers(app, reader, request.options, state);
  return state;
}

Status ChannelService::Create(const Actor& actor, const App& app,
                              std::shared_ptr<const ChannelType> type, Channel channel,
                              const protocol::ChannelInput& data, bool recreate) {
  const std::string creator = actor.server ? data.created_by_id : actor.user_id;
  if (creator.empty()) {
    return Error::Input(
        "either data.created_by or data.created_by_id must be provided when using server side "
        "auth");
  }
  // Every user named must exist; the creator too.
  std::set<std::string> ids = {creator};
  std::vector<std::string> named;
  if (data.members) {
    for (const protocol::MemberInput& m : *data.members) named.push_back(m.user_id);
  }
  for (const protocol::MemberInput& m : data.invites) named.push_back(m.user_id);
  ids.insert(named.begin(), named.end());
  EDDY_ASSIGN_OR_RETURN(Users users, Users::Load(store_, presence_, app, ids));
  if (std::vector<std::string> missing = users.Missing(named); !missing.empty()) {
    return Error::Input("The following users are specified in channel.members but don't exist: " +
                        JoinIds(missing));
  }
  if (actor.server && users.Find(creator) == nullptr) {
    return Error::Input("the channel creator " + Quote(creator) + " does not exist");
  }

  Loaded l{channel, WithOverrides(std::move(type), data.config_overrides.value_or(json::object()))};
  l.channel.created_by_id = creator;
  Reader reader;
  reader.actor = actor;
  reader.user_id = creator;
  if (const User* u = users.Find(creator)) reader.user = *u;
  EDDY_TRY(Check(app, reader, l, ChannelAction::kCreateChannel));
  if (data.config_overrides && !actor.server) {
    return Error::NotAllowed("config_overrides can only be set server side");
  }
  auto role_of = [](const protocol::MemberInput& m) {
    return m.channel_role.value_or("channel_member");
  };
  for (const protocol::MemberInput& m : data.invites) {
    if (role_of(m) != "channel_member") {
      EDDY_TRY(Check(app, reader, l, ChannelAction::kUpdateChannelRoles));
    }
  }
  if (data.members) {
    for (const protocol::MemberInput& m : *data.members) {
      if (role_of(m) != "channel_member") {
        EDDY_TRY(Check(app, reader, l, ChannelAction::kUpdateChannelRoles));
      }
    }
  }

  const Micros now = clock_.Now();
  Channel& c = l.channel;
  if (recreate) {
    // The old messages stay stored but out of sight, as after a truncation.
    c.truncated_at = c.deleted_at;
    c.truncated_by_id.clear();
    c.deleted_at.reset();
    c.frozen = c.disabled = false;
    c.cooldown = 0;
    c.team.clear();
  } else {
    c.created_at = now;
  }
  c.updated_at = now;
  c.custom = data.custom;
  c.config_overrides = data.config_overrides.value_or(json::object());
  if (data.team) c.team = *data.team;
  if (data.frozen) c.frozen = *data.frozen;
  if (data.disabled) c.disabled = *data.disabled;
  if (data.cooldown) c.cooldown = static_cast<int>(*data.cooldown);

  std::vector<Member> members;
  std::vector<Member> invited;
  auto make = [&](const protocol::MemberInput& in, bool invite) {
    Member m;
    m.channel_type = c.type;
    m.channel_id = c.id;
    m.user_id = in.user_id;
    m.channel_role = role_of(in);
    m.is_owner = in.user_id == creator;
    m.invited = invite;
    m.created_at = m.updated_at = now;
    m.custom = in.custom;
    return m;
  };
  std::set<std::string> seen;
  if (data.members) {
    for (const protocol::MemberInput& in : *data.members) {
      seen.insert(in.user_id);
      members.push_back(make(in, false));
    }
  }
  for (const protocol::MemberInput& in : data.invites) {
    if (seen.insert(in.user_id).second) invited.push_back(make(in, true));
  }
  std::vector<Member> rows = members;
  rows.insert(rows.end(), invited.begin(), invited.end());

  if (recreate) {
    EDDY_ASSIGN_OR_RETURN(std::vector<Member> old, AllMembers(app, c));
    std::vector<std::string> old_ids;
    for (const Member& m : old) old_ids.push_back(m.user_id);
    if (!old_ids.empty()) {
      EDDY_TRY(store_.channels().RemoveMembers(app.api_key, c.type, c.id, old_ids));
    }
    EDDY_TRY(store_.channels().UpdateChannel(app.api_key, c));
    if (!rows.empty()) EDDY_TRY(store_.channels().UpsertMembers(app.api_key, rows));
  } else {
    EDDY_TRY(store_.channels().CreateChannel(app.api_key, c, rows));
  }

  // Events: the new channel to its members, then each member's own notification.
  EDDY_ASSIGN_OR_RETURN(Loaded created, Load(app, c.type, c.id));
  EDDY_ASSIGN_OR_RETURN(json::array member_list, MemberList(app, created, 100, 0));
  json::object e = Envelope("channel.created", created.channel);
  e["channel"] = ChannelJson(app, created, users, nullptr);
  e["user"] = users.Json(creator);
  std::vector<std::string> member_ids;
  for (const Member& m : rows) member_ids.push_back(m.user_id);
  if (!member_ids.empty()) events_.ToUsers(app.api_key, member_ids, e);

  json::object added = Envelope("notification.added_to_channel", created.channel);
  added["user"] = users.Json(creator);
  EmitToMembers(app, created, added, std::move(members), member_list);
  json::object invite = Envelope("notification.invited", created.channel);
  invite["user"] = users.Json(creator);
  EmitToMembers(app, created, invite, std::move(invited), member_list);
  return {};
}

}  // namespace eddy::server
