// A user row packed into one string for the user cache: flags, times and the text fields
// length-prefixed one after another, teams and custom data as JSON text. A cached user costs
// its packed bytes (~50 for a user with no custom data) instead of a User's ~230 bytes of
// string, JSON and optional members, for every user seen with an idle connection.
#pragma once

#include <string>
#include <string_view>

#include "common/error.h"
#include "server/domain/user.h"

namespace eddy::server {

std::string PackUser(const User& user);
// The user PackUser packed; an Internal error if `packed` is not such bytes.
Result<User> UnpackUser(std::string_view packed);

}  // namespace eddy::server
