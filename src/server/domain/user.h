// A user of an app. Server-set fields are typed members; everything else the app sent
// (name, image, any custom key) lives in `custom` and is flattened into the wire object.
#pragma once

#include <optional>
#include <string>

#include "common/clock.h"
#include "common/json.h"

namespace eddy::server {

struct User {
  std::string id;
  std::string role = "user";
  bool banned = false;
  bool shadow_banned = false;
  bool invisible = false;
  std::string language;
  json::array teams;
  Micros created_at = 0;
  Micros updated_at = 0;
  std::optional<Micros> last_active;
  std::optional<Micros> deactivated_at;
  std::optional<Micros> deleted_at;
  std::optional<Micros> revoke_tokens_issued_before;
  json::object custom;
};

}  // namespace eddy::server
