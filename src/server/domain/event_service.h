// The rules for client-sent channel events (protocol §6.8): typing.start / typing.stop and
// custom events, POST /channels/{type}/{id}/event. Nothing is stored; the event goes to the
// channel's watchers (the sender's connections included) with the server's fields.
//
// Rules:
//  - `type` is required: 1 to kMaxEventTypeLength characters from [A-Za-z0-9_.:-] (code 4);
//  - typing.start / typing.stop need the channel config's typing_events, custom types its
//    custom_events (code 19, the code for a feature the channel type disables);
//  - event types the server itself emits (message.*, channel.*, member.*, reaction.*, user.*,
//    notification.*, health.check, connection.*, poll.*, thread.*, draft.*, reminder.*,
//    typing.* other than start/stop, ...) may not be sent: code 18. ai_indicator.update /
//    .stop / .clear are sent through this endpoint by AI backends and count as custom events;
//  - the sender must be allowed kSendEvent (a member, or anyone in public types): code 17;
//  - the custom data (everything but `type`), serialized, is at most kMaxEventBytes (code 4);
//  - the server sets user, cid, channel_type, channel_id and created_at, keeps parent_id
//    (thread typing) and every custom key; keys only the server may set (watcher_count, the
//    unread counters, me, connection_id, channel, ...) are dropped.
// Server-side callers name the sender with event.user_id or event.user.id; typing events need
// one, custom events may go out without a user. Client-side, a named user must be the caller
// (else 17).
// Thread-safe (no state of its own).
#pragma once

#include <cstddef>
#include <string_view>

#include "common/clock.h"
#include "common/error.h"
#include "common/json.h"
#include "server/domain/actor.h"
#include "server/domain/app.h"
#include "server/domain/channel_events.h"
#include "server/domain/channel_types.h"
#include "server/domain/presence.h"
#include "server/domain/store.h"

namespace eddy::server {

class EventService {
 public:
  static constexpr std::size_t kMaxEventBytes = 5 * 1024;
  static constexpr std::size_t kMaxEventTypeLength = 64;

  // `presence` (optional) tells whether the sender is `online` in the event's user object;
  // without it a client-side sender who is not invisible counts as online (they are typing).
  EventService(Store& store, const ChannelTypes& types, ChannelEvents& channel_events,
               const Clock& clock, const Presence* presence = nullptr);

  // POST /channels/{type}/{id}/event with body {"event": event}. Returns the event as sent.
  Result<json::object> SendEvent(const Actor& actor, const App& app, std::string_view type,
                                 std::string_view id, const json::object& event);

 private:
  Store& store_;
  const ChannelTypes& types_;
  ChannelEvents& channel_events_;
  const Clock& clock_;
  const Presence* presence_;
};

}  // namespace eddy::server
