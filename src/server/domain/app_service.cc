#include "server/domain/app_service.h"

#include "common/ids.h"

namespace eddy::server {

AppService::AppService(AppStore& store, const Clock& clock, CacheInvalidation* invalidation)
    : store_(store), clock_(clock), invalidation_(invalidation) {
  if (invalidation_) {
    invalidation_->Listen([this](CachedData what, std::string_view app_key, std::string_view) {
      if (what == CachedData::kApp) Forget(app_key);
    });
  }
}

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
  if (invalidation_) {
    invalidation_->Changed(CachedData::kApp, api_key, {});
  } else {
    Forget(api_key);
  }
}

void AppService::Forget(std::string_view api_key) {
  std::lock_guard lock(mutex_);
  if (api_key.empty()) return cache_.clear();
  cache_.erase(std::string(api_key));
}

}  // namespace eddy::server
