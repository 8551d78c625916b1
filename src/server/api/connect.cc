#include "server/api/connect.h"

#include <atomic>
#include <cstdint>

#include "common/ids.h"
#include "common/log.h"
#include "protocol/error_envelope.h"
#include "protocol/user_json.h"

namespace eddy::server::api {

namespace {

constexpr size_t kMaxJsonParam = 64 * 1024;

std::shared_ptr<const std::string> Encode(const json::object& o) {
  return std::make_shared<const std::string>(json::serialize(o));
}

struct Handshake {
  std::string json_param;
  std::string api_key;
  std::string auth_type;
  std::string token;
  std::string remote;
};

std::string QueryOr(const transport::HttpRequest& r, std::string_view name) {
  const std::string* v = r.Query(name);
  return v ? *v : std::string();
}

}  // namespace

// One client WebSocket. State moves pending -> opening (being added to the hub) -> open ->
// closed, or to closed from any of them; frames that arrive before open are ignored (the SDK
// waits for the first health.check before sending). Whoever moves the state out of opening
// or open to closed takes the connection out of the hub.
// The session is also the hub's record of its connection (one object per connection, not
// two): the handshake sets the realtime::Connection fields before the hub is given the
// session, and they never change afterwards.
class ClientSession final : public realtime::Connection,
                            public transport::WebSocketSession,
                            public std::enable_shared_from_this<ClientSession> {
 public:
  ClientSession(ConnectHandler& handler, std::shared_ptr<transport::WebSocketConnection> ws)
      : h_(handler) {
    socket = std::move(ws);
  }

  void Start(Handshake hs) {
    h_.work_.Post([self = shared_from_this(), hs = std::move(hs)] { self->Authenticate(hs); });
  }

  void OnText(std::string_view text) override {
    if (state_.load() != State::kOpen) return;
    auto parsed = ParseJson(text, "WebSocket frame");
    const json::object* ping = nullptr;
    if (parsed.ok()) {
      // The SDK sends its ping as a one-element array; accept a bare object too.
      const json::value& v = *parsed;
      if (v.is_array() && !v.get_array().empty() && v.get_array()[0].is_object()) {
        ping = &v.get_array()[0].get_object();
      } else if (v.is_object()) {
        ping = &v.get_object();
      }
    }
    Micros now = h_.clock_.Now();
    if (ping == nullptr) {
      Error e = parsed.ok() ? Error::Input("a frame must be a JSON object or array of objects")
                            : parsed.error();
      socket->Send(Encode(protocol::ConnectionErrorEvent(e, now)));
      return;
    }
    auto type = ping->find("type");
    if (type != ping->end() && type->value() == "health.check") {
      socket->Send(Encode(json::object{{"type", "health.check"},
                                       {"connection_id", id},
                                       {"cid", "*"},
                                       {"created_at", FormatTime(now)}}));
    }
  }

  void OnClose() override {
    // While opening, the handshake sees the close when it tries to open, and departs then.
    if (state_.exchange(State::kClosed) == State::kOpen) Depart();
  }

 private:
  enum class State : std::uint8_t { kPending, kOpening, kOpen, kClosed };

  void Depart() {
    realtime::Hub::Departure gone = h_.hub_.Remove(id);
    log::Info("ws close", {{"app", app_key}, {"user", user_id}, {"connection_id", id}});
    // Off the network thread: recording last_active and reading the user are store calls.
    h_.work_.Post(
        [h = &h_, gone = std::move(gone)]() mutable { AnnounceClose(*h, std::move(gone)); });
  }

  void Fail(const Error& e, const Handshake& hs, const std::string& who) {
    log::Info("ws connect refused", {{"app", hs.api_key},
                                     {"user", who},
                                     {"code", std::to_string(static_cast<int>(e.code))},
                                     {"error", e.message},
                                     {"remote", hs.remote}});
    socket->Send(Encode(protocol::ConnectionErrorEvent(e, h_.clock_.Now())));
    socket->Close(1000, "");
  }

  void Authenticate(const Handshake& hs) {
    if (hs.json_param.size() > kMaxJsonParam) {
      return Fail(Error::Input("json parameter is too large"), hs, "");
    }
    auto payload = ParseJsonObject(hs.json_param, "json parameter");
    if (!payload.ok()) return Fail(payload.error(), hs, "");
    auto json_user_id = GetString(*payload, "user_id");
    if (!json_user_id.ok()) return Fail(json_user_id.error(), hs, "");
    std::string claimed = json_user_id->value_or("");
    auto details = GetObject(*payload, "user_details");
    if (!details.ok()) return Fail(details.error(), hs, claimed);

    Credentials creds{hs.api_key, hs.auth_type, hs.token, claimed};
    auto caller = auth_().Authenticate(creds);
    if (!caller.ok()) return Fail(caller.error(), hs, claimed);
    if (caller->IsServer() || caller->user_id.empty()) {
      return Fail(Error::Input("a WebSocket connection needs a user: set json.user_id"), hs,
                  claimed);
    }
    if (h_.moderation_) {
      // Before the upsert: a refused handshake changes nothing.
      if (Status may = h_.moderation_->CheckMayConnect(*caller->app, caller->user_id, hs.remote);
          !may.ok()) {
        return Fail(may.error(), hs, caller->user_id);
      }
    }
    const json::object empty;
    auto user =
        h_.users_.UpsertFromConnect(*caller->app, caller->user_id, *details ? **details : empty,
                                    caller->kind == Caller::Kind::kAnonymous);
    if (!user.ok()) return Fail(user.error(), hs, caller->user_id);

    State pending = State::kPending;
    if (!state_.compare_exchange_strong(pending, State::kOpening)) return;  // closed meanwhile
    id = NewUuid();
    app_key = caller->app->api_key;
    user_id = caller->user_id;
    remote_address = hs.remote;
    realtime::Hub::AddResult added = h_.hub_.Add(shared_from_this());
    if (added == realtime::Hub::AddResult::kTooMany) {
      state_ = State::kClosed;
      Error e = Error::Make(ErrorCode::kTooManyConnections, 429,
                            "too many connections for user " + user_id);
      return Fail(e, hs, user_id);
    }
    State opening = State::kOpening;
    if (!state_.compare_exchange_strong(opening, State::kOpen)) return Depart();
    protocol::OwnUserExtras extras;
    if (Status filled = h_.reads_.FillOwnUserExtras(*caller->app, caller->user_id, extras);
        !filled.ok()) {
      log::Warn("unread counts unavailable",
                {{"user", caller->user_id}, {"error", filled.error().message}});
    }
    if (h_.moderation_) {
      if (Status muted = h_.moderation_->FillOwnMutes(*caller->app, caller->user_id, extras);
          !muted.ok()) {
        log::Warn("mutes unavailable",
                  {{"user", caller->user_id}, {"error", muted.error().message}});
      }
    }
    json::object me = protocol::OwnUserToJson(*user, /*online=*/true, extras);
    socket->Send(Encode(json::object{{"type", "health.check"},
                                     {"connection_id", id},
                                     {"cid", "*"},
                                     {"created_at", FormatTime(h_.clock_.Now())},
                                     {"me", std::move(me)}}));
    log::Info("ws connect",
              {{"app", app_key}, {"user", user_id}, {"connection_id", id}, {"remote", hs.remote}});
    // First connection: the user came online for those following their presence.
    if (added == realtime::Hub::AddResult::kFirstForUser && !user->invisible) {
      h_.hub_.AnnouncePresence(app_key, protocol::UserToJson(*user, true), h_.clock_.Now());
    }
  }

  // Records last_active if this was the user's last connection, then sends
  // user.watching.stop where it was its user's last watch (in channels whose type has
  // connect_events, as for watch and stop-watching) and, if it was the user's last
  // connection, user.presence.changed (offline) to the user's followers. The user is read as
  // it is now (a session keeps no copy: that would be one more user per idle connection).
  static void AnnounceClose(ConnectHandler& h, realtime::Hub::Departure gone) {
    if (!gone.connection) return;
    const realtime::Connection& conn = *gone.connection;
    if (gone.went_offline) h.users_.MarkOffline(conn.app_key, conn.user_id);
    User user = h.users_.FindForEvents(conn.app_key, conn.user_id);
    Micros now = h.clock_.Now();
    user.last_active = now;
    bool hidden = user.invisible;
    // A reconnect that completed while this waited its turn is not followed by "offline".
    const bool offline = gone.went_offline && !h.hub_.IsOnline(conn.app_key, conn.user_id);
    json::object user_json = protocol::UserToJson(user, !offline && !hidden);
    std::erase_if(gone.stopped_watching, [&](const realtime::Hub::WatchEnded& ended) {
      std::string_view type = std::string_view(ended.cid).substr(0, ended.cid.find(':'));
      std::shared_ptr<const ChannelType> t = h.types_.Find(conn.app_key, type);
      return !t || !t->Flag("connect_events");
    });
    h.hub_.AnnounceWatchingStopped(gone, user_json, now);
    if (offline && !hidden) h.hub_.AnnouncePresence(conn.app_key, user_json, now);
  }

  Authenticator& auth_() { return h_.auth_; }

  ConnectHandler& h_;
  std::atomic<State> state_ = State::kPending;
};

std::shared_ptr<transport::WebSocketSession> ConnectHandler::OnOpen(
    std::shared_ptr<transport::WebSocketConnection> conn,
    const transport::HttpRequest& upgrade_request) {
  Handshake hs;
  hs.json_param = QueryOr(upgrade_request, "json");
  hs.api_key = QueryOr(upgrade_request, "api_key");
  hs.auth_type = QueryOr(upgrade_request, "stream-auth-type");
  hs.token = QueryOr(upgrade_request, "authorization");
  hs.remote = upgrade_request.remote_address;
  auto session = std::make_shared<ClientSession>(*this, std::move(conn));
  session->Start(std::move(hs));
  return session;
}

}  // namespace eddy::server::api
