// The scenarios of eddy-bench (issue #7). Each sets up what it needs in its own run-unique
// names, measures, tears its connections down and returns one Outcome.
#pragma once

#include "bench/bench.h"

namespace eddy::bench {

// N connections, distinct users, all watching one channel, held for `duration`.
Outcome RunIdle(Bench& bench);
// One channel watched by `receivers`; one REST sender at each of `rates` for `step_seconds`.
Outcome RunFanout(Bench& bench);
// `senders` concurrent REST senders into `send_channels` channels; every ack is read back.
Outcome RunSend(Bench& bench);
// One user in `member_channels` channels; `queries` sequential queryChannels calls.
Outcome RunChannels(Bench& bench);
// `users` connected users, each in 3 channels; random sends, typing, reads and reactions.
Outcome RunMixed(Bench& bench);
// No server: `receivers` loopback socket pairs; a writer pinned to `writer_cpu` writes
// `frames_per_write` frames of `frame_bytes` to each at each of `rates`: the kernel's floor.
Outcome RunFloor(const Options& options);

// Sleeps the calling (main) thread.
void SleepSeconds(double seconds);
// "12,345".
std::string Thousands(double v);

}  // namespace eddy::bench
