#include "common/work_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace eddy {
namespace {

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
  // them all through. Posted at once, they wake one thread, and each thread that takes a task
  // with others queued must wake the next.
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

TEST(WorkQueueTest, ShutdownWaitsForHoldsAndRunsWhatTheirOwnersPost) {
  std::atomic<bool> ran{false};
  WorkQueue queue(2);
  auto hold = std::make_unique<WorkQueue::Hold>(queue);
  std::thread owner([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    queue.Post([&] { ran = true; });  // the answer of work that was waiting elsewhere
    hold.reset();
  });
  queue.Shutdown();
  EXPECT_TRUE(ran.load());
  owner.join();
}

TEST(WorkQueueTest, ShutdownIsIdempotentAndLeavesNothingRunning) {
  std::atomic<int> ran{0};
  WorkQueue queue(5);
  queue.Post([&] { ++ran; });
  queue.Shutdown();
  queue.Shutdown();
  EXPECT_EQ(ran.load(), 1);
}

}  // namespace
}  // namespace eddy
