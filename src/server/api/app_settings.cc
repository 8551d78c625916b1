#include "server/api/app_settings.h"

#include <memory>
#include <mutex>

#include "server/domain/app_settings.h"

namespace eddy::server::api {

namespace {

json::object UploadConfig(const json::object& settings, std::string_view key) {
  json::object c{{"allowed_file_extensions", json::array()},
                 {"blocked_file_extensions", json::array()},
                 {"allowed_mime_types", json::array()},
                 {"blocked_mime_types", json::array()},
                 {"size_limit", kDefaultUploadSizeLimit}};
  const json::value* own = settings.if_contains(key);
  if (own && own->is_object()) {
    for (const auto& kv : own->get_object()) c[kv.key()] = kv.value();
  }
  return c;
}

json::object PushNotifications() {
  json::object disabled{{"enabled", false}};
  return {{"version", "v3"},   {"offline_only", false}, {"providers", json::array()},
          {"apn", disabled},   {"firebase", disabled},  {"huawei", disabled},
          {"xiaomi", disabled}};
}

// GET /app
Result<ApiResponse> GetApp(const ChannelTypes* types, const ApiRequest& req) {
  return Ok({{"app", AppToJson(*req.caller.app, types)}});
}

// PATCH /app
Result<ApiResponse> UpdateApp(AppService& apps, std::mutex& mutex, const ApiRequest& req) {
  // Two concurrent patches must not each merge into the same old settings.
  std::lock_guard lock(mutex);
  const std::string& key = req.caller.app->api_key;
  // The caller's copy may predate another patch; the service has the current one.
  EDDY_ASSIGN_OR_RETURN(std::shared_ptr<const App> app, apps.Find(key));
  if (!app) return Error::NotFound("app does not exist");
  EDDY_ASSIGN_OR_RETURN(json::object merged, MergeAppSettings(app->settings, req.body));
  EDDY_TRY(apps.UpdateSettings(key, merged));
  return Ok({});
}

}  // namespace

json::object AppToJson(const App& app, const ChannelTypes* types) {
  const json::object& s = app.settings;
  json::object a;
  a["name"] = app.name;
  a["organization"] = "";
  a["disable_auth_checks"] = app.DisableAuthChecks();
  a["disable_permissions_checks"] = app.DisablePermissionsChecks();
  a["permission_version"] = "v2";
  json::object configs;
  if (types != nullptr) {
    std::shared_ptr<const ChannelTypes::TypeList> all = types->List(app.api_key);
    for (const ChannelType& t : *all) configs[t.name] = t.config;
  }
  a["channel_configs"] = std::move(configs);
  a["file_upload_config"] = UploadConfig(s, "file_upload_config");
  a["image_upload_config"] = UploadConfig(s, "image_upload_config");
  a["grants"] = json::object();
  a["policies"] = json::object();
  a["push_notifications"] = PushNotifications();
  a["revoke_tokens_issued_before"] = nullptr;
  a["enforce_unique_usernames"] = "no";
  a["webhook_url"] = "";
  // Stored settings passed MergeAppSettings; anything named like a secret is kept out anyway
  // in case a tool wrote one there.
  for (const auto& kv : s) {
    if (kv.key().find("secret") != json::string_view::npos) continue;
    if (kv.key() == "file_upload_config" || kv.key() == "image_upload_config") continue;
    a[kv.key()] = kv.value();
  }
  return a;
}

void RegisterAppRoutes(Router& router, AppService& apps, const ChannelTypes* types) {
  router.Add("GET", "/app", "GetApp", Access::kServerOrUser,
             [types](const ApiRequest& req) { return GetApp(types, req); });
  auto mutex = std::make_shared<std::mutex>();
  router.Add("PATCH", "/app", "UpdateApp", Access::kServerOnly,
             [&apps, mutex](const ApiRequest& req) { return UpdateApp(apps, *mutex, req); });
}

}  // namespace eddy::server::api
