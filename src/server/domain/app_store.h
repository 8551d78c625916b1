// Port: persistence of apps. Thread-safe; calls may block.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "server/domain/app.h"

namespace eddy::server {

class AppStore {
 public:
  virtual ~AppStore() = default;

  // Fails with an input Error if the api_key exists already.
  virtual Status CreateApp(const App& app) = 0;
  virtual Result<std::optional<App>> FindApp(std::string_view api_key) = 0;
  // Oldest first.
  virtual Result<std::vector<App>> ListApps() = 0;
  // Replaces the settings object; NotFound if the app does not exist.
  virtual Status UpdateAppSettings(std::string_view api_key, const json::object& settings) = 0;
};

}  // namespace eddy::server
