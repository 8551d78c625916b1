// REST routes of the app's own settings (protocol §6.11): GET /app, PATCH /app.
#pragma once

#include "common/json.h"
#include "server/api/router.h"
#include "server/domain/app.h"
#include "server/domain/app_service.h"
#include "server/domain/channel_types.h"

namespace eddy::server::api {

// Registers the routes; `apps` must outlive `router`. GET /app is open to user tokens (the
// SDK reads upload limits from it) and never contains the secret; PATCH /app is server-only,
// validates with MergeAppSettings, persists through AppService (which refreshes its cache).
// With `types`, GET /app lists each channel type's config in `channel_configs`.
void RegisterAppRoutes(Router& router, AppService& apps, const ChannelTypes* types = nullptr);

// The §6.11 "app" object: stored settings over defaults; never the secret.
json::object AppToJson(const App& app, const ChannelTypes* types = nullptr);

}  // namespace eddy::server::api
