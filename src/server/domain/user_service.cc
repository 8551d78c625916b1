#include "server/domain/user_service.h"

#include <algorithm>
#include <functional>
#include <set>
#include <unordered_map>
#include <utility>

#include "common/ids.h"
#include "common/log.h"
#include "server/domain/role_service.h"
#include "server/domain/user_patch.h"

namespace eddy::server {

using protocol::UserInput;

namespace {

Error ServerSideOnly() { return Error::NotAllowed("this endpoint can only be called server side"); }

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

Error ActorNotAllowed(std::string_view actor_id, std::string_view role, std::string_view what) {
  return Error::NotAllowed("User " + Quote(actor_id) + " with role " + Quote(role) +
                           " is not allowed to " + std::string(what));
}

Status CheckUniqueIds(const std::vector<std::string>& ids) {
  std::set<std::string_view> seen;
  for (const std::string& id : ids) {
    if (!seen.insert(id).second) return Error::Input("user " + Quote(id) + " is listed twice");
  }
  return {};
}

Status CheckBatchSize(std::size_t n) {
  if (n == 0) return Error::Input("users must contain at least one user");
  if (n > protocol::kMaxUsersPerRequest) {
    return Error::Input("at most " + std::to_string(protocol::kMaxUsersPerRequest) +
                        " users can be updated in one request");
  }
  return {};
}

using UserMap = std::unordered_map<std::string, User>;

// The role named in permission errors; a user not stored yet has the default role.
std::string RoleOf(const UserMap& users, const std::string& id) {
  auto it = users.find(id);
  return it != users.end() ? it->second.role : "user";
}

}  // namespace

// Holds the stripes of a set of users, taken in index order so two batches never deadlock.
class UserService::StripeLock {
 public:
  explicit StripeLock(std::vector<std::unique_lock<std::mutex>> locks) : locks_(std::move(locks)) {}

 private:
  std::vector<std::unique_lock<std::mutex>> locks_;
};

UserService::UserService(Store& store, EventSink& events, const Presence& presence,
                         const Clock& clock)
    : store_(store), events_(events), presence_(presence), clock_(clock) {}

UserService::StripeLock UserService::LockUsers(std::string_view app_key,
                                               const std::vector<std::string>& ids) {
  std::set<std::size_t> indexes;
  for (const std::string& id : ids) {
    std::string key = std::string(app_key) + '\0' + id;
    indexes.insert(std::hash<std::string>{}(key) % stripes_.size());
  }
  std::vector<std::unique_lock<std::mutex>> locks;
  for (std::size_t i : indexes) locks.emplace_back(stripes_[i]);
  return StripeLock(std::move(locks));
}

bool UserService::Privileged(const Actor& actor, const App& app) const {
  return actor.server || app.DisablePermissionsChecks();
}

bool UserService::SeenOnline(const App& app, const User& u) const {
  return !u.invisible && !u.deactivated_at && !u.deleted_at &&
         presence_.IsOnline(app.api_key, u.id);
}

UserView UserService::View(const App& app, User u) const {
  bool online = SeenOnline(app, u);
  return UserView{std::move(u), online};
}

Result<User> UserService::MustFind(const App& app, std::string_view id) {
  EDDY_ASSIGN_OR_RETURN(std::optional<User> u, store_.users().FindUser(app.api_key, id));
  if (!u) return Error::NotFound("user " + Quote(id) + " does not exist");
  return std::move(*u);
}

void UserService::Emit(const App& app, const std::string& type, const UserView& view,
                       json::object extra) {
  json::object event;
  event["type"] = type;
  event["created_at"] = FormatTime(clock_.Now());
  event["user"] = protocol::UserToJson(view.user, view.online);
  for (auto& kv : extra) event[kv.key()] = std::move(kv.value());
  events_.ToUsers(app.api_key, {view.user.id}, event);
}

Result<std::vector<UserView>> UserService::StoreAndNotify(const App& app, std::vector<User> users) {
  EDDY_TRY(store_.users().UpsertUsers(app.api_key, users));
  std::vector<UserView> out;
  out.reserve(users.size());
  for (User& u : users) {
    out.push_back(View(app, std::move(u)));
    Emit(app, "user.updated", out.back());
  }
  return out;
}

Result<std::vector<UserView>> UserService::UpsertUsers(const Actor& actor, const App& app,
                                                       std::vector<UserInput> inputs) {
  EDDY_TRY(CheckBatchSize(inputs.size()));
  std::vector<std::string> ids;
  for (const UserInput& in : inputs) ids.push_back(in.id);
  EDDY_TRY(CheckUniqueIds(ids));
  const bool privileged = Privileged(actor, app);
  if (!privileged) ids.push_back(actor.user_id);
  StripeLock lock = LockUsers(app.api_key, ids);
  EDDY_ASSIGN_OR_RETURN(std::vector<User> found, store_.users().FindUsers(app.api_key, ids));
  UserMap existing;
  for (User& u : found) existing.emplace(u.id, std::move(u));

  const Micros now = clock_.Now();
  std::vector<User> next;
  for (UserInput& in : inputs) {
    auto it = existing.find(in.id);
    User current;
    if (it != existing.end()) {
      current = it->second;
    } else {
      current.id = in.id;
      current.created_at = now;
    }
    if (!privileged) {
      const std::string role = RoleOf(existing, actor.user_id);
      if (in.id != actor.user_id) {
        return ActorNotAllowed(actor.user_id, role,
                               "perform action UpdateUser on user " + Quote(in.id));
      }
      if (std::string field = FirstPrivilegedChange(current, in); !field.empty()) {
        return ActorNotAllowed(actor.user_id, role,
                               "perform action UpdateUser: field " + Quote(field) +
                                   " can only be updated server side");
      }
    }
    if (in.role && *in.role != current.role) {
      EDDY_TRY(CheckAppRoleDefined(store_, app.api_key, *in.role));
    }
    ApplyTypedFields(current, in);
    current.custom = std::move(in.custom);
    current.updated_at = now;
    next.push_back(std::move(current));
  }
  return StoreAndNotify(app, std::move(next));
}

Result<std::vector<UserView>> UserService::PartialUpdateUsers(
    const Actor& actor, const App& app, const std::vector<UserPatch>& patches) {
  EDDY_TRY(CheckBatchSize(patches.size()));
  std::vector<std::string> ids;
  for (const UserPatch& p : patches) {
    EDDY_TRY(protocol::ValidateUserId(p.id));
    ids.push_back(p.id);
  }
  EDDY_TRY(CheckUniqueIds(ids));
  const bool privileged = Privileged(actor, app);
  if (!privileged) ids.push_back(actor.user_id);
  StripeLock lock = LockUsers(app.api_key, ids);
  EDDY_ASSIGN_OR_RETURN(std::vector<User> found, store_.users().FindUsers(app.api_key, ids));
  UserMap existing;
  for (User& u : found) existing.emplace(u.id, std::move(u));

  const Micros now = clock_.Now();
  std::vector<User> next;
  for (const UserPatch& p : patches) {
    const std::string role = RoleOf(existing, actor.user_id);
    if (!privileged && p.id != actor.user_id) {
      return ActorNotAllowed(actor.user_id, role,
                             "perform action UpdateUser on user " + Quote(p.id));
    }
    auto it = existing.find(p.id);
    if (it == existing.end()) return Error::NotFound("user " + Quote(p.id) + " does not exist");
    User user = it->second;
    EDDY_ASSIGN_OR_RETURN(PatchResult changes, ApplyPatch(user, p.set, p.unset));
    if (!changes.read_only_keys.empty()) {
      const std::string& field = changes.read_only_keys.front();
      if (!privileged) {
        return ActorNotAllowed(
            actor.user_id, role,
            "perform action UpdateUser: field " + Quote(field) + " is set by the server");
      }
      return Error::Input("field " + Quote(field) + " is set by the server and cannot be updated");
    }
    if (!privileged) {
      if (std::string field = FirstPrivilegedChange(user, changes.typed); !field.empty()) {
        return ActorNotAllowed(actor.user_id, role,
                               "perform action UpdateUser: field " + Quote(field) +
                                   " can only be updated server side");
      }
    }
    if (changes.typed.role && *changes.typed.role != user.role) {
      EDDY_TRY(CheckAppRoleDefined(store_, app.api_key, *changes.typed.role));
    }
    ApplyTypedFields(user, changes.typed);
    user.updated_at = now;
    next.push_back(std::move(user));
  }
  return StoreAndNotify(app, std::move(next));
}

Result<std::vector<UserView>> UserService::QueryUsers(const Actor& actor, const App& app,
                                                      QueryUsersOptions options) {
  EDDY_ASSIGN_OR_RETURN(std::optional<bool> online, SplitOnlineFilter(options.filter));
  UserQuery q;
  q.filter = std::move(options.filter);
  q.sort = std::move(options.sort);
  q.limit = options.limit;
  q.offset = options.offset;
  q.include_deactivated = options.include_deactivated;
  std::vector<UserView> out;
  if (!online) {
    EDDY_ASSIGN_OR_RETURN(std::vector<User> users, store_.users().QueryUsers(app.api_key, q));
    for (User& u : users) out.push_back(View(app, std::move(u)));
    return out;
  }
  // The store cannot see presence: read pages in order, keep the users whose presence
  // matches, then apply offset and limit to what was kept.
  const int wanted = options.offset + options.limit;
  int matched = 0;
  q.offset = 0;
  q.limit = kMaxUserQueryLimit;
  while (q.offset < kMaxOnlineScan && matched < wanted) {
    EDDY_ASSIGN_OR_RETURN(std::vector<User> page, store_.users().QueryUsers(app.api_key, q));
    for (User& u : page) {
      if (SeenOnline(app, u) != *online) continue;
      if (matched >= options.offset && matched < wanted) out.push_back(View(app, std::move(u)));
      ++matched;
    }
    if (static_cast<int>(page.size()) < q.limit) break;
    q.offset += q.limit;
  }
  return out;
}

Result<UserView> UserService::GetUser(const Actor& actor, const App& app, std::string_view id) {
  EDDY_ASSIGN_OR_RETURN(User u, MustFind(app, id));
  return View(app, std::move(u));
}

Result<UserView> UserService::DeactivateUser(const Actor& actor, const App& app,
                                             std::string_view id,
                                             const DeactivateOptions& options) {
  if (!actor.server) return ServerSideOnly();
  StripeLock lock = LockUsers(app.api_key, {std::string(id)});
  EDDY_ASSIGN_OR_RETURN(User u, MustFind(app, id));
  if (u.deactivated_at) return View(app, std::move(u));
  u.deactivated_at = clock_.Now();
  u.updated_at = *u.deactivated_at;
  if (options.mark_messages_deleted) {
    // Stamped with the deactivation time, so that reactivation can restore exactly these.
    EDDY_TRY(store_.messages().SoftDeleteUserMessages(app.api_key, u.id, *u.deactivated_at));
  }
  EDDY_TRY(store_.users().UpsertUsers(app.api_key, {u}));
  UserView view = View(app, std::move(u));
  json::object extra;
  if (!options.created_by_id.empty()) extra["created_by_id"] = options.created_by_id;
  extra["mark_messages_deleted"] = options.mark_messages_deleted;
  Emit(app, "user.deactivated", view, std::move(extra));
  events_.DisconnectUser(
      app.api_key, id,
      Error::Auth(ErrorCode::kAuthentication, "user \"" + std::string(id) + "\" is deactivated"),
      clock_.Now());
  return view;
}

Result<UserView> UserService::ReactivateUser(const Actor& actor, const App& app,
                                             std::string_view id,
                                             const ReactivateOptions& options) {
  if (!actor.server) return ServerSideOnly();
  StripeLock lock = LockUsers(app.api_key, {std::string(id)});
  EDDY_ASSIGN_OR_RETURN(User u, MustFind(app, id));
  if (!u.deactivated_at) return View(app, std::move(u));
  if (options.restore_messages) {
    EDDY_TRY(store_.messages().RestoreUserMessages(app.api_key, u.id, *u.deactivated_at));
  }
  u.deactivated_at.reset();
  if (options.name) u.custom["name"] = *options.name;
  EDDY_TRY(protocol::ValidateCustomData(u.custom));
  u.updated_at = clock_.Now();
  EDDY_TRY(store_.users().UpsertUsers(app.api_key, {u}));
  UserView view = View(app, std::move(u));
  json::object extra;
  if (!options.created_by_id.empty()) extra["created_by_id"] = options.created_by_id;
  Emit(app, "user.reactivated", view, std::move(extra));
  return view;
}

Result<UserView> UserService::DeleteUser(const Actor& actor, const App& app, std::string_view id,
                                         const DeleteUserOptions& options) {
  if (!actor.server) return ServerSideOnly();
  StripeLock lock = LockUsers(app.api_key, {std::string(id)});
  EDDY_ASSIGN_OR_RETURN(User u, MustFind(app, id));
  const Micros now = clock_.Now();
  const bool already_deleted = u.deleted_at.has_value();
  if (!already_deleted) u.deleted_at = now;
  if (options.mark_messages_deleted && options.hard_delete) {
    EDDY_TRY(store_.messages().HardDeleteUserMessages(app.api_key, u.id));
  } else if (options.mark_messages_deleted) {
    EDDY_TRY(store_.messages().SoftDeleteUserMessages(app.api_key, u.id, now));
  }
  if (options.hard_delete) {
    EDDY_TRY(store_.users().DeleteUser(app.api_key, id));
  } else if (!already_deleted) {
    u.updated_at = now;
    EDDY_TRY(store_.users().UpsertUsers(app.api_key, {u}));
  }
  UserView view = View(app, std::move(u));
  if (options.hard_delete || !already_deleted) {
    Emit(app, "user.deleted", view,
         {{"hard_delete", options.hard_delete},
          {"mark_messages_deleted", options.mark_messages_deleted},
          {"delete_conversation_channels", options.delete_conversation_channels}});
    events_.DisconnectUser(
        app.api_key, id,
        Error::Auth(ErrorCode::kAuthentication, "user \"" + std::string(id) + "\" was deleted"),
        now);
  }
  return view;
}

Result<UserView> UserService::CreateGuest(const App& app, UserInput guest) {
  if (guest.role == "guest") guest.role.reset();  // what every guest gets anyway
  if (guest.HasPrivilegedField()) {
    return ActorNotAllowed(guest.id, "guest", "set privileged fields on a guest user");
  }
  std::string id = "guest-" + NewUuid();
  if (!guest.id.empty()) id += "-" + guest.id;
  EDDY_TRY(protocol::ValidateUserId(id));
  User u;
  u.id = std::move(id);
  u.role = "guest";
  u.created_at = u.updated_at = clock_.Now();
  ApplyTypedFields(u, guest);
  u.custom = std::move(guest.custom);
  EDDY_TRY(store_.users().UpsertUsers(app.api_key, {u}));
  return View(app, std::move(u));
}

Result<User> UserService::UpsertFromConnect(const App& app, std::string_view user_id,
                                            const json::object& user_details, bool anonymous) {
  EDDY_TRY(protocol::ValidateUserId(user_id));
  EDDY_ASSIGN_OR_RETURN(UserInput in, ConnectDetails(user_details, user_id));
  StripeLock lock = LockUsers(app.api_key, {std::string(user_id)});
  EDDY_ASSIGN_OR_RETURN(std::optional<User> found, store_.users().FindUser(app.api_key, user_id));
  const Micros now = clock_.Now();
  if (!found) {
    User u;
    u.id = std::string(user_id);
    u.role = anonymous ? "anonymous" : "user";
    u.created_at = u.updated_at = now;
    u.last_active = now;
    ApplyTypedFields(u, in);
    u.custom = std::move(in.custom);
    EDDY_TRY(store_.users().UpsertUsers(app.api_key, {u}));
    return u;
  }
  User u = std::move(*found);
  if (u.deleted_at) return Error::NotAllowed("user " + Quote(user_id) + " was deleted");
  if (u.deactivated_at) return Error::NotAllowed("user " + Quote(user_id) + " is deactivated");
  User before = u;
  ApplyTypedFields(u, in);
  for (auto& kv : in.custom) u.custom[kv.key()] = kv.value();
  EDDY_TRY(protocol::ValidateCustomData(u.custom));
  u.last_active = now;
  if (u.custom == before.custom && u.language == before.language &&
      u.invisible == before.invisible) {
    EDDY_TRY(store_.users().SetLastActive(app.api_key, user_id, now));
    return u;
  }
  u.updated_at = now;
  EDDY_TRY(store_.users().UpsertUsers(app.api_key, {u}));
  Emit(app, "user.updated", View(app, u));
  return u;
}

void UserService::MarkOffline(std::string_view app_key, std::string_view user_id) {
  Status s = store_.users().SetLastActive(app_key, user_id, clock_.Now());
  if (!s.ok()) {
    log::Warn("cannot record last_active",
              {{"app", app_key}, {"user", user_id}, {"error", s.error().message}});
  }
}

User UserService::FindForEvents(std::string_view app_key, std::string_view user_id) {
  Result<std::optional<User>> found = store_.users().FindUser(app_key, user_id);
  if (found.ok() && *found) return std::move(**found);
  if (!found.ok()) {
    log::Warn("cannot read user",
              {{"app", app_key}, {"user", user_id}, {"error", found.error().message}});
  }
  User u;
  u.id = std::string(user_id);
  return u;
}

}  // namespace eddy::server
