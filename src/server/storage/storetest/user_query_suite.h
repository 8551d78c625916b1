// Conformance suite for UserStore::QueryUsers: the filter operators of protocol §7 on typed and
// custom fields, sorting, pagination, and which users a query may never return. Every backend
// must pass it unchanged. Defines tests: include in exactly one .cc of a test binary.
#pragma once

#include <string>
#include <vector>

#include "server/storage/storetest/user_store_suite.h"

namespace eddy::server::storetest {

inline Filter Cond(std::string field, FilterOp op, json::value value) {
  Filter f;
  f.kind = Filter::Kind::kCondition;
  f.field = std::move(field);
  f.op = op;
  f.value = std::move(value);
  return f;
}

inline Filter Logic(Filter::Kind kind, std::vector<Filter> children) {
  Filter f;
  f.kind = kind;
  f.children = std::move(children);
  return f;
}

// Seeds one population every test queries. In default order (created_at, then id):
//   luke(1000) leia(2000) han(3000) vader(3000) yoda(4000) r2(5000)
// plus `ghost` (soft-deleted) and `sleeper` (deactivated), and a `luke` in the other app.
class UserQuerySuite : public UserStoreSuite {
 protected:
  using Ids = std::vector<std::string>;
  static constexpr auto kEq = FilterOp::kEq;

  void SetUp() override {
    UserStoreSuite::SetUp();
    if (HasFatalFailure()) return;

    User luke = MakeUser("luke", 1000, Obj(R"({"name":"Luke Skywalker","age":30,"side":"light",
        "tags":["jedi","pilot"],"score":9.5})"));
    luke.language = "en";
    luke.teams = json::array{"red", "blue"};
    luke.last_active = 5000;
    User leia = MakeUser("leia", 2000, Obj(R"({"name":"Leia Organa","age":"30",
        "tags":["rebel"],"jedi":true,"score":-1})"));
    leia.role = "admin";
    leia.language = "en";
    leia.teams = json::array{"red"};
    User han = MakeUser("han", 3000, Obj(R"({"name":"Han Solo","age":35,"side":"light",
        "tags":"pilot","jedi":false,"score":7})"));
    han.banned = true;
    han.language = "fr";
    User vader = MakeUser("vader", 3000, Obj(R"({"name":"Darth Vader","age":45.5,
        "side":"dark","jedi":1,"score":12})"));
    vader.role = "admin";
    vader.language = "de";
    vader.teams = json::array{"empire"};
    vader.shadow_banned = true;
    vader.invisible = true;
    vader.last_active = 9000;
    User yoda = MakeUser("yoda", 4000, Obj(R"({"name":"yoda","age":null,"nested":{"a":1},
        "名前":"ヨーダ"})"));
    yoda.teams = json::array{"blue"};
    yoda.last_active = 7000;
    User r2 = MakeUser("r2", 5000, Obj(R"({"tags":[2,"droid"]})"));
    r2.teams = json::array{"blue", "red"};
    User ghost = MakeUser("ghost", 500, Obj(R"({"name":"Luke Ghost","age":30})"));
    ghost.deleted_at = 6000;
    User sleeper = MakeUser("sleeper", 600, Obj(R"({"name":"Sleepy","age":30})"));
    sleeper.deactivated_at = 6000;
    ASSERT_NO_FATAL_FAILURE(Upsert({luke, leia, han, vader, yoda, r2, ghost, sleeper}));
    ASSERT_NO_FATAL_FAILURE(
        Upsert({MakeUser("luke", 1, Obj(R"({"name":"Other Luke","age":30})"))}, kOtherApp));
  }

  static json::object Obj(std::string_view text) { return json::parse(text).as_object(); }

  Ids Run(const UserQuery& q, std::string_view app = kApp) {
    auto found = users().QueryUsers(app, q);
    EXPECT_TRUE(found.ok()) << found.error().message;
    Ids ids;
    if (found.ok()) {
      for (const User& u : *found) ids.push_back(u.id);
    }
    return ids;
  }

  // Ids matching `f`, in default order.
  Ids Match(Filter f) {
    UserQuery q;
    q.filter = std::move(f);
    q.limit = 100;
    return Run(q);
  }
  Ids Match(std::string field, FilterOp op, json::value value) {
    return Match(Cond(std::move(field), op, std::move(value)));
  }

  Ids Sorted(std::vector<SortField> sort, int limit = 100, int offset = 0) {
    UserQuery q;
    q.sort = std::move(sort);
    q.limit = limit;
    q.offset = offset;
    return Run(q);
  }

  // The query must be refused as bad input (HTTP 400, code 4).
  void ExpectInputError(const UserQuery& q) {
    auto found = users().QueryUsers(kApp, q);
    ASSERT_FALSE(found.ok());
    EXPECT_EQ(found.error().code, ErrorCode::kInput) << found.error().message;
    EXPECT_EQ(found.error().http_status, 400);
  }
  void ExpectInputError(std::string field, FilterOp op, json::value value) {
    UserQuery q;
    q.filter = Cond(std::move(field), op, std::move(value));
    ExpectInputError(q);
  }
};

TEST_P(UserQuerySuite, EmptyFilterReturnsAllInDefaultOrder) {
  EXPECT_EQ(Match(Filter{}), (Ids{"luke", "leia", "han", "vader", "yoda", "r2"}));
  UserQuery defaults;  // limit 30, offset 0
  EXPECT_EQ(Run(defaults), (Ids{"luke", "leia", "han", "vader", "yoda", "r2"}));
}

TEST_P(UserQuerySuite, TypedStringFields) {
  EXPECT_EQ(Match("id", kEq, "han"), (Ids{"han"}));
  EXPECT_EQ(Match("id", kEq, "nobody"), (Ids{}));
  EXPECT_EQ(Match("role", kEq, "admin"), (Ids{"leia", "vader"}));
  EXPECT_EQ(Match("role", FilterOp::kNe, "admin"), (Ids{"luke", "han", "yoda", "r2"}));
  EXPECT_EQ(Match("language", kEq, ""), (Ids{"yoda", "r2"}));
  EXPECT_EQ(Match("id", FilterOp::kGt, "luke"), (Ids{"vader", "yoda", "r2"}));
  EXPECT_EQ(Match("id", FilterOp::kGte, "luke"), (Ids{"luke", "vader", "yoda", "r2"}));
  EXPECT_EQ(Match("id", FilterOp::kLt, "leia"), (Ids{"han"}));
  EXPECT_EQ(Match("id", FilterOp::kLte, "leia"), (Ids{"leia", "han"}));
}

TEST_P(UserQuerySuite, InAndNin) {
  EXPECT_EQ(Match("id", FilterOp::kIn, json::array{"yoda", "han", "nobody"}), (Ids{"han", "yoda"}));
  EXPECT_EQ(Match("id", FilterOp::kNin, json::array{"yoda", "han"}),
            (Ids{"luke", "leia", "vader", "r2"}));
  EXPECT_EQ(Match("language", FilterOp::kIn, json::array{"fr", "de"}), (Ids{"han", "vader"}));
  EXPECT_EQ(Match("role", FilterOp::kIn, json::array{}), (Ids{}));
  EXPECT_EQ(Match("role", FilterOp::kNin, json::array{}),
            (Ids{"luke", "leia", "han", "vader", "yoda", "r2"}));
}

TEST_P(UserQuerySuite, BooleanFields) {
  EXPECT_EQ(Match("banned", kEq, true), (Ids{"han"}));
  EXPECT_EQ(Match("banned", kEq, false), (Ids{"luke", "leia", "vader", "yoda", "r2"}));
  EXPECT_EQ(Match("shadow_banned", kEq, true), (Ids{"vader"}));
  EXPECT_EQ(Match("invisible", FilterOp::kNe, true), (Ids{"luke", "leia", "han", "yoda", "r2"}));
  EXPECT_EQ(Match("banned", FilterOp::kIn, json::array{true}), (Ids{"han"}));
}

TEST_P(UserQuerySuite, TimeFields) {
  EXPECT_EQ(Match("created_at", FilterOp::kGt, 2000), (Ids{"han", "vader", "yoda", "r2"}));
  EXPECT_EQ(Match("created_at", FilterOp::kGte, 2000), (Ids{"leia", "han", "vader", "yoda", "r2"}));
  EXPECT_EQ(Match("created_at", FilterOp::kLt, 2000), (Ids{"luke"}));
  EXPECT_EQ(Match("created_at", FilterOp::kLte, 2000), (Ids{"luke", "leia"}));
  EXPECT_EQ(Match("created_at", kEq, 3000), (Ids{"han", "vader"}));
  EXPECT_EQ(Match("created_at", FilterOp::kIn, json::array{1000, 4000}), (Ids{"luke", "yoda"}));
  EXPECT_EQ(Match("updated_at", FilterOp::kGt, 3500), (Ids{"yoda", "r2"}));
}

// An absent value fails every comparison but satisfies $ne and $nin.
TEST_P(UserQuerySuite, NullableTimeFields) {
  EXPECT_EQ(Match("last_active", FilterOp::kExists, true), (Ids{"luke", "vader", "yoda"}));
  EXPECT_EQ(Match("last_active", FilterOp::kExists, false), (Ids{"leia", "han", "r2"}));
  EXPECT_EQ(Match("last_active", FilterOp::kGt, 6000), (Ids{"vader", "yoda"}));
  EXPECT_EQ(Match("last_active", FilterOp::kLt, 6000), (Ids{"luke"}));
  EXPECT_EQ(Match("last_active", FilterOp::kNe, 5000), (Ids{"leia", "han", "vader", "yoda", "r2"}));
  EXPECT_EQ(Match("last_active", FilterOp::kNin, json::array{5000, 9000}),
            (Ids{"leia", "han", "yoda", "r2"}));
  EXPECT_EQ(Match("id", FilterOp::kExists, true),
            (Ids{"luke", "leia", "han", "vader", "yoda", "r2"}));
}

TEST_P(UserQuerySuite, Teams) {
  EXPECT_EQ(Match("teams", FilterOp::kContains, "red"), (Ids{"luke", "leia", "r2"}));
  EXPECT_EQ(Match("teams", kEq, "blue"), (Ids{"luke", "yoda", "r2"}));
  // An array is the exact set of teams, in any order.
  EXPECT_EQ(Match("teams", kEq, json::array{"red", "blue"}), (Ids{"luke", "r2"}));
  EXPECT_EQ(Match("teams", kEq, json::array{"red"}), (Ids{"leia"}));
  EXPECT_EQ(Match("teams", FilterOp::kIn, json::array{"empire", "blue"}),
            (Ids{"luke", "vader", "yoda", "r2"}));
  EXPECT_EQ(Match("teams", FilterOp::kNin, json::array{"red"}), (Ids{"han", "vader", "yoda"}));
  EXPECT_EQ(Match("teams", FilterOp::kNe, "red"), (Ids{"han", "vader", "yoda"}));
  EXPECT_EQ(Match("teams", FilterOp::kExists, false), (Ids{"han"}));
  EXPECT_EQ(Match("teams", FilterOp::kContains, "re"), (Ids{}));
}

TEST_P(UserQuerySuite, AutocompleteMatchesAPrefixOfAnyWordIgnoringCase) {
  EXPECT_EQ(Match("name", FilterOp::kAutocomplete, "luk"), (Ids{"luke"}));
  EXPECT_EQ(Match("name", FilterOp::kAutocomplete, "sky"), (Ids{"luke"}));
  EXPECT_EQ(Match("name", FilterOp::kAutocomplete, "SKYW"), (Ids{"luke"}));
  EXPECT_EQ(Match("name", FilterOp::kAutocomplete, "walker"), (Ids{}));
  EXPECT_EQ(Match("name", FilterOp::kAutocomplete, "s"), (Ids{"luke", "han"}));
  EXPECT_EQ(Match("name", FilterOp::kAutocomplete, "Y"), (Ids{"yoda"}));
  EXPECT_EQ(Match("name", FilterOp::kAutocomplete, "luke sky"), (Ids{"luke"}));
  EXPECT_EQ(Match("id", FilterOp::kAutocomplete, "l"), (Ids{"luke", "leia"}));
  EXPECT_EQ(Match("名前", FilterOp::kAutocomplete, "ヨー"), (Ids{"yoda"}));
  // LIKE wildcards in the text are literal characters.
  EXPECT_EQ(Match("name", FilterOp::kAutocomplete, "%"), (Ids{}));
  EXPECT_EQ(Match("name", FilterOp::kAutocomplete, "_"), (Ids{}));
  EXPECT_EQ(Match("name", FilterOp::kAutocomplete, "l_ke"), (Ids{}));
}

TEST_P(UserQuerySuite, QMatchesASubstringIgnoringCase) {
  EXPECT_EQ(Match("name", FilterOp::kQ, "ad"), (Ids{"vader"}));
  EXPECT_EQ(Match("name", FilterOp::kQ, "ORGAN"), (Ids{"leia"}));
  EXPECT_EQ(Match("name", FilterOp::kQ, "an"), (Ids{"leia", "han"}));
  EXPECT_EQ(Match("name", FilterOp::kQ, "n s"), (Ids{"han"}));
  EXPECT_EQ(Match("name", FilterOp::kQ, "%"), (Ids{}));
  EXPECT_EQ(Match("role", FilterOp::kQ, "dmi"), (Ids{"leia", "vader"}));
}

// A filter value matches only stored values of its own JSON type.
TEST_P(UserQuerySuite, CustomComparisonsRespectJsonTypes) {
  EXPECT_EQ(Match("age", kEq, 30), (Ids{"luke"}));
  EXPECT_EQ(Match("age", kEq, "30"), (Ids{"leia"}));
  EXPECT_EQ(Match("age", kEq, 45.5), (Ids{"vader"}));
  EXPECT_EQ(Match("age", FilterOp::kGt, 30), (Ids{"han", "vader"}));
  EXPECT_EQ(Match("age", FilterOp::kGte, 30), (Ids{"luke", "han", "vader"}));
  EXPECT_EQ(Match("age", FilterOp::kLt, 40), (Ids{"luke", "han"}));
  EXPECT_EQ(Match("age", FilterOp::kLte, 45.5), (Ids{"luke", "han", "vader"}));
  EXPECT_EQ(Match("age", FilterOp::kGt, "2"), (Ids{"leia"}));
  EXPECT_EQ(Match("jedi", kEq, true), (Ids{"leia"}));
  EXPECT_EQ(Match("jedi", kEq, false), (Ids{"han"}));
  EXPECT_EQ(Match("jedi", kEq, 1), (Ids{"vader"}));
  EXPECT_EQ(Match("score", kEq, 9.5), (Ids{"luke"}));
  EXPECT_EQ(Match("score", FilterOp::kLt, 0), (Ids{"leia"}));
  EXPECT_EQ(Match("side", kEq, "light"), (Ids{"luke", "han"}));
}

TEST_P(UserQuerySuite, CustomExistsAndNull) {
  // A key holding null does not exist; a filter for null matches absent and null alike.
  EXPECT_EQ(Match("age", FilterOp::kExists, true), (Ids{"luke", "leia", "han", "vader"}));
  EXPECT_EQ(Match("age", FilterOp::kExists, false), (Ids{"yoda", "r2"}));
  EXPECT_EQ(Match("age", kEq, nullptr), (Ids{"yoda", "r2"}));
  EXPECT_EQ(Match("age", FilterOp::kNe, nullptr), (Ids{"luke", "leia", "han", "vader"}));
  EXPECT_EQ(Match("name", FilterOp::kExists, false), (Ids{"r2"}));
  EXPECT_EQ(Match("nested", FilterOp::kExists, true), (Ids{"yoda"}));
  EXPECT_EQ(Match("never_set", FilterOp::kExists, true), (Ids{}));
}

TEST_P(UserQuerySuite, CustomNegationsIncludeUsersWithoutTheKey) {
  EXPECT_EQ(Match("side", FilterOp::kNe, "light"), (Ids{"leia", "vader", "yoda", "r2"}));
  EXPECT_EQ(Match("side", FilterOp::kNin, json::array{"light", "dark"}),
            (Ids{"leia", "yoda", "r2"}));
  EXPECT_EQ(Match("age", FilterOp::kNin, json::array{30}),
            (Ids{"leia", "han", "vader", "yoda", "r2"}));
}

TEST_P(UserQuerySuite, CustomIn) {
  EXPECT_EQ(Match("age", FilterOp::kIn, json::array{30, "30"}), (Ids{"luke", "leia"}));
  EXPECT_EQ(Match("age", FilterOp::kIn, json::array{35, nullptr}), (Ids{"han", "yoda", "r2"}));
  EXPECT_EQ(Match("name", FilterOp::kIn, json::array{"Han Solo", "yoda"}), (Ids{"han", "yoda"}));
  EXPECT_EQ(Match("name", FilterOp::kIn, json::array{}), (Ids{}));
  EXPECT_EQ(Match("名前", kEq, "ヨーダ"), (Ids{"yoda"}));
}

TEST_P(UserQuerySuite, CustomContainsLooksInsideArraysOnly) {
  EXPECT_EQ(Match("tags", FilterOp::kContains, "pilot"), (Ids{"luke"}));  // han's is a string
  EXPECT_EQ(Match("tags", FilterOp::kContains, "rebel"), (Ids{"leia"}));
  EXPECT_EQ(Match("tags", FilterOp::kContains, 2), (Ids{"r2"}));
  EXPECT_EQ(Match("tags", FilterOp::kContains, "2"), (Ids{}));
  EXPECT_EQ(Match("name", FilterOp::kContains, "yoda"), (Ids{}));
}

TEST_P(UserQuerySuite, NestedLogic) {
  using K = Filter::Kind;
  EXPECT_EQ(Match(Logic(K::kAnd,
                        {Cond("role", kEq, "admin"), Logic(K::kOr, {Cond("age", FilterOp::kGt, 40),
                                                                    Cond("jedi", kEq, true)})})),
            (Ids{"leia", "vader"}));
  EXPECT_EQ(Match(Logic(K::kNor, {Cond("role", kEq, "admin"), Cond("banned", kEq, true)})),
            (Ids{"luke", "yoda", "r2"}));
  EXPECT_EQ(Match(Logic(K::kOr, {Cond("id", kEq, "luke"),
                                 Logic(K::kAnd, {Cond("teams", FilterOp::kContains, "blue"),
                                                 Logic(K::kNor, {Cond("id", kEq, "yoda")})})})),
            (Ids{"luke", "r2"}));
  // Not not: $nor of a $nor.
  EXPECT_EQ(Match(Logic(K::kNor, {Logic(K::kNor, {Cond("side", kEq, "dark")})})), (Ids{"vader"}));
  // $nor over a custom comparison a user lacks the key for: that user is kept.
  EXPECT_EQ(Match(Logic(K::kNor, {Cond("age", FilterOp::kGt, 31)})),
            (Ids{"luke", "leia", "yoda", "r2"}));
  EXPECT_EQ(Match(Logic(K::kOr, {})), (Ids{}));
  EXPECT_EQ(Match(Logic(K::kAnd, {Cond("side", kEq, "light"), Cond("banned", kEq, false)})),
            (Ids{"luke"}));
}

TEST_P(UserQuerySuite, RejectsUnsupportedFieldsOperatorsAndValues) {
  ExpectInputError("teams", FilterOp::kGt, "a");
  ExpectInputError("teams", FilterOp::kContains, 1);
  ExpectInputError("banned", FilterOp::kGt, true);
  ExpectInputError("banned", kEq, "yes");
  ExpectInputError("created_at", FilterOp::kGt, "2020-01-01T00:00:00Z");
  ExpectInputError("role", FilterOp::kContains, "x");
  ExpectInputError("role", FilterOp::kIn, "admin");
  ExpectInputError("created_at", FilterOp::kAutocomplete, "1");
  ExpectInputError("last_active", FilterOp::kExists, "yes");
  ExpectInputError("age", kEq, json::object{{"a", 1}});
  ExpectInputError("age", kEq, json::array{30});
  ExpectInputError("age", FilterOp::kGt, true);
  ExpectInputError("name", FilterOp::kAutocomplete, 5);
  ExpectInputError("bad\"key", kEq, "x");
  ExpectInputError("bad\\key", kEq, "x");
  ExpectInputError("bad\nkey", kEq, "x");
  ExpectInputError("", kEq, "x");
  UserQuery bad_direction;
  bad_direction.sort = {{"name", 0}};
  ExpectInputError(bad_direction);
  UserQuery sort_teams;
  sort_teams.sort = {{"teams", 1}};
  ExpectInputError(sort_teams);
  UserQuery sort_bad_key;
  sort_bad_key.sort = {{"x\"y", 1}};
  ExpectInputError(sort_bad_key);
  UserQuery negative;
  negative.limit = -1;
  ExpectInputError(negative);
}

// Values and keys never become SQL (or any other query text).
TEST_P(UserQuerySuite, HostileValuesAndKeysAreInert) {
  EXPECT_EQ(Match("name", kEq, "' OR 1=1 --"), (Ids{}));
  EXPECT_EQ(Match("id", FilterOp::kIn, json::array{"x') OR ('1'='1", "x\" OR \"1\"=\"1"}), (Ids{}));
  EXPECT_EQ(Match("name", FilterOp::kAutocomplete, "'; DROP TABLE users; --"), (Ids{}));
  UserQuery key;
  key.filter = Cond("name') OR 1=1 --", kEq, "x");
  auto found = users().QueryUsers(kApp, key);
  EXPECT_TRUE(!found.ok() || found->empty());
  UserQuery sort;
  sort.sort = {{"name'); DROP TABLE users; --", 1}};
  auto sorted = users().QueryUsers(kApp, sort);
  EXPECT_TRUE(!sorted.ok() || sorted->size() == 6u);
  EXPECT_EQ(Match(Filter{}).size(), 6u);
}

TEST_P(UserQuerySuite, SortByCustomFieldPutsMissingLast) {
  EXPECT_EQ(Sorted({{"name", 1}}), (Ids{"vader", "han", "leia", "luke", "yoda", "r2"}));
  EXPECT_EQ(Sorted({{"name", -1}}), (Ids{"yoda", "luke", "leia", "han", "vader", "r2"}));
  // Missing in both r2 and yoda: ties fall back to id.
  EXPECT_EQ(Sorted({{"score", 1}}), (Ids{"leia", "han", "luke", "vader", "r2", "yoda"}));
  EXPECT_EQ(Sorted({{"score", -1}}), (Ids{"vader", "luke", "han", "leia", "r2", "yoda"}));
}

TEST_P(UserQuerySuite, SortByTypedFields) {
  EXPECT_EQ(Sorted({{"last_active", -1}}), (Ids{"vader", "yoda", "luke", "han", "leia", "r2"}));
  EXPECT_EQ(Sorted({{"last_active", 1}}), (Ids{"luke", "yoda", "vader", "han", "leia", "r2"}));
  EXPECT_EQ(Sorted({{"id", -1}}), (Ids{"yoda", "vader", "r2", "luke", "leia", "han"}));
  EXPECT_EQ(Sorted({{"created_at", -1}}), (Ids{"r2", "yoda", "han", "vader", "leia", "luke"}));
  EXPECT_EQ(Sorted({{"role", 1}, {"created_at", -1}}),
            (Ids{"vader", "leia", "r2", "yoda", "han", "luke"}));
  EXPECT_EQ(Sorted({{"banned", -1}}), (Ids{"han", "leia", "luke", "r2", "vader", "yoda"}));
}

TEST_P(UserQuerySuite, Pagination) {
  EXPECT_EQ(Sorted({}, 2, 0), (Ids{"luke", "leia"}));
  EXPECT_EQ(Sorted({}, 2, 2), (Ids{"han", "vader"}));
  EXPECT_EQ(Sorted({}, 2, 4), (Ids{"yoda", "r2"}));
  EXPECT_EQ(Sorted({}, 2, 6), (Ids{}));
  EXPECT_EQ(Sorted({}, 0, 0), (Ids{}));
  EXPECT_EQ(Sorted({{"name", -1}}, 3, 1), (Ids{"luke", "leia", "han"}));
  UserQuery q;
  q.filter = Cond("role", kEq, "user");
  q.limit = 1;
  q.offset = 1;
  EXPECT_EQ(Run(q), (Ids{"han"}));
}

TEST_P(UserQuerySuite, SoftDeletedUsersAreNeverReturned) {
  EXPECT_EQ(Match("id", kEq, "ghost"), (Ids{}));
  EXPECT_EQ(Match("name", FilterOp::kAutocomplete, "luke"), (Ids{"luke"}));
  UserQuery q;
  q.filter = Cond("id", kEq, "ghost");
  q.include_deactivated = true;
  EXPECT_EQ(Run(q), (Ids{}));
}

TEST_P(UserQuerySuite, DeactivatedUsersOnlyWhenAskedFor) {
  EXPECT_EQ(Match("id", kEq, "sleeper"), (Ids{}));
  UserQuery q;
  q.include_deactivated = true;
  EXPECT_EQ(Run(q), (Ids{"sleeper", "luke", "leia", "han", "vader", "yoda", "r2"}));
  q.filter = Cond("deactivated_at", FilterOp::kExists, true);
  EXPECT_EQ(Run(q), (Ids{"sleeper"}));
  q.filter = Cond("deactivated_at", FilterOp::kLte, 6000);
  EXPECT_EQ(Run(q), (Ids{"sleeper"}));
}

TEST_P(UserQuerySuite, QueriesSeeOnlyTheirApp) {
  UserQuery q;
  EXPECT_EQ(Run(q, kOtherApp), (Ids{"luke"}));
  q.filter = Cond("age", kEq, 30);
  EXPECT_EQ(Run(q, kOtherApp), (Ids{"luke"}));
  EXPECT_EQ(Run(q, "no-such-app"), (Ids{}));
  auto other = users().QueryUsers(kOtherApp, q);
  ASSERT_TRUE(other.ok());
  ASSERT_EQ(other->size(), 1u);
  EXPECT_EQ((*other)[0].custom.at("name"), "Other Luke");
}

TEST_P(UserQuerySuite, ReturnsFullUsersAndSurvivesReopen) {
  ASSERT_NO_FATAL_FAILURE(Reopen());
  UserQuery q;
  q.filter = Cond("name", FilterOp::kAutocomplete, "sky");
  auto found = users().QueryUsers(kApp, q);
  ASSERT_TRUE(found.ok()) << found.error().message;
  ASSERT_EQ(found->size(), 1u);
  const User& luke = (*found)[0];
  EXPECT_EQ(luke.id, "luke");
  EXPECT_EQ(luke.language, "en");
  EXPECT_EQ(luke.teams, (json::array{"red", "blue"}));
  EXPECT_EQ(luke.last_active, 5000);
  EXPECT_EQ(luke.custom, Obj(R"({"name":"Luke Skywalker","age":30,"side":"light",
        "tags":["jedi","pilot"],"score":9.5})"));
}

}  // namespace eddy::server::storetest
