// A fixed pool of threads running posted tasks in FIFO order. The API and the WebSocket
// handshake run their blocking work (storage) here, never on a network thread.
// Thread-safe: Post may be called from any thread.
//
// At most one sleeping thread is being woken at a time: a post wakes one unless a woken
// thread has not taken a task yet, and a thread that takes a task and leaves others queued
// wakes the next. A burst of posts thus costs one wake-up while the threads already up drain
// it, yet a task that blocks (a store write, a lock) never keeps the queue waiting. With a
// wake-up per post, each request and each send's finish woke a thread of its own: 4.4
// context switches per full-speed send against ~1 (~5 us each on this VM). Its threads run
// under SCHED_BATCH (see Loop).
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace eddy {

class WorkQueue {
 public:
  explicit WorkQueue(int threads);
  ~WorkQueue();  // runs what is queued, then joins

  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  void Post(std::function<void()> task);
  // Waits until every task posted so far has run and no Hold is left, then stops the threads.
  void Shutdown();

  // Keeps Shutdown from stopping the threads while it lives: for work that will post its
  // task later (a request whose answer waits for the store). Move-only; any thread.
  class Hold {
   public:
    explicit Hold(WorkQueue& queue);
    Hold(Hold&& other) noexcept : queue_(std::exchange(other.queue_, nullptr)) {}
    Hold& operator=(Hold&&) = delete;
    ~Hold();

   private:
    WorkQueue* queue_ = nullptr;
  };

 private:
  void Loop();

  std::mutex mutex_;  // guards tasks_, stopping_, holds_, sleeping_ and waking_
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  int holds_ = 0;
  bool waking_ = false;  // a thread was woken and has not taken a task yet
  int sleeping_ = 0;     // threads waiting for posted_ to move
  // Moved (under the mutex) by every post and by Shutdown; idle threads sleep on it with
  // FutexWait rather than on a condition variable (see common/futex.h).
  std::atomic<std::uint32_t> posted_{0};
  std::vector<std::thread> threads_;
};

}  // namespace eddy
