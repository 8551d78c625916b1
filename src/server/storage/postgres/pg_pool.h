// A small pool of PostgreSQL connections shared by the resource stores, and the transaction
// guard used with a leased connection.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/error.h"
#include "server/storage/postgres/pg_conn.h"

namespace eddy::server {

class PgPool;

// One connection lent to one caller; goes back to the pool when the lease ends, or is closed
// if it broke (the next Acquire opens a fresh one). Move-only.
class PgLease {
 public:
  PgLease(PgPool* pool, std::unique_ptr<PgConn> conn) : pool_(pool), conn_(std::move(conn)) {}
  PgLease(PgLease&& other) noexcept = default;
  PgLease& operator=(PgLease&&) = delete;
  ~PgLease();

  PgConn* operator->() { return conn_.get(); }
  PgConn& operator*() { return *conn_; }

 private:
  PgPool* pool_;
  std::unique_ptr<PgConn> conn_;
};

// Thread-safe: mutex_ guards idle_ and open_. Connections are opened lazily, up to `size`;
// a caller finding all of them lent waits (up to a few seconds, then 503) for one to return.
class PgPool {
 public:
  PgPool(std::string url, int size) : url_(std::move(url)), size_(size < 1 ? 1 : size) {}

  Result<PgLease> Acquire();

 private:
  friend class PgLease;
  void Release(std::unique_ptr<PgConn> conn);

  const std::string url_;
  const int size_;
  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<PgConn>> idle_;
  int open_ = 0;  // idle and lent
};

// BEGIN on construction through Begin(); ROLLBACK unless committed. A failed ROLLBACK leaves
// the connection broken, so it is not reused in an unknown state.
class PgTransaction {
 public:
  static Result<PgTransaction> Begin(PgConn& conn);
  PgTransaction(PgTransaction&& other) noexcept : conn_(other.conn_) { other.conn_ = nullptr; }
  PgTransaction& operator=(PgTransaction&&) = delete;
  ~PgTransaction();
  Status Commit();

 private:
  explicit PgTransaction(PgConn* conn) : conn_(conn) {}
  PgConn* conn_;
};

}  // namespace eddy::server
