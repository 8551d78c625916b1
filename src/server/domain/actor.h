// Who performs a domain operation: the app's backend (server-side, bypasses permission checks)
// or one user (client-side: only what that user may do).
#pragma once

#include <string>

namespace eddy::server {

struct Actor {
  bool server = false;
  std::string user_id;  // the acting user; for server-side calls the user named in the body, if any
  bool anonymous = false;

  static Actor Server() { return {true, "", false}; }
  static Actor ForUser(std::string id) { return {false, std::move(id), false}; }
};

}  // namespace eddy::server
