// Port: where domain services hand the events they emit. The realtime hub implements it
// (encode once, fan out to the right connections); later a bus forwards to other nodes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "common/json.h"

namespace eddy::server {

class EventSink {
 public:
  virtual ~EventSink() = default;
  // Delivers `event` to every open connection of each listed user of the app.
  virtual void ToUsers(std::string_view app_key, const std::vector<std::string>& user_ids,
                       const json::object& event) = 0;
  // Ends every open connection of the user: a connection.error frame carrying `why`, then
  // close code 1000, which the SDK takes as "do not reconnect" (§3.5). For users who may no
  // longer be connected (deactivated, deleted, banned). Sinks without connections ignore it.
  virtual void DisconnectUser(std::string_view app_key, std::string_view user_id, const Error& why,
                              Micros now) {}
};

}  // namespace eddy::server
