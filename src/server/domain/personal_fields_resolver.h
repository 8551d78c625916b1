// Port: per-recipient fields of an event that another node emitted. The emitting node
// computes them with a closure (PersonalFields) it cannot send; a receiving node asks this
// resolver, which recomputes them from the shared store for its own local recipients.
// Implemented in the domain (StorePersonalFields); the realtime hub calls it. Thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

#include "server/domain/channel_events.h"

namespace eddy::server {

// Which per-recipient fields an event carries, named on the bus.
enum class PersonalKind : std::uint8_t {
  kNone = 0,
  kUnread = 1,       // unread_count, total_unread_count, unread_channels (message.new)
  kChannelView = 2,  // the unread fields, plus the reader's "channel" and "member" views
                     // (notification.message_new, notification.added_to_channel ...)
};

class PersonalFieldsResolver {
 public:
  virtual ~PersonalFieldsResolver() = default;
  // The fields for local recipients of an event about channel `cid`; nullptr when none
  // apply (kNone, unknown app or channel).
  virtual PersonalFields Resolve(std::string_view app_key, std::string_view cid,
                                 PersonalKind kind) = 0;
};

}  // namespace eddy::server
