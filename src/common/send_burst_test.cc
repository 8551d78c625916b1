// SendBurst: the wake-ups asked for during a thread's burst run once each, when its outermost
// burst ends, and outside it.
#include "common/send_burst.h"

#include <gtest/gtest.h>

#include <thread>

namespace eddy {
namespace {

struct Target {
  int wakes = 0;
  bool active_when_woken = true;
};

void Wake(void* target) {
  auto* t = static_cast<Target*>(target);
  ++t->wakes;
  t->active_when_woken = SendBurst::Active();
}

TEST(SendBurstTest, WakesEachTargetOnceWhenTheOutermostBurstEnds) {
  Target a, b;
  EXPECT_FALSE(SendBurst::Active());
  {
    SendBurst burst;
    EXPECT_TRUE(SendBurst::Active());
    SendBurst::WakeAtEnd(Wake, &a);
    {
      SendBurst nested;
      SendBurst::WakeAtEnd(Wake, &a);
      SendBurst::WakeAtEnd(Wake, &b);
    }
    EXPECT_EQ(a.wakes + b.wakes, 0);
  }
  EXPECT_FALSE(SendBurst::Active());
  EXPECT_EQ(a.wakes, 1);
  EXPECT_EQ(b.wakes, 1);
  EXPECT_FALSE(a.active_when_woken);
  {
    SendBurst again;  // a new burst starts with nothing to wake
  }
  EXPECT_EQ(a.wakes, 1);
}

TEST(SendBurstTest, BurstsArePerThread) {
  Target t;
  SendBurst burst;
  SendBurst::WakeAtEnd(Wake, &t);
  bool active_elsewhere = true;
  std::thread([&] { active_elsewhere = SendBurst::Active(); }).join();
  EXPECT_FALSE(active_elsewhere);
  EXPECT_EQ(t.wakes, 0);
}

}  // namespace
}  // namespace eddy
