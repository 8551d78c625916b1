// The realtime hub: every open, authenticated WebSocket of this node, by app and user, which
// channels each connection watches and whose presence it follows (protocol §3.7).
// Delivers events (EventSink, ChannelEvents) the way Beast's chat-multi does: encode the
// shared event once into a shared buffer, snapshot the recipients under the lock, send
// outside it. Per-recipient fields are computed once per distinct user, outside the lock, and
// spliced onto the shared encoding (see SpliceFields) instead of re-encoding the event.
//
// Cluster mode (ConnectBus, with several nodes): every delivery is also published on the
// event bus, and what other nodes publish is delivered here to this node's connections.
// Topics: "c:<app>\n<cid>" while a local connection watches the channel, "u:<app>\n<user>"
// while the user has a local connection, "p:<app>\n<user>" while a local connection follows
// the user's presence. Shared state lives in the bus's per-node sets: "on:<app>\n<user>"
// holds the ids of the user's connections here (presence, per-user connection limits),
// "w:<app>\n<cid>" the users watching the channel here (watcher counts and lists). The
// Presence/Watches answers are this node's state united with the other live nodes' sets;
// a killed node's entries stop counting when its bus heartbeat lapses. ConnectionAddresses
// (IP bans) answers for this node only: each node checks the sockets it holds. Per-recipient fields
// cannot travel (they are closures): a message names their PersonalKind and the receiving
// node recomputes them with the PersonalFieldsResolver. Without a bus the hub is one node's
// and nothing of this runs.
// Thread-safe: mutex_ guards users_, conns_, channels_ and followers_; no callback (sockets,
// PersonalFields) and no bus round trip (RemoteMembers) ever runs with mutex_ held (queuing
// bus operations does: they never block). Remote messages arrive on the bus thread.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/clock.h"
#include "common/inline_key_map.h"
#include "common/interned.h"
#include "server/domain/channel_events.h"
#include "server/domain/event_bus.h"
#include "server/domain/events.h"
#include "server/domain/personal_fields_resolver.h"
#include "server/domain/presence.h"
#include "server/domain/watches.h"
#include "server/realtime/name_set.h"
#include "server/transport/handler.h"

namespace eddy::server::realtime {

// A connection id (a UUID) kept inside the record instead of in an allocation of its own.
class ConnectionId {
 public:
  static constexpr std::size_t kMaxSize = 36;
  ConnectionId() = default;
  ConnectionId(std::string_view id) { *this = id; }  // NOLINT: assigned like a string
  ConnectionId& operator=(std::string_view id) {
    size_ = static_cast<std::uint8_t>(std::min(id.size(), kMaxSize));
    std::copy_n(id.data(), size_, bytes_);
    return *this;
  }
  std::string_view view() const { return {bytes_, size_}; }
  operator std::string_view() const { return view(); }  // NOLINT: read like a string
  friend bool operator==(const ConnectionId& a, const ConnectionId& b) {
    return a.view() == b.view();
  }
  friend bool operator==(const ConnectionId& a, std::string_view b) { return a.view() == b; }

 private:
  char bytes_[kMaxSize] = {};
  std::uint8_t size_ = 0;
};

struct Connection {
  ConnectionId id;       // connection_id sent in health.check
  InternedView app_key;  // every connection of an app views the same copy of its key
  std::string user_id;
  std::string remote_address;  // the client's IP address
  std::shared_ptr<transport::WebSocketConnection> socket;
};

class Hub final : public EventSink, public Presence, public Watches, public ChannelEvents {
 public:
  // Bounds on what one connection can make the hub remember: past them Watch() returns false
  // for a new channel and FollowPresence() ignores further users.
  static constexpr size_t kMaxWatchesPerConnection = 2000;
  static constexpr size_t kMaxFollowsPerConnection = 10000;

  explicit Hub(size_t max_connections_per_user) : max_per_user_(max_connections_per_user) {}

  // Joins the cluster on `bus`: from now on deliveries are published and remote ones are
  // delivered here. Once, before the first connection is added.
  void ConnectBus(EventBus& bus, PersonalFieldsResolver& resolver);

  enum class AddResult { kAdded, kFirstForUser, kTooMany };
  AddResult Add(std::shared_ptr<Connection> conn);

  // A channel on which the departed connection's user no longer has a watching connection.
  struct WatchEnded {
    std::string cid;
    std::int64_t watcher_count = 0;  // distinct watching users after the departure
  };
  struct Departure {
    std::shared_ptr<Connection> connection;    // null: no such connection was open
    bool went_offline = false;                 // it was the user's last connection
    std::vector<WatchEnded> stopped_watching;  // in cid order
  };
  // Forgets the connection with its watches and presence follows.
  Departure Remove(std::string_view connection_id);

  // Event helpers for the connect handler. `user` is the UserResponse (§5.1) of the user
  // concerned, with its current `online` and `last_active`.
  // user.presence.changed to the connections following `user`'s presence.
  void AnnouncePresence(std::string_view app_key, const json::object& user, Micros now);
  // user.watching.stop (with the new watcher_count) to the remaining watchers of each channel
  // the departed user stopped watching.
  void AnnounceWatchingStopped(const Departure& departure, const json::object& user, Micros now);

  // EventSink
  void ToUsers(std::string_view app_key, const std::vector<std::string>& user_ids,
               const json::object& event) override;
  void DisconnectUser(std::string_view app_key, std::string_view user_id, const Error& why,
                      Micros now) override;
  // Presence
  bool IsOnline(std::string_view app_key, std::string_view user_id) const override;
  std::vector<std::string> ConnectionAddresses(std::string_view app_key,
                                               std::string_view user_id) const override;
  // Watches
  bool Watch(std::string_view app_key, std::string_view connection_id,
             std::string_view cid) override;
  bool Unwatch(std::string_view app_key, std::string_view connection_id,
               std::string_view cid) override;
  void UnwatchChannel(std::string_view app_key, std::string_view cid) override;
  void UnwatchUser(std::string_view app_key, std::string_view cid,
                   std::string_view user_id) override;
  std::int64_t WatcherCount(std::string_view app_key, std::string_view cid) const override;
  std::vector<std::string> Watchers(std::string_view app_key, std::string_view cid, int limit,
                                    int offset) const override;
  bool IsWatching(std::string_view app_key, std::string_view user_id,
                  std::string_view cid) const override;
  std::vector<bool> IsWatchingEach(std::string_view app_key,
                                   const std::vector<std::string_view>& user_ids,
                                   std::string_view cid) const override;
  void FollowPresence(std::string_view app_key, std::string_view connection_id,
                      const std::vector<std::string>& user_ids) override;
  std::string ConnectionUser(std::string_view app_key,
                             std::string_view connection_id) const override;
  // ChannelEvents
  void ToWatchers(std::string_view app_key, std::string_view cid, const json::object& event,
                  const PersonalFields& personal = nullptr) override;
  void ToUsersPersonal(std::string_view app_key, const std::vector<std::string>& user_ids,
                       const json::object& event, const PersonalFields& personal) override;
  void ToPresenceFollowers(std::string_view app_key, std::string_view user_id,
                           const json::object& event) override;

  size_t connection_count() const;

  // `shared` (a serialized JSON object) with `fields` appended before its closing brace:
  // {"a":1} + {"b":2} -> {"a":1,"b":2}. The shared bytes are copied, never re-encoded.
  static std::string SpliceFields(std::string_view shared, const json::object& fields);

 private:
  using Conns = std::vector<std::shared_ptr<Connection>>;
  struct ConnState {
    std::shared_ptr<Connection> conn;
    NameSet watching;   // cids
    NameSet following;  // user ids whose presence it follows
  };
  // A channel's watching connections by user id (each user's together, so Deliver sees them
  // as one run), and all of them in one list the channel's fan-outs share: built by the first
  // fan-out after a change of the watchers, dropped by the change (null meanwhile), so a
  // message does not copy every watcher's reference.
  struct ChannelWatchers {
    InlineKeyMap<Conns> users;
    mutable std::shared_ptr<const Conns> all;
  };

  static std::string Key(std::string_view app_key, std::string_view name);
  // Names on the bus (see the class comment).
  static std::string ChannelTopic(std::string_view app_key, std::string_view cid);
  static std::string UserTopic(std::string_view app_key, std::string_view user_id);
  static std::string PresenceTopic(std::string_view app_key, std::string_view user_id);
  static std::string OnlineSet(std::string_view app_key, std::string_view user_id);
  static std::string WatchSet(std::string_view app_key, std::string_view cid);
  ConnState* FindConn(std::string_view app_key, std::string_view connection_id);
  const ConnState* FindConn(std::string_view app_key, std::string_view connection_id) const;
  void RemoveLocked(std::string_view connection_id, Departure& out);
  // The users watching the channel on any node, sorted.
  std::vector<std::string> WatchingUsers(std::string_view app_key, std::string_view cid) const;
  // Removes conn from the watchers of `cid`; returns true if its user has no watching
  // connection left there. Does not touch the ConnState's own set. mutex_ held.
  bool DropWatcher(const Connection& conn, std::string_view cid);
  // Encodes once (with the personal fields spliced per user) and sends. `encoded`, if given,
  // is the whole event already encoded (for the bus, or by the node that published it): it
  // is sent as is, or with the personal fields spliced on unless one of their keys had to be
  // taken out of the event. mutex_ not held.
  static void Deliver(const Conns& recipients, const json::object& event,
                      const PersonalFields& personal,
                      std::shared_ptr<const std::string> encoded = nullptr);
  // This node's recipients (mutex_ taken inside).
  Conns UserConns(std::string_view app_key, const std::vector<std::string>& user_ids) const;
  // The channel's shared list (see ChannelWatchers); null if nobody here watches it.
  std::shared_ptr<const Conns> WatcherConns(std::string_view app_key, std::string_view cid) const;
  Conns FollowerConns(std::string_view app_key, std::string_view user_id) const;
  void DisconnectLocal(std::string_view app_key, std::string_view user_id, const Error& why,
                       Micros now);
  void UnwatchChannelLocal(std::string_view app_key, std::string_view cid);
  void UnwatchUserLocal(std::string_view app_key, std::string_view cid, std::string_view user_id);
  // Cluster mode (hub_cluster.cc).
  // Publishes {"k": kind, "a": app, fields..., "p": personal, "e": event_json}.
  void Publish(const std::string& topic, std::string_view kind, std::string_view app_key,
               json::object fields, std::string_view event_json, PersonalKind personal);
  PersonalFields Resolve(std::string_view app_key, std::string_view cid, PersonalKind kind) const;
  void OnBusMessage(std::string_view topic, std::string_view payload);
  std::vector<std::string> Remote(const std::string& set) const;
  // The departure as the cluster sees it: still online or watching elsewhere is no departure.
  void ClusterDeparture(Departure& out) const;

  const size_t max_per_user_;
  EventBus* bus_ = nullptr;  // set once by ConnectBus, before connections arrive
  PersonalFieldsResolver* resolver_ = nullptr;
  mutable std::mutex mutex_;
  InlineKeyMap<Conns> users_;  // Key(app, user) -> open connections
  // Connection id -> state. The key views the id inside the state's own Connection, which
  // lives as long as the entry: no second copy of every id.
  std::unordered_map<std::string_view, ConnState> conns_;
  std::unordered_map<std::string, ChannelWatchers> channels_;  // Key(app, cid) -> watchers
  // Key(app, followed user) -> ids of connections following that user's presence.
  std::unordered_map<std::string, std::unordered_set<std::string>> followers_;
};

}  // namespace eddy::server::realtime
