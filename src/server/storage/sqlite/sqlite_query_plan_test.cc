// The schema's indexes serve the message and channel stores' hot queries: each query shape
// below is the one the store runs, and the planner must find its index (a full scan of a
// large channel or app would pass every functional test and still fail in production).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "server/storage/sqlite/sqlite_channel_rows.h"
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
  std::string Plan(const std::string& sql) { return Explain("EXPLAIN QUERY PLAN " + sql, 3); }
  // The statement's VDBE opcodes, one per line.
  std::string Opcodes(const std::string& sql) { return Explain("EXPLAIN " + sql, 1); }

  // Column `col` of every row of the EXPLAIN statement `explain`, joined by '\n'.
  std::string Explain(const std::string& explain, int col) {
    SqliteDb::Exclusive hold(*db_);
    auto stmt = db_->PrepareTransient(explain);
    EXPECT_TRUE(stmt.ok()) << (stmt.ok() ? "" : stmt.error().message);
    if (!stmt.ok()) return "";
    std::string lines;
    while (true) {
      auto row = stmt->Step();
      EXPECT_TRUE(row.ok());
      if (!row.ok() || !*row) return lines;
      lines += std::string(stmt->ColumnText(col)) + "\n";
    }
  }

  fs::path dir_;
  std::unique_ptr<SqliteDb> db_;
};

// The count walks the channel's messages after the reader's mark, not the whole channel.
TEST_F(SqliteQueryPlanTest, UnreadCountWalksTheChannelIndexFromTheMark) {
  std::string plan = Plan(
      "SELECT COUNT(*) FROM messages WHERE app_key = ?1 AND cid = ?2 AND created_at > ?3"
      " AND user_id <> ?4 AND user_id NOT IN (SELECT value FROM json_each(?5)) AND " +
      std::string(sqlite_rows::kUnreadCondition));
  EXPECT_NE(plan.find("INDEX messages_by_channel (app_key=? AND cid=? AND created_at>?)"),
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
  // MembershipsOf, whole rows: not a walk over every member row of the app.
  std::string memberships = Plan("SELECT " + std::string(sqlite_rows::kMemberColumns) +
                                 std::string(sqlite_rows::kMembershipsOfUserFrom));
  EXPECT_NE(memberships.find("members_by_user (app_key=? AND user_id=?)"), std::string::npos)
      << memberships;
  EXPECT_EQ(memberships.find("TEMP B-TREE"), std::string::npos) << memberships;
  // queryChannels with {members: {$in: [...]}}: the member rows drive, not a channel scan.
  std::string query = Plan(
      "SELECT c.cid FROM channels c WHERE c.app_key = ?1 AND c.deleted_at IS NULL AND"
      " c.cid IN (SELECT sm.cid FROM members sm WHERE sm.app_key = ?1 AND sm.user_id IN (?2))"
      " ORDER BY COALESCE(c.last_message_at, c.created_at) DESC, c.cid ASC LIMIT 10");
  EXPECT_NE(query.find("members_by_user"), std::string::npos) << query;
  EXPECT_EQ(query.find("SCAN c"), std::string::npos) << query;
}

// Deactivating or deleting a user finds their messages by user; slow mode by channel and user.
TEST_F(SqliteQueryPlanTest, AUsersMessagesAreFoundThroughTheAuthorIndex) {
  std::string by_user = Plan(
      "SELECT cid, COALESCE(parent_id, '') FROM messages WHERE app_key = ?1 AND user_id = ?2"
      " AND deleted_at IS NULL");
  EXPECT_NE(by_user.find("messages_by_author (app_key=? AND user_id=?)"), std::string::npos)
      << by_user;
  std::string slow_mode =
      Plan("SELECT MAX(created_at) FROM messages WHERE app_key = ?1 AND cid = ?2 AND user_id = ?3");
  EXPECT_NE(slow_mode.find("messages_by_author (app_key=? AND user_id=? AND cid=?)"),
            std::string::npos)
      << slow_mode;
}

// Every connect reads the user's bans and mutes: key lookups that build no temporary table
// (an IN list does) and open no sorter (an ORDER BY the key does not give does).
TEST_F(SqliteQueryPlanTest, TheConnectPathsModerationReadsBuildNoTemporaryTables) {
  const std::string bans =
      "SELECT user_id FROM bans WHERE app_key = ?1 AND user_id = ?2 AND channel_cid = ''"
      " UNION ALL SELECT user_id FROM bans WHERE app_key = ?1 AND user_id = ?2"
      " AND channel_cid = ?3 AND ?3 <> ''";
  const std::string mutes =
      "SELECT user_id, target_id, created_at, updated_at, expires FROM user_mutes"
      " WHERE app_key = ?1 AND user_id = ?2";
  const std::string channel_mutes =
      "SELECT user_id, channel_cid, created_at, updated_at, expires FROM channel_mutes"
      " WHERE app_key = ?1 AND user_id = ?2";
  for (const std::string& sql : {bans, mutes, channel_mutes}) {
    std::string ops = Opcodes(sql);
    EXPECT_EQ(ops.find("OpenEphemeral"), std::string::npos) << sql;
    EXPECT_EQ(ops.find("SorterOpen"), std::string::npos) << sql;
    EXPECT_EQ(Plan(sql).find("(app_key=?)\n"), std::string::npos) << Plan(sql);
  }
  // The shape it replaced, to show the check can fail.
  EXPECT_NE(Opcodes("SELECT user_id FROM bans WHERE app_key = ?1 AND user_id = ?2"
                    " AND channel_cid IN ('', ?3) ORDER BY channel_cid")
                .find("OpenEphemeral"),
            std::string::npos);
}

}  // namespace
}  // namespace eddy::server
