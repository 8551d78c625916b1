// Copies the WAL back into the database file on a thread and connection of its own.
//
// SQLite's default checkpoints inside the commit that takes the WAL past 1,000 pages, so that
// commit's whole group, and every write queued behind it, waited for the copy and the
// database file's sync (at 2,000 sends/s: p99 5-16 ms against 3-4 ms with no checkpoints).
// Here the write connection only reports the WAL's length after each commit, and the copy runs
// beside the writes. A WAL starts over only at a write that finds it copied whole, which
// writes that never pause do not; so once it is kRestartAfter checkpoints long, the writes
// are held while the little they added meanwhile is copied (a WAL that only grows would
// cost disk and make every fdatasync a metadata commit).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/error.h"
#include "server/storage/sqlite/sqlite_db.h"

namespace eddy::server {

class WalCheckpointer {
 public:
  // Opens a connection to the database at `path` and starts the thread. `writer_mutex` is
  // the one every write to the database holds.
  static Result<std::unique_ptr<WalCheckpointer>> Start(const std::string& path,
                                                        std::mutex& writer_mutex,
                                                        int frames_per_checkpoint);
  // Stops the thread (after the checkpoint it may be running).
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // From the write connection after each commit, with `wal_frames` in the WAL now.
  void Committed(int wal_frames);
  // Keeps checkpoints from starting while held (an explicit truncating checkpoint).
  std::unique_lock<std::mutex> Hold() { return std::unique_lock(running_mutex_); }

  struct Progress {
    std::int64_t runs = 0;             // checkpoints finished
    SqliteConnection::WalFrames last;  // the WAL after the latest one
  };
  Progress progress();

 private:
  WalCheckpointer(std::unique_ptr<SqliteConnection> conn, std::mutex& writer_mutex, int frames)
      : conn_(std::move(conn)), writer_mutex_(writer_mutex), frames_per_checkpoint_(frames) {}
  // A WAL this many checkpoints long is started over with the writes held for a moment.
  static constexpr int kRestartAfter = 2;
  static constexpr std::chrono::milliseconds kMostReaderWait{10};
  void Run();
  Result<SqliteConnection::WalFrames> CheckpointOnce();

  std::unique_ptr<SqliteConnection> conn_;  // used by the thread only
  std::mutex& writer_mutex_;
  const int frames_per_checkpoint_;
  std::mutex running_mutex_;  // held by a checkpoint while it runs; taken before writer_mutex_

  std::mutex mutex_;  // guards what follows
  std::condition_variable wake_;
  int last_wal_frames_ = 0;  // as of the latest commit
  int frames_since_ = 0;     // written to the WAL since the latest checkpoint was asked for
  bool due_ = false;         // a checkpoint is asked for or running
  bool stopping_ = false;
  Progress progress_;

  std::thread thread_;  // runs Run(); joined by the destructor
};

}  // namespace eddy::server
