// Port between services: unread counts and read state (protocol §6.7). Implemented by the read
// service; used by the channel state builder (read[] and membership), the connect handshake
// (me.total_unread_count, unread_channels) and the message service (message.new's per-
// recipient counters). Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "common/handoff_mutex.h"
#include "server/domain/app.h"
#include "server/domain/channel.h"
#include "server/domain/channel_events.h"

namespace eddy::server {

struct ChannelUnread {
  std::string cid;
  std::int64_t unread_count = 0;
  Micros last_read = 0;
  std::string last_read_message_id;
};

struct UnreadSummary {
  std::int64_t total_unread_count = 0;  // over the user's channels (muted ones excluded, #4)
  std::int64_t unread_channels = 0;     // channels with at least one unread message
  std::vector<ChannelUnread> channels;  // every channel with unread messages
};

class ReadState {
 public:
  virtual ~ReadState() = default;
  virtual Result<UnreadSummary> Summary(const App& app, std::string_view user_id) = 0;
  // Unread messages of one member in one channel (its last_read, truncation, hide rules).
  virtual Result<std::int64_t> UnreadCount(const App& app, const Channel& channel,
                                           const Member& member) = 0;
  // For message.new / notification.message_new: each recipient's unread_count (in `channel`),
  // total_unread_count and unread_channels.
  virtual PersonalFields UnreadFields(const App& app, const Channel& channel) = 0;
  // Held around a write that moves the user's read state in `cid` outside the ReadState (the
  // message insert advances its author's: §6.7 "a sender's own read state advances"), so the
  // write is ordered with mark-read's read-modify-write of the same row. The thread that
  // learns an asynchronous write is durable may release it.
  virtual std::unique_lock<HandoffMutex> LockReadState(std::string_view app_key,
                                                       std::string_view cid,
                                                       std::string_view user_id) = 0;
};

}  // namespace eddy::server
