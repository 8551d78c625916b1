#include "common/futex.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace eddy {

static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t) &&
                  std::atomic<std::uint32_t>::is_always_lock_free,
              "a futex is the atomic's own 32-bit word");

namespace {

long Futex(const std::atomic<std::uint32_t>& word, int op, std::uint32_t value) {
  // Private: the word is never shared with another process, so the kernel keys it by address.
  return syscall(SYS_futex, reinterpret_cast<const std::uint32_t*>(&word), op | FUTEX_PRIVATE_FLAG,
                 value, nullptr, nullptr, 0);
}

}  // namespace

void FutexWait(const std::atomic<std::uint32_t>& word, std::uint32_t expected) {
  // EAGAIN (the word changed first) and EINTR are the spurious returns callers expect.
  if (word.load(std::memory_order_acquire) == expected) Futex(word, FUTEX_WAIT, expected);
}

void FutexWake(const std::atomic<std::uint32_t>& word, int count) {
  Futex(word, FUTEX_WAKE, static_cast<std::uint32_t>(count));
}

}  // namespace eddy
