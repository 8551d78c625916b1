// Hub cluster mode: names on the bus, publishing deliveries, and delivering to this node's
// connections what other nodes published (see the class comment in hub.h).
#include <algorithm>

#include "common/log.h"
#include "server/realtime/hub.h"

namespace eddy::server::realtime {

std::string Hub::ChannelTopic(std::string_view app_key, std::string_view cid) {
  return "c:" + Key(app_key, cid);
}
std::string Hub::UserTopic(std::string_view app_key, std::string_view user_id) {
  return "u:" + Key(app_key, user_id);
}
std::string Hub::PresenceTopic(std::string_view app_key, std::string_view user_id) {
  return "p:" + Key(app_key, user_id);
}
std::string Hub::OnlineSet(std::string_view app_key, std::string_view user_id) {
  return "on:" + Key(app_key, user_id);
}
std::string Hub::WatchSet(std::string_view app_key, std::string_view cid) {
  return "w:" + Key(app_key, cid);
}

void Hub::ConnectBus(EventBus& bus, PersonalFieldsResolver& resolver) {
  bus_ = &bus;
  resolver_ = &resolver;
  bus.AddHandler(
      [this](std::string_view topic, std::string_view payload) { OnBusMessage(topic, payload); });
}

std::vector<std::string> Hub::Remote(const std::string& set) const {
  return bus_ ? bus_->RemoteMembers(set) : std::vector<std::string>{};
}

void Hub::ClusterDeparture(Departure& out) const {
  const Connection& conn = *out.connection;
  if (out.went_offline && !Remote(OnlineSet(conn.app_key, conn.user_id)).empty()) {
    out.went_offline = false;  // still connected to another node
  }
  std::vector<WatchEnded> ended;
  for (WatchEnded& w : out.stopped_watching) {
    std::vector<std::string> all = WatchingUsers(conn.app_key, w.cid);
    if (std::binary_search(all.begin(), all.end(), conn.user_id)) continue;
    w.watcher_count = std::int64_t(all.size());
    ended.push_back(std::move(w));
  }
  out.stopped_watching = std::move(ended);
}

void Hub::Publish(const std::string& topic, std::string_view kind, std::string_view app_key,
                  json::object fields, std::string_view event_json, PersonalKind personal) {
  fields["k"] = kind;
  fields["a"] = app_key;
  if (personal != PersonalKind::kNone) fields["p"] = static_cast<int>(personal);
  // The event goes last, already encoded, with its length ("n"): the receiver delivers those
  // bytes instead of encoding the parsed event again.
  if (!event_json.empty()) fields["n"] = event_json.size();
  std::string payload = json::serialize(fields);
  if (!event_json.empty()) {
    payload.pop_back();
    payload.append(",\"e\":").append(event_json).push_back('}');
  }
  bus_->Publish(topic, payload);
}

PersonalFields Hub::Resolve(std::string_view app_key, std::string_view cid,
                            PersonalKind kind) const {
  if (kind == PersonalKind::kNone || resolver_ == nullptr) return nullptr;
  return resolver_->Resolve(app_key, cid, kind);
}

void Hub::OnBusMessage(std::string_view topic, std::string_view payload) {
  if (!(topic.starts_with("c:") || topic.starts_with("u:") || topic.starts_with("p:"))) return;
  boost::system::error_code ec;
  json::value parsed = json::parse(payload, ec);
  if (ec || !parsed.is_object()) {
    log::Warn("bus message dropped: not a JSON object", {{"topic", topic.substr(0, 2)}});
    return;
  }
  const json::object& m = parsed.get_object();
  auto str = [&m](std::string_view key) {
    auto it = m.find(key);
    return it != m.end() && it->value().is_string() ? std::string(it->value().get_string())
                                                    : std::string();
  };
  auto num = [&m](std::string_view key) -> std::int64_t {
    auto it = m.find(key);
    return it != m.end() && it->value().is_int64() ? it->value().get_int64() : 0;
  };
  const std::string kind = str("k");
  const std::string app = str("a");
  const json::object* event = nullptr;
  std::shared_ptr<const std::string> encoded;
  if (auto it = m.find("e"); it != m.end() && it->value().is_object()) {
    event = &it->value().get_object();
    // "...,"e":<n bytes>}": the sender's encoding of the event.
    const auto n = static_cast<size_t>(num("n"));
    constexpr std::string_view kTag = "\"e\":";
    if (n > 0 && n + 1 + kTag.size() < payload.size()) {
      std::string_view text = payload.substr(payload.size() - 1 - n, n);
      if (payload.substr(payload.size() - 1 - n - kTag.size(), kTag.size()) == kTag &&
          text.front() == '{' && text.back() == '}') {
        encoded = std::make_shared<const std::string>(text);
      }
    }
  }
  std::int64_t p = num("p");
  PersonalKind personal = p == 1   ? PersonalKind::kUnread
                          : p == 2 ? PersonalKind::kChannelView
                                   : PersonalKind::kNone;

  if (kind == "w" && event != nullptr) {
    std::string cid = str("c");
    std::shared_ptr<const Conns> to = WatcherConns(app, cid);
    if (to && !to->empty()) Deliver(*to, *event, Resolve(app, cid, personal), encoded);
  } else if (kind == "u" && event != nullptr) {
    Conns to = UserConns(app, {str("u")});
    if (to.empty()) return;
    auto cid = event->find("cid");
    std::string channel = cid != event->end() && cid->value().is_string()
                              ? std::string(cid->value().get_string())
                              : std::string();
    Deliver(to, *event, Resolve(app, channel, personal), encoded);
  } else if (kind == "f" && event != nullptr) {
    Deliver(FollowerConns(app, str("u")), *event, nullptr, encoded);
  } else if (kind == "x") {
    Error why = Error::Make(static_cast<ErrorCode>(num("code")), static_cast<int>(num("status")),
                            str("message"));
    DisconnectLocal(app, str("u"), why, num("t"));
  } else if (kind == "uc") {
    UnwatchChannelLocal(app, str("c"));
  } else if (kind == "uu") {
    UnwatchUserLocal(app, str("c"), str("u"));
  }
}

}  // namespace eddy::server::realtime
