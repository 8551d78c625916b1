#include "server/domain/app_service.h"

#include "common/ids.h"

namespace eddy::server {

Result<App> AppService::CreateApp(std::string name) {
  App app;
  app.api_key = RandomToken(16);
  app.api_secret = RandomToken(48);
  app.name = name.empty() ? "eddy" : std::move(name);
  app.created_at = clock_.Now();
  EDDY_TRY(store_.CreateApp(app));
  return app;
}

Result<std::vector<App>> AppService::ListApps() { return store_.ListApps(); }

Result<std::shared_ptr<const App>> AppService::Find(std::string_view api_key) {
  {
    std::lock_guard lock(mutex_);
    auto it = cache_.find(std::string(api_key));
    if (it != cache_.end()) return it->second;
  }
  EDDY_ASSIGN_OR_RETURN(std::optional<App> found, store_.FindApp(api_key));
  if (!found) return std::shared_ptr<const App>();
  auto app = std::make_shared<const App>(std::move(*found));
  std::lock_guard lock(mutex_);
  cache_[app->api_key] = app;
  return app;
}

Status AppService::UpdateSettings(std::string_view api_key, const json::object& settings) {
  EDDY_TRY(store_.UpdateAppSettings(api_key, settings));
  Invalidate(api_key);
  return {};
}

void AppService::Invalidate(std::string_view api_key) {
  std::lock_guard lock(mutex_);
  cache_.erase(std::string(api_key));
}

}  // namespace eddy::server
