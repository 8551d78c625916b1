// MessageService: shared plumbing (scopes, access, users, events) and sending messages.
#include "server/domain/message_service.h"

#include <functional>
#include <set>
#include <utility>

#include "common/ids.h"
#include "common/json_arena.h"
#include "common/log.h"
#include "protocol/user_json.h"
#include "server/domain/blocklist_service.h"
#include "server/domain/channel_visibility.h"
#include "server/domain/moderation_checks.h"

namespace eddy::server {

using protocol::MessageInput;

namespace {

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

Error Disabled(std::string_view what, const ChannelType& t) {
  return Error::Make(ErrorCode::kChannelFeatureNotSupported, 400,
                     std::string(what) + " are disabled for channel type " + Quote(t.name));
}

void LogFailure(std::string_view what, const Error& e) {
  log::Warn("message side effect failed", {{"what", what}, {"error", e.message}});
}

// The members a channel notification concerns: not those who refused the invitation.
bool Concerned(const RosterEntry& m) { return !m.invite_rejected; }

}  // namespace

MessageService::MessageService(Store& store, const ChannelTypes& types,
                               ChannelEvents& channel_events, EventSink& events, Watches& watches,
                               ReadState& reads, ChannelViews& channel_views,
                               const Presence& presence, const Clock& clock)
    : store_(store),
      types_(types),
      channel_events_(channel_events),
      events_(events),
      watches_(watches),
      reads_(reads),
      channel_views_(channel_views),
      presence_(presence),
      clock_(clock) {}

std::unique_lock<HandoffMutex> MessageService::LockMessage(std::string_view app_key,
                                                           std::string_view id) {
  std::string key = std::string(app_key) + '\0' + std::string(id);
  return std::unique_lock<HandoffMutex>(stripes_[std::hash<std::string>{}(key) % stripes_.size()]);
}

Result<MessageService::Scope> MessageService::LoadScope(const Actor& actor, const App& app,
                                                        std::string_view type, std::string_view id,
                                                        std::string_view acting_user_id) {
  std::shared_ptr<const ChannelType> t = types_.Find(app.api_key, type);
  if (!t) return Error::NotFound("channel type " + Quote(type) + " does not exist");
  EDDY_ASSIGN_OR_RETURN(std::optional<Channel> c,
                        store_.channels().GetChannel(app.api_key, type, id));
  if (!c || c->deleted_at) {
    return Error::NotFound("channel " + Quote(std::string(type) + ":" + std::string(id)) +
                           " does not exist");
  }
  std::shared_ptr<const ChannelType> effective = WithOverrides(std::move(t), c->config_overrides);
  Scope s{std::move(*c), std::move(effective), {}, {}, actor};
  s.actor.user_id = std::string(acting_user_id);
  s.bypass = actor.server || app.DisablePermissionsChecks();
  if (!acting_user_id.empty()) {
    EDDY_ASSIGN_OR_RETURN(s.user, store_.users().FindUser(app.api_key, acting_user_id));
    EDDY_ASSIGN_OR_RETURN(s.member,
                          store_.channels().GetMember(app.api_key, type, id, acting_user_id));
  }
  return s;
}

Result<Message> MessageService::MustFindMessage(const App& app, std::string_view id) {
  EDDY_ASSIGN_OR_RETURN(std::optional<Message> m, store_.messages().GetMessage(app.api_key, id));
  if (!m) return Error::NotFound("message " + Quote(id) + " does not exist");
  return std::move(*m);
}

Status MessageService::Check(const Scope& s, ChannelAction action) const {
  if (s.bypass) return {};
  AccessContext ctx{s.actor, s.user ? &*s.user : nullptr, s.channel, *s.type,
                    s.member ? &*s.member : nullptr};
  return CheckChannelAccess(ctx, action);
}

Result<std::string> MessageService::ActingUser(const Actor& actor, std::string_view named) const {
  if (actor.server) return std::string(named);
  if (!named.empty() && named != actor.user_id) {
    return Error::NotAllowed("user " + Quote(actor.user_id) + " cannot act as user " +
                             Quote(named) + ": only server-side requests may name another user");
  }
  return actor.user_id;
}

bool MessageService::MayBypassFrozen(const Scope& s) const {
  return s.bypass || Check(s, ChannelAction::kSendToFrozenChannel).ok();
}

std::optional<Micros> MessageService::NotBefore(const Scope& s) const {
  std::optional<Micros> nb = s.channel.truncated_at;
  if (s.member && s.member->hide_messages_before &&
      (!nb || *s.member->hide_messages_before > *nb)) {
    nb = s.member->hide_messages_before;
  }
  return nb;
}

bool MessageService::Visible(const Scope& s, const Message& m, std::string_view reader_id) const {
  if (m.shadowed && !s.actor.server && m.user_id != reader_id) return false;
  std::optional<Micros> nb = NotBefore(s);
  return !nb || m.created_at > *nb;
}

json::object MessageService::UserJson(const App& app, const User& u) const {
  bool online =
      !u.invisible && !u.deactivated_at && !u.deleted_at && presence_.IsOnline(app.api_key, u.id);
  return protocol::UserToJson(u, online);
}

Result<std::unordered_map<std::string, json::object>> MessageService::UsersJson(
    const App& app, const std::vector<std::string>& ids) {
  std::unordered_map<std::string, json::object> out;
  if (ids.empty()) return out;
  std::set<std::string> distinct(ids.begin(), ids.end());
  std::vector<std::string> unique(distinct.begin(), distinct.end());
  EDDY_ASSIGN_OR_RETURN(std::vector<User> users, store_.users().FindUsers(app.api_key, unique));
  for (const User& u : users) out.emplace(u.id, UserJson(app, u));
  return out;
}

json::object MessageService::ChannelEvent(std::string_view type, const Channel& c,
                                          Micros at) const {
  json::object e(JsonStorage());
  e["type"] = type;
  TimeText text;
  e["created_at"] = FormatTime(at, text);
  e["cid"] = c.cid();
  e["channel_type"] = c.type;
  e["channel_id"] = c.id;
  e["channel_member_count"] = c.member_count;
  e["channel_message_count"] = c.message_count;
  e["channel_custom"] = c.custom;
  if (!c.team.empty()) e["team"] = c.team;
  return e;
}

void MessageService::ToChannel(const App& app, const Channel& c, const Message& m,
                               const json::object& event, const PersonalFields& personal) {
  // A shadow-banned user's messages exist for that user alone.
  if (m.shadowed) {
    events_.ToUsers(app.api_key, {m.user_id}, event);
    return;
  }
  channel_events_.ToWatchers(app.api_key, c.cid(), event, personal);
}

Status MessageService::EmitParentUpdated(const App& app, const Channel& c,
                                         std::string_view parent_id) {
  EDDY_ASSIGN_OR_RETURN(std::optional<Message> parent,
                        store_.messages().GetMessage(app.api_key, parent_id));
  if (!parent) return {};
  EDDY_ASSIGN_OR_RETURN(json::object rendered, RenderOne(app, "", *parent));
  json::object e = ChannelEvent("message.updated", c, clock_.Now());
  e["message_id"] = parent->id;
  e["user"] = rendered["user"];
  e["message"] = std::move(rendered);
  ToChannel(app, c, *parent, e);
  return {};
}

Result<MessageService::PreparedSend> MessageService::PrepareSend(const Actor& actor, const App& app,
                                                                 std::string_view type,
                                                                 std::string_view id,
                                                                 MessageInput in) {
  EDDY_ASSIGN_OR_RETURN(std::string author, ActingUser(actor, in.user_id));
  if (actor.server && author.empty()) {
    return Error::Input("message.user_id (or message.user) is required server-side");
  }
  // An expired ban must not linger in the member flags the access rules read.
  EDDY_TRY(LiftExpiredBans(store_, app.api_key, author, std::string(type) + ":" + std::string(id),
                           clock_.Now()));
  EDDY_ASSIGN_OR_RETURN(Scope s, LoadScope(actor, app, type, id, author));
  // Before the access rules, which refuse banned members less clearly.
  EDDY_ASSIGN_OR_RETURN(std::optional<Ban> ban, ActiveBan(store_.moderation(), app.api_key, author,
                                                          s.channel.cid(), clock_.Now()));
  if (!actor.server) EDDY_TRY(RefuseBanned(ban, author, "send messages"));
  EDDY_TRY(Check(s, ChannelAction::kSendMessage));
  if (!s.user) return Error::Input("user " + Quote(author) + " does not exist");
  if (in.type == "system" && !s.bypass) {
    return Error::NotAllowed("system messages can only be sent server-side");
  }
  const Micros now = clock_.Now();

  PreparedSend send;
  Message& m = *send.message;
  m.id = in.id.value_or("");
  m.channel_type = s.channel.type;
  m.channel_id = s.channel.id;
  m.user_id = author;
  m.text = in.text.value_or("");
  m.attachments = in.attachments.value_or(json::array());
  m.mentioned_users = in.mentioned_users.value_or(std::vector<std::string>{});
  m.silent = in.silent.value_or(false);
  m.custom = std::move(in.custom);
  m.created_at = now;
  m.updated_at = now;
  EDDY_TRY(protocol::CheckMessageText(m.text, s.type->MaxMessageLength()));
  if (m.text.empty() && m.attachments.empty() && m.custom.empty()) {
    return Error::Input("a message needs text, attachments or custom data");
  }

  if (in.parent_id) {
    if (!s.type->Flag("replies")) return Disabled("replies", *s.type);
    EDDY_ASSIGN_OR_RETURN(std::optional<Message> parent,
                          store_.messages().GetMessage(app.api_key, *in.parent_id));
    if (!parent || !Visible(s, *parent, author)) {
      return Error::NotFound("parent message " + Quote(*in.parent_id) + " does not exist");
    }
    if (parent->cid() != s.channel.cid()) {
      return Error::Input("parent message " + Quote(*in.parent_id) + " is in another channel");
    }
    if (!parent->parent_id.empty()) {
      return Error::Make(
          ErrorCode::kMultipleNestingLevel, 400,
          "message " + Quote(*in.parent_id) + " is a reply: replies to replies are not allowed");
    }
    m.parent_id = *in.parent_id;
    m.show_in_channel = in.show_in_channel.value_or(false);
  }
  if (in.quoted_message_id) {
    if (!s.type->Flag("quotes")) return Disabled("quotes", *s.type);
    EDDY_ASSIGN_OR_RETURN(std::optional<Message> quoted,
                          store_.messages().GetMessage(app.api_key, *in.quoted_message_id));
    if (!quoted || !Visible(s, *quoted, author)) {
      return Error::NotFound("quoted message " + Quote(*in.quoted_message_id) + " does not exist");
    }
    if (quoted->cid() != s.channel.cid()) {
      return Error::Input("quoted message " + Quote(*in.quoted_message_id) +
                          " is in another channel");
    }
    m.quoted_message_id = *in.quoted_message_id;
  }
  if (in.type == "system") {
    m.type = "system";
  } else {
    m.type = m.InChannelList() ? "regular" : "reply";
  }
  if (in.pinned.value_or(false)) {
    EDDY_TRY(Check(s, ChannelAction::kPinMessage));
    m.pinned = true;
    m.pinned_at = in.pinned_at && *in.pinned_at ? **in.pinned_at : now;
    m.pinned_by_id = author;
    if (in.pin_expires) m.pin_expires = *in.pin_expires;
  }
  m.shadowed = ban && ban->shadow;

  // The real backend answers a frozen channel and a blocked word with an unsaved message of
  // type "error" rather than an HTTP error.
  if (s.channel.frozen && !MayBypassFrozen(s)) {
    send.unsaved =
        ErrorMessage(app, s, std::move(m), "This channel is frozen: messages cannot be sent");
    return send;
  }
  EDDY_ASSIGN_OR_RETURN(BlocklistAction verdict,
                        ScreenText(store_.blocklists(), app.api_key, *s.type, m.text));
  if (verdict == BlocklistAction::kBlock) {
    send.unsaved = ErrorMessage(app, s, std::move(m), "Message was blocked by moderation policies");
    return send;
  }
  send.flag = verdict == BlocklistAction::kFlag;

  EDDY_ASSIGN_OR_RETURN(send.slow_mode, CheckSlowMode(app, s, now));
  if (m.id.empty()) m.id = NewUuid();
  // The insert moves the author's read state too (one transaction per send).
  if (m.InChannelList()) {
    send.read_state = reads_.LockReadState(app.api_key, s.channel.cid(), author);
  }
  send.scope = std::move(s);
  return send;
}

Result<json::object> MessageService::SendMessage(const Actor& actor, const App& app,
                                                 std::string_view type, std::string_view id,
                                                 MessageInput in,
                                                 const SendMessageOptions& options) {
  EDDY_ASSIGN_OR_RETURN(PreparedSend send, PrepareSend(actor, app, type, id, std::move(in)));
  if (send.unsaved) return std::move(*send.unsaved);
  Status inserted = store_.messages().InsertMessage(app.api_key, *send.message);
  send.read_state = {};
  send.slow_mode = {};
  EDDY_TRY(inserted);
  return FinishSend(app, send, options);
}

void MessageService::SendMessageAsync(const Actor& actor, std::shared_ptr<const App> app,
                                      std::string_view type, std::string_view id, MessageInput in,
                                      const SendMessageOptions& options,
                                      std::function<void(Result<json::object>)> done) {
  if (!run_after_store_) {
    done(SendMessage(actor, *app, type, id, std::move(in), options));
    return;
  }
  Result<PreparedSend> prepared = PrepareSend(actor, *app, type, id, std::move(in));
  if (!prepared.ok()) return done(std::move(prepared).error());
  if (prepared->unsaved) return done(std::move(*prepared->unsaved));
  auto send = std::make_shared<PreparedSend>(std::move(*prepared));
  std::shared_ptr<Message> message = send->message;
  const std::string& app_key = app->api_key;  // the App lives on in the callback
  store_.messages().InsertMessageAsync(
      app_key, std::move(message),
      [this, app = std::move(app), send = std::move(send), options,
       done = std::move(done)](Status inserted) mutable {
        // On the store's thread: the locks go now (a semaphore's: any thread may release
        // them), the rest of the work elsewhere.
        send->read_state = {};
        send->slow_mode = {};
        run_after_store_([this, app = std::move(app), send = std::move(send), options,
                          inserted = std::move(inserted), done = std::move(done)] {
          if (!inserted.ok()) return done(inserted.error());
          JsonArena arena;  // as the send handler's (common/json_arena.h)
          Result<json::object> sent = Error::Internal("unfinished");
          try {
            sent = FinishSend(*app, *send, options);
          } catch (const std::exception& e) {
            // The message is stored: the sender still gets an answer.
            LogFailure("finish a send", Error::Internal(e.what()));
            sent = Error::Internal("internal error");
          }
          done(std::move(sent));
        });
      });
}

Result<json::object> MessageService::FinishSend(const App& app, PreparedSend& send,
                                                const SendMessageOptions& options) {
  const Message& m = *send.message;
  if (send.flag) FlagForReview(app, m, "blocklist");
  EDDY_ASSIGN_OR_RETURN(json::array one, RenderMessages(app, m.user_id, std::span(&m, 1),
                                                        /*just_stored=*/true, &*send.scope.user));
  return AfterSend(app, send.scope, m, std::move(one.at(0).as_object()), options);
}

Result<std::unique_lock<HandoffMutex>> MessageService::CheckSlowMode(const App& app, const Scope& s,
                                                                     Micros now) {
  std::unique_lock<HandoffMutex> lock;
  if (s.channel.cooldown <= 0 || s.bypass || Check(s, ChannelAction::kSkipSlowMode).ok()) {
    return lock;
  }
  const std::string& author = s.actor.user_id;
  lock = LockMessage(app.api_key, "slow-mode:" + s.channel.cid() + ":" + author);
  EDDY_ASSIGN_OR_RETURN(
      std::optional<Micros> last,
      store_.messages().LastMessageTimeBy(app.api_key, s.channel.type, s.channel.id, author));
  const Micros next = last ? *last + Micros{s.channel.cooldown} * 1'000'000 : now;
  if (next > now) {
    const std::int64_t wait = (next - now + 999'999) / 1'000'000;
    return Error::Make(ErrorCode::kCoolDown, 403,
                       "slow mode is on in channel " + Quote(s.channel.cid()) + ": user " +
                           Quote(author) + " can send again in " + std::to_string(wait) +
                           " seconds");
  }
  return lock;
}

void MessageService::FlagForReview(const App& app, const Message& m, std::string reason) {
  Flag flag;  // no user: the automod's
  flag.target_message_id = m.id;
  flag.target_user_id = m.user_id;
  flag.channel_cid = m.cid();
  flag.reason = std::move(reason);
  flag.created_at = flag.updated_at = m.created_at;
  Status st = store_.moderation().UpsertFlag(app.api_key, flag);
  if (!st.ok()) LogFailure("flag a message for review", st.error());
}

json::object MessageService::ErrorMessage(const App& app, const Scope& s, Message m,
                                          std::string text) {
  if (m.id.empty()) m.id = NewUuid();
  m.type = "error";
  m.text = std::move(text);
  m.attachments = json::array();
  protocol::MessageExtras x;
  if (s.user) x.user = UserJson(app, *s.user);
  return protocol::MessageToJson(m, std::move(x));
}

void MessageService::AddThreadFields(const App& app, std::string_view parent_id,
                                     json::object& event) {
  Result<std::optional<Message>> parent = store_.messages().GetMessage(app.api_key, parent_id);
  if (!parent.ok() || !*parent) return;
  const Message& p = **parent;
  std::vector<std::string> ids = p.thread_participants;
  ids.push_back(p.user_id);
  Result<std::unordered_map<std::string, json::object>> users = UsersJson(app, ids);
  if (!users.ok()) return;
  if (users->count(p.user_id)) event["parent_author"] = users->at(p.user_id);
  json::array participants(event.storage());
  for (const std::string& uid : p.thread_participants) {
    if (users->count(uid)) participants.push_back(users->at(uid));
  }
  event["thread_participants"] = std::move(participants);
}

void MessageService::NotifyThread(const App& app, const Scope& s, const Channel& c,
                                  const std::vector<RosterEntry>& roster, const Message& reply,
                                  json::object event) {
  Result<std::optional<Message>> parent =
      store_.messages().GetMessage(app.api_key, reply.parent_id);
  if (!parent.ok() || !*parent) return;
  std::set<std::string> member_ids;
  for (const RosterEntry& mem : roster) {
    if (Concerned(mem)) member_ids.insert(mem.user_id);
  }
  // The parent's author and everyone who replied, but not this reply's author; in private
  // types only those still members.
  std::set<std::string> to((*parent)->thread_participants.begin(),
                           (*parent)->thread_participants.end());
  to.insert((*parent)->user_id);
  to.erase(reply.user_id);
  std::vector<std::string> recipients;
  for (const std::string& uid : to) {
    if (!s.type->members_only || member_ids.count(uid)) recipients.push_back(uid);
  }
  if (recipients.empty()) return;
  Result<json::object> view = channel_views_.RenderChannel(app, c, "");
  if (view.ok()) event["channel"] = std::move(*view);
  events_.ToUsers(app.api_key, recipients, event);
}

json::object MessageService::AfterSend(const App& app, const Scope& s, const Message& m,
                                       json::object rendered, const SendMessageOptions& options) {
  const std::string cid = s.channel.cid();
  // Thread-only replies and shadowed messages do not move the channel for anyone else.
  const bool listed = m.InChannelList() && !m.shadowed;
  Result<std::vector<RosterEntry>> roster =
      store_.channels().Roster(app.api_key, s.channel.type, s.channel.id);
  if (!roster.ok()) {
    LogFailure("list members", roster.error());
    roster = std::vector<RosterEntry>{};
  }
  std::vector<std::string> shown;  // members whose hidden channel this message shows again
  if (listed) {
    shown =
        ShowHiddenChannel(store_.channels(), app.api_key, s.channel, HiddenUserIds(*roster),
                          m.created_at, options.keep_channel_hidden ? m.user_id : std::string());
  }

  // The store moved message_count and last_message_at: events carry the new values.
  Result<std::optional<Channel>> reloaded =
      store_.channels().GetChannel(app.api_key, s.channel.type, s.channel.id);
  const Channel& channel = reloaded.ok() && *reloaded ? **reloaded : s.channel;

  json::object e = ChannelEvent("message.new", channel, m.created_at);
  e["message_id"] = m.id;
  // The sender's own reactions (a quoted message's) go back into the response at the end.
  json::value own = rendered["own_reactions"];
  json::value quoted_own(rendered.storage());
  if (json::value* q = rendered.if_contains("quoted_message"); q && q->is_object()) {
    quoted_own = q->get_object()["own_reactions"];
  }
  json::value user = rendered.at("user");
  e["message"] = ForEveryone(std::move(rendered));  // the notifications below take it from here
  e["user"] = std::move(user);
  e["watcher_count"] = watches_.WatcherCount(app.api_key, cid);
  if (!m.parent_id.empty()) AddThreadFields(app, m.parent_id, e);
  PersonalFields unread = m.shadowed ? nullptr : reads_.UnreadFields(app, channel);
  ToChannel(app, channel, m, e, unread);

  if (!shown.empty()) {
    Result<std::unordered_map<std::string, json::object>> users = UsersJson(app, shown);
    for (const std::string& uid : shown) {
      json::object v = ChannelEvent("channel.visible", channel, m.created_at);
      if (users.ok() && users->count(uid)) v["user"] = users->at(uid);
      Result<json::object> view = channel_views_.RenderChannel(app, channel, uid);
      if (view.ok()) v["channel"] = std::move(*view);
      events_.ToUsers(app.api_key, {uid}, v);
    }
  }

  if (listed) {
    std::vector<std::string_view> concerned;
    for (const RosterEntry& mem : *roster) {
      if (Concerned(mem)) concerned.push_back(mem.user_id);
    }
    const std::vector<bool> watching = watches_.IsWatchingEach(app.api_key, concerned, cid);
    std::vector<std::string> away;
    for (std::size_t i = 0; i < concerned.size(); ++i) {
      if (!watching[i]) away.emplace_back(concerned[i]);
    }
    if (!away.empty()) {
      json::object n = ChannelEvent("notification.message_new", channel, m.created_at);
      n["message_id"] = m.id;
      // Lent, not copied: the notification is encoded within the call, and the message and
      // its user go back into `e` for the thread's notification and the response.
      n["message"] = std::move(e.at("message"));
      n["user"] = std::move(e.at("user"));
      n["watcher_count"] = e.at("watcher_count");
      // By reference: the call below asks for the fields before it returns (ChannelEvents).
      ChannelViews* views = &channel_views_;
      PersonalFields personal = [views, &app, &channel, &unread](const std::string& uid) {
        json::object f = unread ? unread(uid) : json::object();
        Result<json::object> view = views->RenderChannel(app, channel, uid);
        if (view.ok()) f["channel"] = std::move(*view);
        return f;
      };
      channel_events_.ToUsersPersonal(app.api_key, away, n, personal);
      e.at("message") = std::move(n.at("message"));
      e.at("user") = std::move(n.at("user"));
    }
  }

  if (!m.parent_id.empty() && !m.shadowed) {
    Status st = EmitParentUpdated(app, channel, m.parent_id);
    if (!st.ok()) LogFailure("parent message.updated", st.error());
    json::object t = ChannelEvent("notification.thread_message_new", channel, m.created_at);
    t["message_id"] = m.id;
    t["thread_id"] = m.parent_id;
    t["message"] = e.at("message");
    t["user"] = e.at("user");
    t["watcher_count"] = e.at("watcher_count");
    NotifyThread(app, s, channel, *roster, m, std::move(t));
  }

  json::object response = std::move(e.at("message").get_object());
  response["own_reactions"] = std::move(own);
  if (!quoted_own.is_null()) {
    response["quoted_message"].get_object()["own_reactions"] = std::move(quoted_own);
  }
  return response;
}

}  // namespace eddy::server
