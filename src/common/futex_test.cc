#include "common/futex.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace eddy {
namespace {

TEST(FutexTest, WaitReturnsAtOnceWhenTheWordDiffers) {
  std::atomic<std::uint32_t> word{1};
  FutexWait(word, 0);  // would sleep forever if it compared wrongly
  SUCCEED();
}

TEST(FutexTest, WakeReleasesAThreadSleepingOnTheWord) {
  std::atomic<std::uint32_t> word{0};
  std::atomic<bool> woke{false};
  std::thread sleeper([&] {
    while (word.load() == 0) FutexWait(word, 0);  // spurious returns re-check
    woke = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(woke.load());
  word.store(1);
  FutexWake(word, kWakeAll);
  sleeper.join();
  EXPECT_TRUE(woke.load());
}

}  // namespace
}  // namespace eddy
