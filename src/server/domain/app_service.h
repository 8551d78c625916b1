// Apps: creation, listing and the hot lookup by api_key every request makes. Keeps the apps
// in memory (they are few and read on every request) and falls back to the store on a miss,
// so an app created by `eddy app create` while the server runs is found at once.
// Thread-safe: mutex_ guards cache_.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "server/domain/app_store.h"
#include "server/domain/cache_invalidation.h"

namespace eddy::server {

class AppService {
 public:
  // With `invalidation`, a settings change reaches the app caches of every node.
  AppService(AppStore& store, const Clock& clock, CacheInvalidation* invalidation = nullptr);

  // A new app with a fresh random key (16 chars) and secret (48 chars).
  Result<App> CreateApp(std::string name);
  Result<std::vector<App>> ListApps();
  // The app or nullptr if the key is unknown.
  Result<std::shared_ptr<const App>> Find(std::string_view api_key);
  // Persists new settings and refreshes the cached copy.
  Status UpdateSettings(std::string_view api_key, const json::object& settings);
  // The app's stored settings changed: drop the cached copy here and on other nodes.
  void Invalidate(std::string_view api_key);

 private:
  void Forget(std::string_view api_key);

  AppStore& store_;
  const Clock& clock_;
  CacheInvalidation* invalidation_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<const App>> cache_;
};

}  // namespace eddy::server
