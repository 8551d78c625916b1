#include "common/send_burst.h"

#include <algorithm>

namespace eddy {

SendBurst::~SendBurst() {
  ThreadState& state = State();
  if (--state.depth > 0) return;
  // A wake may send (and ask for wakes) in turn: it runs outside the burst.
  std::vector<std::pair<void (*)(void*), void*>> wakes;
  wakes.swap(state.wakes);
  for (auto& [wake, target] : wakes) wake(target);
}

void SendBurst::WakeAtEnd(void (*wake)(void*), void* target) {
  auto& wakes = State().wakes;
  const std::pair<void (*)(void*), void*> entry{wake, target};
  if (std::find(wakes.begin(), wakes.end(), entry) == wakes.end()) wakes.push_back(entry);
}

}  // namespace eddy
