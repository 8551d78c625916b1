#include "server/storage/postgres/pg_pool.h"

#include <chrono>
#include <utility>

namespace eddy::server {

namespace {

// How long a request waits for a free connection before it is told the store is busy.
constexpr auto kAcquireTimeout = std::chrono::seconds(10);

}  // namespace

PgLease::~PgLease() {
  if (conn_ != nullptr) pool_->Release(std::move(conn_));
}

Result<PgLease> PgPool::Acquire() {
  {
    std::unique_lock lock(mutex_);
    bool ready =
        returned_.wait_for(lock, kAcquireTimeout, [&] { return !idle_.empty() || open_ < size_; });
    if (!ready) return Error::Unavailable("store unavailable: every connection is busy");
    if (!idle_.empty()) {
      std::unique_ptr<PgConn> conn = std::move(idle_.back());
      idle_.pop_back();
      return PgLease(this, std::move(conn));
    }
    ++open_;  // reserved; connecting happens outside the lock
  }
  auto conn = PgConn::Connect(url_);
  if (!conn.ok()) {
    std::lock_guard lock(mutex_);
    --open_;
    returned_.notify_one();
    return std::move(conn).error();
  }
  return PgLease(this, std::move(conn).value());
}

void PgPool::Release(std::unique_ptr<PgConn> conn) {
  std::lock_guard lock(mutex_);
  if (conn->broken()) {
    --open_;
    conn.reset();
  } else {
    idle_.push_back(std::move(conn));
  }
  returned_.notify_one();
}

Result<PgTransaction> PgTransaction::Begin(PgConn& conn) {
  EDDY_TRY(conn.Exec("BEGIN"));
  return PgTransaction(&conn);
}

PgTransaction::~PgTransaction() {
  if (conn_ != nullptr) (void)conn_->Exec("ROLLBACK");
}

Status PgTransaction::Commit() {
  PgConn* conn = std::exchange(conn_, nullptr);
  Status s = conn->Exec("COMMIT");
  if (!s.ok()) (void)conn->Exec("ROLLBACK");
  return s;
}

}  // namespace eddy::server
