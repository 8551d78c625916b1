// A SQLite VFS that gathers a commit's WAL writes into one system call.
//
// SQLite appends a commit's pages to the WAL one frame at a time, a frame header and then the
// page, each its own pwrite: two system calls per changed page, and the kernel's per-call
// work (not the copy) is most of their cost. This VFS is the default one except for WAL files,
// whose contiguous writes it keeps in memory and hands to the file in one write when SQLite
// syncs, reads, sizes, truncates or closes it, when a write is not contiguous with them, or
// when the next would take them past kMaxGatheredBytes.
//
// Only for connections that sync the WAL at every commit (synchronous=FULL): a commit's frames
// must be in the file before the commit publishes them to other connections (in the WAL
// index), and SQLite publishes after the sync, which writes them out first.
#pragma once

#include <cstddef>
#include <cstdint>

namespace eddy::server {

// The VFS's name for sqlite3_open_v2, registered (not as the default) on first use.
const char* WalGatheringVfs();

// At most this many bytes are gathered: the default VFS writes at most 128 KiB per call (it
// masks larger sizes), and a page may be 64 KiB.
inline constexpr std::size_t kMaxGatheredBytes = 64 * 1024;

// Writes SQLite asked of WAL files opened through the VFS, and writes handed to the files,
// since the process started (for tests and benchmarks).
struct WalGatherCounts {
  std::int64_t asked = 0;
  std::int64_t written = 0;
};
WalGatherCounts WalGatherTotals();

}  // namespace eddy::server
