#include "common/work_queue.h"

#include <exception>

#include "common/futex.h"
#include "common/log.h"

namespace eddy {

WorkQueue::WorkQueue(int threads) {
  if (threads < 1) threads = 1;
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Loop(); });
}

WorkQueue::~WorkQueue() { Shutdown(); }

void WorkQueue::Post(std::function<void()> task) {
  bool wake;
  {
    std::lock_guard lock(mutex_);
    tasks_.push_back(std::move(task));
    posted_.fetch_add(1, std::memory_order_relaxed);  // the mutex orders it
    wake = sleeping_ > 0;
  }
  if (wake) FutexWake(posted_, 1);
}

void WorkQueue::Shutdown() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
    posted_.fetch_add(1, std::memory_order_relaxed);  // the mutex orders it
  }
  FutexWake(posted_, kWakeAll);
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

void WorkQueue::Loop() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mutex_);
      while (!stopping_ && tasks_.empty()) {
        ++sleeping_;
        FutexWaitUnlocked(lock, posted_);
        --sleeping_;
      }
      if (tasks_.empty()) return;  // stopping and drained
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    try {
      task();
    } catch (const std::exception& e) {
      log::Error("task failed", {{"error", e.what()}});
    }
  }
}

}  // namespace eddy
