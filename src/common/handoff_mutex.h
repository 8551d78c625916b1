// A mutex another thread may unlock: a send takes its locks on the thread that checks it and
// they are released on the thread that learns its insert is durable (MessageService::
// SendMessageAsync). std::mutex is undefined behaviour there; a binary semaphore is not.
// BasicLockable, so std::unique_lock<HandoffMutex> holds one. Not recursive.
#pragma once

#include <semaphore>

namespace eddy {

class HandoffMutex {
 public:
  void lock() { free_.acquire(); }
  bool try_lock() { return free_.try_acquire(); }
  void unlock() { free_.release(); }

 private:
  std::binary_semaphore free_{1};
};

}  // namespace eddy
