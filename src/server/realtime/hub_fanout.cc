// Hub fan-out: who gets an event (snapshot under the lock) and how it is encoded (once, with
// per-user fields spliced on, outside the lock).
#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "common/prefetch.h"
#include "common/send_burst.h"
#include "protocol/error_envelope.h"
#include "server/realtime/hub.h"

namespace eddy::server::realtime {

namespace {

// "messaging:general" -> {"messaging", "general"}.
std::pair<std::string_view, std::string_view> SplitCid(std::string_view cid) {
  size_t colon = cid.find(':');
  if (colon == std::string_view::npos) return {cid, {}};
  return {cid.substr(0, colon), cid.substr(colon + 1)};
}

std::shared_ptr<const std::string> Encode(const json::object& event) {
  return std::make_shared<const std::string>(json::serialize(event));
}

// `shared` (a serialized object) with the members of `extra` (another one, "{...}") added.
std::string Splice(std::string_view shared, std::string_view extra) {
  if (extra.size() <= 2 || shared.size() < 2 || shared.back() != '}') return std::string(shared);
  std::string out;
  out.reserve(shared.size() + extra.size());
  out.append(shared.substr(0, shared.size() - 1));
  if (shared != "{}") out.push_back(',');
  out.append(extra.substr(1));  // the fields and the closing brace
  return out;
}

}  // namespace

std::string Hub::SpliceFields(std::string_view shared, const json::object& fields) {
  if (fields.empty()) return std::string(shared);
  return Splice(shared, json::serialize(fields));
}

void Hub::Deliver(const Conns& recipients, const json::object& event,
                  const PersonalFields& personal, std::shared_ptr<const std::string> encoded) {
  if (recipients.empty()) return;
  // The event loops take the frames when all are handed over (`recipients` keeps their
  // sockets, and so their loops, alive until then).
  SendBurst burst;
  if (!personal) {
    if (!encoded) encoded = Encode(event);
    for (std::size_t i = 0; i < recipients.size(); ++i) {
      if (i + kPrefetchAhead < recipients.size()) {
        PrefetchLines(recipients[i + kPrefetchAhead].get());
      }
      recipients[i]->socket->Send(encoded);
    }
    return;
  }
  // The snapshots list each user's connections together, so a user is a run of adjacent
  // recipients (a user met again later is only asked twice). One pass reads each Connection
  // once; the sends below use the sockets gathered here.
  std::vector<std::string_view> users;                   // one per run; the connections own the ids
  std::vector<std::size_t> run_ends;                     // one past each run's last socket
  std::vector<transport::WebSocketConnection*> sockets;  // alive: `recipients` owns them
  sockets.reserve(recipients.size());
  for (std::size_t i = 0; i < recipients.size(); ++i) {
    if (i + kPrefetchAhead < recipients.size()) {
      PrefetchLines(recipients[i + kPrefetchAhead].get());
    }
    const auto& conn = recipients[i];
    if (users.empty() || conn->user_id != users.back()) {
      if (!users.empty()) run_ends.push_back(sockets.size());
      users.push_back(conn->user_id);
    }
    sockets.push_back(conn->socket.get());
  }
  run_ends.push_back(sockets.size());
  PersonalFieldSets fields = personal.ForUsers(users);
  if (fields.set_of.size() != users.size()) {  // a resolver's bug: nobody gets another's fields
    fields.sets.clear();
    fields.set_of.assign(users.size(), 0);
  }
  if (fields.sets.empty()) fields.sets.emplace_back();
  // A key sent per user must not also be in the shared part (it would appear twice).
  const json::object* shared_event = &event;
  json::object stripped;
  for (const json::object& set : fields.sets) {
    for (const auto& kv : set) {
      if (shared_event->contains(kv.key())) {
        if (shared_event == &event) {
          stripped = event;
          shared_event = &stripped;
        }
        stripped.erase(kv.key());
      }
    }
  }
  auto shared = shared_event == &event && encoded
                    ? std::move(encoded)
                    : std::make_shared<const std::string>(json::serialize(*shared_event));
  // One frame per distinct set of fields (sets that serialize alike share it).
  std::vector<std::shared_ptr<const std::string>> frames(fields.sets.size());
  std::unordered_map<std::string, std::shared_ptr<const std::string>> by_fields;
  for (std::size_t s = 0; s < fields.sets.size(); ++s) {
    if (fields.sets[s].empty()) {
      frames[s] = shared;
      continue;
    }
    auto [it, added] = by_fields.try_emplace(json::serialize(fields.sets[s]));
    if (added) it->second = std::make_shared<const std::string>(Splice(*shared, it->first));
    frames[s] = it->second;
  }
  std::size_t begin = 0;
  for (std::size_t r = 0; r < users.size(); ++r) {
    const std::uint32_t set = fields.set_of[r];
    const std::shared_ptr<const std::string>& frame = set < frames.size() ? frames[set] : shared;
    for (; begin < run_ends[r]; ++begin) {
      if (begin + kPrefetchAhead < sockets.size()) {
        PrefetchLines(sockets[begin + kPrefetchAhead]);
      }
      sockets[begin]->Send(frame);
    }
  }
}

void Hub::ToUsers(std::string_view app_key, const std::vector<std::string>& user_ids,
                  const json::object& event) {
  ToUsersPersonal(app_key, user_ids, event, nullptr);
}

Hub::Conns Hub::UserConns(std::string_view app_key,
                          const std::vector<std::string>& user_ids) const {
  Conns recipients;
  std::lock_guard lock(mutex_);
  std::unordered_set<std::string_view> seen;
  for (const std::string& user_id : user_ids) {
    if (!seen.insert(user_id).second) continue;
    const Conns* conns = users_.find(Key(app_key, user_id));
    if (conns == nullptr) continue;
    recipients.insert(recipients.end(), conns->begin(), conns->end());
  }
  return recipients;
}

void Hub::ToUsersPersonal(std::string_view app_key, const std::vector<std::string>& user_ids,
                          const json::object& event, const PersonalFields& personal) {
  // With a bus the event is encoded once, for this node's recipients and the other nodes.
  auto encoded = bus_ ? Encode(event) : nullptr;
  Deliver(UserConns(app_key, user_ids), event, personal, encoded);
  if (!bus_) return;
  std::unordered_set<std::string_view> seen;
  for (const std::string& user_id : user_ids) {
    if (!seen.insert(user_id).second) continue;
    Publish(UserTopic(app_key, user_id), "u", app_key, {{"u", user_id}}, *encoded,
            personal ? PersonalKind::kChannelView : PersonalKind::kNone);
  }
}

void Hub::DisconnectUser(std::string_view app_key, std::string_view user_id, const Error& why,
                         Micros now) {
  DisconnectLocal(app_key, user_id, why, now);
  if (!bus_) return;
  Publish(UserTopic(app_key, user_id), "x", app_key,
          {{"u", user_id},
           {"code", static_cast<int>(why.code)},
           {"status", why.http_status},
           {"message", why.message},
           {"t", now}},
          {}, PersonalKind::kNone);
}

void Hub::DisconnectLocal(std::string_view app_key, std::string_view user_id, const Error& why,
                          Micros now) {
  Conns conns;
  {
    std::lock_guard lock(mutex_);
    const Conns* found = users_.find(Key(app_key, user_id));
    if (found == nullptr) return;
    conns.assign(found->begin(), found->end());
  }
  auto farewell = std::make_shared<const std::string>(
      json::serialize(protocol::ConnectionErrorEvent(why, now)));
  // Each socket's close runs its OnClose, which removes it from the hub as any close does.
  for (const auto& conn : conns) {
    conn->socket->Send(farewell);
    conn->socket->Close(1000, "");
  }
}

std::shared_ptr<const Hub::Conns> Hub::WatcherConns(std::string_view app_key,
                                                    std::string_view cid) const {
  std::lock_guard lock(mutex_);
  auto cit = channels_.find(Key(app_key, cid));
  if (cit == channels_.end()) return nullptr;
  const ChannelWatchers& watchers = cit->second;
  if (!watchers.all) {
    auto all = std::make_shared<Conns>();
    watchers.users.for_each([&](std::string_view, const Conns& conns) {
      all->insert(all->end(), conns.begin(), conns.end());
    });
    watchers.all = std::move(all);
  }
  return watchers.all;
}

void Hub::ToWatchers(std::string_view app_key, std::string_view cid, const json::object& event,
                     const PersonalFields& personal) {
  auto encoded = bus_ ? Encode(event) : nullptr;
  if (std::shared_ptr<const Conns> watchers = WatcherConns(app_key, cid)) {
    Deliver(*watchers, event, personal, encoded);
  }
  if (!bus_) return;
  Publish(ChannelTopic(app_key, cid), "w", app_key, {{"c", cid}}, *encoded,
          personal ? PersonalKind::kUnread : PersonalKind::kNone);
}

Hub::Conns Hub::FollowerConns(std::string_view app_key, std::string_view user_id) const {
  Conns recipients;
  std::lock_guard lock(mutex_);
  auto fit = followers_.find(Key(app_key, user_id));
  if (fit == followers_.end()) return recipients;
  for (const std::string& id : fit->second) {
    auto it = conns_.find(id);
    if (it != conns_.end()) recipients.push_back(it->second.conn);
  }
  return recipients;
}

void Hub::ToPresenceFollowers(std::string_view app_key, std::string_view user_id,
                              const json::object& event) {
  auto encoded = bus_ ? Encode(event) : nullptr;
  Deliver(FollowerConns(app_key, user_id), event, nullptr, encoded);
  if (!bus_) return;
  Publish(PresenceTopic(app_key, user_id), "f", app_key, {{"u", user_id}}, *encoded,
          PersonalKind::kNone);
}

void Hub::UnwatchChannel(std::string_view app_key, std::string_view cid) {
  UnwatchChannelLocal(app_key, cid);
  if (bus_) Publish(ChannelTopic(app_key, cid), "uc", app_key, {{"c", cid}}, {}, {});
}

void Hub::UnwatchUser(std::string_view app_key, std::string_view cid, std::string_view user_id) {
  UnwatchUserLocal(app_key, cid, user_id);
  if (!bus_) return;
  Publish(ChannelTopic(app_key, cid), "uu", app_key, {{"c", cid}, {"u", user_id}}, {}, {});
}

void Hub::AnnouncePresence(std::string_view app_key, const json::object& user, Micros now) {
  auto id = user.find("id");
  if (id == user.end() || !id->value().is_string()) return;
  json::object event{
      {"type", "user.presence.changed"}, {"created_at", FormatTime(now)}, {"user", user}};
  ToPresenceFollowers(app_key, id->value().get_string(), event);
}

void Hub::AnnounceWatchingStopped(const Departure& departure, const json::object& user,
                                  Micros now) {
  if (!departure.connection) return;
  for (const WatchEnded& ended : departure.stopped_watching) {
    auto [type, id] = SplitCid(ended.cid);
    json::object event{{"type", "user.watching.stop"},
                       {"created_at", FormatTime(now)},
                       {"cid", ended.cid},
                       {"channel_type", type},
                       {"channel_id", id},
                       {"user", user},
                       {"watcher_count", ended.watcher_count}};
    ToWatchers(departure.connection->app_key, ended.cid, event);
  }
}

}  // namespace eddy::server::realtime
