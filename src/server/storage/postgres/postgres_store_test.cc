// The store conformance suites, run against the PostgreSQL backend, plus what is PostgreSQL's
// own: migrations under concurrent starts, and recovery from lost connections. Needs the test
// server (postgres_test_schema.h); without one the tests fail.
#include "server/storage/postgres/postgres_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "server/storage/postgres/pg_conn.h"
#include "server/storage/postgres/postgres_migrations.h"
#include "server/storage/postgres/postgres_test_schema.h"
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
#include "server/storage/storetest/user_query_suite.h"
#include "server/storage/storetest/user_store_suite.h"

namespace eddy::server {
namespace {

using pgtest::ScratchSchema;
using storetest::StoreBackend;
using storetest::StoreHarness;

class PostgresHarness final : public StoreHarness {
 public:
  Result<std::unique_ptr<Store>> Open() override {
    if (!schema_.error().empty()) return Error::Internal(schema_.error());
    return OpenPostgresStore(schema_.url(), 4);
  }

 private:
  ScratchSchema schema_;
};

StoreBackend PostgresBackend() {
  return {"Postgres", [] { return std::make_unique<PostgresHarness>(); }};
}

}  // namespace

namespace storetest {
INSTANTIATE_TEST_SUITE_P(Postgres, AppStoreSuite, ::testing::Values(PostgresBackend()),
                         BackendName);
INSTANTIATE_TEST_SUITE_P(Postgres, BlocklistStoreSuite, ::testing::Values(PostgresBackend()),
                         BackendName);
INSTANTIATE_TEST_SUITE_P(Postgres, ModerationStoreSuite, ::testing::Values(PostgresBackend()),
                         BackendName);
INSTANTIATE_TEST_SUITE_P(Postgres, PermissionStoreSuite, ::testing::Values(PostgresBackend()),
                         BackendName);
INSTANTIATE_TEST_SUITE_P(Postgres, UserStoreSuite, ::testing::Values(PostgresBackend()),
                         BackendName);
INSTANTIATE_TEST_SUITE_P(Postgres, UserQuerySuite, ::testing::Values(PostgresBackend()),
                         BackendName);
INSTANTIATE_TEST_SUITE_P(Postgres, ChannelStoreSuite, ::testing::Values(PostgresBackend()),
                         BackendName);
INSTANTIATE_TEST_SUITE_P(Postgres, MemberStoreSuite, ::testing::Values(PostgresBackend()),
                         BackendName);
INSTANTIATE_TEST_SUITE_P(Postgres, ChannelQuerySuite, ::testing::Values(PostgresBackend()),
                         BackendName);
INSTANTIATE_TEST_SUITE_P(Postgres, MessageStoreSuite, ::testing::Values(PostgresBackend()),
                         BackendName);
INSTANTIATE_TEST_SUITE_P(Postgres, ReactionStoreSuite, ::testing::Values(PostgresBackend()),
                         BackendName);
INSTANTIATE_TEST_SUITE_P(Postgres, MessagePageSuite, ::testing::Values(PostgresBackend()),
                         BackendName);
}  // namespace storetest

namespace {

App MakeApp(std::string key) {
  App app;
  app.api_key = std::move(key);
  app.name = "test";
  return app;
}

TEST(PostgresStoreTest, MigrationsRunOnceWhenNodesStartTogether) {
  ScratchSchema schema;
  ASSERT_EQ(schema.error(), "");
  constexpr int kNodes = 6;
  std::atomic<int> opened = 0;
  std::vector<std::thread> nodes;
  for (int i = 0; i < kNodes; ++i) {
    nodes.emplace_back([&] {
      auto store = OpenPostgresStore(schema.url(), 1);
      EXPECT_TRUE(store.ok()) << store.error().message;
      if (store.ok()) ++opened;
    });
  }
  for (std::thread& t : nodes) t.join();
  EXPECT_EQ(opened, kNodes);
  auto rows = schema.admin().QueryOnce("SELECT version FROM " + schema.name() +
                                       ".schema_version ORDER BY version");
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->rows(), static_cast<int>(PostgresMigrations().size()));
  for (int i = 0; i < rows->rows(); ++i) EXPECT_EQ(rows->Int(i, 0), i + 1);
}

TEST(PostgresStoreTest, NewerSchemaThanThisBuildIsRefused) {
  ScratchSchema schema;
  ASSERT_EQ(schema.error(), "");
  ASSERT_TRUE(OpenPostgresStore(schema.url(), 1).ok());
  ASSERT_TRUE(
      schema.admin()
          .Exec("INSERT INTO " + schema.name() + ".schema_version VALUES (999, 'future', now())")
          .ok());
  auto store = OpenPostgresStore(schema.url(), 1);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().message.find("newer"), std::string::npos);
}

TEST(PostgresStoreTest, UnreachableServerIsUnavailable) {
  // Port 1 on loopback: nothing listens there, so the connection is refused at once.
  auto store = OpenPostgresStore("postgresql://eddy@127.0.0.1:1/eddy?connect_timeout=2", 1);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().http_status, 503);
}

TEST(PostgresStoreTest, LostConnectionsFailOneRequestThenReconnect) {
  ScratchSchema schema;
  ASSERT_EQ(schema.error(), "");
  auto opened = OpenPostgresStore(schema.url(), 2);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  Store& store = **opened;
  ASSERT_TRUE(store.apps().CreateApp(MakeApp("k1")).ok());

  // What a server restart does to every open session.
  ASSERT_GE(schema.TerminateSessions(), 1);

  Status failed = store.apps().CreateApp(MakeApp("k2"));
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().http_status, 503);
  EXPECT_NE(failed.error().message.find("store unavailable"), std::string::npos);

  // The broken connection was dropped: the next request opens a fresh one.
  ASSERT_TRUE(store.apps().CreateApp(MakeApp("k2")).ok());
  auto apps = store.apps().ListApps();
  ASSERT_TRUE(apps.ok()) << apps.error().message;
  ASSERT_EQ(apps->size(), 2u);
  EXPECT_EQ((*apps)[0].api_key, "k1");
  EXPECT_EQ((*apps)[1].api_key, "k2");
}

// Batched writes send many rows per statement: a row listed twice is written once, as its
// last listing, and a batch beyond one statement's parameter limit is split.
TEST(PostgresStoreTest, BatchedUpsertsKeepTheLastListingAndSplitLargeBatches) {
  ScratchSchema schema;
  ASSERT_EQ(schema.error(), "");
  auto opened = OpenPostgresStore(schema.url(), 1);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  Store& store = **opened;
  ASSERT_TRUE(store.apps().CreateApp(MakeApp("k")).ok());

  std::vector<User> users(5000);
  for (size_t i = 0; i < users.size(); ++i) users[i].id = "u" + std::to_string(i);
  users[1].id = "u0";
  users[1].role = "admin";
  ASSERT_TRUE(store.users().UpsertUsers("k", users).ok());
  auto u0 = store.users().FindUser("k", "u0");
  ASSERT_TRUE(u0.ok() && u0->has_value());
  EXPECT_EQ((*u0)->role, "admin");
  auto last = store.users().FindUser("k", "u4999");
  ASSERT_TRUE(last.ok());
  EXPECT_TRUE(last->has_value());

  Channel c;
  c.type = "messaging";
  c.id = "c";
  Member a, b, a_again;
  a.user_id = a_again.user_id = "u0";
  b.user_id = "u2";
  a_again.channel_role = "channel_moderator";
  ASSERT_TRUE(store.channels().CreateChannel("k", c, {a, b, a_again}).ok());
  auto got = store.channels().GetChannel("k", "messaging", "c");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->member_count, 2);
  for (Member* m : {&a, &b, &a_again}) {
    m->channel_type = "messaging";
    m->channel_id = "c";
  }
  Member d = b;
  d.user_id = "u3";
  ASSERT_TRUE(store.channels().UpsertMembers("k", {d, a, d}).ok());
  got = store.channels().GetChannel("k", "messaging", "c");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->member_count, 3);
  auto member = store.channels().GetMember("k", "messaging", "c", "u0");
  ASSERT_TRUE(member.ok() && member->has_value());
  EXPECT_EQ((*member)->channel_role, a.channel_role);
}

// A user's messages span channels: deleting and restoring them locks every one of those
// channels (in cid order), so it neither deadlocks with nor loses the counts of replies other
// connections post meanwhile.
TEST(PostgresStoreTest, UserMessageWritesAndConcurrentRepliesKeepThreadCounts) {
  ScratchSchema schema;
  ASSERT_EQ(schema.error(), "");
  auto opened = OpenPostgresStore(schema.url(), 4);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  Store& store = **opened;
  ASSERT_TRUE(store.apps().CreateApp(MakeApp("k")).ok());
  const std::vector<std::string> channels = {"b", "a"};
  auto message = [](std::string id, const std::string& channel, std::string user) {
    Message m;
    m.id = std::move(id);
    m.channel_type = "messaging";
    m.channel_id = channel;
    m.user_id = std::move(user);
    return m;
  };
  for (const std::string& id : channels) {
    Channel c;
    c.type = "messaging";
    c.id = id;
    ASSERT_TRUE(store.channels().CreateChannel("k", c, {}).ok());
    Message parent = message("p" + id, id, "v");
    ASSERT_TRUE(store.messages().InsertMessage("k", parent).ok());
    for (int i = 0; i < 3; ++i) {
      Message reply = message("u-" + id + std::to_string(i), id, "u");
      reply.parent_id = "p" + id;
      ASSERT_TRUE(store.messages().InsertMessage("k", reply).ok());
    }
  }
  constexpr int kReplies = 100;
  std::vector<std::thread> writers;
  for (const std::string& id : channels) {
    writers.emplace_back([&store, &message, id] {
      for (int i = 0; i < kReplies; ++i) {
        Message reply = message("w-" + id + std::to_string(i), id, "w");
        reply.parent_id = "p" + id;
        Status s = store.messages().InsertMessage("k", reply);
        EXPECT_TRUE(s.ok()) << s.error().message;
      }
    });
  }
  for (Micros at = 1; at <= 40; ++at) {
    auto deleted = store.messages().SoftDeleteUserMessages("k", "u", at);
    ASSERT_TRUE(deleted.ok()) << deleted.error().message;
    EXPECT_EQ(*deleted, 6);
    if (at < 40) {
      auto restored = store.messages().RestoreUserMessages("k", "u", at);
      ASSERT_TRUE(restored.ok()) << restored.error().message;
      EXPECT_EQ(*restored, 6);
    }
  }
  for (std::thread& t : writers) t.join();
  for (const std::string& id : channels) {
    auto parent = store.messages().GetMessage("k", "p" + id);
    ASSERT_TRUE(parent.ok() && parent->has_value());
    EXPECT_EQ((*parent)->reply_count, 3 + kReplies);
    EXPECT_EQ((*parent)->deleted_reply_count, 3);
    EXPECT_EQ((*parent)->thread_participants, (std::vector<std::string>{"u", "w"}));
  }
}

TEST(PostgresStoreTest, ParametersAreNeverSpliced) {
  ScratchSchema schema;
  ASSERT_EQ(schema.error(), "");
  auto opened = OpenPostgresStore(schema.url(), 1);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  Store& store = **opened;
  const std::string hostile = "k'); DROP TABLE apps; --\"{}\\";
  ASSERT_TRUE(store.apps().CreateApp(MakeApp(hostile)).ok());
  User u;
  u.id = "u\"1,}";
  ASSERT_TRUE(store.users().UpsertUsers(hostile, {u}).ok());
  auto found = store.users().FindUsers(hostile, {"u\"1,}", "x\\"});
  ASSERT_TRUE(found.ok()) << found.error().message;
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ(found->front().id, "u\"1,}");
}

}  // namespace
}  // namespace eddy::server
