// ChannelService: the channel state response (§5.4), watching, and the channel list query.
#include <algorithm>
#include <iterator>
#include <utility>

#include "server/domain/channel_service.h"
#include "server/domain/channel_service_internal.h"
#include "server/domain/moderation_checks.h"

namespace eddy::server {

namespace {

Filter Condition(std::string field, FilterOp op, json::value value) {
  Filter f;
  f.kind = Filter::Kind::kCondition;
  f.field = std::move(field);
  f.op = op;
  f.value = std::move(value);
  return f;
}

Filter Combine(Filter::Kind kind, std::vector<Filter> children) {
  Filter f;
  f.kind = kind;
  f.children = std::move(children);
  return f;
}

// The messages of `lists` rendered in one Render (one read of the reactions, own reactions,
// reaction groups and authors of them all), one array per list in their order. The lists are
// emptied: their messages move into the render.
Result<std::vector<json::array>> RenderTogether(MessageViews& views, const App& app,
                                                std::string_view reader_id,
                                                const std::vector<std::vector<Message>*>& lists) {
  std::vector<Message> all;
  std::vector<size_t> sizes;
  for (std::vector<Message>* list : lists) {
    sizes.push_back(list->size());
    std::move(list->begin(), list->end(), std::back_inserter(all));
    list->clear();
  }
  EDDY_ASSIGN_OR_RETURN(json::array rendered, views.Render(app, reader_id, all));
  std::vector<json::array> out(lists.size());
  size_t next = 0;
  for (size_t i = 0; i < lists.size(); ++i) {
    out[i].reserve(sizes[i]);
    for (size_t n = 0; n < sizes[i]; ++n) out[i].push_back(std::move(rendered[next++]));
  }
  return out;
}

}  // namespace

bool ChannelService::OwnConnection(const App& app, const Reader& reader,
                                   const StateOptions& options) const {
  // A connection id is not a secret: only the caller's own connections are subscribed.
  return !options.connection_id.empty() && !reader.user_id.empty() && !reader.actor.server &&
         watches_.ConnectionUser(app.api_key, options.connection_id) == reader.user_id;
}

void ChannelService::WatchFor(const App& app, const Loaded& l, const Reader& reader,
                              const StateOptions& options) {
  if (!options.watch || !OwnConnection(app, reader, options)) return;
  const std::string cid = l.channel.cid();
  const bool was_watching = watches_.IsWatching(app.api_key, reader.user_id, cid);
  if (watches_.Watch(app.api_key, options.connection_id, cid) && !was_watching) {
    EmitWatching(app, l, "user.watching.start", reader.user_id);
  }
}

void ChannelService::FollowMembers(const App& app, const Reader& reader,
                                   const StateOptions& options, const json::object& state) {
  if (!options.presence || !OwnConnection(app, reader, options)) return;
  std::vector<std::string> ids;
  for (const json::value& m : state.at("members").as_array()) {
    ids.emplace_back(m.at("user_id").as_string());
  }
  if (!ids.empty()) watches_.FollowPresence(app.api_key, options.connection_id, ids);
}

Result<json::object> ChannelService::BuildState(const App& app, const Loaded& l,
                                                const Reader& reader, const StateOptions& options) {
  EDDY_ASSIGN_OR_RETURN(StateRows rows, LoadState(app, l, reader, options));
  EDDY_ASSIGN_OR_RETURN(
      std::vector<json::array> rendered,
      RenderTogether(message_views_, app, reader.user_id, {&rows.messages, &rows.pinned}));
  return StateJson(app, l, reader, options, rows, std::move(rendered[0]), std::move(rendered[1]));
}

Result<ChannelService::StateRows> ChannelService::LoadState(const App& app, const Loaded& l,
                                                            const Reader& reader,
                                                            const StateOptions& options) {
  const Channel& c = l.channel;
  StateRows rows;
  MemberQuery mq;
  mq.limit = options.member_limit;
  mq.offset = options.member_offset;
  EDDY_ASSIGN_OR_RETURN(rows.members,
                        store_.channels().QueryMembers(app.api_key, c.type, c.id, mq));

  const std::optional<Micros> not_before = NotBefore(c, reader.member_ptr());
  if (options.state && options.messages.limit > 0) {
    MessagePage page = options.messages;
    page.viewer_id = reader.user_id;
    page.not_before = not_before;
    EDDY_ASSIGN_OR_RETURN(rows.messages,
                          store_.messages().ChannelMessages(app.api_key, c.type, c.id, page));
  }
  if (options.state) {
    EDDY_ASSIGN_OR_RETURN(rows.pinned,
                          store_.messages().PinnedMessages(app.api_key, c.type, c.id, clock_.Now(),
                                                           kMaxStatePinnedMessages));
    std::erase_if(rows.pinned, [&](const Message& m) {
      return (not_before && m.created_at <= *not_before) ||
             (m.shadowed && m.user_id != reader.user_id);
    });
  }
  if (options.watchers) {
    rows.watcher_ids =
        watches_.Watchers(app.api_key, c.cid(), options.watcher_limit, options.watcher_offset);
  }
  return rows;
}

Result<json::object> ChannelService::StateJson(const App& app, const Loaded& l,
                                               const Reader& reader, const StateOptions& options,
                                               const StateRows& rows, json::array messages,
                                               json::array pinned) {
  const Channel& c = l.channel;
  const std::string cid = c.cid();
  const std::vector<Member>& members = rows.members;
  const std::vector<std::string>& watcher_ids = rows.watcher_ids;
  const Member* own = reader.member_ptr();
  std::set<std::string> ids = {c.created_by_id, c.truncated_by_id, reader.user_id};
  for (const Member& m : members) ids.insert(m.user_id);
  ids.insert(watcher_ids.begin(), watcher_ids.end());
  EDDY_ASSIGN_OR_RETURN(Users users, Users::Load(store_, presence_, app, std::move(ids)));

  json::object s;
  s["channel"] = ChannelJson(app, l, users, &reader);
  s["messages"] = std::move(messages);
  s["pinned_messages"] = std::move(pinned);
  json::array member_list;
  for (const Member& m : members) member_list.push_back(MemberJson(app, m, users));
  s["members"] = std::move(member_list);
  if (own != nullptr) s["membership"] = MemberJson(app, *own, users);

  json::array read;
  if (l.type->Flag("read_events")) {
    // The reader's own entry sets the SDK's unread count: it is there even when the reader
    // is not on this page of members.
    std::vector<const Member*> readers;
    for (const Member& m : members) readers.push_back(&m);
    if (own != nullptr && std::none_of(members.begin(), members.end(), [&](const Member& m) {
          return m.user_id == own->user_id;
        })) {
      readers.push_back(own);
    }
    for (const Member* m : readers) {
      EDDY_ASSIGN_OR_RETURN(std::int64_t unread, reads_.UnreadCount(app, c, *m));
      read.push_back(protocol::ReadStateToJson(*m, users.Json(m->user_id), unread));
    }
  }
  s["read"] = std::move(read);
  s["watcher_count"] = watches_.WatcherCount(app.api_key, cid);
  if (options.watchers) {
    json::array watchers;
    for (const std::string& id : watcher_ids) watchers.push_back(users.Json(id));
    s["watchers"] = std::move(watchers);
  }
  s["threads"] = json::array();
  s["hidden"] = own != nullptr && own->hidden;
  return s;
}

Result<json::array> ChannelService::QueryChannels(const Actor& actor, const App& app,
                                                  QueryChannelsOptions options,
                                                  std::string_view connection_id) {
  const std::string reader_id = actor.server ? options.user_id : actor.user_id;
  std::optional<User> reader_user;
  if (!reader_id.empty() && !actor.anonymous) {
    EDDY_ASSIGN_OR_RETURN(reader_user, store_.users().FindUser(app.api_key, reader_id));
  }
  if (options.filter_names_muted) {
    if (reader_id.empty()) return Error::Input("muted requires a valid user: set user_id");
    EDDY_ASSIGN_OR_RETURN(
        std::set<std::string> muted,
        MutedChannelCids(store_.moderation(), app.api_key, reader_id, clock_.Now()));
    RewriteMuted(options.filter, muted);
  }
  ChannelQuery q;
  q.filter = std::move(options.filter);
  q.sort = std::move(options.sort);
  q.limit = options.limit;
  q.offset = options.offset;
  q.user_id = reader_id;

  // Only what the caller may read: channels they are in or made, and the types whose grants
  // let the caller's app role read every channel (public types; all of them for admins).
  const std::string app_role = actor.anonymous                             ? "anonymous"
                               : reader_user && !reader_user->role.empty() ? reader_user->role
                                                                           : "user";
  json::array readable_types;
  bool reads_all = true;
  std::shared_ptr<const ChannelTypes::TypeList> types = types_.List(app.api_key);
  for (const ChannelType& t : *types) {
    if (AppRoleReads(t, app_role)) {
      readable_types.emplace_back(t.name);
    } else {
      reads_all = false;
    }
  }
  if (!actor.server && !app.DisablePermissionsChecks() && !reads_all) {
    std::vector<Filter> readable = {Condition("type", FilterOp::kIn, std::move(readable_types))};
    if (!actor.anonymous && !reader_id.empty()) {
      readable.push_back(Condition("members", FilterOp::kIn, json::array{json::value(reader_id)}));
      readable.push_back(Condition("created_by_id", FilterOp::kEq, json::value(reader_id)));
    }
    q.filter = Combine(Filter::Kind::kAnd,
                       {std::move(q.filter), Combine(Filter::Kind::kOr, std::move(readable))});
  }
  if (!reader_id.empty() && !options.filter_names_hidden) {
    q.filter = Combine(Filter::Kind::kAnd,
                       {std::move(q.filter), Condition("hidden", FilterOp::kEq, false)});
  }
  EDDY_ASSIGN_OR_RETURN(std::vector<Channel> channels,
                        store_.channels().QueryChannels(app.api_key, q));

  StateOptions so;
  so.state = options.state;
  so.watch = options.watch;
  so.presence = options.presence;
  so.messages.limit = options.message_limit;
  so.member_limit = options.member_limit;
  so.connection_id = std::string(connection_id);
  // Every channel's rows first, then all their messages rendered together, then the states.
  struct Listed {
    Loaded l;
    Reader reader;
    StateRows rows;
  };
  std::vector<Listed> listed;
  for (Channel& c : channels) {
    std::shared_ptr<const ChannelType> t = types_.Find(app.api_key, c.type);
    if (!t) continue;  // a type that no longer exists
    Loaded l{std::move(c), {}};
    l.type = WithOverrides(std::move(t), l.channel.config_overrides);
    Reader reader;
    reader.actor = actor;
    reader.user_id = reader_id;
    reader.user = reader_user;
    if (!reader_id.empty()) {
      EDDY_ASSIGN_OR_RETURN(reader.member, store_.channels().GetMember(app.api_key, l.channel.type,
                                                                       l.channel.id, reader_id));
    }
    WatchFor(app, l, reader, so);
    EDDY_ASSIGN_OR_RETURN(StateRows rows, LoadState(app, l, reader, so));
    listed.push_back({std::move(l), std::move(reader), std::move(rows)});
  }
  std::vector<std::vector<Message>*> lists;  // each channel's messages, then its pinned ones
  for (Listed& c : listed) {
    lists.push_back(&c.rows.messages);
    lists.push_back(&c.rows.pinned);
  }
  EDDY_ASSIGN_OR_RETURN(std::vector<json::array> rendered,
                        RenderTogether(message_views_, app, reader_id, lists));
  json::array out;
  for (size_t i = 0; i < listed.size(); ++i) {
    Listed& c = listed[i];
    EDDY_ASSIGN_OR_RETURN(json::object state,
                          StateJson(app, c.l, c.reader, so, c.rows, std::move(rendered[2 * i]),
                                    std::move(rendered[2 * i + 1])));
    FollowMembers(app, c.reader, so, state);
    out.push_back(std::move(state));
  }
  return out;
}

}  // namespace eddy::server
