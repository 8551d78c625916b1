// The channel types API (protocol §6.11 /channeltypes): list, get, create, update and delete
// an app's channel types, their config, grants and commands. Changes reach every later
// request at once (ChannelTypes::Invalidate). Thread-safe: mutex_ serialises the
// read-modify-write of a type.
#pragma once

#include <mutex>
#include <string_view>

#include "common/clock.h"
#include "common/error.h"
#include "common/json.h"
#include "server/domain/app.h"
#include "server/domain/channel_types.h"
#include "server/domain/store.h"

namespace eddy::server {

// An app may define at most this many types besides the built-ins.
inline constexpr std::size_t kMaxCustomChannelTypes = 50;

class ChannelTypeService {
 public:
  ChannelTypeService(Store& store, const ChannelTypes& types, const Clock& clock)
      : store_(store), types_(types), clock_(clock) {}

  // {"channel_types": {name: TypeJson}}
  Result<json::object> List(const App& app);
  // The config keys at top level, with commands, permissions and grants.
  Result<json::object> Get(const App& app, std::string_view name);
  // `body`: name (required, [a-z0-9_-]{1,64}, new) and any config keys, grants, commands;
  // the rest defaults as for a new members-only type.
  Result<json::object> Create(const App& app, const json::object& body);
  // Any config keys; `grants` replaces the grants of each role it names; `commands` the list.
  Result<json::object> Update(const App& app, std::string_view name, const json::object& body);
  // Refuses built-ins and types that still have channels (code 4); NotFound if unknown.
  Status Delete(const App& app, std::string_view name);

 private:
  Result<ChannelType> Existing(const App& app, std::string_view name) const;
  Status Save(const App& app, const ChannelType& type);

  Store& store_;
  const ChannelTypes& types_;
  const Clock& clock_;
  std::mutex mutex_;
};

}  // namespace eddy::server
