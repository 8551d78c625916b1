#include "server/app/serve.h"

#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <thread>

#include "common/clock.h"
#include "common/ids.h"
#include "common/log.h"
#include "common/offset_clock.h"
#include "common/work_queue.h"
#include "server/api/app_settings.h"
#include "server/api/authenticator.h"
#include "server/api/blocklists.h"
#include "server/api/channel_types.h"
#include "server/api/channels.h"
#include "server/api/connect.h"
#include "server/api/dispatcher.h"
#include "server/api/events.h"
#include "server/api/health.h"
#include "server/api/messages.h"
#include "server/api/moderation.h"
#include "server/api/reads.h"
#include "server/api/roles.h"
#include "server/api/router.h"
#include "server/api/users.h"
#include "server/app/config.h"
#include "server/bus/bus_cache_invalidation.h"
#include "server/bus/redis/redis_event_bus.h"
#include "server/domain/app_service.h"
#include "server/domain/cache_invalidation.h"
#include "server/domain/channel_service.h"
#include "server/domain/channel_types.h"
#include "server/domain/event_service.h"
#include "server/domain/message_service.h"
#include "server/domain/moderation_service.h"
#include "server/domain/read_service.h"
#include "server/domain/store_personal_fields.h"
#include "server/domain/user_service.h"
#include "server/realtime/hub.h"
#include "server/storage/cache/caching_store.h"
#include "server/storage/postgres/postgres_store.h"
#include "server/storage/sqlite/sqlite_store.h"
#include "server/transport/server.h"

extern char** environ;

namespace eddy::server {

namespace {

// Threads that run storage work for requests and handshakes. SQLite group-commits: the
// writes that wait while a commit syncs share the next one, so a group of blocking writes is
// at most as large as the threads that can wait at once (a send waits on none: its insert is
// asynchronous), and a thread blocked on a sync costs no CPU. PostgreSQL
// runs as many statements at once as the pool has connections, so it gets a thread for each.
constexpr int kWorkThreads = 4;
constexpr int kSqliteWorkThreads = 64;
constexpr size_t kMaxConnectionsPerUser = 50;

int WorkThreads(const Config& config) {
  return config.store == "sqlite" ? kSqliteWorkThreads
                                  : std::max(kWorkThreads, config.store_pool_size);
}

// glibc gives a thread that finds every arena locked a new one, up to eight per core, and an
// arena keeps what it grew to: with 64 work threads, bursts of connections and fan-outs spread
// the heap over many arenas whose fragmented bins later allocations search. Four instead of
// sixteen on a 2-core machine: full-speed sends 8% cheaper after `make bench`'s idle and
// fan-out runs (3% on a fresh server), 19,000 idle connections 7% smaller, the fan-out
// unchanged (BENCHMARKS.md, twenty-fourth session). Two per core the process may run on, at
// least four, unless the operator set glibc's own limit.
void LimitMallocArenas() {
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (std::getenv("MALLOC_ARENA_MAX") != nullptr ||
      (tunables != nullptr && std::strstr(tunables, "arena_max") != nullptr)) {
    return;
  }
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  int cores = sched_getaffinity(0, sizeof cpus, &cpus) == 0
                  ? CPU_COUNT(&cpus)
                  : static_cast<int>(std::thread::hardware_concurrency());
  mallopt(M_ARENA_MAX, std::max(4, 2 * cores));
}

std::map<std::string, std::string> Environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string kv(*e);
    auto eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return env;
}

Result<std::unique_ptr<Store>> OpenStore(const Config& config) {
  if (config.store == "sqlite") return OpenSqliteStore(config.data_dir);
  if (config.store.starts_with("postgres://") || config.store.starts_with("postgresql://")) {
    return OpenPostgresStore(config.store, config.store_pool_size);
  }
  return Error::Input("store '" + MaskUrlPassword(config.store) +
                      "' is not supported by this build");
}

// Several nodes: --bus redis://... (config.bus); one node: no bus at all.
Result<std::unique_ptr<EventBus>> OpenBus(const Config& config, const std::string& node_id) {
  if (config.bus == "local") return std::unique_ptr<EventBus>();
  EDDY_ASSIGN_OR_RETURN(bus::RedisUrl url, bus::ParseRedisUrl(config.bus));
  return std::unique_ptr<EventBus>(
      std::make_unique<bus::RedisEventBus>(url, node_id, bus::RedisEventBus::Options{}));
}

// Stops the bus (joins its thread) before what its handlers call into is destroyed.
struct BusStopper {
  std::unique_ptr<EventBus>& bus;
  ~BusStopper() { bus.reset(); }
};

// On first start with an empty data dir, creates the default app and prints its credentials:
// the one time the secret is shown, on stdout, never in the log.
Result<App> DefaultApp(AppService& apps, bool* created) {
  EDDY_ASSIGN_OR_RETURN(std::vector<App> existing, apps.ListApps());
  *created = existing.empty();
  if (!existing.empty()) return existing.front();
  return apps.CreateApp("default");
}

// The domain services. They refer to each other through ports (the channel state renders
// messages, a new message renders its channel for notifications), so they are members of one
// object: a reference to a later member is bound before that member is constructed, and no
// service calls another from its constructor.
struct Services {
  Services(Store& store, realtime::Hub& hub, const Clock& clock, CacheInvalidation& invalidation)
      : types(&store.channel_types(), &invalidation),
        users(store, hub, hub, clock),
        reads(store, types, hub, hub, channels, clock, &hub),
        events(store, types, hub, clock, &hub),
        messages(store, types, hub, hub, hub, reads, channels, hub, clock),
        channels(store, types, hub, hub, hub, messages, reads, hub, clock),
        blocklists(store, types, clock),
        channel_types(store, types, clock),
        roles(store, clock),

        moderation(store, types, hub, hub, reads, channels, messages, hub, clock) {}

  ChannelTypes types;
  UserService users;
  ReadService reads;
  EventService events;
  MessageService messages;
  ChannelService channels;
  BlocklistService blocklists;
  ChannelTypeService channel_types;
  RoleService roles;
  ModerationService moderation;
};

// Waits for SIGINT/SIGTERM on its own thread (the signals are blocked everywhere else).
class SignalWaiter {
 public:
  template <typename F>
  explicit SignalWaiter(F on_signal) {
    thread_ = std::thread([this, on_signal] {
      sigset_t set;
      sigemptyset(&set);
      sigaddset(&set, SIGINT);
      sigaddset(&set, SIGTERM);
      timespec tick{0, 200'000'000};
      while (!done_.load()) {
        int sig = sigtimedwait(&set, nullptr, &tick);
        if (sig == SIGINT || sig == SIGTERM) {
          log::Info("signal received, stopping",
                    {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
          on_signal();
          return;
        }
      }
    });
  }
  ~SignalWaiter() {
    done_ = true;
    thread_.join();
  }

 private:
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace

int RunServe(const std::vector<std::string>& args) {
  Result<Config> loaded = LoadConfig(args, Environment());
  if (!loaded.ok()) {
    std::fprintf(stderr, "eddy serve: invalid configuration:\n%s\n",
                 loaded.error().message.c_str());
    return 2;
  }
  Config config = std::move(loaded).value();
  if (config.print_config) {
    std::printf("%s\n", PrintConfig(config).c_str());
    return 0;
  }
  log::Configure(config.log_format == "json" ? log::Format::kJson : log::Format::kText, [&] {
    log::Level level = log::Level::kInfo;
    log::ParseLevel(config.log_level, level);
    return level;
  }());

  LimitMallocArenas();  // before the first thread (the store's checkpointer)

  sigset_t blocked;
  sigemptyset(&blocked);
  sigaddset(&blocked, SIGINT);
  sigaddset(&blocked, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &blocked, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto store_or = OpenStore(config);
  if (!store_or.ok()) {
    std::fprintf(stderr, "eddy serve: %s\n", store_or.error().message.c_str());
    return 1;
  }
  std::unique_ptr<Store> store = std::move(store_or).value();
  // The system time; only --test-clock (integration tests) lets a route move it.
  OffsetClock clock;
  const std::string node_id = config.node_id.empty() ? "eddy-" + RandomToken(8) : config.node_id;
  auto bus_or = OpenBus(config, node_id);
  if (!bus_or.ok()) {
    std::fprintf(stderr, "eddy serve: %s\n", bus_or.error().message.c_str());
    return 1;
  }
  std::unique_ptr<EventBus> bus = std::move(bus_or).value();
  // Without a bus, changes only need to reach this node's caches; with one, every node's.
  LocalCacheInvalidation local_invalidation;
  std::unique_ptr<bus::BusCacheInvalidation> bus_invalidation;
  if (bus) {
    bus_invalidation = std::make_unique<bus::BusCacheInvalidation>(*bus);
  }
  BusStopper stop_bus_early{bus};  // on the early returns below
  CacheInvalidation& invalidation =
      bus_invalidation ? static_cast<CacheInvalidation&>(*bus_invalidation) : local_invalidation;
  store = MakeCachingStore(std::move(store), &invalidation);
  AppService apps(store->apps(), clock, &invalidation);
  bool created = false;
  auto default_app = DefaultApp(apps, &created);
  if (!default_app.ok()) {
    std::fprintf(stderr, "eddy serve: %s\n", default_app.error().message.c_str());
    return 1;
  }

  WorkQueue work(WorkThreads(config));
  realtime::Hub hub(kMaxConnectionsPerUser);
  Services services(*store, hub, clock, invalidation);
  // A send's work after its insert runs as a task of its own: no thread waits for the commit.
  services.messages.RunAfterStoreWith(
      [&work](std::function<void()> task) { work.Post(std::move(task)); });
  StorePersonalFields personal_fields(apps, *store, services.reads, services.channels);
  if (bus) hub.ConnectBus(*bus, personal_fields);
  BusStopper stop_bus{bus};  // before the hub and services its thread calls into
  api::Router router;
  api::RegisterHealthRoutes(
      router,
      [&store, key = default_app->api_key]() -> Status {
        Result<std::optional<App>> found = store->apps().FindApp(key);
        if (!found.ok()) return found.error();
        return {};
      },
      bus.get(), node_id);
  api::RegisterUserRoutes(router, services.users, &hub);
  api::RegisterAppRoutes(router, apps, &services.types);
  api::RegisterChannelRoutes(router, services.channels);
  api::RegisterMemberRoutes(router, services.channels);
  api::RegisterMessageRoutes(router, services.messages);
  api::RegisterReadRoutes(router, services.reads);
  api::RegisterEventRoutes(router, services.events);
  api::RegisterBlocklistRoutes(router, services.blocklists);
  api::RegisterChannelTypeRoutes(router, services.channel_types);
  api::RegisterRoleRoutes(router, services.roles);
  api::RegisterModerationRoutes(router, services.moderation);
  if (config.test_clock) {
    api::RegisterTestClockRoute(router, clock);
    log::Warn("test clock enabled: POST /_test/clock moves time (for tests only)", {});
  }
  api::Authenticator auth(apps, store->users(), clock);
  api::Dispatcher dispatcher(router, auth, work);
  api::ConnectHandler connect(auth, services.users, services.reads, services.types, hub, work,
                              clock, &services.moderation);

  transport::ServerOptions options;
  options.host = config.host;
  options.port = static_cast<std::uint16_t>(config.port);
  options.threads = config.threads;
  options.max_body_bytes = config.max_body_bytes;
  options.max_header_bytes = config.max_header_bytes;
  options.ws_idle_timeout = std::chrono::seconds(config.ws_idle_timeout_seconds);
  options.http_idle_timeout = std::chrono::seconds(config.http_idle_timeout_seconds);
  transport::Server server(options, dispatcher, connect);
  if (Status started = server.Start(); !started.ok()) {
    std::fprintf(stderr, "eddy serve: %s\n", started.error().message.c_str());
    return 1;
  }

  std::string url = "http://" + config.host + ":" + std::to_string(server.port());
  if (created) {
    std::printf("eddy: created the default app\n  api key:    %s\n  api secret: %s\n",
                default_app->api_key.c_str(), default_app->api_secret.c_str());
  }
  std::printf("eddy: listening on %s (base URL for the SDK; api key %s)\n", url.c_str(),
              default_app->api_key.c_str());
  std::fflush(stdout);
  log::Info("listening", {{"url", url},
                          {"node", node_id},
                          {"bus", MaskUrlPassword(config.bus)},
                          {"store", config.store == "sqlite" ? config.data_dir
                                                             : MaskUrlPassword(config.store)}});

  {
    SignalWaiter signals([&server] { server.Stop(); });
    server.Run();
  }
  work.Shutdown();
  if (Status flushed = store->Flush(); !flushed.ok()) {
    log::Error("store flush failed", {{"error", flushed.error().message}});
    return 1;
  }
  log::Info("stopped");
  return 0;
}

}  // namespace eddy::server
