#include "cli/commands.h"

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>

#include "cli/flags.h"
#include "common/clock.h"
#include "common/json.h"
#include "protocol/jwt.h"
#include "server/domain/app_service.h"
#include "server/storage/sqlite/sqlite_store.h"

namespace eddy::cli {

namespace {

int ReportFlagErrors(const ParsedFlags& flags, const char* command) {
  for (const std::string& e : flags.errors)
    std::fprintf(stderr, "eddy %s: %s\n", command, e.c_str());
  return flags.errors.empty() ? 0 : 2;
}

// --data-dir, else EDDY_DATA_DIR, else ./eddy-data: the same default as `eddy serve`.
std::string DataDir(const ParsedFlags& flags) {
  if (const std::string* d = flags.Get("data-dir")) return *d;
  if (const char* env = std::getenv("EDDY_DATA_DIR"); env != nullptr && *env != '\0') return env;
  return "./eddy-data";
}

std::unique_ptr<server::Store> OpenStore(const std::string& data_dir) {
  auto store = server::OpenSqliteStore(data_dir);
  if (!store.ok()) {
    std::fprintf(stderr, "eddy: cannot open the store in %s: %s\n", data_dir.c_str(),
                 store.error().message.c_str());
    return nullptr;
  }
  return std::move(store).value();
}

int AppCreate(const std::vector<std::string>& args) {
  ParsedFlags flags = ParseFlags(args, {"name", "data-dir"}, {"json"});
  if (int rc = ReportFlagErrors(flags, "app create")) return rc;
  auto store = OpenStore(DataDir(flags));
  if (!store) return 1;
  SystemClock clock;
  server::AppService apps(store->apps(), clock);
  const std::string* name = flags.Get("name");
  auto app = apps.CreateApp(name ? *name : "");
  if (!app.ok()) {
    std::fprintf(stderr, "eddy app create: %s\n", app.error().message.c_str());
    return 1;
  }
  if (flags.Has("json")) {
    json::object o{{"name", app->name}, {"api_key", app->api_key}, {"api_secret", app->api_secret}};
    std::printf("%s\n", json::serialize(o).c_str());
  } else {
    std::printf("created app '%s'\n  api key:    %s\n  api secret: %s\n", app->name.c_str(),
                app->api_key.c_str(), app->api_secret.c_str());
  }
  return 0;
}

int AppList(const std::vector<std::string>& args) {
  ParsedFlags flags = ParseFlags(args, {"data-dir"}, {"json"});
  if (int rc = ReportFlagErrors(flags, "app list")) return rc;
  auto store = OpenStore(DataDir(flags));
  if (!store) return 1;
  auto apps = store->apps().ListApps();
  if (!apps.ok()) {
    std::fprintf(stderr, "eddy app list: %s\n", apps.error().message.c_str());
    return 1;
  }
  // The secret is not listed: `app list` output ends up in terminals and logs.
  if (flags.Has("json")) {
    json::array list;
    for (const auto& a : *apps) {
      list.push_back(json::object{
          {"name", a.name}, {"api_key", a.api_key}, {"created_at", FormatTime(a.created_at)}});
    }
    std::printf("%s\n", json::serialize(list).c_str());
  } else {
    for (const auto& a : *apps) {
      std::printf("%s  %s  %s\n", a.api_key.c_str(), FormatTime(a.created_at).c_str(),
                  a.name.c_str());
    }
  }
  return 0;
}

}  // namespace

int RunApp(const std::vector<std::string>& args) {
  if (!args.empty() && args[0] == "create") return AppCreate({args.begin() + 1, args.end()});
  if (!args.empty() && args[0] == "list") return AppList({args.begin() + 1, args.end()});
  std::fprintf(stderr, "usage: eddy app create|list [--data-dir DIR] [--json]\n");
  return 2;
}

int RunToken(const std::vector<std::string>& args) {
  ParsedFlags flags = ParseFlags(args, {"user", "ttl", "app", "data-dir"}, {});
  if (int rc = ReportFlagErrors(flags, "token")) return rc;
  const std::string* user = flags.Get("user");
  if (user == nullptr || user->empty()) {
    std::fprintf(stderr, "eddy token: --user ID is required\n");
    return 2;
  }
  std::optional<std::int64_t> ttl;
  if (const std::string* t = flags.Get("ttl")) {
    long long secs = ParseDuration(*t);
    if (secs <= 0) {
      std::fprintf(stderr, "eddy token: --ttl must be like 90, 45s, 30m, 1h or 2d\n");
      return 2;
    }
    ttl = secs;
  }
  auto store = OpenStore(DataDir(flags));
  if (!store) return 1;
  auto apps = store->apps().ListApps();
  if (!apps.ok() || apps->empty()) {
    std::fprintf(stderr, "eddy token: no app in this data directory (run `eddy app create`)\n");
    return 1;
  }
  const server::App* app = &apps->front();
  if (const std::string* key = flags.Get("app")) {
    app = nullptr;
    for (const auto& a : *apps) {
      if (a.api_key == *key) app = &a;
    }
    if (app == nullptr) {
      std::fprintf(stderr, "eddy token: no app with key %s\n", key->c_str());
      return 1;
    }
  }
  std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
  std::optional<std::int64_t> exp;
  if (ttl) exp = now + *ttl;
  std::printf("%s\n", protocol::CreateUserToken(*user, exp, now, app->api_secret).c_str());
  return 0;
}

}  // namespace eddy::cli
