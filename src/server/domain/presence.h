// Port: who is online right now (has at least one open connection). The realtime hub
// implements it; with several nodes it will answer for all of them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace eddy::server {

class Presence {
 public:
  virtual ~Presence() = default;
  virtual bool IsOnline(std::string_view app_key, std::string_view user_id) const = 0;
  // The addresses the user's open connections come from (for IP bans); none if offline.
  virtual std::vector<std::string> ConnectionAddresses(std::string_view app_key,
                                                       std::string_view user_id) const {
    return {};
  }
};

}  // namespace eddy::server
