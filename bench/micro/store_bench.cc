// The SQLite store's message write path (InsertMessage), on a real file (WAL,
// synchronous=FULL: each insert pays its commit's sync) and in memory (the SQL alone).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>

#include "common/log.h"
#include "server/storage/sqlite/sqlite_store.h"

namespace eddy::bench {
namespace {

using namespace eddy::server;

std::unique_ptr<Store> OpenWithChannel(const std::string& dir) {
  log::Configure(log::Format::kText, log::Level::kWarn);  // no migration lines in the report
  auto store = OpenSqliteStore(dir);
  if (!store.ok()) return nullptr;
  App app;
  app.api_key = "app";
  app.api_secret = "secret";
  Channel c;
  c.type = "messaging";
  c.id = "general";
  c.created_at = 1;
  if (!(*store)->apps().CreateApp(app).ok() ||
      !(*store)->channels().CreateChannel("app", c, {}).ok()) {
    return nullptr;
  }
  return std::move(*store);
}

void InsertLoop(benchmark::State& state, Store& store) {
  std::int64_t n = 0;
  for (auto _ : state) {
    Message m;
    m.id = "m" + std::to_string(++n);
    m.channel_type = "messaging";
    m.channel_id = "general";
    m.user_id = "u1";
    m.text = std::string(200, 'x');
    m.created_at = n;
    m.updated_at = n;
    if (!store.messages().InsertMessage("app", m).ok()) {
      state.SkipWithError("insert failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_InsertMessageFile(benchmark::State& state) {
  std::string dir =
      std::filesystem::temp_directory_path() / ("eddy-microbench-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  {
    auto store = OpenWithChannel(dir);
    if (!store) {
      state.SkipWithError("cannot open the store");
    } else {
      InsertLoop(state, *store);
    }
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_InsertMessageFile)->UseRealTime();

void BM_InsertMessageMemory(benchmark::State& state) {
  auto store = OpenWithChannel(":memory:");
  if (!store) return state.SkipWithError("cannot open the store");
  InsertLoop(state, *store);
}
BENCHMARK(BM_InsertMessageMemory);

}  // namespace
}  // namespace eddy::bench
