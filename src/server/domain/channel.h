// Channels and their members (protocol §5.3, §5.5). Plain data. A member row also carries the
// member's read state (§5.6) and per-user channel state (hidden, pinned, archived), because
// all of them exist exactly for the (channel, user) pairs that are members.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/json.h"

namespace eddy::server {

struct Channel {
  std::string type;
  std::string id;
  std::string created_by_id;  // empty: created server-side without a creator
  Micros created_at = 0;
  Micros updated_at = 0;
  std::optional<Micros> deleted_at;    // soft delete
  std::optional<Micros> truncated_at;  // messages before this are gone for everyone
  std::string truncated_by_id;
  std::optional<Micros> last_message_at;  // newest visible non-thread-only message
  bool frozen = false;
  bool disabled = false;
  int cooldown = 0;  // slow mode seconds
  std::string team;
  std::int64_t member_count = 0;   // maintained by the store on member add/remove
  std::int64_t message_count = 0;  // maintained by the store on message insert/hard delete
  json::object custom;             // name, image and any app key, flattened on the wire
  json::object config_overrides;

  std::string cid() const { return type + ":" + id; }
};

struct Member {
  std::string channel_type;
  std::string channel_id;
  std::string user_id;
  std::string channel_role = "channel_member";  // channel_member | channel_moderator | custom
  bool is_owner = false;                        // the creator: legacy role "owner"
  Micros created_at = 0;
  Micros updated_at = 0;
  // Invites: invited => status "pending" until accepted ("member") or rejected ("rejected").
  bool invited = false;
  std::optional<Micros> invite_accepted_at;
  std::optional<Micros> invite_rejected_at;
  bool banned = false;
  bool shadow_banned = false;
  std::optional<Micros> ban_expires;
  bool notifications_muted = false;
  std::optional<Micros> pinned_at;
  std::optional<Micros> archived_at;
  // Per-user visibility: hidden until the next message; messages before
  // hide_messages_before are not shown to this member (hide with clear_history).
  bool hidden = false;
  std::optional<Micros> hide_messages_before;
  // Read state: messages created after last_read count as unread (see ReadStore).
  Micros last_read = 0;
  std::string last_read_message_id;
  std::optional<Micros> last_delivered_at;
  std::string last_delivered_message_id;
  json::object custom;

  std::string cid() const { return channel_type + ":" + channel_id; }
};

}  // namespace eddy::server
