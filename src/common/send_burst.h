// A burst of sends from one thread (a fan-out to thousands of sockets). A transport that hands
// each frame to another thread's event loop may hold that loop's wake-up until the burst
// ends: on one core, waking it for the first frame let it preempt the sender and take a few
// frames at a time (86 context switches per 2,000-recipient message).
#pragma once

#include <utility>
#include <vector>

namespace eddy {

class SendBurst {
 public:
  // Nests: the outermost burst of the thread ends it.
  SendBurst() { ++State().depth; }
  ~SendBurst();
  SendBurst(const SendBurst&) = delete;
  SendBurst& operator=(const SendBurst&) = delete;

  // Whether the calling thread is in a burst.
  static bool Active() { return State().depth > 0; }
  // While Active(): `wake(target)` runs when the calling thread's burst ends, once however
  // often it is asked for. `target` must outlive the burst.
  static void WakeAtEnd(void (*wake)(void*), void* target);

 private:
  struct ThreadState {
    int depth = 0;
    std::vector<std::pair<void (*)(void*), void*>> wakes;
  };
  static ThreadState& State() {
    thread_local ThreadState state;
    return state;
  }
};

}  // namespace eddy
