// Port: persistence of users. Implementations are thread-safe; calls may block (they run
// off the network threads).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "server/domain/query.h"
#include "server/domain/user.h"

namespace eddy::server {

struct UserQuery {
  // Fields: id, role, banned, shadow_banned, language, invisible, created_at, updated_at,
  // last_active, deactivated_at, teams ($contains/$in/$eq), and any custom key (name, ...).
  Filter filter;
  std::vector<SortField> sort;  // empty: created_at ascending; ties broken by id
  int limit = 30;
  int offset = 0;
  bool include_deactivated = false;  // deactivated users are excluded unless this is set
};

class UserStore {
 public:
  virtual ~UserStore() = default;

  // Inserts or fully replaces each user (all fields as given), in one transaction.
  virtual Status UpsertUsers(std::string_view app_key, const std::vector<User>& users) = 0;
  virtual Result<std::optional<User>> FindUser(std::string_view app_key, std::string_view id) = 0;
  // Users among `ids` that exist, in no particular order.
  virtual Result<std::vector<User>> FindUsers(std::string_view app_key,
                                              const std::vector<std::string>& ids) = 0;
  // Soft-deleted users (deleted_at set) are never returned by QueryUsers.
  virtual Result<std::vector<User>> QueryUsers(std::string_view app_key, const UserQuery& q) = 0;
  // Removes the user row for good (hard delete). Deleting a missing user is not an error.
  virtual Status DeleteUser(std::string_view app_key, std::string_view id) = 0;
  virtual Status SetLastActive(std::string_view app_key, std::string_view id, Micros when) = 0;
};

}  // namespace eddy::server
