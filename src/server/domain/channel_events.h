// Port: channel-scoped delivery of events (protocol §3.7), next to EventSink's per-user
// delivery. The realtime hub implements it: the shared part of an event is encoded once;
// per-recipient fields (message.new's unread counters) are appended to that encoding for
// each recipient without re-encoding the rest. Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/json.h"

namespace eddy::server {

// The fields of several recipient users: each distinct set once in `sets`, and user i's at
// sets[set_of[i]] (the recipients of a large channel mostly share a few sets).
struct PersonalFieldSets {
  std::vector<json::object> sets;
  std::vector<std::uint32_t> set_of;

  // Gives the next user `fields`: the previous user's set if equal, else a new one. Returns
  // the set's index.
  std::uint32_t Add(json::object fields) {
    if (sets.empty() || fields != sets.back()) sets.push_back(std::move(fields));
    set_of.push_back(static_cast<std::uint32_t>(sets.size() - 1));
    return set_of.back();
  }
};

// The fields each recipient user gets on top of the shared event, asked outside any hub lock
// (they may read the store). Made from a function of one user, and optionally one that answers
// for all the recipients of a fan-out at once (one pass over the store's caches instead of a
// lookup per user, and no object per user when they share their fields).
class PersonalFields {
 public:
  using ForOne = std::function<json::object(const std::string& user_id)>;
  using ForMany = std::function<PersonalFieldSets(const std::vector<std::string_view>& user_ids)>;

  PersonalFields() = default;
  PersonalFields(std::nullptr_t) {}  // NOLINT: none, as with an empty std::function
  template <typename F, typename = std::enable_if_t<
                            !std::is_same_v<std::decay_t<F>, PersonalFields> &&
                            std::is_invocable_r_v<json::object, const F&, const std::string&>>>
  PersonalFields(F one) : one_(std::move(one)) {}  // NOLINT: made from a per-user lambda
  PersonalFields(ForOne one, ForMany many) : one_(std::move(one)), many_(std::move(many)) {}

  explicit operator bool() const { return static_cast<bool>(one_); }
  json::object operator()(const std::string& user_id) const { return one_(user_id); }

  // The fields of each of `user_ids`; without a ForMany, one call per user, and a user whose
  // fields equal the previous user's shares that set.
  PersonalFieldSets ForUsers(const std::vector<std::string_view>& user_ids) const {
    if (many_) return many_(user_ids);
    PersonalFieldSets out;
    out.set_of.reserve(user_ids.size());
    for (std::string_view user_id : user_ids) out.Add(one_(std::string(user_id)));
    return out;
  }

 private:
  ForOne one_;
  ForMany many_;
};

class ChannelEvents {
 public:
  virtual ~ChannelEvents() = default;

  // Each call encodes `event` before it returns and keeps no reference to it.

  // To every connection watching the channel (the sender's own included).
  virtual void ToWatchers(std::string_view app_key, std::string_view cid, const json::object& event,
                          const PersonalFields& personal = nullptr) = 0;
  // To every connection of the listed users (notification.* events), personalised.
  virtual void ToUsersPersonal(std::string_view app_key, const std::vector<std::string>& user_ids,
                               const json::object& event, const PersonalFields& personal) = 0;
  // To the connections that follow `user_id`'s presence (presence:true queries).
  virtual void ToPresenceFollowers(std::string_view app_key, std::string_view user_id,
                                   const json::object& event) = 0;
};

}  // namespace eddy::server
