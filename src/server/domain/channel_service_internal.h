// Pieces ChannelService's .cc files share: the loaded channel, the reader a view is built for,
// a batch of user records with their wire form, and small helpers. Not for other modules.
#pragma once

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/user_json.h"
#include "server/domain/channel_service.h"

namespace eddy::server {

// A channel with its type, config_overrides applied.
struct ChannelService::Loaded {
  Channel channel;
  std::shared_ptr<const ChannelType> type;  // with the channel's config_overrides; never null
};

// Whose view a response or event is built for: the acting actor and, if any, the user with
// their record and membership. user_id empty: the server's view (every capability).
struct ChannelService::Reader {
  Actor actor;
  std::string user_id;
  std::optional<User> user;
  std::optional<Member> member;

  const User* user_ptr() const { return user ? &*user : nullptr; }
  const Member* member_ptr() const { return member ? &*member : nullptr; }
};

// What a channel's state is built from, besides the channel and the reader.
struct ChannelService::StateRows {
  std::vector<Member> members;    // the requested page of members
  std::vector<Message> messages;  // the requested page of messages, oldest first
  std::vector<Message> pinned;    // those the reader may see
  std::vector<std::string> watcher_ids;
};

// User records fetched in one batch, rendered as UserResponse with their presence.
class ChannelService::Users {
 public:
  static Result<Users> Load(Store& store, const Presence& presence, const App& app,
                            std::set<std::string> ids) {
    Users out;
    ids.erase(std::string());
    if (ids.empty()) return out;
    std::vector<std::string> list(ids.begin(), ids.end());
    EDDY_ASSIGN_OR_RETURN(std::vector<User> users, store.users().FindUsers(app.api_key, list));
    for (User& u : users) {
      bool online = !u.invisible && !u.deactivated_at && !u.deleted_at &&
                    presence.IsOnline(app.api_key, u.id);
      std::string id = u.id;
      out.users_.emplace(std::move(id), Entry{std::move(u), online});
    }
    return out;
  }

  const User* Find(const std::string& id) const {
    auto it = users_.find(id);
    return it != users_.end() ? &it->second.user : nullptr;
  }
  std::string RoleOf(const std::string& id) const {
    const User* u = Find(id);
    return u != nullptr ? u->role : "user";
  }
  // A user whose record is gone still gets an object with its id: the SDK needs user.id.
  json::object Json(const std::string& id) const {
    auto it = users_.find(id);
    if (it == users_.end()) return {{"id", id}};
    return protocol::UserToJson(it->second.user, it->second.online);
  }
  json::value JsonOrNull(const std::string& id) const {
    if (id.empty()) return nullptr;
    return Json(id);
  }
  // Ids among `ids` with no record.
  std::vector<std::string> Missing(const std::vector<std::string>& ids) const {
    std::vector<std::string> out;
    for (const std::string& id : ids) {
      if (users_.count(id) == 0) out.push_back(id);
    }
    return out;
  }

 private:
  struct Entry {
    User user;
    bool online = false;
  };
  std::map<std::string, Entry, std::less<>> users_;
};

namespace channel_internal {

inline std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

inline Error ChannelNotFound(std::string_view cid) {
  return Error::NotFound("Can't find channel with id " + std::string(cid));
}

inline bool Joined(const Member& m) {
  return !m.invite_rejected_at && (!m.invited || m.invite_accepted_at.has_value());
}

// The user a request acts for: server-side, the one it names; client-side, the caller, who
// may name only itself (acting for another user is a server-side privilege, §2.1).
inline Result<std::string> ActingUser(const Actor& actor, std::string named) {
  if (actor.server) return named;
  if (!named.empty() && named != actor.user_id) {
    return Error::NotAllowed("user " + Quote(actor.user_id) + " cannot act as user " +
                             Quote(named) + ": only server-side requests may name another user");
  }
  return actor.user_id;
}

inline std::string JoinIds(const std::vector<std::string>& ids) {
  std::string out;
  for (const std::string& id : ids) out += (out.empty() ? "" : ", ") + id;
  return out;
}

}  // namespace channel_internal

}  // namespace eddy::server
