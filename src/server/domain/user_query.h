// The user query of GET /users (protocol §6.2, §7.3): which fields can be filtered and sorted,
// and the payload parsed into options. Pure functions; safe from any thread.
#pragma once

#include <optional>
#include <vector>

#include "common/error.h"
#include "common/json.h"
#include "server/domain/filter_parser.h"
#include "server/domain/query.h"

namespace eddy::server {

inline constexpr int kDefaultUserQueryLimit = 30;
inline constexpr int kMaxUserQueryLimit = 100;
inline constexpr int kMaxUserQueryOffset = 1000;

// Filterable: id, role, banned, shadow_banned, invisible, language, teams, created_at,
// updated_at, last_active, deactivated_at, online, and any custom key (name, username, ...).
// `online` is answered by Presence, not the store (see SplitOnlineFilter).
const QuerySpec& UserQuerySpec();

struct QueryUsersOptions {
  Filter filter;
  std::vector<SortField> sort;
  int limit = kDefaultUserQueryLimit;
  int offset = 0;
  bool presence = false;  // the caller wants user.presence.changed for the returned users
  bool include_deactivated = false;
};

// The GET /users `payload`: filter_conditions, sort, limit (0 or absent: 30; at most 100),
// offset (at most 1000), presence, include_deactivated_users. Other keys are ignored.
Result<QueryUsersOptions> ParseQueryUsers(const json::object& payload);

// Removes the `online` conditions from `filter` and returns what they require (true: online
// only, false: offline only, nullopt: no condition). They may only appear at the top level or
// directly inside the top-level $and, because the store cannot evaluate them; contradictory
// conditions are an input error.
Result<std::optional<bool>> SplitOnlineFilter(Filter& filter);

}  // namespace eddy::server
