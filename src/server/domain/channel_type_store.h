// Port: persistence of an app's channel types (protocol §6.11): the custom ones and the
// built-ins a backend changed. Thread-safe; calls may block.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/json.h"

namespace eddy::server {

// One type as stored: its full §5.3 config object (name, flags, commands, created_at,
// updated_at, ...) and its grants object ({role: [permission, ...]}).
struct StoredChannelType {
  std::string name;
  json::object config;
  json::object grants;
};

class ChannelTypeStore {
 public:
  virtual ~ChannelTypeStore() = default;

  // Inserts the type or fully replaces the stored one of that name. NotFound if the app
  // does not exist.
  virtual Status PutChannelType(std::string_view app_key, const StoredChannelType& type) = 0;
  // The app's stored types, by name.
  virtual Result<std::vector<StoredChannelType>> ListChannelTypes(std::string_view app_key) = 0;
  // Whether a stored type of that name existed (and is now gone).
  virtual Result<bool> DeleteChannelType(std::string_view app_key, std::string_view name) = 0;
};

}  // namespace eddy::server
