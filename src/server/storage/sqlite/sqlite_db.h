// A thin C++ face on one SQLite connection: prepared statements with typed binds and reads,
// a statement cache, transactions, and SQLite result codes turned into eddy Errors.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"
#include "server/storage/sql/sql_dialect.h"

struct sqlite3;
struct sqlite3_stmt;

namespace eddy::server {

// One prepared statement in use. Move-only. A cached statement is reset and its bindings
// cleared when this handle goes away; a transient one is finalized. Bind errors are kept and
// reported by the next Step, so binds chain without checks. Used only while holding its
// SqliteDb's mutex.
class SqliteStatement {
 public:
  SqliteStatement(sqlite3_stmt* stmt, bool owned) : stmt_(stmt), owned_(owned) {}
  SqliteStatement(SqliteStatement&& other) noexcept;
  SqliteStatement& operator=(SqliteStatement&&) = delete;
  ~SqliteStatement();

  // Parameters count from 1, as in SQL ("?1").
  SqliteStatement& Bind(int index, std::string_view text);
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

// Owns the connection and its statement cache. Not thread-safe by itself: every use, from
// Prepare until the statement handle is gone, happens while holding mutex(). One connection
// behind one mutex keeps writes serial, which SQLite requires anyway.
class SqliteDb {
 public:
  // Opens (creating if needed) the database file at `path`, or an in-memory database for
  // ":memory:", and applies the connection pragmas (WAL, synchronous=FULL, foreign keys,
  // busy timeout).
  static Result<std::unique_ptr<SqliteDb>> Open(const std::string& path);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  std::mutex& mutex() { return mutex_; }

  // Runs one or more statements that bind nothing (schema, pragmas, BEGIN/COMMIT).
  Status Exec(std::string_view sql);
  // A statement kept prepared for the life of the connection; for fixed SQL text only.
  Result<SqliteStatement> Prepare(const std::string& sql);
  // A statement prepared for one use; for generated SQL (queries built from filters).
  Result<SqliteStatement> PrepareTransient(std::string_view sql);
  // Rows changed by the last INSERT/UPDATE/DELETE.
  std::int64_t Changes() const;

  // Writes the WAL back into the database file and truncates it.
  Status Checkpoint();

 private:
  explicit SqliteDb(sqlite3* db) : db_(db) {}
  Error LastError(std::string_view what) const;

  std::mutex mutex_;
  sqlite3* db_;
  std::map<std::string, sqlite3_stmt*, std::less<>> cache_;
};

// A write transaction (BEGIN IMMEDIATE: takes the write lock at once, so a busy database
// fails at the start rather than half-way). Rolls back unless committed. Used with the
// database mutex held.
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
