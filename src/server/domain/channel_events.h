// Port: channel-scoped delivery of events (protocol §3.7), next to EventSink's per-user
// delivery. The realtime hub implements it: the shared part of an event is encoded once;
// per-recipient fields (message.new's unread counters) are appended to that encoding for
// each recipient without re-encoding the rest. Thread-safe.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"

namespace eddy::server {

// The fields one recipient user gets on top of the shared event; called at most once per
// distinct recipient user, outside any hub lock (it may read the store).
using PersonalFields = std::function<json::object(const std::string& user_id)>;

class ChannelEvents {
 public:
  virtual ~ChannelEvents() = default;

  // To every connection watching the channel (the sender's own included).
  virtual void ToWatchers(std::string_view app_key, std::string_view cid, const json::object& event,
                          const PersonalFields& personal = nullptr) = 0;
  // To every connection of the listed users (notification.* events), personalised.
  virtual void ToUsersPersonal(std::string_view app_key, const std::vector<std::string>& user_ids,
                               const json::object& event, const PersonalFields& personal) = 0;
  // To the connections that follow `user_id`'s presence (presence:true queries).
  virtual void ToPresenceFollowers(std::string_view app_key, std::string_view user_id,
                                   const json::object& event) = 0;
};

}  // namespace eddy::server
