// Conformance suite for the UserStore port's reads and writes (QueryUsers has its own suite in
// user_query_suite.h). Every backend must pass it unchanged. Defines tests: include in exactly
// one .cc of a test binary (see store_harness.h).
#pragma once

#include <algorithm>
#include <atomic>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "server/storage/storetest/store_harness.h"
#include "server/storage/storetest/user_assertions.h"

namespace eddy::server::storetest {

class UserStoreSuite : public TwoAppSuiteBase {
 protected:
  UserStore& users() { return store().users(); }

  static User MakeUser(std::string id, Micros created_at, json::object custom = {}) {
    User u;
    u.id = std::move(id);
    u.created_at = created_at;
    u.updated_at = created_at;
    u.custom = std::move(custom);
    return u;
  }

  void Upsert(const std::vector<User>& list, std::string_view app = kApp) {
    Status s = users().UpsertUsers(app, list);
    ASSERT_TRUE(s.ok()) << s.error().message;
  }

  std::optional<User> Find(std::string_view id, std::string_view app = kApp) {
    auto found = users().FindUser(app, id);
    EXPECT_TRUE(found.ok()) << found.error().message;
    return found.ok() ? *found : std::nullopt;
  }

  static std::vector<std::string> SortedIds(const std::vector<User>& list) {
    std::vector<std::string> ids;
    for (const User& u : list) ids.push_back(u.id);
    std::sort(ids.begin(), ids.end());
    return ids;
  }
};

TEST_P(UserStoreSuite, UpsertThenFindRoundTripsEveryField) {
  User u = MakeUser("luke", 1'700'000'000'000'001);
  u.role = "admin";
  u.banned = true;
  u.shadow_banned = true;
  u.invisible = true;
  u.language = "nl";
  u.teams = json::array{"red", "blue", "東京"};
  u.updated_at = 1'700'000'000'000'002;
  u.last_active = 1'700'000'000'000'003;
  u.deactivated_at = 1'700'000'000'000'004;
  u.deleted_at = 1'700'000'000'000'005;
  u.revoke_tokens_issued_before = -1;  // before the epoch is still a time
  u.custom = json::parse(R"({
    "name": "Łukasz Skywalker 東京 🚀", "zero": 0, "neg": -7,
    "int64_max": 9223372036854775807, "int64_min": -9223372036854775808,
    "uint64_max": 18446744073709551615, "pi": 3.141592653589793, "tiny": 1e-300,
    "neg_double": -2.5, "yes": true, "no": false,
    "nothing": null, "empty_object": {}, "empty_array": [],
    "nested": {"a": {"b": [1, "two", {"three": 3.5}, [null, false]]}},
    "escapes": "quote\" backslash\\ slash/ newline\n tab\t nul\u0000 bell\u0007",
    "名前": "ルーク"})")
                 .as_object();
  // Boost.JSON 1.81's parser reads this one's shortest form back one ulp off.
  u.custom["hard_double"] = 3.84381506781629E-11;
  u.custom["double_one"] = 1.0;  // a double that happens to be whole stays a double
  u.custom["uint_small"] = std::uint64_t{5};
  Upsert({u});
  std::optional<User> got = Find("luke");
  ASSERT_TRUE(got.has_value());
  ExpectSameUser(*got, u);
  EXPECT_TRUE(got->custom.at("double_one").is_double());
  EXPECT_TRUE(got->custom.at("int64_min").is_int64());
  EXPECT_TRUE(got->custom.at("uint64_max").is_uint64());
}

TEST_P(UserStoreSuite, DefaultUserRoundTrips) {
  User u = MakeUser("plain", 5);
  Upsert({u});
  std::optional<User> got = Find("plain");
  ASSERT_TRUE(got.has_value());
  ExpectSameUser(*got, u);
  EXPECT_EQ(got->role, "user");
  EXPECT_FALSE(got->last_active.has_value());
}

TEST_P(UserStoreSuite, UpsertReplacesFully) {
  User first = MakeUser("u", 100, json::object{{"name", "One"}, {"color", "red"}});
  first.role = "admin";
  first.teams = json::array{"a"};
  first.last_active = 150;
  first.deactivated_at = 160;
  first.banned = true;
  Upsert({first});

  User second = MakeUser("u", 200, json::object{{"name", "Uno"}});
  Upsert({second});

  std::optional<User> got = Find("u");
  ASSERT_TRUE(got.has_value());
  ExpectSameUser(*got, second);  // nothing of `first` survives, not even its created_at
  EXPECT_FALSE(got->custom.contains("color"));
  EXPECT_FALSE(got->last_active.has_value());
}

TEST_P(UserStoreSuite, UpsertManyAndNone) {
  Upsert({MakeUser("a", 1), MakeUser("b", 2), MakeUser("c", 3)});
  Upsert({});
  auto found = users().FindUsers(kApp, {"a", "b", "c"});
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_EQ(SortedIds(*found), (std::vector<std::string>{"a", "b", "c"}));
}

TEST_P(UserStoreSuite, UpsertSameIdTwiceInOneCallKeepsTheLast) {
  Upsert({MakeUser("a", 1, {{"v", 1}}), MakeUser("a", 2, {{"v", 2}})});
  std::optional<User> got = Find("a");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->custom.at("v"), 2);
  EXPECT_EQ(got->created_at, 2);
}

TEST_P(UserStoreSuite, UpsertIntoUnknownAppFailsAndWritesNothing) {
  Status s = users().UpsertUsers("no-such-app", {MakeUser("a", 1)});
  EXPECT_FALSE(s.ok());
  auto found = users().FindUser("no-such-app", "a");
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->has_value());
}

TEST_P(UserStoreSuite, FindUserMissingIsEmptyNotError) {
  auto found = users().FindUser(kApp, "nobody");
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_FALSE(found->has_value());
}

TEST_P(UserStoreSuite, FindUsersSkipsMissingIds) {
  Upsert({MakeUser("a", 1), MakeUser("b", 2), MakeUser("c", 3)});
  auto found = users().FindUsers(kApp, {"c", "missing", "a", "a"});
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_EQ(SortedIds(*found), (std::vector<std::string>{"a", "c"}));

  auto none = users().FindUsers(kApp, {});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  auto only_missing = users().FindUsers(kApp, {"x", "y"});
  ASSERT_TRUE(only_missing.ok());
  EXPECT_TRUE(only_missing->empty());
}

TEST_P(UserStoreSuite, FindUsersReturnsFullUsers) {
  User u = MakeUser("a", 1, {{"name", "A"}, {"n", 2.5}});
  u.teams = json::array{"t"};
  u.last_active = 9;
  Upsert({u});
  auto found = users().FindUsers(kApp, {"a"});
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 1u);
  ExpectSameUser((*found)[0], u);
}

// Only QueryUsers hides soft-deleted users; lookups by id see them (and their deleted_at).
TEST_P(UserStoreSuite, FindSeesSoftDeletedAndDeactivatedUsers) {
  User deleted = MakeUser("deleted", 1);
  deleted.deleted_at = 10;
  User deactivated = MakeUser("deactivated", 2);
  deactivated.deactivated_at = 20;
  Upsert({deleted, deactivated});
  std::optional<User> got = Find("deleted");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->deleted_at, 10);
  auto found = users().FindUsers(kApp, {"deleted", "deactivated"});
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(SortedIds(*found), (std::vector<std::string>{"deactivated", "deleted"}));
}

TEST_P(UserStoreSuite, DeleteUserRemovesForGood) {
  Upsert({MakeUser("a", 1), MakeUser("b", 2)});
  ASSERT_TRUE(users().DeleteUser(kApp, "a").ok());
  EXPECT_FALSE(Find("a").has_value());
  EXPECT_TRUE(Find("b").has_value());
  // Deleting again, or deleting someone who never existed, is not an error.
  EXPECT_TRUE(users().DeleteUser(kApp, "a").ok());
  EXPECT_TRUE(users().DeleteUser(kApp, "never").ok());
  // The id can be used again.
  Upsert({MakeUser("a", 3)});
  ASSERT_TRUE(Find("a").has_value());
  EXPECT_EQ(Find("a")->created_at, 3);
}

TEST_P(UserStoreSuite, SetLastActiveChangesOnlyLastActive) {
  User u = MakeUser("a", 1, {{"name", "A"}});
  u.updated_at = 2;
  Upsert({u});
  ASSERT_TRUE(users().SetLastActive(kApp, "a", 12345).ok());
  std::optional<User> got = Find("a");
  ASSERT_TRUE(got.has_value());
  u.last_active = 12345;
  ExpectSameUser(*got, u);
  ASSERT_TRUE(users().SetLastActive(kApp, "a", 99999).ok());
  EXPECT_EQ(Find("a")->last_active, 99999);
}

TEST_P(UserStoreSuite, SetLastActiveOfMissingUserIsNotErrorAndCreatesNothing) {
  EXPECT_TRUE(users().SetLastActive(kApp, "ghost", 5).ok());
  EXPECT_FALSE(Find("ghost").has_value());
}

TEST_P(UserStoreSuite, AppsAreIsolated) {
  Upsert({MakeUser("same", 1, {{"name", "in app1"}})}, kApp);
  Upsert({MakeUser("same", 2, {{"name", "in app2"}})}, kOtherApp);
  ASSERT_TRUE(Find("same", kApp).has_value());
  EXPECT_EQ(Find("same", kApp)->custom.at("name"), "in app1");
  EXPECT_EQ(Find("same", kOtherApp)->custom.at("name"), "in app2");

  ASSERT_TRUE(users().SetLastActive(kOtherApp, "same", 77).ok());
  EXPECT_FALSE(Find("same", kApp)->last_active.has_value());

  ASSERT_TRUE(users().DeleteUser(kApp, "same").ok());
  EXPECT_FALSE(Find("same", kApp).has_value());
  EXPECT_TRUE(Find("same", kOtherApp).has_value());

  Upsert({MakeUser("only1", 3)}, kApp);
  auto found = users().FindUsers(kOtherApp, {"only1", "same"});
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(SortedIds(*found), (std::vector<std::string>{"same"}));
  EXPECT_FALSE(Find("only1", "no-such-app").has_value());
}

TEST_P(UserStoreSuite, UsersSurviveReopen) {
  User u = MakeUser("luke", 10, {{"name", "Luke"}, {"pi", 3.141592653589793}});
  u.teams = json::array{"red"};
  u.last_active = 11;
  User other = MakeUser("luke", 20, {{"name", "Other"}});
  Upsert({u, MakeUser("gone", 12)});
  Upsert({other}, kOtherApp);
  ASSERT_TRUE(users().DeleteUser(kApp, "gone").ok());

  ASSERT_NO_FATAL_FAILURE(Reopen());

  std::optional<User> got = Find("luke");
  ASSERT_TRUE(got.has_value());
  ExpectSameUser(*got, u);
  ASSERT_TRUE(Find("luke", kOtherApp).has_value());
  ExpectSameUser(*Find("luke", kOtherApp), other);
  EXPECT_FALSE(Find("gone").has_value());
}

// Many threads on one store at once: every write lands, and reads never see a torn user.
TEST_P(UserStoreSuite, ConcurrentWritersAndReaders) {
  constexpr int kThreads = 4;
  constexpr int kUsersPerThread = 25;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kUsersPerThread; ++i) {
        std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
        if (!users().UpsertUsers(kApp, {MakeUser(id, i, {{"owner", t}})}).ok()) ++failures;
        if (!users().SetLastActive(kApp, id, i + 1).ok()) ++failures;
        auto got = users().FindUser(kApp, id);
        if (!got.ok() || !got->has_value() || (*got)->custom.at("owner") != t) ++failures;
        UserQuery q;
        q.limit = 5;
        if (!users().QueryUsers(kApp, q).ok()) ++failures;
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  UserQuery all;
  all.limit = 1000;
  auto everyone = users().QueryUsers(kApp, all);
  ASSERT_TRUE(everyone.ok());
  EXPECT_EQ(everyone->size(), static_cast<size_t>(kThreads * kUsersPerThread));
}

}  // namespace eddy::server::storetest
