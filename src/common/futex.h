// Waiting on a 32-bit word with Linux futexes, for the hand-offs that run on every request.
//
// A condition variable costs one system call more per wake-up than the wait itself: a thread
// woken in pthread_cond_wait re-takes its mutex marked as contended, so the unlock that follows
// always calls the kernel, whether another thread waits or not (perf: 0.8 such calls per send
// in the group commit, 0.66 in the work queue). Here the waiter sleeps on a word the waker
// changes, and takes no lock to wake.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>

namespace eddy {

// Sleeps while `word` holds `expected`; returns at once if it does not. May return
// spuriously: callers re-check what they wait for.
void FutexWait(const std::atomic<std::uint32_t>& word, std::uint32_t expected);

// Wakes up to `count` threads sleeping in FutexWait on `word` (after the caller changed it).
void FutexWake(const std::atomic<std::uint32_t>& word, int count);

inline constexpr int kWakeAll = 1 << 30;

// The waiter's half of a word its waker moves under `lock`'s mutex: reads the word under the
// lock, releases it, sleeps until the word moves (at once if it moved after the release),
// and takes the lock back. Callers re-check under the lock what they wait for.
inline void FutexWaitUnlocked(std::unique_lock<std::mutex>& lock,
                              const std::atomic<std::uint32_t>& word) {
  const std::uint32_t seen = word.load(std::memory_order_relaxed);
  lock.unlock();
  FutexWait(word, seen);
  lock.lock();
}

}  // namespace eddy
