// Test doubles for the ports the read and event services emit through: a ChannelEvents that
// records every call (evaluating PersonalFields for the users it is asked to), and a
// ChannelViews that renders a channel as {"cid", "reader"}. Thread-safe (mutex_ guards the
// recorded state).
#pragma once

#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/json.h"
#include "server/domain/channel_events.h"
#include "server/domain/channel_views.h"

namespace eddy::server::testing {

class RecordingChannelEvents final : public ChannelEvents {
 public:
  struct Sent {
    enum class To { kWatchers, kUsers, kPresenceFollowers } to;
    std::string app_key;
    std::string cid_or_user;         // the channel (kWatchers) or followed user
    std::vector<std::string> users;  // kUsers
    json::object event;
    bool personal = false;
  };

  void ToWatchers(std::string_view app_key, std::string_view cid, const json::object& event,
                  const PersonalFields& personal) override {
    Record({Sent::To::kWatchers,
            std::string(app_key),
            std::string(cid),
            {},
            event,
            static_cast<bool>(personal)});
  }
  void ToUsersPersonal(std::string_view app_key, const std::vector<std::string>& user_ids,
                       const json::object& event, const PersonalFields& personal) override {
    Record(
        {Sent::To::kUsers, std::string(app_key), "", user_ids, event, static_cast<bool>(personal)});
  }
  void ToPresenceFollowers(std::string_view app_key, std::string_view user_id,
                           const json::object& event) override {
    Record({Sent::To::kPresenceFollowers,
            std::string(app_key),
            std::string(user_id),
            {},
            event,
            false});
  }

  std::vector<Sent> Take() {
    std::lock_guard lock(mutex_);
    return std::exchange(sent_, {});
  }

 private:
  void Record(Sent s) {
    std::lock_guard lock(mutex_);
    sent_.push_back(std::move(s));
  }

  std::mutex mutex_;
  std::vector<Sent> sent_;
};

class FakeChannelViews final : public ChannelViews {
 public:
  Result<json::object> RenderChannel(const App& app, const Channel& channel,
                                     std::string_view reader_id) override {
    return json::object{{"cid", channel.cid()}, {"reader", reader_id}};
  }
};

}  // namespace eddy::server::testing
