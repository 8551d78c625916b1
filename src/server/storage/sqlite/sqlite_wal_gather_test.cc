// The WAL-gathering VFS: a commit's frames reach the WAL in a few writes, other connections
// see every acknowledged commit, the file sees the writes in their order, and what was
// acknowledged is in the file even if the process ends without closing the database.
#include "server/storage/sqlite/sqlite_wal_gather.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "server/storage/sqlite/sqlite_db.h"
#include "server/storage/storetest/temp_dir.h"

namespace eddy::server {
namespace {

namespace fs = std::filesystem;

constexpr int kRowBytes = 700;  // a 1 KiB page each

class WalGatherTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(dir_.path().empty()); }
  std::string path() const { return (dir_.path() / "eddy.db").string(); }

  static Status CreateTable(SqliteDb& db) {
    return db.Write([&] { return db.Exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB)"); });
  }
  static Status InsertRows(SqliteDb& db, int first, int count) {
    return db.Write([&]() -> Status {
      for (int k = first; k < first + count; ++k) {
        EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                              db.Prepare("INSERT INTO t (k, v) VALUES (?1, randomblob(?2))"));
        stmt.Bind(1, std::int64_t{k}).Bind(2, std::int64_t{kRowBytes});
        EDDY_TRY(stmt.Run());
      }
      return {};
    });
  }
  static std::int64_t Count(SqliteDb& db) {
    SqliteDb::Reading reading(db);
    auto stmt = db.Prepare("SELECT COUNT(*) FROM t");
    if (!stmt.ok() || !stmt->Step().ok()) return -1;
    return stmt->ColumnInt(0);
  }

  storetest::TempDir dir_;
};

TEST_F(WalGatherTest, ACommitsFramesReachTheWalInAFewWrites) {
  auto db = SqliteDb::Open(path());
  ASSERT_TRUE(db.ok()) << db.error().message;
  ASSERT_TRUE(CreateTable(**db).ok());
  const WalGatherCounts before = WalGatherTotals();
  Status inserted = InsertRows(**db, 0, 200);
  ASSERT_TRUE(inserted.ok()) << inserted.error().message;
  const WalGatherCounts after = WalGatherTotals();
  // A header and a page per frame, 200+ frames (~220 KB): one write per 64 KiB gathered.
  EXPECT_GE(after.asked - before.asked, 400);
  EXPECT_LE(after.written - before.written, 5);
  EXPECT_EQ(Count(**db), 200);
}

// Readers have connections (and WAL file handles) of their own: each commit is in the file
// by the time it is acknowledged.
TEST_F(WalGatherTest, EveryAcknowledgedCommitIsSeenByOtherConnections) {
  auto db = SqliteDb::Open(path());
  ASSERT_TRUE(db.ok()) << db.error().message;
  ASSERT_TRUE(CreateTable(**db).ok());
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(InsertRows(**db, i * 3, 3).ok());
    ASSERT_EQ(Count(**db), (i + 1) * 3);
  }
}

TEST_F(WalGatherTest, AcknowledgedCommitsSurviveAProcessThatNeverClosesTheDatabase) {
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto db = SqliteDb::Open(path());
    if (!db.ok() || !CreateTable(**db).ok()) _exit(2);
    for (int i = 0; i < 20; ++i) {
      if (!InsertRows(**db, i * 10, 10).ok()) _exit(3);
    }
    _exit(0);  // no destructor runs: nothing is closed or flushed on the way out
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  auto db = SqliteDb::Open(path());
  ASSERT_TRUE(db.ok()) << db.error().message;
  EXPECT_EQ(Count(**db), 200);
}

// Through the VFS's own file methods: a write that is not where the gathered ones end sends
// them first, so the file holds what the writes in their order would have made it.
TEST_F(WalGatherTest, WritesReachTheFileInTheirOrder) {
  std::ofstream(path()).put('\0');  // the database a WAL file belongs to
  sqlite3_vfs* vfs = sqlite3_vfs_find(WalGatheringVfs());
  ASSERT_NE(vfs, nullptr);
  std::vector<std::max_align_t> memory(vfs->szOsFile / sizeof(std::max_align_t) + 1);
  auto* file = reinterpret_cast<sqlite3_file*>(memory.data());
  const std::string wal = path() + "-wal";
  int out_flags = 0;
  ASSERT_EQ(vfs->xOpen(vfs, wal.c_str(), file,
                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_WAL, &out_flags),
            SQLITE_OK);
  const sqlite3_io_methods& io = *file->pMethods;
  const WalGatherCounts before = WalGatherTotals();
  ASSERT_EQ(io.xWrite(file, "aaaa", 4, 0), SQLITE_OK);
  ASSERT_EQ(io.xWrite(file, "bbbb", 4, 4), SQLITE_OK);
  EXPECT_EQ(fs::file_size(wal), 0u) << "gathered, not written yet";
  ASSERT_EQ(io.xWrite(file, "XX", 2, 2), SQLITE_OK);  // over what was gathered
  ASSERT_EQ(io.xWrite(file, "cc", 2, 8), SQLITE_OK);
  sqlite3_int64 size = 0;
  ASSERT_EQ(io.xFileSize(file, &size), SQLITE_OK);
  EXPECT_EQ(size, 10);
  char got[11] = {};
  ASSERT_EQ(io.xRead(file, got, 10, 0), SQLITE_OK);
  EXPECT_EQ(std::string(got), "aaXXbbbbcc");
  const WalGatherCounts after = WalGatherTotals();
  EXPECT_EQ(after.asked - before.asked, 4);
  EXPECT_EQ(after.written - before.written, 3);  // aaaabbbb, XX, cc
  ASSERT_EQ(io.xWrite(file, "dd", 2, 10), SQLITE_OK);
  // More than one write may carry: the gathered bytes go first, then this one alone.
  const std::string big(kMaxGatheredBytes + 10, 'e');
  ASSERT_EQ(io.xWrite(file, big.data(), static_cast<int>(big.size()), 12), SQLITE_OK);
  EXPECT_EQ(fs::file_size(wal), 12 + big.size());
  ASSERT_EQ(io.xWrite(file, "ff", 2, static_cast<sqlite3_int64>(12 + big.size())), SQLITE_OK);
  ASSERT_EQ(io.xClose(file), SQLITE_OK);  // closing writes what is gathered
  EXPECT_EQ(fs::file_size(wal), 14 + big.size());
}

}  // namespace
}  // namespace eddy::server
