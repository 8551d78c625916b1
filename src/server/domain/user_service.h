// The rules for users (protocol §6.2): who may create and change which user fields, how
// partial updates, deactivation, deletion, guests and WebSocket connects change a user, and
// which events that emits.
#pragma once

#include <array>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "common/json.h"
#include "protocol/user_json.h"
#include "server/domain/actor.h"
#include "server/domain/app.h"
#include "server/domain/events.h"
#include "server/domain/presence.h"
#include "server/domain/store.h"
#include "server/domain/user.h"
#include "server/domain/user_query.h"

namespace eddy::server {

// A user as one caller sees it: `online` is false for invisible users.
struct UserView {
  User user;
  bool online = false;
};

// One element of PATCH /users: `set` keys may be dot-paths ("address.city") into custom
// objects; `unset` lists keys or dot-paths to remove.
struct UserPatch {
  std::string id;
  json::object set;
  std::vector<std::string> unset;
};

struct DeactivateOptions {
  bool mark_messages_deleted = false;
  std::string created_by_id;
};

struct ReactivateOptions {
  bool restore_messages = false;
  std::optional<std::string> name;  // replaces the custom `name` when given
  std::string created_by_id;
};

struct DeleteUserOptions {
  bool mark_messages_deleted = false;
  bool hard_delete = false;
  bool delete_conversation_channels = false;
};

// Responsible for every change to users and for the user events. Client-side actors may only
// change themselves and never privileged fields (role, banned, shadow_banned, teams,
// revoke_tokens_issued_before) unless the app disables permission checks; server-side actors
// may do everything. Thread-safe: read-modify-write cycles of one user are serialised by a
// striped lock (stripes_), so concurrent updates on this node do not lose each other.
class UserService {
 public:
  UserService(Store& store, EventSink& events, const Presence& presence, const Clock& clock);

  // POST /users. Custom data is fully replaced; typed fields absent from the input keep their
  // value; created_at is kept. Privileged fields a client sends unchanged are accepted (clients
  // echo their own user object), changed ones are refused with 403 code 17.
  Result<std::vector<UserView>> UpsertUsers(const Actor& actor, const App& app,
                                            std::vector<protocol::UserInput> users);
  // PATCH /users. Users must exist (404 code 16). Server-computed fields (created_at, online,
  // ...) cannot be set: 403 code 17 for clients, code 4 server-side.
  Result<std::vector<UserView>> PartialUpdateUsers(const Actor& actor, const App& app,
                                                   const std::vector<UserPatch>& patches);
  // GET /users; any caller may query every user of the app. An `online` condition is answered by
  // Presence: the store is read in pages and at most kMaxOnlineScan users are examined, so it suits
  // apps with few users per filter.
  Result<std::vector<UserView>> QueryUsers(const Actor& actor, const App& app,
                                           QueryUsersOptions options);
  // Any caller; soft-deleted users are found too (with deleted_at). 404 code 16 if missing.
  Result<UserView> GetUser(const Actor& actor, const App& app, std::string_view id);

  // POST /users/{id}/deactivate and /reactivate, server-side only. Idempotent. Deactivated
  // users cannot connect and are hidden from queries unless asked for. mark_messages_deleted
  // soft-deletes their messages stamped with the deactivation time; reactivation with
  // restore_messages brings exactly those back.
  Result<UserView> DeactivateUser(const Actor& actor, const App& app, std::string_view id,
                                  const DeactivateOptions& options);
  Result<UserView> ReactivateUser(const Actor& actor, const App& app, std::string_view id,
                                  const ReactivateOptions& options);
  // DELETE /users/{id}, server-side only. Soft: sets deleted_at; hard: removes the row. The
  // returned user carries deleted_at either way. mark_messages_deleted soft-deletes the user's
  // messages, or with hard_delete removes them.
  Result<UserView> DeleteUser(const Actor& actor, const App& app, std::string_view id,
                              const DeleteUserOptions& options);

  // POST /guest: creates `guest-<uuid>-<requested id>` (or `guest-<uuid>`) with role guest.
  // Privileged fields other than role "guest" are refused (403 code 17).
  Result<UserView> CreateGuest(const App& app, protocol::UserInput guest);

  // WebSocket connect (§3.1 user_details): creates the user if missing (role "user", or
  // "anonymous"), merges profile and custom keys from `user_details` (keys not sent are
  // kept), ignores privileged and server-computed keys, and sets last_active. Deactivated and
  // deleted users are refused with 403 code 17.
  Result<User> UpsertFromConnect(const App& app, std::string_view user_id,
                                 const json::object& user_details, bool anonymous);

  // The last connection of a user closed: records last_active. Failures are logged, not
  // returned, because nobody waits for the answer.
  void MarkOffline(std::string_view app_key, std::string_view user_id);
  // The user as stored, for the events of a connection that closed; a user the store cannot
  // give (deleted meanwhile, or a failed read, logged) is described by its id alone.
  User FindForEvents(std::string_view app_key, std::string_view user_id);

  static constexpr int kMaxOnlineScan = 10000;

 private:
  class StripeLock;

  bool Privileged(const Actor& actor, const App& app) const;
  bool SeenOnline(const App& app, const User& u) const;
  UserView View(const App& app, User u) const;
  StripeLock LockUsers(std::string_view app_key, const std::vector<std::string>& ids);
  Result<User> MustFind(const App& app, std::string_view id);
  Result<std::vector<UserView>> StoreAndNotify(const App& app, std::vector<User> users);
  void Emit(const App& app, const std::string& type, const UserView& user, json::object extra = {});

  Store& store_;
  EventSink& events_;
  const Presence& presence_;
  const Clock& clock_;
  std::array<std::mutex, 64> stripes_;
};

}  // namespace eddy::server
