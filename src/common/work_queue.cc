#include "common/work_queue.h"

#include <exception>

#include "common/log.h"

namespace eddy {

WorkQueue::WorkQueue(int threads) {
  if (threads < 1) threads = 1;
  for (int i = 0; i < threads; ++i) records_.push_back(std::make_unique<Idle>());
  for (int i = 0; i < threads; ++i) {
    threads_.emplace_back([this, me = records_[static_cast<std::size_t>(i)].get()] { Loop(*me); });
  }
}

WorkQueue::~WorkQueue() { Shutdown(); }

void WorkQueue::Post(std::function<void()> task) {
  Idle* wake = nullptr;
  {
    std::lock_guard lock(mutex_);
    tasks_.push_back(std::move(task));
    if (!idle_.empty()) {
      wake = idle_.back();
      idle_.pop_back();
      wake->woken = true;
    }
  }
  // Outside the lock, so the thread does not wake only to wait for it.
  if (wake) wake->cv.notify_one();
}

void WorkQueue::Shutdown() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
    for (Idle* idle : idle_) {
      idle->woken = true;
      idle->cv.notify_one();
    }
    idle_.clear();
  }
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

std::size_t WorkQueue::IdleThreads() {
  std::lock_guard lock(mutex_);
  return idle_.size();
}

void WorkQueue::Loop(Idle& me) {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mutex_);
      while (tasks_.empty()) {
        if (stopping_) return;  // stopping and drained
        me.woken = false;
        idle_.push_back(&me);
        me.cv.wait(lock, [&me] { return me.woken; });
      }
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
