// A fixed pool of threads running posted tasks in FIFO order. The API and the WebSocket
// handshake run their blocking work (storage) here, never on a network thread.
// Thread-safe: Post may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
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

 private:
  void Loop();

  std::mutex mutex_;  // guards tasks_, stopping_ and sleeping_
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  int sleeping_ = 0;  // threads waiting for posted_ to move
  // Moved (under the mutex) by every post and by Shutdown; idle threads sleep on it with
  // FutexWait rather than on a condition variable (see common/futex.h).
  std::atomic<std::uint32_t> posted_{0};
  std::vector<std::thread> threads_;
};

}  // namespace eddy
