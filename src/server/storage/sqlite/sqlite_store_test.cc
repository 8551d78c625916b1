// The store conformance suites, run against the SQLite backend, plus what is SQLite's own:
// the data directory and the connection pragmas.
#include "server/storage/sqlite/sqlite_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "server/storage/sqlite/sqlite_db.h"
#include "server/storage/storetest/app_store_suite.h"
#include "server/storage/storetest/blocklist_store_suite.h"
#include "server/storage/storetest/channel_query_suite.h"
#include "server/storage/storetest/channel_store_suite.h"
#include "server/storage/storetest/member_store_suite.h"
#include "server/storage/storetest/message_page_suite.h"
#include "server/storage/storetest/message_store_suite.h"
#include "server/storage/storetest/moderation_store_suite.h"
#include "server/storage/storetest/permission_store_suite.h"
#include "server/storage/storetest/reaction_store_suite.h"
#include "server/storage/storetest/temp_dir.h"
#include "server/storage/storetest/user_query_suite.h"
#include "server/storage/storetest/user_store_suite.h"

namespace eddy::server {
namespace {

namespace fs = std::filesystem;
using storetest::StoreBackend;
using storetest::StoreHarness;
using storetest::TempDir;

class SqliteHarness final : public StoreHarness {
 public:
  Result<std::unique_ptr<Store>> Open() override {
    if (dir_.path().empty()) return Error::Internal("cannot create a temporary directory");
    // A subdirectory that does not exist yet: OpenSqliteStore creates it.
    return OpenSqliteStore((dir_.path() / "data").string());
  }

 private:
  TempDir dir_;
};

StoreBackend SqliteBackend() {
  return {"Sqlite", [] { return std::make_unique<SqliteHarness>(); }};
}

}  // namespace

namespace storetest {
INSTANTIATE_TEST_SUITE_P(Sqlite, AppStoreSuite, ::testing::Values(SqliteBackend()), BackendName);
INSTANTIATE_TEST_SUITE_P(Sqlite, BlocklistStoreSuite, ::testing::Values(SqliteBackend()),
                         BackendName);
INSTANTIATE_TEST_SUITE_P(Sqlite, PermissionStoreSuite, ::testing::Values(SqliteBackend()),
                         BackendName);
INSTANTIATE_TEST_SUITE_P(Sqlite, UserStoreSuite, ::testing::Values(SqliteBackend()), BackendName);
INSTANTIATE_TEST_SUITE_P(Sqlite, UserQuerySuite, ::testing::Values(SqliteBackend()), BackendName);
INSTANTIATE_TEST_SUITE_P(Sqlite, ChannelStoreSuite, ::testing::Values(SqliteBackend()),
                         BackendName);
INSTANTIATE_TEST_SUITE_P(Sqlite, MemberStoreSuite, ::testing::Values(SqliteBackend()), BackendName);
INSTANTIATE_TEST_SUITE_P(Sqlite, ChannelQuerySuite, ::testing::Values(SqliteBackend()),
                         BackendName);
INSTANTIATE_TEST_SUITE_P(Sqlite, MessageStoreSuite, ::testing::Values(SqliteBackend()),
                         BackendName);
INSTANTIATE_TEST_SUITE_P(Sqlite, ReactionStoreSuite, ::testing::Values(SqliteBackend()),
                         BackendName);
INSTANTIATE_TEST_SUITE_P(Sqlite, MessagePageSuite, ::testing::Values(SqliteBackend()), BackendName);
INSTANTIATE_TEST_SUITE_P(Sqlite, ModerationStoreSuite, ::testing::Values(SqliteBackend()),
                         BackendName);
}  // namespace storetest

namespace {

TEST(SqliteStoreTest, CreatesNestedDataDirAndDatabaseFile) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  fs::path data = dir.path() / "a" / "b";
  auto store = OpenSqliteStore(data.string());
  ASSERT_TRUE(store.ok()) << store.error().message;
  EXPECT_TRUE(fs::exists(data / "eddy.db"));
}

TEST(SqliteStoreTest, UnusableDataDirIsAnError) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  fs::path file = dir.path() / "file";
  { std::ofstream(file) << "x"; }
  auto store = OpenSqliteStore((file / "sub").string());
  EXPECT_FALSE(store.ok());
}

TEST(SqliteStoreTest, ConnectionIsWalFullSyncWithForeignKeys) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  auto db = SqliteDb::Open((dir.path() / "eddy.db").string());
  ASSERT_TRUE(db.ok()) << db.error().message;
  SqliteDb::Exclusive hold(**db);
  auto pragma = [&](const char* sql) -> std::string {
    auto stmt = (*db)->PrepareTransient(sql);
    EXPECT_TRUE(stmt.ok());
    if (!stmt.ok()) return "";
    auto row = stmt->Step();
    EXPECT_TRUE(row.ok() && *row);
    return std::string(stmt->ColumnText(0));
  };
  EXPECT_EQ(pragma("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(pragma("PRAGMA synchronous"), "2");  // FULL
  EXPECT_EQ(pragma("PRAGMA foreign_keys"), "1");
  EXPECT_NE(pragma("PRAGMA busy_timeout"), "0");
}

TEST(SqliteStoreTest, InMemoryStoreWorks) {
  auto store = OpenSqliteStore(":memory:");
  ASSERT_TRUE(store.ok()) << store.error().message;
  App app;
  app.api_key = "k";
  ASSERT_TRUE((*store)->apps().CreateApp(app).ok());
  User u;
  u.id = "u";
  ASSERT_TRUE((*store)->users().UpsertUsers("k", {u}).ok());
  auto found = (*store)->users().FindUser("k", "u");
  ASSERT_TRUE(found.ok());
  EXPECT_TRUE(found->has_value());
  EXPECT_TRUE((*store)->Flush().ok());
}

TEST(SqliteStoreTest, FlushTruncatesTheWal) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  auto store = OpenSqliteStore(dir.path().string());
  ASSERT_TRUE(store.ok()) << store.error().message;
  App app;
  app.api_key = "k";
  ASSERT_TRUE((*store)->apps().CreateApp(app).ok());
  ASSERT_GT(fs::file_size(dir.path() / "eddy.db-wal"), 0u);
  ASSERT_TRUE((*store)->Flush().ok());
  EXPECT_EQ(fs::file_size(dir.path() / "eddy.db-wal"), 0u);
}

}  // namespace
}  // namespace eddy::server
