// The schema's indexes serve the message and channel stores' hot queries: each query shape
// below is the one the store runs, and the planner must find its index (a full scan of a
// large channel or app would pass every functional test and still fail in production).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "server/storage/sqlite/sqlite_db.h"
#include "server/storage/sqlite/sqlite_message_rows.h"
#include "server/storage/sqlite/sqlite_migrations.h"

namespace eddy::server {
namespace {

namespace fs = std::filesystem;

class SqliteQueryPlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "eddy-plan-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    auto db = SqliteDb::Open((dir_ / "eddy.db").string());
    ASSERT_TRUE(db.ok()) << db.error().message;
    db_ = std::move(db).value();
    ASSERT_TRUE(ApplyMigrations(*db_, SqliteMigrations()).ok());
  }
  void TearDown() override {
    db_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // The plan's detail lines, joined by '\n'.
  std::string Plan(const std::string& sql) {
    SqliteDb::Exclusive hold(*db_);
    auto stmt = db_->PrepareTransient("EXPLAIN QUERY PLAN " + sql);
    EXPECT_TRUE(stmt.ok()) << (stmt.ok() ? "" : stmt.error().message);
    if (!stmt.ok()) return "";
    std::string plan;
    while (true) {
      auto row = stmt->Step();
      EXPECT_TRUE(row.ok());
      if (!row.ok() || !*row) return plan;
      plan += std::string(stmt->ColumnText(3)) + "\n";
    }
  }

  fs::path dir_;
  std::unique_ptr<SqliteDb> db_;
};

// The partial index holds only countable messages, so the range it yields is the unread ones.
TEST_F(SqliteQueryPlanTest, UnreadCountUsesItsPartialIndex) {
  std::string plan = Plan(
      "SELECT COUNT(*) FROM messages WHERE app_key = ?1 AND cid = ?2 AND created_at > ?3"
      " AND user_id <> ?4 AND user_id NOT IN (SELECT value FROM json_each(?5)) AND " +
      std::string(sqlite_rows::kUnreadCondition));
  EXPECT_NE(plan.find("INDEX messages_unread (app_key=? AND cid=? AND created_at>?)"),
            std::string::npos)
      << plan;
}

TEST_F(SqliteQueryPlanTest, ChannelPagesWalkTheChannelIndexWithoutSorting) {
  std::string plan = Plan("SELECT id FROM messages WHERE app_key = ?1 AND cid = ?2 AND " +
                          std::string(sqlite_rows::kInChannelList) +
                          " AND (created_at, seq) < (?3, ?4) ORDER BY created_at DESC, seq DESC"
                          " LIMIT ?5");
  EXPECT_NE(plan.find("messages_by_channel"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << plan;
}

TEST_F(SqliteQueryPlanTest, ThreadPagesWalkTheParentIndexWithoutSorting) {
  std::string plan = Plan(
      "SELECT id FROM messages WHERE app_key = ?1 AND parent_id = ?2 AND created_at > ?3"
      " ORDER BY created_at, seq LIMIT ?4");
  EXPECT_NE(plan.find("messages_by_parent"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << plan;
}

TEST_F(SqliteQueryPlanTest, PinnedMessagesUseThePinnedIndex) {
  std::string plan = Plan(
      "SELECT id FROM messages WHERE app_key = ?1 AND cid = ?2 AND pinned = 1"
      " AND deleted_at IS NULL AND (pin_expires IS NULL OR pin_expires > ?3)"
      " ORDER BY pinned_at DESC NULLS LAST, seq DESC LIMIT ?4");
  EXPECT_NE(plan.find("messages_pinned"), std::string::npos) << plan;
}

TEST_F(SqliteQueryPlanTest, ReactionsOfAMessageUseTheReactionIndex) {
  std::string plan = Plan(
      "SELECT user_id FROM reactions WHERE app_key = ?1 AND message_id = ?2"
      " ORDER BY created_at DESC, rowid DESC LIMIT ?3");
  EXPECT_NE(plan.find("reactions_by_message"), std::string::npos) << plan;
}

TEST_F(SqliteQueryPlanTest, AUsersChannelsAreFoundThroughTheMembershipIndex) {
  std::string memberships = Plan(
      "SELECT m.cid FROM members m JOIN channels c ON c.app_key = m.app_key AND c.cid = m.cid"
      " WHERE m.app_key = ?1 AND m.user_id = ?2 AND c.deleted_at IS NULL ORDER BY m.cid");
  EXPECT_NE(memberships.find("members_by_user"), std::string::npos) << memberships;
  // queryChannels with {members: {$in: [...]}}: the member rows drive, not a channel scan.
  std::string query = Plan(
      "SELECT c.cid FROM channels c WHERE c.app_key = ?1 AND c.deleted_at IS NULL AND"
      " c.cid IN (SELECT sm.cid FROM members sm WHERE sm.app_key = ?1 AND sm.user_id IN (?2))"
      " ORDER BY COALESCE(c.last_message_at, c.created_at) DESC, c.cid ASC LIMIT 10");
  EXPECT_NE(query.find("members_by_user"), std::string::npos) << query;
  EXPECT_EQ(query.find("SCAN c"), std::string::npos) << query;
}

}  // namespace
}  // namespace eddy::server
