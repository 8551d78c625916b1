#include "server/storage/sqlite/sqlite_db.h"

#include <sqlite3.h>

#include <utility>

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

Result<std::unique_ptr<SqliteDb>> SqliteDb::Open(const std::string& path) {
  sqlite3* raw = nullptr;
  // The connection is only ever used under SqliteDb::mutex_, so SQLite's own mutex is
  // redundant.
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  std::unique_ptr<SqliteDb> db(new SqliteDb(raw));
  if (rc != SQLITE_OK) return FromCode(raw, rc, "opening " + path);
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, kBusyTimeoutMs);

  std::lock_guard lock(db->mutex_);
  if (path != ":memory:") {
    EDDY_ASSIGN_OR_RETURN(SqliteStatement wal, db->PrepareTransient("PRAGMA journal_mode=WAL"));
    EDDY_ASSIGN_OR_RETURN(bool row, wal.Step());
    if (!row || wal.ColumnText(0) != "wal") {
      return Error::Internal("cannot switch " + path + " to WAL journal mode");
    }
  }
  // FULL: a commit is synced to disk before it is acknowledged, so an acknowledged write
  // survives power loss, not only a process crash.
  EDDY_TRY(db->Exec("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"));
  return db;
}

SqliteDb::~SqliteDb() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

Error SqliteDb::LastError(std::string_view what) const {
  return FromCode(db_, sqlite3_extended_errcode(db_), what);
}

Status SqliteDb::Exec(std::string_view sql) {
  std::string text(sql);
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return FromCode(db_, rc, "sqlite exec");
  return {};
}

Result<SqliteStatement> SqliteDb::Prepare(const std::string& sql) {
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

Result<SqliteStatement> SqliteDb::PrepareTransient(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return FromCode(db_, rc, "preparing statement");
  return SqliteStatement(stmt, /*owned=*/true);
}

std::int64_t SqliteDb::Changes() const { return sqlite3_changes64(db_); }

Status SqliteDb::Checkpoint() {
  int rc = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
  // Busy: another process is reading. Every commit was already synced (synchronous=FULL), so
  // an incomplete checkpoint costs WAL size, not durability.
  if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_BUSY) return LastError("checkpointing the WAL");
  return {};
}

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
