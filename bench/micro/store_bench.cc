// The SQLite store's message write path (InsertMessage), on a real file (WAL,
// synchronous=FULL: each insert pays its commit's sync), from one thread and from many (group
// commit: concurrent inserts share a commit and its sync), and in memory (the SQL alone); and
// one unread count read from the store.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>

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

// A 200-byte message of u1 in messaging:general at `at`.
Message BenchMessage(std::string id, std::int64_t at) {
  Message m;
  m.id = std::move(id);
  m.channel_type = "messaging";
  m.channel_id = "general";
  m.user_id = "u1";
  m.text = std::string(200, 'x');
  m.created_at = at;
  m.updated_at = at;
  return m;
}

// `store` is read inside the loop: a thread other than 0 sees it only once the loop started.
void InsertLoop(benchmark::State& state, const std::unique_ptr<Store>& store) {
  std::int64_t n = 0;
  const std::string prefix = "m" + std::to_string(state.thread_index()) + "-";
  for (auto _ : state) {
    ++n;
    Message m = BenchMessage(prefix + std::to_string(n), n);
    if (!store || !store->messages().InsertMessage("app", m).ok()) {
      state.SkipWithError("insert failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

// Shared by the threads of one run: thread 0 opens it before the first iteration (Google
// Benchmark starts every thread's loop together) and closes it after the last.
std::unique_ptr<Store> file_store;

void BM_InsertMessageFile(benchmark::State& state) {
  std::string dir =
      std::filesystem::temp_directory_path() / ("eddy-microbench-" + std::to_string(getpid()));
  if (state.thread_index() == 0) {
    std::filesystem::remove_all(dir);
    file_store = OpenWithChannel(dir);
  }
  InsertLoop(state, file_store);
  if (state.thread_index() == 0) {
    file_store.reset();
    std::filesystem::remove_all(dir);
  }
}
// Real time per insert over all threads: with 32 threads, items/s is the acknowledged rate.
BENCHMARK(BM_InsertMessageFile)->UseRealTime()->Threads(1)->Threads(8)->Threads(32);

void BM_InsertMessageMemory(benchmark::State& state) {
  auto store = OpenWithChannel(":memory:");
  InsertLoop(state, store);
}
BENCHMARK(BM_InsertMessageMemory);

// One reader's unread count (CountUnread) three messages behind the newest of 1,000, on a real
// file: what a member's unread_count costs when the cache has no count for their position (the
// first message after they read). Arg: how many senders the reader muted.
void BM_CountUnread(benchmark::State& state) {
  std::string dir =
      std::filesystem::temp_directory_path() / ("eddy-microbench-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  auto store = OpenWithChannel(dir);
  for (int n = 1; store && n <= 1000; ++n) {
    Message m = BenchMessage("m" + std::to_string(n), n);
    if (!store->messages().InsertMessage("app", m).ok()) store.reset();
  }
  UnreadQuery q;
  q.channel_type = "messaging";
  q.channel_id = "general";
  q.user_id = "reader";
  q.after = 997;
  for (std::int64_t i = 0; i < state.range(0); ++i) {
    q.muted_user_ids.push_back("muted" + std::to_string(i));
  }
  for (auto _ : state) {
    Result<std::int64_t> n = store ? store->messages().CountUnread("app", q) : Error::Internal("");
    if (!n.ok() || *n != 3) {
      state.SkipWithError("count failed");
      break;
    }
  }
  store.reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_CountUnread)->Arg(0)->Arg(1);

}  // namespace
}  // namespace eddy::bench
