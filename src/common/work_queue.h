// A fixed pool of threads running posted tasks in FIFO order. The API and the WebSocket
// handshake run their blocking work (storage) here, never on a network thread.
// Thread-safe: Post may be called from any thread.
//
// A task wakes the thread that went idle last: its stack and data are still in the cache,
// where the one idle longest (a shared condition variable's choice) has gone cold.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace eddy {

class WorkQueue {
 public:
  explicit WorkQueue(int threads);
  ~WorkQueue();  // runs what is queued, then joins
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  void Post(std::function<void()> task);
  // Waits until every task posted so far has run, then stops the threads.
  void Shutdown();
  // Threads waiting for a task now.
  std::size_t IdleThreads();

 private:
  struct Idle;
  void Loop(Idle& me);

  // A thread's wake-up. Kept by the queue, not the thread, so a Post that notifies after
  // unlocking never reaches a thread that already ended.
  struct Idle {
    std::condition_variable cv;
    bool woken = false;
  };

  std::mutex mutex_;  // guards tasks_, idle_, the Idle records and stopping_
  std::deque<std::function<void()>> tasks_;
  std::vector<Idle*> idle_;  // the last to go idle at the back
  bool stopping_ = false;
  std::vector<std::unique_ptr<Idle>> records_;  // one per thread
  std::vector<std::thread> threads_;
};

}  // namespace eddy
