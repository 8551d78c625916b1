#include "common/work_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace eddy {
namespace {

// Polls `done` for up to 5 s.
template <typename Done>
bool Eventually(Done done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

TEST(WorkQueueTest, RunsEveryTaskPostedFromAnyThreadBeforeShutdownReturns) {
  std::atomic<int> ran{0};
  WorkQueue queue(3);
  std::vector<std::thread> posters;
  for (int p = 0; p < 4; ++p) {
    posters.emplace_back([&] {
      for (int i = 0; i < 500; ++i) queue.Post([&] { ++ran; });
    });
  }
  for (auto& t : posters) t.join();
  queue.Shutdown();
  EXPECT_EQ(ran.load(), 2000);
}

TEST(WorkQueueTest, TasksRunConcurrentlyUpToTheThreads) {
  // Four tasks that each wait for all four to have started: only four threads at once get
  // them all through.
  WorkQueue queue(4);
  std::mutex mutex;
  std::condition_variable all_started;
  int started = 0;
  std::atomic<int> finished{0};
  for (int i = 0; i < 4; ++i) {
    queue.Post([&] {
      std::unique_lock lock(mutex);
      ++started;
      all_started.notify_all();
      if (all_started.wait_for(lock, std::chrono::seconds(5), [&] { return started == 4; })) {
        ++finished;
      }
    });
  }
  queue.Shutdown();
  EXPECT_EQ(finished.load(), 4);
}

TEST(WorkQueueTest, TheLastThreadToGoIdleTakesTheNextTask) {
  // The last thread to go idle takes the next task, so tasks one at a time all run on the
  // same (cache-warm) thread instead of rotating over the pool.
  WorkQueue queue(8);
  ASSERT_TRUE(Eventually([&] { return queue.IdleThreads() == 8; }));
  std::vector<std::thread::id> ran_on;
  for (int i = 0; i < 20; ++i) {
    std::atomic<bool> done{false};
    queue.Post([&] {
      ran_on.push_back(std::this_thread::get_id());
      done = true;
    });
    ASSERT_TRUE(Eventually([&] { return done.load() && queue.IdleThreads() == 8; }));
  }
  for (const auto& id : ran_on) EXPECT_EQ(id, ran_on.front());
}

TEST(WorkQueueTest, ShutdownWakesIdleThreadsAndIsIdempotent) {
  WorkQueue queue(5);
  ASSERT_TRUE(Eventually([&] { return queue.IdleThreads() == 5; }));
  queue.Shutdown();
  EXPECT_EQ(queue.IdleThreads(), 0u);
  queue.Shutdown();
}

}  // namespace
}  // namespace eddy
