#include "common/work_queue.h"

#include <pthread.h>
#include <sched.h>

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
    wake = sleeping_ > 0 && !waking_;
    if (wake) waking_ = true;
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

WorkQueue::Hold::Hold(WorkQueue& queue) : queue_(&queue) {
  std::lock_guard lock(queue.mutex_);
  ++queue.holds_;
}

WorkQueue::Hold::~Hold() {
  if (queue_ == nullptr) return;
  bool last;
  {
    std::lock_guard lock(queue_->mutex_);
    last = --queue_->holds_ == 0 && queue_->stopping_;
    if (last) queue_->posted_.fetch_add(1, std::memory_order_relaxed);
  }
  if (last) FutexWake(queue_->posted_, kWakeAll);  // the threads may end now
}

void WorkQueue::Loop() {
  // Batch scheduling: a thread woken for a task does not preempt the one running (the event
  // loop posting requests, another worker), which finishes its turn first. Not a priority:
  // over a turn the share of the core is the same.
  sched_param normal{};
  (void)pthread_setschedparam(pthread_self(), SCHED_BATCH, &normal);
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mutex_);
      while (tasks_.empty() && (!stopping_ || holds_ > 0)) {
        ++sleeping_;
        FutexWaitUnlocked(lock, posted_);
        --sleeping_;
        waking_ = false;  // this thread is up: the next post or take may wake another
      }
      if (tasks_.empty()) return;  // stopping, drained and nothing will be posted
      task = std::move(tasks_.front());
      tasks_.pop_front();
      if (!tasks_.empty() && sleeping_ > 0 && !waking_) {
        // More are queued: another thread takes them should this task block.
        waking_ = true;
        posted_.fetch_add(1, std::memory_order_relaxed);
        lock.unlock();
        FutexWake(posted_, 1);
      }
    }
    try {
      task();
    } catch (const std::exception& e) {
      log::Error("task failed", {{"error", e.what()}});
    }
  }
}

}  // namespace eddy
