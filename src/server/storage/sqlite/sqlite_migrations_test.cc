#include "server/storage/sqlite/sqlite_migrations.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <vector>

#include "server/storage/sqlite/sqlite_store.h"

namespace eddy::server {
namespace {

namespace fs = std::filesystem;

class SqliteMigrationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "eddy-migrate-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::unique_ptr<SqliteDb> OpenDb() {
    auto db = SqliteDb::Open((dir_ / "eddy.db").string());
    EXPECT_TRUE(db.ok()) << db.error().message;
    return db.ok() ? std::move(db).value() : nullptr;
  }

  // Rows of a one-column query, as text.
  static std::vector<std::string> Column(SqliteDb& db, const std::string& sql) {
    SqliteDb::Exclusive hold(db);
    std::vector<std::string> out;
    auto stmt = db.PrepareTransient(sql);
    EXPECT_TRUE(stmt.ok()) << (stmt.ok() ? "" : stmt.error().message);
    if (!stmt.ok()) return out;
    while (true) {
      auto row = stmt->Step();
      EXPECT_TRUE(row.ok());
      if (!row.ok() || !*row) return out;
      out.emplace_back(stmt->ColumnText(0));
    }
  }

  fs::path dir_;
};

constexpr SqliteMigration kV1[] = {
    {1, "one", "CREATE TABLE t1 (x INTEGER); INSERT INTO t1 VALUES (1);"},
};
constexpr SqliteMigration kV1V2[] = {
    {1, "one", "CREATE TABLE t1 (x INTEGER); INSERT INTO t1 VALUES (1);"},
    {2, "two", "INSERT INTO t1 VALUES (2); CREATE TABLE t2 (y TEXT);"},
};

TEST_F(SqliteMigrationsTest, AppliesEachMigrationOnceInOrder) {
  auto db = OpenDb();
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(ApplyMigrations(*db, kV1).ok());
  EXPECT_EQ(SchemaVersion(*db).value(), 1);
  // Reapplying is a no-op: the INSERT of migration 1 does not run twice.
  ASSERT_TRUE(ApplyMigrations(*db, kV1).ok());
  EXPECT_EQ(Column(*db, "SELECT x FROM t1 ORDER BY x"), (std::vector<std::string>{"1"}));

  // A newer build: only migration 2 runs.
  ASSERT_TRUE(ApplyMigrations(*db, kV1V2).ok());
  EXPECT_EQ(SchemaVersion(*db).value(), 2);
  EXPECT_EQ(Column(*db, "SELECT x FROM t1 ORDER BY x"), (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(Column(*db, "SELECT name FROM schema_version ORDER BY version"),
            (std::vector<std::string>{"one", "two"}));
}

TEST_F(SqliteMigrationsTest, MissingMigrationsApplyOnReopen) {
  {
    auto db = OpenDb();
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(ApplyMigrations(*db, kV1).ok());
  }
  auto db = OpenDb();
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(SchemaVersion(*db).value(), 1);
  ASSERT_TRUE(ApplyMigrations(*db, kV1V2).ok());
  EXPECT_EQ(Column(*db, "SELECT x FROM t1 ORDER BY x"), (std::vector<std::string>{"1", "2"}));
}

TEST_F(SqliteMigrationsTest, FailedMigrationRollsBackAndIsRetried) {
  constexpr SqliteMigration kBroken[] = {
      kV1V2[0],
      {2, "broken", "INSERT INTO t1 VALUES (2); INSERT INTO no_such_table VALUES (3);"},
  };
  auto db = OpenDb();
  ASSERT_NE(db, nullptr);
  EXPECT_FALSE(ApplyMigrations(*db, kBroken).ok());
  EXPECT_EQ(SchemaVersion(*db).value(), 1);
  EXPECT_EQ(Column(*db, "SELECT x FROM t1 ORDER BY x"), (std::vector<std::string>{"1"}));
  ASSERT_TRUE(ApplyMigrations(*db, kV1V2).ok());
  EXPECT_EQ(Column(*db, "SELECT x FROM t1 ORDER BY x"), (std::vector<std::string>{"1", "2"}));
}

TEST_F(SqliteMigrationsTest, RefusesADatabaseFromANewerEddy) {
  auto db = OpenDb();
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(ApplyMigrations(*db, kV1V2).ok());
  Status s = ApplyMigrations(*db, kV1);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("newer"), std::string::npos);
}

// Gaps are allowed: branches of one release reserve version numbers.
TEST_F(SqliteMigrationsTest, BuiltInMigrationsAreStrictlyIncreasingFromOne) {
  ASSERT_FALSE(SqliteMigrations().empty());
  EXPECT_EQ(SqliteMigrations().front().version, 1);
  int previous = 0;
  for (const SqliteMigration& m : SqliteMigrations()) {
    EXPECT_GT(m.version, previous);
    previous = m.version;
  }
}

// The real store: reopening keeps the version and the data, and adds no migration rows.
TEST_F(SqliteMigrationsTest, ReopeningTheStoreKeepsVersionAndData) {
  const int latest = SqliteMigrations().back().version;
  {
    auto store = OpenSqliteStore(dir_.string());
    ASSERT_TRUE(store.ok()) << store.error().message;
    App app;
    app.api_key = "k";
    ASSERT_TRUE((*store)->apps().CreateApp(app).ok());
  }
  for (int i = 0; i < 2; ++i) {
    auto store = OpenSqliteStore(dir_.string());
    ASSERT_TRUE(store.ok()) << store.error().message;
    auto app = (*store)->apps().FindApp("k");
    ASSERT_TRUE(app.ok());
    EXPECT_TRUE(app->has_value());
  }
  auto db = OpenDb();
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(SchemaVersion(*db).value(), latest);
  EXPECT_EQ(Column(*db, "SELECT COUNT(*) FROM schema_version"),
            (std::vector<std::string>{std::to_string(SqliteMigrations().size())}));
}

}  // namespace
}  // namespace eddy::server
