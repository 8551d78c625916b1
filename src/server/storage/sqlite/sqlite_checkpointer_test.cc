// The WAL checkpointer: the commits that fill the WAL hand the copy into the database file to
// its thread, and a WAL under writes that never pause (with readers in it) still starts over
// instead of growing.
#include "server/storage/sqlite/sqlite_checkpointer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

#include "server/storage/sqlite/sqlite_db.h"
#include "server/storage/storetest/temp_dir.h"

namespace eddy::server {
namespace {

namespace fs = std::filesystem;

constexpr int kFramesPerCheckpoint = 16;
constexpr int kRowBytes = SqliteDb::kPageSize * 3 / 4;  // about a page per row

class WalCheckpointerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    auto db = SqliteDb::Open(path(), 8, kFramesPerCheckpoint);
    ASSERT_TRUE(db.ok()) << db.error().message;
    db_ = std::move(*db);
    ASSERT_NE(db_->checkpointer(), nullptr);
    SqliteDb::Exclusive hold(*db_);
    ASSERT_TRUE(db_->Exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB NOT NULL)").ok());
  }

  std::string path() const { return (dir_.path() / "eddy.db").string(); }

  Status InsertRow(std::int64_t k) {
    return db_->Write([&]() -> Status {
      EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                            db_->Prepare("INSERT INTO t (k, v) VALUES (?1, randomblob(?2))"));
      stmt.Bind(1, k).Bind(2, std::int64_t{kRowBytes});
      return stmt.Run();
    });
  }

  std::int64_t Count() {
    SqliteDb::Reading reading(*db_);
    auto stmt = db_->Prepare("SELECT COUNT(*) FROM t");
    if (!stmt.ok() || !stmt->Step().ok()) return -1;
    return stmt->ColumnInt(0);
  }

  // The checkpointer's progress once it has finished `runs` checkpoints (or after 30 s).
  WalCheckpointer::Progress AwaitRuns(std::int64_t runs) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    WalCheckpointer::Progress p = db_->checkpointer()->progress();
    while (p.runs < runs && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      p = db_->checkpointer()->progress();
    }
    return p;
  }

  storetest::TempDir dir_;
  std::unique_ptr<SqliteDb> db_;  // after dir_: closed before the directory is removed
};

TEST_F(WalCheckpointerTest, CopiesTheWalIntoTheDatabaseOnceWritesFillACheckpoint) {
  const std::uintmax_t before = fs::file_size(path());
  // Each commit writes a row's page and the table's root: ~2 frames.
  for (int i = 0; i < kFramesPerCheckpoint / 4; ++i) ASSERT_TRUE(InsertRow(i).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(db_->checkpointer()->progress().runs, 0) << "asked for before a checkpoint's worth";
  for (int i = kFramesPerCheckpoint / 4; i < 2 * kFramesPerCheckpoint; ++i) {
    ASSERT_TRUE(InsertRow(i).ok());
  }
  WalCheckpointer::Progress p = AwaitRuns(1);
  ASSERT_GE(p.runs, 1);
  EXPECT_GT(p.last.total, 0);
  EXPECT_EQ(p.last.backfilled, p.last.total);
  // The rows' pages are in the database file now, not only in the WAL (SQLite's own
  // checkpoint would not have run before 1,000 frames).
  EXPECT_GE(fs::file_size(path()), before + 4 * SqliteDb::kPageSize);
  EXPECT_EQ(Count(), 2 * kFramesPerCheckpoint);
}

TEST_F(WalCheckpointerTest, WalStartsOverUnderWritesThatNeverPause) {
  constexpr int kThreads = 4;
  constexpr int kRowsEach = 400;
  std::atomic<bool> writing{true};
  std::atomic<int> failures{0};
  // A reader in the WAL all along, as under load.
  std::thread reader([&] {
    while (writing) {
      if (Count() < 0) ++failures;
    }
  });
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < kRowsEach; ++i) {
        if (!InsertRow(t * kRowsEach + i).ok()) ++failures;
      }
    });
  }
  for (auto& w : writers) w.join();
  writing = false;
  reader.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(Count(), kThreads * kRowsEach);
  // A WAL that never started over ends up ~7 MB, six times the 1.2 MB of rows (every commit
  // rewrites the table's upper pages too: ~25 MB with 4 KiB pages and rows of 3,000 bytes);
  // one that does stays near the restart length (2 checkpoints: 32 frames) plus what the
  // writes add until the restart gets the write lock (0.14-0.24 MB measured; with 4 KiB pages,
  // 2-3 times the quiet figure when a build ran on both cores).
  const std::uintmax_t wal = fs::file_size(path() + "-wal");
  const std::uintmax_t all_rows = std::uintmax_t{kThreads} * kRowsEach * kRowBytes;
  EXPECT_LT(wal, all_rows) << "the WAL kept growing";
  EXPECT_GE(db_->checkpointer()->progress().runs, 2);
}

TEST_F(WalCheckpointerTest, ExplicitCheckpointStillEmptiesTheWal) {
  for (int i = 0; i < 3 * kFramesPerCheckpoint; ++i) ASSERT_TRUE(InsertRow(i).ok());
  ASSERT_TRUE(db_->Checkpoint().ok());
  EXPECT_EQ(fs::file_size(path() + "-wal"), 0u);
  EXPECT_EQ(Count(), 3 * kFramesPerCheckpoint);
}

}  // namespace
}  // namespace eddy::server
