// Port: which connections watch which channels and whose presence they follow (protocol
// §3.7). The realtime hub implements it for this node; a bus-backed version will answer for
// every node. Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace eddy::server {

class Watches {
 public:
  virtual ~Watches() = default;

  // Subscribes an open connection of the app to the channel's events. Returns false if no
  // such connection is open (then nothing is recorded). Idempotent.
  virtual bool Watch(std::string_view app_key, std::string_view connection_id,
                     std::string_view cid) = 0;
  // Returns true if the connection was watching.
  virtual bool Unwatch(std::string_view app_key, std::string_view connection_id,
                       std::string_view cid) = 0;
  // Drops every watch on the channel (deleted channel, removed member).
  virtual void UnwatchChannel(std::string_view app_key, std::string_view cid) = 0;
  // Drops the watches that `user_id`'s connections hold on the channel.
  virtual void UnwatchUser(std::string_view app_key, std::string_view cid,
                           std::string_view user_id) = 0;
  // Distinct users with at least one connection watching the channel.
  virtual std::int64_t WatcherCount(std::string_view app_key, std::string_view cid) const = 0;
  // Their ids, sorted, paginated.
  virtual std::vector<std::string> Watchers(std::string_view app_key, std::string_view cid,
                                            int limit, int offset) const = 0;
  virtual bool IsWatching(std::string_view app_key, std::string_view user_id,
                          std::string_view cid) const = 0;
  // IsWatching for each of `user_ids`, in their order (a message's members, to notify those
  // away). The hub answers them in one pass.
  virtual std::vector<bool> IsWatchingEach(std::string_view app_key,
                                           const std::vector<std::string_view>& user_ids,
                                           std::string_view cid) const {
    std::vector<bool> out;
    out.reserve(user_ids.size());
    for (std::string_view user_id : user_ids) out.push_back(IsWatching(app_key, user_id, cid));
    return out;
  }
  // The connection gets user.presence.changed (and user.updated) for these users.
  virtual void FollowPresence(std::string_view app_key, std::string_view connection_id,
                              const std::vector<std::string>& user_ids) = 0;
  // The user of an open connection, or empty.
  virtual std::string ConnectionUser(std::string_view app_key,
                                     std::string_view connection_id) const = 0;
};

}  // namespace eddy::server
