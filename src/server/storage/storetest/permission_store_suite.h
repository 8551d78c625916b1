// Conformance suite for the ChannelTypeStore and RoleStore ports: every backend must pass it
// unchanged. Defines tests: include in exactly one .cc of a test binary (see store_harness.h).
#pragma once

#include <string>
#include <vector>

#include "server/storage/storetest/store_harness.h"

namespace eddy::server::storetest {

class PermissionStoreSuite : public StoreSuiteBase {
 protected:
  void CreateApp(const std::string& key) {
    App app;
    app.api_key = key;
    app.api_secret = "s";
    app.name = key;
    ASSERT_TRUE(store().apps().CreateApp(app).ok());
  }

  static StoredChannelType Type(std::string name, bool reactions) {
    StoredChannelType t;
    t.name = std::move(name);
    t.config = json::parse(R"({"reactions":false,"max_message_length":300,"commands":
        [{"name":"giphy","args":"[text]"}],"created_at":"2026-01-01T00:00:00.000000Z"})")
                   .as_object();
    t.config["reactions"] = reactions;
    t.grants = json::parse(R"({"user":["read-channel","create-message"],"channel_member":[]})")
                   .as_object();
    return t;
  }

  std::vector<StoredChannelType> Types(const std::string& app) {
    auto got = store().channel_types().ListChannelTypes(app);
    EXPECT_TRUE(got.ok()) << got.error().message;
    return got.ok() ? *got : std::vector<StoredChannelType>{};
  }

  std::vector<std::string> RoleNames(const std::string& app) {
    auto got = store().roles().ListRoles(app);
    EXPECT_TRUE(got.ok()) << got.error().message;
    std::vector<std::string> out;
    if (got.ok()) {
      for (const Role& r : *got) out.push_back(r.name);
    }
    return out;
  }
};

TEST_P(PermissionStoreSuite, ChannelTypesRoundTripByNameAndSurviveRestart) {
  CreateApp("a");
  CreateApp("b");
  ASSERT_TRUE(store().channel_types().PutChannelType("a", Type("support", true)).ok());
  ASSERT_TRUE(store().channel_types().PutChannelType("a", Type("messaging", false)).ok());
  ASSERT_TRUE(store().channel_types().PutChannelType("b", Type("other", true)).ok());
  Reopen();
  std::vector<StoredChannelType> got = Types("a");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].name, "messaging");
  EXPECT_EQ(got[1].name, "support");
  StoredChannelType want = Type("support", true);
  EXPECT_EQ(json::serialize(got[1].config), json::serialize(want.config));
  EXPECT_EQ(got[1].grants, want.grants);
  ASSERT_EQ(Types("b").size(), 1u);
  EXPECT_TRUE(Types("nope").empty());
}

TEST_P(PermissionStoreSuite, PutReplacesTheWholeType) {
  CreateApp("a");
  ASSERT_TRUE(store().channel_types().PutChannelType("a", Type("support", true)).ok());
  StoredChannelType next = Type("support", false);
  next.grants = json::object{{"admin", json::array{"read-channel"}}};
  next.config.erase("max_message_length");
  ASSERT_TRUE(store().channel_types().PutChannelType("a", next).ok());
  std::vector<StoredChannelType> got = Types("a");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].config, next.config);
  EXPECT_EQ(got[0].grants, next.grants);
}

TEST_P(PermissionStoreSuite, DeleteChannelTypeSaysWhetherItExisted) {
  CreateApp("a");
  ASSERT_TRUE(store().channel_types().PutChannelType("a", Type("support", true)).ok());
  auto gone = store().channel_types().DeleteChannelType("a", "support");
  ASSERT_TRUE(gone.ok());
  EXPECT_TRUE(*gone);
  auto again = store().channel_types().DeleteChannelType("a", "support");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
  EXPECT_TRUE(Types("a").empty());
}

TEST_P(PermissionStoreSuite, WritesForMissingAppAreNotFound) {
  Status put = store().channel_types().PutChannelType("ghost", Type("support", true));
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().code, ErrorCode::kDoesNotExist);
  Status role = store().roles().CreateRole("ghost", {"editor", 1, 1});
  ASSERT_FALSE(role.ok());
  EXPECT_EQ(role.error().code, ErrorCode::kDoesNotExist);
}

TEST_P(PermissionStoreSuite, RolesAreUniquePerAppListedByNameAndDeletable) {
  CreateApp("a");
  CreateApp("b");
  ASSERT_TRUE(store().roles().CreateRole("a", {"support", 10, 11}).ok());
  ASSERT_TRUE(store().roles().CreateRole("a", {"editor", 20, 20}).ok());
  ASSERT_TRUE(store().roles().CreateRole("b", {"support", 30, 30}).ok());
  Status dup = store().roles().CreateRole("a", {"support", 40, 40});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, ErrorCode::kInput);
  Reopen();
  EXPECT_EQ(RoleNames("a"), (std::vector<std::string>{"editor", "support"}));
  auto roles = store().roles().ListRoles("a");
  ASSERT_TRUE(roles.ok());
  EXPECT_EQ((*roles)[1].created_at, 10);  // the duplicate changed nothing
  EXPECT_EQ((*roles)[1].updated_at, 11);
  auto gone = store().roles().DeleteRole("a", "support");
  ASSERT_TRUE(gone.ok());
  EXPECT_TRUE(*gone);
  auto again = store().roles().DeleteRole("a", "support");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
  EXPECT_EQ(RoleNames("a"), (std::vector<std::string>{"editor"}));
  EXPECT_EQ(RoleNames("b"), (std::vector<std::string>{"support"}));
}

}  // namespace eddy::server::storetest
