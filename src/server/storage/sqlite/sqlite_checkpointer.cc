#include "server/storage/sqlite/sqlite_checkpointer.h"

#include <utility>

#include "common/log.h"

namespace eddy::server {

Result<std::unique_ptr<WalCheckpointer>> WalCheckpointer::Start(const std::string& path,
                                                                std::mutex& writer_mutex,
                                                                int frames_per_checkpoint) {
  EDDY_ASSIGN_OR_RETURN(std::unique_ptr<SqliteConnection> conn,
                        SqliteConnection::Open(path, /*read_only=*/false));
  // A connection finds the database in WAL mode at its first read; until then a checkpoint
  // on it does nothing.
  EDDY_TRY(conn->Exec("PRAGMA journal_mode"));
  // Starting the WAL over waits for the readers still in it, with the writes held: not long.
  conn->LimitBusyWait(kMostReaderWait);
  std::unique_ptr<WalCheckpointer> checkpointer(
      new WalCheckpointer(std::move(conn), writer_mutex, frames_per_checkpoint));
  checkpointer->thread_ = std::thread([c = checkpointer.get()] { c->Run(); });
  return checkpointer;
}

WalCheckpointer::~WalCheckpointer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void WalCheckpointer::Committed(int wal_frames) {
  {
    std::lock_guard lock(mutex_);
    // A shorter WAL than after the previous commit: it started over, and holds only new frames.
    frames_since_ += wal_frames >= last_wal_frames_ ? wal_frames - last_wal_frames_ : wal_frames;
    last_wal_frames_ = wal_frames;
    if (due_ || frames_since_ < frames_per_checkpoint_) return;
    due_ = true;
    frames_since_ = 0;
  }
  wake_.notify_one();
}

WalCheckpointer::Progress WalCheckpointer::progress() {
  std::lock_guard lock(mutex_);
  return progress_;
}

void WalCheckpointer::Run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return due_ || stopping_; });
    if (stopping_) return;
    lock.unlock();
    Result<SqliteConnection::WalFrames> wal = CheckpointOnce();
    if (!wal.ok()) log::Warn("sqlite checkpoint failed", {{"error", wal.error().message}});
    lock.lock();
    due_ = false;
    ++progress_.runs;
    if (wal.ok()) progress_.last = *wal;
  }
}

Result<SqliteConnection::WalFrames> WalCheckpointer::CheckpointOnce() {
  std::lock_guard running(running_mutex_);
  // Beside the writes: the bulk of the copy and the database file's sync.
  EDDY_ASSIGN_OR_RETURN(SqliteConnection::WalFrames wal,
                        conn_->Checkpoint(SqliteConnection::CheckpointMode::kPassive));
  {
    std::lock_guard lock(mutex_);
    if (last_wal_frames_ < kRestartAfter * frames_per_checkpoint_) return wal;
  }
  // The writes never paused for the WAL to start over (the first write after a checkpoint
  // that copied it all does that). Now they are held while the few frames they added
  // meanwhile are copied and the readers still in the WAL finish (at most kMostReaderWait;
  // if one takes longer, the next checkpoint tries again); the next write starts it over.
  std::lock_guard writes(writer_mutex_);
  return conn_->Checkpoint(SqliteConnection::CheckpointMode::kRestart);
}

}  // namespace eddy::server
