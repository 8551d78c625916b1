// Conformance suite for the AppStore port: every backend must pass it unchanged.
// Defines tests: include in exactly one .cc of a test binary (see store_harness.h).
#pragma once

#include <string>

#include "server/storage/storetest/store_harness.h"

namespace eddy::server::storetest {

class AppStoreSuite : public StoreSuiteBase {
 protected:
  static App MakeApp(std::string key, Micros created_at) {
    App app;
    app.api_key = std::move(key);
    app.api_secret = "secret-" + app.api_key;
    app.name = "App " + app.api_key;
    app.created_at = created_at;
    return app;
  }

  static void ExpectSameApp(const App& got, const App& want) {
    EXPECT_EQ(got.api_key, want.api_key);
    EXPECT_EQ(got.api_secret, want.api_secret);
    EXPECT_EQ(got.name, want.name);
    EXPECT_EQ(got.created_at, want.created_at);
    EXPECT_EQ(got.settings, want.settings);
    // Key order too: what was stored is what comes back.
    EXPECT_EQ(json::serialize(got.settings), json::serialize(want.settings));
  }

  App Find(std::string_view key) {
    auto found = store().apps().FindApp(key);
    EXPECT_TRUE(found.ok()) << found.error().message;
    if (!found.ok() || !found->has_value()) {
      ADD_FAILURE() << "app " << key << " not found";
      return {};
    }
    return **found;
  }
};

TEST_P(AppStoreSuite, CreateThenFindRoundTrips) {
  App app = MakeApp("k1", 1'700'000'000'123'456);
  app.name = "Chat 東京 ✓";
  app.settings = json::parse(R"({"disable_auth_checks":true,"revoke_tokens_issued_before":
      "2026-01-02T03:04:05.123456Z","nested":{"list":[1,2.5,"x",null,false]},"n":-3})")
                     .as_object();
  ASSERT_TRUE(store().apps().CreateApp(app).ok());
  ExpectSameApp(Find("k1"), app);
}

TEST_P(AppStoreSuite, FindMissingIsEmptyNotError) {
  auto found = store().apps().FindApp("nope");
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_FALSE(found->has_value());
}

TEST_P(AppStoreSuite, CreateDuplicateKeyFailsAndKeepsOriginal) {
  App first = MakeApp("dup", 10);
  ASSERT_TRUE(store().apps().CreateApp(first).ok());
  App second = MakeApp("dup", 20);
  second.api_secret = "other";
  Status s = store().apps().CreateApp(second);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kInput);
  ExpectSameApp(Find("dup"), first);
}

TEST_P(AppStoreSuite, ListAppsIsEmptyAtFirst) {
  auto apps = store().apps().ListApps();
  ASSERT_TRUE(apps.ok()) << apps.error().message;
  EXPECT_TRUE(apps->empty());
}

TEST_P(AppStoreSuite, ListAppsOldestFirst) {
  ASSERT_TRUE(store().apps().CreateApp(MakeApp("b", 200)).ok());
  ASSERT_TRUE(store().apps().CreateApp(MakeApp("c", 300)).ok());
  ASSERT_TRUE(store().apps().CreateApp(MakeApp("a", 100)).ok());
  auto apps = store().apps().ListApps();
  ASSERT_TRUE(apps.ok()) << apps.error().message;
  ASSERT_EQ(apps->size(), 3u);
  EXPECT_EQ((*apps)[0].api_key, "a");
  EXPECT_EQ((*apps)[1].api_key, "b");
  EXPECT_EQ((*apps)[2].api_key, "c");
  ExpectSameApp((*apps)[0], MakeApp("a", 100));
}

TEST_P(AppStoreSuite, UpdateAppSettingsReplacesTheWholeObject) {
  App app = MakeApp("k", 1);
  app.settings["disable_auth_checks"] = true;
  app.settings["old"] = "gone soon";
  ASSERT_TRUE(store().apps().CreateApp(app).ok());

  json::object settings;
  settings["disable_permissions_checks"] = true;
  settings["revoke_tokens_issued_before"] = "2026-06-24T11:44:48.428721Z";
  ASSERT_TRUE(store().apps().UpdateAppSettings("k", settings).ok());

  App got = Find("k");
  EXPECT_EQ(got.settings, settings);
  EXPECT_FALSE(got.settings.contains("old"));
  EXPECT_TRUE(got.DisablePermissionsChecks());
  EXPECT_FALSE(got.DisableAuthChecks());
  // Only the settings change.
  EXPECT_EQ(got.api_secret, app.api_secret);
  EXPECT_EQ(got.created_at, app.created_at);
}

TEST_P(AppStoreSuite, UpdateAppSettingsOfMissingAppIsNotFound) {
  ASSERT_TRUE(store().apps().CreateApp(MakeApp("k", 1)).ok());
  Status s = store().apps().UpdateAppSettings("missing", json::object{{"x", 1}});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kDoesNotExist);
  EXPECT_EQ(s.error().http_status, 404);
  auto missing = store().apps().FindApp("missing");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

TEST_P(AppStoreSuite, AppsSurviveReopen) {
  App a = MakeApp("a", 100);
  App b = MakeApp("b", 200);
  ASSERT_TRUE(store().apps().CreateApp(a).ok());
  ASSERT_TRUE(store().apps().CreateApp(b).ok());
  json::object settings{{"disable_auth_checks", true}, {"pi", 3.141592653589793}};
  ASSERT_TRUE(store().apps().UpdateAppSettings("b", settings).ok());
  b.settings = settings;

  ASSERT_NO_FATAL_FAILURE(Reopen());

  ExpectSameApp(Find("a"), a);
  ExpectSameApp(Find("b"), b);
  auto apps = store().apps().ListApps();
  ASSERT_TRUE(apps.ok());
  EXPECT_EQ(apps->size(), 2u);
  // Keys stay unique after a restart.
  EXPECT_FALSE(store().apps().CreateApp(MakeApp("a", 300)).ok());
}

TEST_P(AppStoreSuite, FlushKeepsData) {
  ASSERT_TRUE(store().apps().CreateApp(MakeApp("k", 1)).ok());
  Status flushed = store().Flush();
  ASSERT_TRUE(flushed.ok()) << flushed.error().message;
  ASSERT_TRUE(store().apps().CreateApp(MakeApp("k2", 2)).ok());
  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_EQ(Find("k").api_key, "k");
  EXPECT_EQ(Find("k2").api_key, "k2");
}

}  // namespace eddy::server::storetest
