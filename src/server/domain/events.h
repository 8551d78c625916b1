// Port: where domain services hand the events they emit. The realtime hub implements it
// (encode once, fan out to the right connections); later a bus forwards to other nodes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"

namespace eddy::server {

class EventSink {
 public:
  virtual ~EventSink() = default;
  // Delivers `event` to every open connection of each listed user of the app.
  virtual void ToUsers(std::string_view app_key, const std::vector<std::string>& user_ids,
                       const json::object& event) = 0;
};

}  // namespace eddy::server
