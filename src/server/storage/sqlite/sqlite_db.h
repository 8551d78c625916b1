// A thin C++ face on an SQLite database: prepared statements with typed binds and reads, a
// statement cache per connection, group-committed writes, a pool of read connections, and
// SQLite result codes turned into eddy Errors.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/error.h"
#include "server/storage/sql/sql_dialect.h"

struct sqlite3;
struct sqlite3_stmt;

namespace eddy::server {

class WalCheckpointer;

// One prepared statement in use. Move-only. A cached statement is reset and its bindings
// cleared when this handle goes away; a transient one is finalized. Bind errors are kept and
// reported by the next Step, so binds chain without checks. Used only inside the scope (Write,
// Reading, Exclusive) that prepared it.
class SqliteStatement {
 public:
  SqliteStatement(sqlite3_stmt* stmt, bool owned) : stmt_(stmt), owned_(owned) {}
  SqliteStatement(SqliteStatement&& other) noexcept;
  SqliteStatement& operator=(SqliteStatement&&) = delete;
  ~SqliteStatement();

  // Parameters count from 1, as in SQL ("?1").
  SqliteStatement& Bind(int index, std::string_view text);
  // Binds `text` without SQLite's copy of it (a malloc and a copy per bound string): the
  // caller keeps it alive and unchanged until this handle goes away (it clears the bindings).
  // Not for temporaries, which are gone before the statement runs.
  SqliteStatement& BindView(int index, std::string_view text);
  SqliteStatement& Bind(int index, std::int64_t value);
  SqliteStatement& Bind(int index, std::optional<std::int64_t> value);
  SqliteStatement& BindBool(int index, bool value);
  SqliteStatement& BindParam(int index, const sql::SqlParam& value);

  // true: a row is available; false: done.
  Result<bool> Step();
  // Steps to completion, ignoring any rows.
  Status Run();

  std::int64_t ColumnInt(int col) const;
  std::optional<std::int64_t> ColumnOptionalInt(int col) const;
  bool ColumnBool(int col) const { return ColumnInt(col) != 0; }
  // Valid until the next Step or until this statement goes away.
  std::string_view ColumnText(int col) const;

 private:
  void NoteBind(int rc);

  sqlite3_stmt* stmt_;
  bool owned_;
  int bind_rc_ = 0;
};

// One SQLite connection and its statement cache. Not thread-safe: SqliteDb hands each
// connection to one thread at a time.
class SqliteConnection {
 public:
  // A connection that writes with synchronous=FULL may gather its WAL writes (see
  // sqlite_wal_gather.h).
  static Result<std::unique_ptr<SqliteConnection>> Open(const std::string& path, bool read_only,
                                                        bool gather_wal_writes = false);
  ~SqliteConnection();
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  Status Exec(std::string_view sql);
  Result<SqliteStatement> Prepare(const std::string& sql);
  Result<SqliteStatement> PrepareGenerated(const std::string& sql);
  Result<SqliteStatement> PrepareTransient(std::string_view sql);
  std::int64_t Changes() const;
  std::int64_t LastInsertRowid() const;
  // false once SQLite has rolled the open transaction back by itself (I/O errors, SQLITE_FULL).
  bool InTransaction() const;

  // The WAL's frames, and how many of them are in the database file.
  struct WalFrames {
    int total = 0;
    int backfilled = 0;
  };
  enum class CheckpointMode {
    kPassive,   // copies what it can without waiting for readers or writers
    kRestart,   // waits for them and copies all: the next write starts the WAL over
    kTruncate,  // as kRestart, and empties the WAL file
  };
  // A checkpoint that cannot run at all (another is running; readers hold the WAL for
  // kTruncate) is not an error: every commit is synced already, so it costs WAL length only.
  Result<WalFrames> Checkpoint(CheckpointMode mode);
  // After each commit, `checkpointer` is told the WAL's length instead of this connection
  // checkpointing in the commit; null: no checkpoints after commits at all.
  void ReportCommitsTo(WalCheckpointer* checkpointer);
  // Waits for a busy database at most `most` (instead of 5 s), retrying every 100 us.
  void LimitBusyWait(std::chrono::microseconds most);

 private:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  int busy_retries_ = 0;  // set by LimitBusyWait
  std::map<std::string, sqlite3_stmt*, std::less<>> cache_;
  // Generated SQL: the most recently used last, at most kGeneratedStatements.
  static constexpr size_t kGeneratedStatements = 32;
  std::vector<std::pair<std::string, sqlite3_stmt*>> generated_;
};

// The database: one write connection whose writes are group-committed, and a pool of read
// connections (WAL lets them read while a commit syncs). Statements are prepared on the
// connection the calling thread holds through one of the three scopes:
//   - Write(fn): fn runs in a transaction shared with the writes of other threads that arrive
//     meanwhile; it returns once the COMMIT that contains it is durable (synchronous=FULL).
//   - Reading: a read transaction on a pool connection; it sees every write acknowledged
//     before it began. Inside Write, it reads through the write connection instead.
//   - Exclusive: the write connection alone, outside group commit (migrations, checkpoints).
// Thread-safe. An in-memory database (":memory:") has no read pool: Reading holds the write
// connection, so reads and group commits take turns.
class SqliteDb {
 public:
  // Opens (creating if needed) the database file at `path`, or an in-memory database for
  // ":memory:", and applies the connection pragmas (WAL, synchronous=FULL, foreign keys,
  // busy timeout; kPageSize for a new database). At most `readers` read connections are
  // opened, on demand. The write connection gathers each commit's WAL writes
  // (sqlite_wal_gather.h). A file database's WAL is checkpointed by a WalCheckpointer per
  // `checkpoint_frames` written.
  static Result<std::unique_ptr<SqliteDb>> Open(const std::string& path, int readers = 8,
                                                int checkpoint_frames = kCheckpointFrames);
  // Pages written to the WAL per checkpoint. SQLite's default is 1,000; off the commit path,
  // fewer and longer checkpoints copy a page that many commits rewrote once, with one sync
  // of the database file (4,000 against 1,000: 6% less server CPU per send). 16,000 against
  // 4,000: 12% less server CPU per full-speed send (lower in 8 of 9 interleaved rounds) and
  // per fan-out delivery (3 of 3), the checkpoints' writes and syncs competing less with
  // the commits' syncs for the disk. With 1 KiB pages the WAL grows to ~32-50 MB (it starts
  // over after kRestartAfter checkpoints, once no reader is in it) and its index to a few
  // hundred KiB of shared memory.
  static constexpr int kCheckpointFrames = 16000;
  // The page size of a database Open creates (bytes).
  static constexpr int kPageSize = 1024;
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

 private:
  // Which connection of which database the current thread holds (one thread_local of these).
  struct Binding {
    const SqliteDb* db = nullptr;
    SqliteConnection* conn = nullptr;
  };

 public:
  // Runs `write` in its own savepoint of a group transaction: if it fails, its changes alone
  // are rolled back and its error returned; if the COMMIT fails, every write of the group
  // gets that error. Called inside another Write, runs `write` in the enclosing one.
  Status Write(const std::function<Status()>& write);
  // Queues `write` like Write but returns at once: the group commit's leader runs it (the
  // committer thread when no blocking writer leads) and calls `stored` with its status once
  // the COMMIT that contains it is durable, or failed. `stored` runs on that thread while the
  // next group waits: it must be quick and must not write to this database (a blocking write
  // there would wait for itself; hand the rest of the work to another thread). Not inside a
  // scope of this database (`stored` gets an error).
  void WriteAsync(std::function<Status()> write, std::function<void(Status)> stored);

  // Holds a read connection (or the write connection, see above) for the current thread.
  class Reading {
   public:
    explicit Reading(SqliteDb& db);
    ~Reading();
    Reading(const Reading&) = delete;
    Reading& operator=(const Reading&) = delete;

   private:
    SqliteDb& db_;
    SqliteConnection* conn_ = nullptr;  // null when nested in another scope of db_
    bool writer_ = false;
    Binding saved_;
  };

  // Holds the write connection for the current thread, outside group commit.
  class Exclusive {
   public:
    explicit Exclusive(SqliteDb& db);
    ~Exclusive();
    Exclusive(const Exclusive&) = delete;
    Exclusive& operator=(const Exclusive&) = delete;

   private:
    SqliteDb& db_;
    std::unique_lock<std::mutex> lock_;
    Binding saved_;
  };

  // On the connection the current thread holds; an Internal error outside every scope.
  Status Exec(std::string_view sql);
  // A statement kept prepared for the life of the connection; for fixed SQL text only.
  Result<SqliteStatement> Prepare(const std::string& sql);
  // For SQL generated from a query's shape (filters, sorts; values are bound): the connection
  // keeps the last few prepared, so the common shapes skip SQLite's parser. Valid until the
  // scope ends, like Prepare's, and never evicted while stepping.
  Result<SqliteStatement> PrepareGenerated(const std::string& sql);
  // A statement prepared for one use (migrations, tests).
  Result<SqliteStatement> PrepareTransient(std::string_view sql);
  // Rows changed by the last INSERT/UPDATE/DELETE on the held connection.
  std::int64_t Changes() const;
  // The rowid of the last row the held connection inserted. Cheaper than RETURNING, which
  // opens a temporary b-tree for every execution.
  std::int64_t LastInsertRowid() const;

  // Writes the WAL back into the database file and truncates it.
  Status Checkpoint();
  // The background checkpoints (tests); null for an in-memory database.
  WalCheckpointer* checkpointer() { return checkpointer_.get(); }

  // Writes waiting for a group to take them (tests use it to line writes up in one group).
  size_t QueuedWrites();
  // Group transactions run so far (committed or not); writes per group = writes / groups.
  std::int64_t Groups();

 private:
  struct PendingWrite;
  struct WaitingGroup;

  SqliteDb(std::string path, int readers, std::unique_ptr<SqliteConnection> writer);
  SqliteConnection* Held() const;
  // Runs one group (everything queued) as its leader, `self` the leader's own write (null for
  // the committer); wakes the group's blocking writes and finishes its asynchronous ones.
  // group_mutex_ held on entry and return, released meanwhile.
  void LeadGroup(std::unique_lock<std::mutex>& lock, const PendingWrite* self);
  // Makes the committer thread the leader (leading_ is set); releases `lock`.
  void HandToCommitter(std::unique_lock<std::mutex>& lock);
  void CommitLoop();
  // Runs `batch` in one transaction on the write connection; sets each entry's status.
  void RunGroup(const std::vector<PendingWrite*>& batch);
  Result<SqliteConnection*> AcquireReader();
  void ReleaseReader(SqliteConnection* conn);

  static thread_local Binding held_;

  const std::string path_;
  const int max_readers_;  // 0: no read pool (in-memory database)

  std::mutex writer_mutex_;  // guards the use of writer_
  std::unique_ptr<SqliteConnection> writer_;
  std::unique_ptr<WalCheckpointer> checkpointer_;  // after writer_: stops before it closes

  // Guards queue_, queue_group_, blocking_queued_, leading_, committer_leads_, stopping_,
  // groups_ and every PendingWrite.
  std::mutex group_mutex_;
  std::vector<PendingWrite*> queue_;
  std::shared_ptr<WaitingGroup> queue_group_;  // what the blocking writes in queue_ wait on
  int blocking_queued_ = 0;                    // of queue_
  bool leading_ = false;                       // a group is running or handed to a leader
  bool committer_leads_ = false;               // ... to the committer thread
  bool stopping_ = false;
  std::atomic<std::uint32_t> committer_calls_{
      0};  // moved when committer_leads_ or stopping_ is set
  std::int64_t groups_ = 0;

  std::mutex readers_mutex_;  // guards readers_, idle_
  std::condition_variable readers_cv_;
  std::vector<std::unique_ptr<SqliteConnection>> readers_;
  std::vector<SqliteConnection*> idle_;

  // Leads the groups of asynchronous writes no blocking writer leads. Last: it starts once
  // the rest is built.
  std::thread committer_;
};

// A write transaction (BEGIN IMMEDIATE: takes the write lock at once, so a busy database
// fails at the start rather than half-way), for Exclusive scopes only (Write already runs in
// one). Rolls back unless committed.
class SqliteTransaction {
 public:
  static Result<SqliteTransaction> Begin(SqliteDb& db);
  SqliteTransaction(SqliteTransaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  SqliteTransaction& operator=(SqliteTransaction&&) = delete;
  ~SqliteTransaction();
  Status Commit();

 private:
  explicit SqliteTransaction(SqliteDb* db) : db_(db) {}
  SqliteDb* db_;
};

}  // namespace eddy::server
