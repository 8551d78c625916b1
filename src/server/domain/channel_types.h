// Channel types and their config (protocol §5.3 `config`): the built-in types messaging,
// team, livestream, commerce and gaming with their defaults. Custom types (#4) will be stored
// per app; until then every app sees the built-ins. Thread-safe (immutable after start).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"

namespace eddy::server {

struct ChannelType {
  std::string name;
  // The full ChannelConfigWithInfo object of §5.3: name, typing_events, read_events,
  // connect_events, delivery_events, search, reactions, replies, quotes, mutes, uploads,
  // url_enrichment, custom_events, push_notifications, reminders, mark_messages_pending,
  // polls, user_message_reminders, shared_locations, count_messages,
  // skip_last_msg_update_for_system_msgs, message_retention, max_message_length, automod,
  // automod_behavior, blocklist_behavior, commands, created_at, updated_at.
  json::object config;

  bool Flag(std::string_view key) const;  // a boolean config flag; false if absent
  int MaxMessageLength() const;
  // Whether reading requires membership: true for messaging/commerce/team, false for
  // livestream/gaming (anyone in the app may watch).
  bool members_only = true;
};

// `type` with a channel's config_overrides (validated on input, see protocol/channel_json.h)
// laid over its config: what the channel actually allows.
ChannelType WithOverrides(ChannelType type, const json::object& overrides);

class ChannelTypes {
 public:
  ChannelTypes();
  std::optional<ChannelType> Find(std::string_view app_key, std::string_view name) const;
  std::vector<ChannelType> List(std::string_view app_key) const;

 private:
  std::vector<ChannelType> builtins_;
};

}  // namespace eddy::server
