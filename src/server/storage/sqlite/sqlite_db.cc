#include "server/storage/sqlite/sqlite_db.h"

#include <sched.h>
#include <sqlite3.h>

#include <algorithm>
#include <exception>
#include <thread>
#include <utility>

#include "common/futex.h"
#include "server/storage/sqlite/sqlite_checkpointer.h"
#include "server/storage/sqlite/sqlite_wal_gather.h"

namespace eddy::server {

namespace {

// Busy or locked means another process holds the database longer than busy_timeout: the
// request may be retried, so it is a 503 rather than a 500.
Error FromCode(sqlite3* db, int rc, std::string_view what) {
  std::string msg = std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  int primary = rc & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) return Error::Unavailable(msg);
  return Error::Internal(msg);
}

constexpr int kBusyTimeoutMs = 5000;
// How many times a group's leader lets other threads queue their writes before it commits.
constexpr int kMaxYieldsBeforeCommit = 8;

}  // namespace

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept
    : stmt_(other.stmt_), owned_(other.owned_), bind_rc_(other.bind_rc_) {
  other.stmt_ = nullptr;
}

SqliteStatement::~SqliteStatement() {
  if (stmt_ == nullptr) return;
  if (owned_) {
    sqlite3_finalize(stmt_);
  } else {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

void SqliteStatement::NoteBind(int rc) {
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

SqliteStatement& SqliteStatement::Bind(int index, std::string_view text) {
  NoteBind(
      sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  return *this;
}

SqliteStatement& SqliteStatement::BindView(int index, std::string_view text) {
  NoteBind(sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_STATIC, SQLITE_UTF8));
  return *this;
}

SqliteStatement& SqliteStatement::Bind(int index, std::int64_t value) {
  NoteBind(sqlite3_bind_int64(stmt_, index, value));
  return *this;
}

SqliteStatement& SqliteStatement::Bind(int index, std::optional<std::int64_t> value) {
  NoteBind(value ? sqlite3_bind_int64(stmt_, index, *value) : sqlite3_bind_null(stmt_, index));
  return *this;
}

SqliteStatement& SqliteStatement::BindBool(int index, bool value) {
  NoteBind(sqlite3_bind_int(stmt_, index, value ? 1 : 0));
  return *this;
}

SqliteStatement& SqliteStatement::BindParam(int index, const sql::SqlParam& value) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          NoteBind(sqlite3_bind_null(stmt_, index));
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          Bind(index, v);
        } else if constexpr (std::is_same_v<T, double>) {
          NoteBind(sqlite3_bind_double(stmt_, index, v));
        } else if constexpr (std::is_same_v<T, std::string>) {
          Bind(index, std::string_view(v));
        } else {
          BindBool(index, v);
        }
      },
      value);
  return *this;
}

Result<bool> SqliteStatement::Step() {
  sqlite3* db = sqlite3_db_handle(stmt_);
  if (bind_rc_ != SQLITE_OK) return FromCode(nullptr, bind_rc_, "binding a parameter");
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return FromCode(db, rc, "sqlite step");
}

Status SqliteStatement::Run() {
  while (true) {
    EDDY_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return {};
  }
}

std::int64_t SqliteStatement::ColumnInt(int col) const { return sqlite3_column_int64(stmt_, col); }

std::optional<std::int64_t> SqliteStatement::ColumnOptionalInt(int col) const {
  if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_int64(stmt_, col);
}

std::string_view SqliteStatement::ColumnText(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_, col);
  if (p == nullptr) return {};
  return {reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(stmt_, col))};
}

Result<std::unique_ptr<SqliteConnection>> SqliteConnection::Open(const std::string& path,
                                                                 bool read_only,
                                                                 bool gather_wal_writes) {
  // SQLite's allocation statistics take one process-wide mutex on every allocation, which
  // the concurrent readers and the writer would queue on. Only possible before SQLite is
  // initialised, so it is done before the first open (and ignored if something came first).
  static const int kNoMemStatus = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)kNoMemStatus;
  sqlite3* raw = nullptr;
  // A connection is used by one thread at a time (SqliteDb hands it out), so SQLite's own
  // mutex is redundant.
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc =
      sqlite3_open_v2(path.c_str(), &raw, flags, gather_wal_writes ? WalGatheringVfs() : nullptr);
  std::unique_ptr<SqliteConnection> conn(new SqliteConnection(raw));
  if (rc != SQLITE_OK) return FromCode(raw, rc, "opening " + path);
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, kBusyTimeoutMs);
  // A read connection that is handed a write by mistake fails instead of writing outside
  // group commit. Its page cache starts empty after every commit it has not seen (WAL), so
  // under load it holds little anyway; bounded at 256 KiB (instead of 2 MiB), readers left
  // idle after a burst do not keep megabytes of user rows (queryChannels over 1,000
  // channels measured no slower than with 512 KiB).
  if (read_only) EDDY_TRY(conn->Exec("PRAGMA query_only=ON; PRAGMA cache_size=-256"));
  return conn;
}

SqliteConnection::~SqliteConnection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  for (auto& [sql, stmt] : generated_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

Status SqliteConnection::Exec(std::string_view sql) {
  std::string text(sql);
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return FromCode(db_, rc, "sqlite exec");
  return {};
}

Result<SqliteStatement> SqliteConnection::Prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return FromCode(db_, rc, "preparing statement");
    it = cache_.emplace(sql, stmt).first;
  }
  return SqliteStatement(it->second, /*owned=*/false);
}

Result<SqliteStatement> SqliteConnection::PrepareGenerated(const std::string& sql) {
  auto it = std::find_if(generated_.begin(), generated_.end(),
                         [&](const auto& entry) { return entry.first == sql; });
  if (it != generated_.end()) {
    // Being stepped by an enclosing use of the same query: this use gets its own.
    if (sqlite3_stmt_busy(it->second)) return PrepareTransient(sql);
    std::rotate(it, it + 1, generated_.end());  // now the most recently used
    return SqliteStatement(generated_.back().second, /*owned=*/false);
  }
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return FromCode(db_, rc, "preparing statement");
  if (generated_.size() >= kGeneratedStatements) {
    // The least recently used one that is not being stepped (an enclosing query's) goes.
    auto idle = std::find_if(generated_.begin(), generated_.end(),
                             [](const auto& entry) { return !sqlite3_stmt_busy(entry.second); });
    if (idle == generated_.end()) return SqliteStatement(stmt, /*owned=*/true);
    sqlite3_finalize(idle->second);
    generated_.erase(idle);
  }
  generated_.emplace_back(sql, stmt);
  return SqliteStatement(stmt, /*owned=*/false);
}

Result<SqliteStatement> SqliteConnection::PrepareTransient(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return FromCode(db_, rc, "preparing statement");
  return SqliteStatement(stmt, /*owned=*/true);
}

std::int64_t SqliteConnection::Changes() const { return sqlite3_changes64(db_); }

std::int64_t SqliteConnection::LastInsertRowid() const { return sqlite3_last_insert_rowid(db_); }

bool SqliteConnection::InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

Result<SqliteConnection::WalFrames> SqliteConnection::Checkpoint(CheckpointMode mode) {
  WalFrames wal;
  const int sqlite_mode = mode == CheckpointMode::kPassive   ? SQLITE_CHECKPOINT_PASSIVE
                          : mode == CheckpointMode::kRestart ? SQLITE_CHECKPOINT_RESTART
                                                             : SQLITE_CHECKPOINT_TRUNCATE;
  int rc = sqlite3_wal_checkpoint_v2(db_, nullptr, sqlite_mode, &wal.total, &wal.backfilled);
  if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_BUSY) {
    return FromCode(db_, sqlite3_extended_errcode(db_), "checkpointing the WAL");
  }
  return wal;
}

namespace {

int ReportCommit(void* checkpointer, sqlite3*, const char*, int wal_frames) {
  static_cast<WalCheckpointer*>(checkpointer)->Committed(wal_frames);
  return SQLITE_OK;
}

constexpr std::chrono::microseconds kBusyRetryEvery{100};

// SQLite's own handler sleeps a millisecond and more per retry: long beside a reader's
// transaction.
int RetrySoon(void* retries, int count) {
  if (count >= *static_cast<const int*>(retries)) return 0;
  std::this_thread::sleep_for(kBusyRetryEvery);
  return 1;
}

}  // namespace

void SqliteConnection::ReportCommitsTo(WalCheckpointer* checkpointer) {
  sqlite3_wal_hook(db_, checkpointer != nullptr ? ReportCommit : nullptr, checkpointer);
}

void SqliteConnection::LimitBusyWait(std::chrono::microseconds most) {
  busy_retries_ = static_cast<int>(most / kBusyRetryEvery);
  sqlite3_busy_handler(db_, RetrySoon, &busy_retries_);
}

namespace {

// Runs a statement kept prepared on `conn` (BEGIN, SAVEPOINT, ...): cheaper than Exec's parse.
Status RunCached(SqliteConnection& conn, const std::string& sql) {
  EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt, conn.Prepare(sql));
  return stmt.Run();
}

}  // namespace

// A write in the group queue. A blocking one is on its thread's stack: the leader touches it
// only while the thread waits (until it sets `done`, under the group lock). An asynchronous
// one is owned by the queue, deleted once `stored` has run.
struct SqliteDb::PendingWrite {
  explicit PendingWrite(const std::function<Status()>* write) : write(write) {}
  const std::function<Status()>* write;
  Status status;
  bool done = false;
  std::function<Status()> owned_write;  // WriteAsync's; `write` points at it
  std::function<void(Status)> stored;   // WriteAsync's: empty for a blocking write
};

// What the blocking writes queued together wait on: a word the leader moves (under the group
// lock) when their writes are done, or when one of them is to lead the next group, then wakes
// them after releasing the lock (a thread woken under it would preempt the leader only to
// block on the lock). A futex, not a condition variable: each woken writer would re-take the
// lock marked contended and pay a system call to release it (common/futex.h). The leader's
// reference keeps the word alive while it wakes them, even if they have returned.
struct SqliteDb::WaitingGroup {
  std::atomic<std::uint32_t> moves{0};
};

thread_local SqliteDb::Binding SqliteDb::held_;

Result<std::unique_ptr<SqliteDb>> SqliteDb::Open(const std::string& path, int readers,
                                                 int checkpoint_frames) {
  EDDY_ASSIGN_OR_RETURN(std::unique_ptr<SqliteConnection> writer,
                        SqliteConnection::Open(path, /*read_only=*/false,
                                               /*gather_wal_writes=*/true));
  // A commit appends every page it changed to the WAL, and a message changes ~8 (a leaf of
  // each of the messages table's b-trees, its channel's and its author's rows): with 1 KiB
  // pages instead of 4 KiB a message costs half the bytes written (44 -> 24 KB at 2,000
  // sends/s), the same CPU, queryChannels ~3% slower. Only a new database takes it: a file's
  // page size is fixed once it is in WAL mode.
  EDDY_TRY(writer->Exec("PRAGMA page_size=" + std::to_string(kPageSize)));
  if (path != ":memory:") {
    EDDY_ASSIGN_OR_RETURN(SqliteStatement wal, writer->PrepareTransient("PRAGMA journal_mode=WAL"));
    EDDY_ASSIGN_OR_RETURN(bool row, wal.Step());
    if (!row || wal.ColumnText(0) != "wal") {
      return Error::Internal("cannot switch " + path + " to WAL journal mode");
    }
  }
  // FULL: a commit is synced to disk before it is acknowledged, so an acknowledged write
  // survives power loss, not only a process crash.
  EDDY_TRY(writer->Exec("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"));
  const int pool = path == ":memory:" ? 0 : std::max(readers, 0);
  std::unique_ptr<SqliteDb> db(new SqliteDb(path, pool, std::move(writer)));
  if (path != ":memory:") {
    EDDY_ASSIGN_OR_RETURN(db->checkpointer_,
                          WalCheckpointer::Start(path, db->writer_mutex_, checkpoint_frames));
    db->writer_->ReportCommitsTo(db->checkpointer_.get());
  }
  return db;
}

SqliteDb::SqliteDb(std::string path, int readers, std::unique_ptr<SqliteConnection> writer)
    : path_(std::move(path)),
      max_readers_(readers),
      writer_(std::move(writer)),
      queue_group_(std::make_shared<WaitingGroup>()),
      committer_([this] { CommitLoop(); }) {}

SqliteDb::~SqliteDb() {
  {
    std::lock_guard lock(group_mutex_);
    stopping_ = true;  // the committer first leads what was handed to it
    committer_calls_.fetch_add(1, std::memory_order_relaxed);
  }
  FutexWake(committer_calls_, 1);
  committer_.join();
  if (checkpointer_) writer_->ReportCommitsTo(nullptr);
}

SqliteConnection* SqliteDb::Held() const { return held_.db == this ? held_.conn : nullptr; }

Status SqliteDb::Exec(std::string_view sql) {
  SqliteConnection* conn = Held();
  if (conn == nullptr) return Error::Internal("sqlite used outside a Write or Reading scope");
  return conn->Exec(sql);
}

Result<SqliteStatement> SqliteDb::Prepare(const std::string& sql) {
  SqliteConnection* conn = Held();
  if (conn == nullptr) return Error::Internal("sqlite used outside a Write or Reading scope");
  return conn->Prepare(sql);
}

Result<SqliteStatement> SqliteDb::PrepareGenerated(const std::string& sql) {
  SqliteConnection* conn = Held();
  if (conn == nullptr) return Error::Internal("sqlite used outside a Write or Reading scope");
  return conn->PrepareGenerated(sql);
}

Result<SqliteStatement> SqliteDb::PrepareTransient(std::string_view sql) {
  SqliteConnection* conn = Held();
  if (conn == nullptr) return Error::Internal("sqlite used outside a Write or Reading scope");
  return conn->PrepareTransient(sql);
}

std::int64_t SqliteDb::Changes() const {
  SqliteConnection* conn = Held();
  return conn == nullptr ? 0 : conn->Changes();
}

std::int64_t SqliteDb::LastInsertRowid() const {
  SqliteConnection* conn = Held();
  return conn == nullptr ? 0 : conn->LastInsertRowid();
}

Status SqliteDb::Checkpoint() {
  std::unique_lock<std::mutex> quiet;  // no background checkpoint meanwhile: it would be busy
  if (checkpointer_) quiet = checkpointer_->Hold();
  Exclusive hold(*this);
  Result<SqliteConnection::WalFrames> wal =
      writer_->Checkpoint(SqliteConnection::CheckpointMode::kTruncate);
  if (!wal.ok()) return wal.error();
  return {};
}

// Leader/follower: the first blocking writer to find no group running leads; it takes every
// write queued so far, runs them in one transaction and wakes their threads after the COMMIT.
// Writes that arrive meanwhile queue for the next group, which one of the blocking writers
// among them leads, or the committer thread when they are all asynchronous. The blocking
// writes of one group wait on one word (WaitingGroup): a commit wakes exactly its group with
// one call (one system call instead of one per waiter, and the leader is preempted by its
// woken followers once rather than after each), then one write of the next group to lead it.
Status SqliteDb::Write(const std::function<Status()>& write) {
  if (Held() == writer_.get()) return write();  // nested: part of the enclosing write
  PendingWrite self(&write);
  std::unique_lock lock(group_mutex_);
  queue_.push_back(&self);
  ++blocking_queued_;
  const std::shared_ptr<WaitingGroup> group = queue_group_;
  while (!self.done) {
    if (leading_) {
      FutexWaitUnlocked(lock, group->moves);
      continue;
    }
    leading_ = true;
    LeadGroup(lock, &self);
    if (queue_.empty()) {
      leading_ = false;
    } else if (blocking_queued_ > 0) {
      leading_ = false;
      const std::shared_ptr<WaitingGroup> next = queue_group_;
      next->moves.fetch_add(1, std::memory_order_relaxed);
      lock.unlock();
      FutexWake(next->moves, 1);  // one of them leads the next group
    } else {
      HandToCommitter(lock);
    }
  }
  return std::move(self.status);
}

void SqliteDb::WriteAsync(std::function<Status()> write, std::function<void(Status)> stored) {
  if (Held() != nullptr) {
    // Inside a scope of this database the caller may hold what the commit waits for.
    stored(Error::Internal("an asynchronous write inside a scope of its database"));
    return;
  }
  auto* w = new PendingWrite(nullptr);
  w->owned_write = std::move(write);
  w->write = &w->owned_write;
  w->stored = std::move(stored);
  std::unique_lock lock(group_mutex_);
  queue_.push_back(w);
  if (leading_) return;  // the leader takes it, or hands it on
  leading_ = true;
  HandToCommitter(lock);
}

void SqliteDb::HandToCommitter(std::unique_lock<std::mutex>& lock) {
  committer_leads_ = true;
  committer_calls_.fetch_add(1, std::memory_order_relaxed);
  lock.unlock();
  FutexWake(committer_calls_, 1);
}

void SqliteDb::CommitLoop() {
  std::unique_lock lock(group_mutex_);
  for (;;) {
    while (!committer_leads_ && !stopping_) FutexWaitUnlocked(lock, committer_calls_);
    if (!committer_leads_) return;
    committer_leads_ = false;
    // Leads until nothing is queued: writes that queue while it leads need no other leader.
    while (!queue_.empty()) LeadGroup(lock, nullptr);
    leading_ = false;
  }
}

void SqliteDb::LeadGroup(std::unique_lock<std::mutex>& lock, const PendingWrite* self) {
  ++groups_;
  // Widen the group before taking it. On a busy core the threads about to write are
  // runnable but not queued yet; a yield lets them queue, and a group costs one COMMIT and
  // one sync however many writes it holds. Stops when a yield brought no new write, so an
  // idle server pays one sched_yield per commit.
  for (int i = 0; i < kMaxYieldsBeforeCommit; ++i) {
    const size_t queued = queue_.size();
    lock.unlock();
    sched_yield();
    lock.lock();
    if (queue_.size() == queued) break;
  }
  std::vector<PendingWrite*> batch;
  batch.swap(queue_);
  const bool wake_group = blocking_queued_ > (self != nullptr ? 1 : 0);
  blocking_queued_ = 0;
  const std::shared_ptr<WaitingGroup> group =
      std::exchange(queue_group_, std::make_shared<WaitingGroup>());
  lock.unlock();
  RunGroup(batch);
  std::vector<PendingWrite*> stored;  // the asynchronous ones, ours to finish
  lock.lock();
  for (PendingWrite* w : batch) {
    if (w->stored) {
      stored.push_back(w);
    } else {
      w->done = true;  // from here a waiting thread may return and take its entry away
    }
  }
  if (wake_group) group->moves.fetch_add(1, std::memory_order_relaxed);
  lock.unlock();
  if (wake_group) FutexWake(group->moves, kWakeAll);
  for (PendingWrite* w : stored) {
    w->stored(std::move(w->status));
    delete w;
  }
  lock.lock();
}

size_t SqliteDb::QueuedWrites() {
  std::lock_guard lock(group_mutex_);
  return queue_.size();
}

std::int64_t SqliteDb::Groups() {
  std::lock_guard lock(group_mutex_);
  return groups_;
}

void SqliteDb::RunGroup(const std::vector<PendingWrite*>& batch) {
  std::lock_guard hold(writer_mutex_);
  Binding saved = std::exchange(held_, Binding{this, writer_.get()});
  SqliteConnection& conn = *writer_;
  Status begin = RunCached(conn, "BEGIN IMMEDIATE");
  size_t first = 0;  // the writes of the transaction now open start here
  for (size_t i = 0; i < batch.size(); ++i) {
    PendingWrite& w = *batch[i];
    if (!begin.ok()) {
      w.status = begin;
      continue;
    }
    w.status = RunCached(conn, "SAVEPOINT w");
    if (w.status.ok()) {
      try {
        w.status = (*w.write)();
      } catch (const std::exception& e) {
        w.status = Error::Internal(std::string("store write threw: ") + e.what());
      }
    }
    if (w.status.ok()) {
      w.status = RunCached(conn, "RELEASE w");
      continue;
    }
    (void)RunCached(conn, "ROLLBACK TO w");
    (void)RunCached(conn, "RELEASE w");
    if (!conn.InTransaction()) {
      // SQLite rolled the whole transaction back (an I/O error, a full disk): the writes
      // before this one are gone too. The rest start over in a new transaction.
      for (size_t j = first; j < i; ++j) {
        if (batch[j]->status.ok()) batch[j]->status = w.status;
      }
      first = i + 1;
      begin = RunCached(conn, "BEGIN IMMEDIATE");
    }
  }
  if (begin.ok()) {
    Status commit = RunCached(conn, "COMMIT");
    if (!commit.ok()) {
      (void)conn.Exec("ROLLBACK");
      for (size_t j = first; j < batch.size(); ++j) {
        if (batch[j]->status.ok()) batch[j]->status = commit;
      }
    }
  }
  held_ = saved;
}

Result<SqliteConnection*> SqliteDb::AcquireReader() {
  std::unique_lock lock(readers_mutex_);
  while (idle_.empty()) {
    if (static_cast<int>(readers_.size()) < max_readers_) {
      EDDY_ASSIGN_OR_RETURN(std::unique_ptr<SqliteConnection> conn,
                            SqliteConnection::Open(path_, /*read_only=*/true));
      readers_.push_back(std::move(conn));
      return readers_.back().get();
    }
    readers_cv_.wait(lock);
  }
  SqliteConnection* conn = idle_.back();
  idle_.pop_back();
  return conn;
}

void SqliteDb::ReleaseReader(SqliteConnection* conn) {
  {
    std::lock_guard lock(readers_mutex_);
    idle_.push_back(conn);
  }
  readers_cv_.notify_one();
}

SqliteDb::Reading::Reading(SqliteDb& db) : db_(db) {
  if (db.Held() != nullptr) return;  // nested: reads through the connection already held
  if (db.max_readers_ == 0) {
    db.writer_mutex_.lock();
    conn_ = db.writer_.get();
    writer_ = true;
  } else {
    Result<SqliteConnection*> conn = db.AcquireReader();
    // Without a connection, statements fail with "outside a scope" and the read reports it.
    if (!conn.ok()) return;
    conn_ = *conn;
    // One read transaction: the statements of this read see one snapshot.
    if (!RunCached(*conn_, "BEGIN").ok()) {
      db.ReleaseReader(std::exchange(conn_, nullptr));
      return;
    }
  }
  saved_ = std::exchange(held_, Binding{&db, conn_});
}

SqliteDb::Reading::~Reading() {
  if (conn_ == nullptr) return;
  held_ = saved_;
  if (writer_) {
    db_.writer_mutex_.unlock();
    return;
  }
  if (!RunCached(*conn_, "COMMIT").ok()) (void)conn_->Exec("ROLLBACK");
  db_.ReleaseReader(conn_);
}

SqliteDb::Exclusive::Exclusive(SqliteDb& db) : db_(db), lock_(db.writer_mutex_) {
  saved_ = std::exchange(held_, Binding{&db, db.writer_.get()});
}

SqliteDb::Exclusive::~Exclusive() { held_ = saved_; }

Result<SqliteTransaction> SqliteTransaction::Begin(SqliteDb& db) {
  EDDY_TRY(db.Exec("BEGIN IMMEDIATE"));
  return SqliteTransaction(&db);
}

SqliteTransaction::~SqliteTransaction() {
  if (db_ != nullptr) (void)db_->Exec("ROLLBACK");
}

Status SqliteTransaction::Commit() {
  SqliteDb* db = std::exchange(db_, nullptr);
  Status s = db->Exec("COMMIT");
  if (!s.ok()) (void)db->Exec("ROLLBACK");
  return s;
}

}  // namespace eddy::server
