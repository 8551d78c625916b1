// Messages and reactions (protocol §5.7, §5.8). Plain data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/json.h"

namespace eddy::server {

struct Message {
  std::string id;  // unique per app
  std::string channel_type;
  std::string channel_id;
  std::string user_id;
  std::string text;
  std::string type = "regular";  // regular | reply | system | error | deleted | ephemeral
  std::string parent_id;         // thread replies
  bool show_in_channel = false;
  std::string quoted_message_id;
  std::vector<std::string> mentioned_users;
  json::array attachments;
  bool silent = false;
  bool shadowed = false;  // sent by a shadow-banned user: shown to the sender only
  bool pinned = false;
  std::optional<Micros> pinned_at;
  std::string pinned_by_id;
  std::optional<Micros> pin_expires;
  Micros created_at = 0;
  Micros updated_at = 0;
  std::optional<Micros> deleted_at;
  std::optional<Micros> message_text_updated_at;
  std::int64_t reply_count = 0;                  // replies to this message (thread parents)
  std::int64_t deleted_reply_count = 0;          // of those, the soft-deleted ones
  std::vector<std::string> thread_participants;  // user ids, in order of first reply
  json::object custom;
  // Insertion order within the app, assigned by the store; the pagination key next to
  // created_at (two messages may share a timestamp).
  std::int64_t seq = 0;

  std::string cid() const { return channel_type + ":" + channel_id; }
  // Thread-only replies are not part of the channel's main list.
  bool InChannelList() const { return parent_id.empty() || show_in_channel; }
};

struct Reaction {
  std::string message_id;
  std::string user_id;
  std::string type;
  std::int64_t score = 1;
  Micros created_at = 0;
  Micros updated_at = 0;
  json::object custom;
};

// Per-type aggregate of a message's reactions (reaction_groups, §5.7).
struct ReactionGroup {
  std::string message_id;
  std::string type;
  std::int64_t count = 0;
  std::int64_t sum_scores = 0;
  Micros first_reaction_at = 0;
  Micros last_reaction_at = 0;
};

}  // namespace eddy::server
