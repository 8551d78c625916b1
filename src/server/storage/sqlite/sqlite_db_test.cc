// SqliteDb's group commit and read pool: concurrent writes all stored and visible once
// acknowledged, one failing write rolled back alone in its group, asynchronous writes.
#include "server/storage/sqlite/sqlite_db.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace eddy::server {
namespace {

namespace fs = std::filesystem;

class SqliteDbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "eddy-sqlitedb-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    auto db = SqliteDb::Open((dir_ / "eddy.db").string());
    ASSERT_TRUE(db.ok()) << db.error().message;
    db_ = std::move(*db);
    SqliteDb::Exclusive hold(*db_);
    ASSERT_TRUE(db_->Exec("CREATE TABLE t (k TEXT PRIMARY KEY)").ok());
  }
  void TearDown() override {
    db_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  Status Insert(const std::string& key) {
    EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt, db_->Prepare("INSERT INTO t (k) VALUES (?1)"));
    stmt.Bind(1, key);
    return stmt.Run();
  }

  // Queues an insert of `key` with WriteAsync; the future gets its status and whether a
  // reader saw the row when `stored` came.
  std::future<std::pair<Status, bool>> InsertAsync(const std::string& key) {
    auto done = std::make_shared<std::promise<std::pair<Status, bool>>>();
    std::future<std::pair<Status, bool>> result = done->get_future();
    db_->WriteAsync([this, key] { return Insert(key); },
                    [this, key, done](Status st) {
                      bool seen = Stored(key);  // through a read connection
                      done->set_value({std::move(st), seen});
                    });
    return result;
  }

  // Whether `key` is stored, as a reader sees it.
  bool Stored(const std::string& key) {
    SqliteDb::Reading reading(*db_);
    auto stmt = db_->Prepare("SELECT 1 FROM t WHERE k = ?1");
    if (!stmt.ok()) return false;
    stmt->Bind(1, key);
    auto row = stmt->Step();
    return row.ok() && *row;
  }

  std::int64_t Count() {
    SqliteDb::Reading reading(*db_);
    auto stmt = db_->Prepare("SELECT COUNT(*) FROM t");
    if (!stmt.ok() || !stmt->Step().ok()) return -1;
    return stmt->ColumnInt(0);
  }

  fs::path dir_;
  std::unique_ptr<SqliteDb> db_;
};

TEST_F(SqliteDbTest, ConcurrentWritesAreAllStoredAndVisibleOnceAcknowledged) {
  constexpr int kThreads = 16, kPerThread = 40;
  std::atomic<int> failures = 0, unseen = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string key = std::to_string(t) + "-" + std::to_string(i);
        if (!db_->Write([&] { return Insert(key); }).ok()) ++failures;
        // Read-your-writes: acknowledged means committed, so any reader sees it.
        if (!Stored(key)) ++unseen;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(unseen, 0);
  EXPECT_EQ(Count(), kThreads * kPerThread);
  EXPECT_LE(db_->Groups(), kThreads * kPerThread);
}

// The first write holds its group open until the others have queued, so they form the next
// group together; one of them fails half-way and must take only its own changes back.
TEST_F(SqliteDbTest, FailingWriteIsRolledBackAloneInItsGroup) {
  constexpr int kFollowers = 6;
  // The followers start once the leader's write runs: its group is taken by then (a follower
  // queued while the leader widens its group would join it, and the leader would wait for six
  // queued writes forever).
  std::atomic<bool> leader_writing = false;
  std::thread leader([&] {
    Status s = db_->Write([&]() -> Status {
      leader_writing = true;
      while (db_->QueuedWrites() < kFollowers) std::this_thread::yield();
      return Insert("leader");
    });
    EXPECT_TRUE(s.ok());
  });
  while (!leader_writing) std::this_thread::yield();
  std::vector<Status> results(kFollowers);
  std::vector<std::thread> followers;
  for (int i = 0; i < kFollowers; ++i) {
    followers.emplace_back([&, i] {
      results[i] = db_->Write([&]() -> Status {
        EDDY_TRY(Insert("f" + std::to_string(i)));
        // Follower 3 inserts its own row, then collides with the leader's key.
        if (i == 3) return Insert("leader");
        return {};
      });
    });
  }
  for (std::thread& t : followers) t.join();
  leader.join();

  EXPECT_EQ(db_->Groups(), 2);  // the leader's group, then every follower in one
  for (int i = 0; i < kFollowers; ++i) {
    EXPECT_EQ(results[i].ok(), i != 3) << i;
    EXPECT_EQ(Stored("f" + std::to_string(i)), i != 3) << i;
  }
  EXPECT_TRUE(Stored("leader"));
  EXPECT_EQ(Count(), kFollowers);  // the leader's row and five followers'
}

TEST_F(SqliteDbTest, WriteInsideWriteJoinsTheEnclosingOne) {
  Status s = db_->Write([&]() -> Status {
    EDDY_TRY(Insert("outer"));
    EDDY_TRY(db_->Write([&] { return Insert("inner"); }));
    return Error::Input("undo both");
  });
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(Count(), 0);
  EXPECT_EQ(db_->Groups(), 1);
}

TEST_F(SqliteDbTest, GeneratedStatementsAreReusedNestedSafelyAndEvictedWhenIdle) {
  ASSERT_TRUE(db_->Write([&]() -> Status {
                   EDDY_TRY(Insert("a"));
                   return Insert("b");
                 })
                  .ok());
  SqliteDb::Reading reading(*db_);
  const std::string all = "SELECT k FROM t ORDER BY k";
  auto outer = db_->PrepareGenerated(all);
  ASSERT_TRUE(outer.ok()) << outer.error().message;
  ASSERT_TRUE(*outer->Step());
  EXPECT_EQ(outer->ColumnText(0), "a");
  {
    // The same query while the first is being stepped: its own statement, the first goes on.
    auto inner = db_->PrepareGenerated(all);
    ASSERT_TRUE(inner.ok());
    ASSERT_TRUE(*inner->Step());
    EXPECT_EQ(inner->ColumnText(0), "a");
  }
  // Many other shapes: the busy statement is never the one evicted.
  for (int i = 0; i < 40; ++i) {
    auto other = db_->PrepareGenerated("SELECT k FROM t WHERE k <> 'x" + std::to_string(i) + "'");
    ASSERT_TRUE(other.ok());
    ASSERT_TRUE(*other->Step());
  }
  ASSERT_TRUE(*outer->Step());
  EXPECT_EQ(outer->ColumnText(0), "b");
  EXPECT_FALSE(*outer->Step());
}

TEST_F(SqliteDbTest, ReadConnectionsRefuseWrites) {
  SqliteDb::Reading reading(*db_);
  EXPECT_FALSE(Insert("x").ok());
}

// A reader's page cache is emptied whenever a write committed since its last read, so under
// load it rarely keeps anything; a small bound stops idle readers from holding megabytes.
TEST_F(SqliteDbTest, ReadConnectionsKeepASmallPageCache) {
  SqliteDb::Reading reading(*db_);
  auto stmt = db_->Prepare("PRAGMA cache_size");
  ASSERT_TRUE(stmt.ok());
  ASSERT_TRUE(*stmt->Step());
  EXPECT_EQ(stmt->ColumnInt(0), -256);  // KiB
}

int PageSize(SqliteDb& db) {
  SqliteDb::Reading reading(db);
  auto stmt = db.Prepare("PRAGMA page_size");
  if (!stmt.ok() || !stmt->Step().ok()) return -1;
  return static_cast<int>(stmt->ColumnInt(0));
}

TEST_F(SqliteDbTest, NewDatabasesUseSmallPages) { EXPECT_EQ(PageSize(*db_), 1024); }

// A database file created before (or by another tool) keeps its page size and its data.
TEST_F(SqliteDbTest, ExistingDatabaseKeepsItsPageSize) {
  const std::string path = (dir_ / "old.db").string();
  {
    auto conn = SqliteConnection::Open(path, /*read_only=*/false);
    ASSERT_TRUE(conn.ok()) << conn.error().message;
    ASSERT_TRUE((*conn)
                    ->Exec("PRAGMA page_size=4096; PRAGMA journal_mode=WAL;"
                           " CREATE TABLE t (k TEXT); INSERT INTO t VALUES ('kept')")
                    .ok());
  }
  auto db = SqliteDb::Open(path);
  ASSERT_TRUE(db.ok()) << db.error().message;
  EXPECT_EQ(PageSize(**db), 4096);
  SqliteDb::Reading reading(**db);
  auto stmt = (*db)->Prepare("SELECT k FROM t");
  ASSERT_TRUE(stmt.ok());
  ASSERT_TRUE(*stmt->Step());
  EXPECT_EQ(stmt->ColumnText(0), "kept");
}

TEST_F(SqliteDbTest, ViewsAreBoundInPlaceAndForgottenWithTheHandle) {
  SqliteDb::Exclusive hold(*db_);
  ASSERT_TRUE(db_->Exec("CREATE TABLE v (a TEXT, b TEXT)").ok());
  const std::string insert = "INSERT INTO v (a, b) VALUES (?1, ?2)";
  {
    std::string a = "a string bound in place, longer than a short-string buffer";
    auto stmt = db_->Prepare(insert);
    ASSERT_TRUE(stmt.ok());
    stmt->BindView(1, a).Bind(2, std::string("copied"));
    ASSERT_TRUE(stmt->Run().ok());
    a.assign(a.size(), 'x');  // after the run: what was stored is not this
  }
  {
    // The same cached statement, its parameters unbound: NULL, not the view's old bytes.
    auto stmt = db_->Prepare(insert);
    ASSERT_TRUE(stmt.ok());
    ASSERT_TRUE(stmt->Run().ok());
  }
  auto rows = db_->Prepare("SELECT a, b FROM v ORDER BY rowid");
  ASSERT_TRUE(rows.ok());
  ASSERT_TRUE(*rows->Step());
  EXPECT_EQ(rows->ColumnText(0), "a string bound in place, longer than a short-string buffer");
  EXPECT_EQ(rows->ColumnText(1), "copied");
  ASSERT_TRUE(*rows->Step());
  EXPECT_EQ(rows->ColumnOptionalInt(0), std::nullopt);
  EXPECT_EQ(rows->ColumnOptionalInt(1), std::nullopt);
}

TEST_F(SqliteDbTest, StatementsOutsideEveryScopeAreAnError) {
  EXPECT_FALSE(db_->Prepare("SELECT 1").ok());
  EXPECT_FALSE(db_->Exec("SELECT 1").ok());
}

TEST(SqliteDbMemoryTest, InMemoryDatabaseReadsThroughTheWriteConnection) {
  auto db = SqliteDb::Open(":memory:");
  ASSERT_TRUE(db.ok()) << db.error().message;
  ASSERT_TRUE((*db)
                  ->Write([&]() -> Status {
                    EDDY_TRY((*db)->Exec("CREATE TABLE t (k TEXT)"));
                    return (*db)->Exec("INSERT INTO t VALUES ('a')");
                  })
                  .ok());
  SqliteDb::Reading reading(**db);
  auto stmt = (*db)->Prepare("SELECT COUNT(*) FROM t");
  ASSERT_TRUE(stmt.ok());
  ASSERT_TRUE(stmt->Step().ok());
  EXPECT_EQ(stmt->ColumnInt(0), 1);
}

// WriteAsync: asynchronous writes share the group commit with blocking ones, are told their
// status only once committed, and need no blocking writer to lead them.

TEST_F(SqliteDbTest, AsyncWritesAreToldTheirStatusOnceCommitted) {
  std::vector<std::future<std::pair<Status, bool>>> writes;
  for (int i = 0; i < 50; ++i) writes.push_back(InsertAsync("k" + std::to_string(i)));
  for (auto& w : writes) {
    auto [st, seen] = w.get();
    EXPECT_TRUE(st.ok()) << st.error().message;
    EXPECT_TRUE(seen);  // committed before `stored` ran: a reader sees it
  }
  EXPECT_EQ(Count(), 50);
  EXPECT_LT(db_->Groups(), 50);  // queued behind the committer's syncs, they share commits
}

TEST_F(SqliteDbTest, AFailingAsyncWriteGetsItsErrorAndTheOthersCommit) {
  ASSERT_TRUE(db_->Write([&] { return Insert("taken"); }).ok());
  auto a = InsertAsync("a");
  auto dup = InsertAsync("taken");
  auto b = InsertAsync("b");
  EXPECT_TRUE(a.get().first.ok());
  auto [st, seen] = dup.get();
  EXPECT_FALSE(st.ok());
  EXPECT_TRUE(b.get().first.ok());
  EXPECT_EQ(Count(), 3);
}

// Blocking and asynchronous writers mixed: whichever leads, every write is committed and
// told; a blocking leader whose own write is done hands the asynchronous rest on.
TEST_F(SqliteDbTest, MixedBlockingAndAsyncWritesAllComplete) {
  constexpr int kThreads = 8, kPerThread = 30;
  std::atomic<int> failures = 0;
  std::mutex futures_mutex;
  std::vector<std::future<std::pair<Status, bool>>> futures;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string key = std::to_string(t) + "-" + std::to_string(i);
        if (t % 2 == 0) {
          if (!db_->Write([&] { return Insert(key); }).ok()) ++failures;
        } else {
          auto f = InsertAsync(key);
          std::lock_guard lock(futures_mutex);
          futures.push_back(std::move(f));
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (auto& f : futures) {
    auto [st, seen] = f.get();
    if (!st.ok() || !seen) ++failures;
  }
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(Count(), kThreads * kPerThread);
}

TEST_F(SqliteDbTest, AsyncWriteInsideAScopeIsRefused) {
  Status inner;
  bool called = false;
  Status outer = db_->Write([&]() -> Status {
    db_->WriteAsync([&] { return Insert("inner"); },
                    [&](Status st) {
                      called = true;
                      inner = std::move(st);
                    });
    return Insert("outer");
  });
  EXPECT_TRUE(outer.ok());
  EXPECT_TRUE(called);
  EXPECT_FALSE(inner.ok());
  EXPECT_EQ(Count(), 1);
}

TEST_F(SqliteDbTest, ClosingTheDatabaseCommitsTheQueuedAsyncWrites) {
  std::atomic<int> stored = 0;
  SqliteDb* db = db_.get();  // db_ is null while Reopen destroys it
  for (int i = 0; i < 20; ++i) {
    db->WriteAsync(
        [db, i]() -> Status {
          EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt, db->Prepare("INSERT INTO t (k) VALUES (?1)"));
          stmt.Bind(1, "q" + std::to_string(i));
          return stmt.Run();
        },
        [&](Status st) {
          if (st.ok()) ++stored;
        });
  }
  db_.reset();  // waits for the committer
  auto reopened = SqliteDb::Open((dir_ / "eddy.db").string());
  ASSERT_TRUE(reopened.ok());
  db_ = std::move(*reopened);
  EXPECT_EQ(stored, 20);
  EXPECT_EQ(Count(), 20);
}

}  // namespace
}  // namespace eddy::server
