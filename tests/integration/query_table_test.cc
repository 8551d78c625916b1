// Filter and sort tables over real sockets (protocol §7): queryChannels (POST /channels) and
// queryUsers (GET /users?payload=), through the C++ SDK. Each row is a filter, a sort, a page
// and the ids expected in that order. Every entity is created by its own request, so
// created_at follows the order of creation and no two are equal.
#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "integration/fixture.h"

namespace eddy::testing {
namespace {

struct Row {
  // Who asks: "" is the backend (server token); "server:<id>" the backend naming user_id
  // <id> (whose view per-user fields such as `hidden` take); anything else a client user.
  std::string who;
  std::string filter;  // JSON; @name@ is replaced by the timestamp recorded under that name
  std::string sort;    // JSON array, or "" to send none
  std::vector<std::string> expected;
  // A row goes through the SDK's typed query when that can send it (a sort array, and for
  // channels no offset), else through Request with the row's exact body. -1: not given (the
  // typed call sends its default, the server's; Request sends nothing).
  int limit = -1;
  int offset = -1;
  int error = 0;  // a Stream error code expected instead of a list
};

std::string Describe(const Row& row) {
  std::string out = "who=" + (row.who.empty() ? std::string("server") : row.who) +
                    " filter=" + row.filter + " sort=" + row.sort;
  if (row.limit >= 0) out += " limit=" + std::to_string(row.limit);
  if (row.offset >= 0) out += " offset=" + std::to_string(row.offset);
  return out;
}

std::string Join(const std::vector<std::string>& ids) {
  std::string out = "[";
  for (const auto& id : ids) out += (out.size() > 1 ? "," : "") + id;
  return out + "]";
}

// Replaces each @name@ by its recorded timestamp.
std::string Substitute(std::string text, const std::map<std::string, std::string>& times) {
  for (const auto& [name, at] : times) {
    const std::string token = "@" + name + "@";
    for (size_t pos; (pos = text.find(token)) != std::string::npos;) {
      text.replace(pos, token.size(), at);
    }
  }
  return text;
}

class TableTest : public EddyTest {
 protected:
  static void SetUpTestSuite() {
    EddyTest::SetUpTestSuite();
    if (!HasFatalFailure()) backend_ = new client::ServerClient(BaseUrl(), key(), secret());
  }
  static void TearDownTestSuite() {
    delete backend_;
    backend_ = nullptr;
    EddyTest::TearDownTestSuite();
  }

  // The SDK's backend client of SetUpTestSuite, which has no test (nor sdk()) yet.
  static client::ServerClient& Backend() { return *backend_; }

  static bool ByServer(const Row& row) {
    return row.who.empty() || row.who.rfind("server:", 0) == 0;
  }
  // The user_id a server row names ("" for none).
  static std::string NamedUser(const Row& row) {
    return row.who.rfind("server:", 0) == 0 ? row.who.substr(7) : "";
  }
  // Whether the row's sort is one the typed queries can send (an array).
  static bool SortsByArray(const json::object& query) {
    const json::value* sort = query.if_contains("sort");
    return sort != nullptr && sort->is_array();
  }

  // The request body / payload of a row.
  static json::object Query(const Row& row) {
    json::object q;
    q["filter_conditions"] = json::parse(Substitute(row.filter, times_));
    if (!row.sort.empty()) q["sort"] = json::parse(row.sort);
    if (row.limit >= 0) q["limit"] = row.limit;
    if (row.offset >= 0) q["offset"] = row.offset;
    if (!NamedUser(row).empty()) q["user_id"] = NamedUser(row);
    return q;
  }

  // Checks one row: `ids` runs its query and returns the ids, or throws ApiError.
  template <typename Ids>
  static void Check(const Row& row, Ids ids) {
    SCOPED_TRACE(Describe(row));
    std::vector<std::string> got;
    try {
      got = ids();
    } catch (const client::ApiError& e) {
      if (row.error == 0) {
        ADD_FAILURE() << "refused with " << e.status_code() << ": " << e.message();
        return;
      }
      EXPECT_EQ(e.status_code() / 100, 4) << e.message();
      EXPECT_EQ(e.code(), row.error) << e.message();
      return;
    }
    if (row.error != 0) {
      ADD_FAILURE() << "answered " << Join(got) << " instead of error code " << row.error;
      return;
    }
    EXPECT_EQ(got, row.expected) << "got " << Join(got) << ", expected " << Join(row.expected);
  }

  static inline std::map<std::string, std::string> times_;
  static inline client::ServerClient* backend_ = nullptr;
};

// ---------------------------------------------------------------------------------------------
// queryChannels
//
// Created in this order (created_by, members, data):
//   messaging:c1  alice  alice,bob             topic sports, priority 3, color red
//   messaging:c2  bob    alice,bob,carol       topic music,  priority 1
//   messaging:c3  carol  bob,carol             topic sports, priority 2
//   team:t1       alice  alice,carol,dave      topic work,   priority 5
//   livestream:l1 dave   dave                  frozen
//   messaging:c4  dave   alice,dave            priority 4, color blue   (alice hides it)
//   commerce:s1   erin   bob,erin              topic support
// Then one message each to c3, c1, t1, c2 (in that order: last_message_at @c3@ < @c1@ < @t1@
// < @c2@), then partial updates of c2, c3, c1 (updated_at in that order, all after @c2@).
class QueryChannelsTableTest : public TableTest {
 protected:
  static void SetUpTestSuite() {
    TableTest::SetUpTestSuite();
    if (::testing::Test::HasFatalFailure()) return;
    ASSERT_NO_THROW(Seed());
  }

  static void Seed() {
    client::ServerClient& backend = Backend();
    std::vector<client::User> users;
    for (const char* id : {"alice", "bob", "carol", "dave", "erin"}) users.push_back(SdkUser(id));
    backend.UpsertUsers(users);
    struct Spec {
      const char *type, *id, *created_by;
      std::vector<std::string> members;
      const char* data;
    };
    const std::vector<Spec> specs = {
        {"messaging",
         "c1",
         "alice",
         {"alice", "bob"},
         R"({"topic":"sports","priority":3,"color":"red"})"},
        {"messaging", "c2", "bob", {"alice", "bob", "carol"}, R"({"topic":"music","priority":1})"},
        {"messaging", "c3", "carol", {"bob", "carol"}, R"({"topic":"sports","priority":2})"},
        {"team", "t1", "alice", {"alice", "carol", "dave"}, R"({"topic":"work","priority":5})"},
        {"livestream", "l1", "dave", {"dave"}, R"({"frozen":true})"},
        {"messaging", "c4", "dave", {"alice", "dave"}, R"({"priority":4,"color":"blue"})"},
        {"commerce", "s1", "erin", {"bob", "erin"}, R"({"topic":"support"})"},
    };
    for (const Spec& s : specs) {
      backend.CreateChannel(s.type, s.id, s.created_by, s.members, json::parse(s.data).as_object());
    }
    struct Send {
      const char *type, *id, *user;
    };
    client::Message hi;
    hi.text = "hi";
    for (const Send& m : {Send{"messaging", "c3", "carol"}, Send{"messaging", "c1", "alice"},
                          Send{"team", "t1", "carol"}, Send{"messaging", "c2", "carol"}}) {
      times_[m.id] = backend.SendMessage(m.type, m.id, m.user, hi).created_at;
    }
    // A partial update (UpdateChannel would replace the data).
    const json::object touch{{"set", json::object{{"touched", true}}}};
    for (const char* id : {"c2", "c3", "c1"}) {
      backend.Request("PATCH", std::string("/channels/messaging/") + id, &touch);
    }
  }

  // Alice hides c4 in every test's process (the suite's state is per process).
  void SetUp() override {
    const json::object none;
    ASSERT_NO_THROW(App("alice").Request("POST", "/channels/messaging/c4/hide", &none));
  }

  void Run(const std::vector<Row>& rows) {
    for (const Row& row : rows) {
      Check(row, [&] {
        std::vector<std::string> cids;
        json::object q = Query(row);
        if (SortsByArray(q) && row.offset < 0) {
          const json::object& filter = q.at("filter_conditions").as_object();
          const json::array& sort = q.at("sort").as_array();
          const int limit = row.limit >= 0 ? row.limit : kSdkChannelLimit;
          auto channels = ByServer(row)
                              ? sdk().QueryChannels(filter, NamedUser(row), sort, limit)
                              : App(row.who).QueryChannels(filter, sort, limit, /*watch=*/false);
          for (const client::ChannelState& c : channels) cids.push_back(c.channel.cid);
          return cids;
        }
        q["state"] = true;
        q["watch"] = false;
        q["message_limit"] = 0;
        json::object answer = ByServer(row) ? sdk().Request("POST", "/channels", &q)
                                            : App(row.who).Request("POST", "/channels", &q);
        for (const auto& c : answer.at("channels").as_array()) {
          cids.emplace_back(c.at("channel").at("cid").as_string());
        }
        return cids;
      });
    }
  }

  // QueryChannels' default limit, which is the server's.
  static constexpr int kSdkChannelLimit = 10;
};

constexpr const char* kByCreation = R"([{"field":"created_at","direction":1}])";

TEST_F(QueryChannelsTableTest, Filters) {
  const std::string s = kByCreation;
  Run({
      // type, id, cid
      {"",
       R"({"type":"messaging"})",
       s,
       {"messaging:c1", "messaging:c2", "messaging:c3", "messaging:c4"}},
      {"", R"({"type":{"$eq":"team"}})", s, {"team:t1"}},
      {"", R"({"type":{"$in":["team","livestream"]}})", s, {"team:t1", "livestream:l1"}},
      {"", R"({"type":{"$ne":"messaging"}})", s, {"team:t1", "livestream:l1", "commerce:s1"}},
      {"", R"({"type":{"$nin":["messaging","team"]}})", s, {"livestream:l1", "commerce:s1"}},
      {"", R"({"id":"c2"})", s, {"messaging:c2"}},
      {"", R"({"id":{"$in":["c1","t1","nope"]}})", s, {"messaging:c1", "team:t1"}},
      {"", R"({"cid":"team:t1"})", s, {"team:t1"}},
      {"",
       R"({"cid":{"$in":["messaging:c3","commerce:s1","messaging:zz"]}})",
       s,
       {"messaging:c3", "commerce:s1"}},
      {"", R"({"type":"messaging","id":"t1"})", s, {}},
      // members: $in is "any of them is a member", a bare array or $eq the exact set
      {"", R"({"members":{"$in":["carol"]}})", s, {"messaging:c2", "messaging:c3", "team:t1"}},
      {"",
       R"({"members":{"$in":["dave","erin"]}})",
       s,
       {"team:t1", "livestream:l1", "messaging:c4", "commerce:s1"}},
      {"", R"({"members":["alice","bob"]})", s, {"messaging:c1"}},
      {"", R"({"members":["bob","alice"]})", s, {"messaging:c1"}},
      {"", R"({"members":{"$eq":["bob","carol"]}})", s, {"messaging:c3"}},
      {"", R"({"members":["dave"]})", s, {"livestream:l1"}},
      {"", R"({"members":["alice"]})", s, {}},
      // created_by_id
      {"", R"({"created_by_id":"alice"})", s, {"messaging:c1", "team:t1"}},
      {"",
       R"({"created_by_id":{"$in":["dave","erin"]}})",
       s,
       {"livestream:l1", "messaging:c4", "commerce:s1"}},
      {"",
       R"({"created_by_id":{"$ne":"dave"},"type":"messaging"})",
       s,
       {"messaging:c1", "messaging:c2", "messaging:c3"}},
      // last_message_at
      {"",
       R"({"last_message_at":{"$exists":true}})",
       s,
       {"messaging:c1", "messaging:c2", "messaging:c3", "team:t1"}},
      {"",
       R"({"last_message_at":{"$exists":false}})",
       s,
       {"livestream:l1", "messaging:c4", "commerce:s1"}},
      {"", R"({"last_message_at":{"$gt":"@c1@"}})", s, {"messaging:c2", "team:t1"}},
      {"",
       R"({"last_message_at":{"$gte":"@c1@"}})",
       s,
       {"messaging:c1", "messaging:c2", "team:t1"}},
      {"", R"({"last_message_at":{"$lt":"@c1@"}})", s, {"messaging:c3"}},
      {"", R"({"last_message_at":{"$lte":"@t1@","$gt":"@c3@"}})", s, {"messaging:c1", "team:t1"}},
      // member_count
      {"", R"({"member_count":3})", s, {"messaging:c2", "team:t1"}},
      {"", R"({"member_count":{"$gte":3}})", s, {"messaging:c2", "team:t1"}},
      {"", R"({"member_count":{"$lt":2}})", s, {"livestream:l1"}},
      {"",
       R"({"member_count":{"$gt":1,"$lte":2}})",
       s,
       {"messaging:c1", "messaging:c3", "messaging:c4", "commerce:s1"}},
      {"", R"({"member_count":{"$in":[1,3]}})", s, {"messaging:c2", "team:t1", "livestream:l1"}},
      // frozen
      {"", R"({"frozen":true})", s, {"livestream:l1"}},
      {"",
       R"({"frozen":false,"type":"messaging"})",
       s,
       {"messaging:c1", "messaging:c2", "messaging:c3", "messaging:c4"}},
      {"", R"({"frozen":{"$ne":false}})", s, {"livestream:l1"}},
      // custom fields
      {"", R"({"topic":"sports"})", s, {"messaging:c1", "messaging:c3"}},
      {"", R"({"topic":{"$in":["music","work"]}})", s, {"messaging:c2", "team:t1"}},
      {"",
       R"({"topic":{"$ne":"sports"}})",
       s,
       {"messaging:c2", "team:t1", "livestream:l1", "messaging:c4", "commerce:s1"}},
      {"",
       R"({"topic":{"$nin":["sports","music"]},"topic2":{"$exists":false}})",
       s,
       {"team:t1", "livestream:l1", "messaging:c4", "commerce:s1"}},
      {"", R"({"topic":{"$autocomplete":"sup"}})", s, {"commerce:s1"}},
      {"", R"({"priority":{"$gte":3}})", s, {"messaging:c1", "team:t1", "messaging:c4"}},
      {"", R"({"priority":{"$lt":3}})", s, {"messaging:c2", "messaging:c3"}},
      {"",
       R"({"priority":{"$gt":1,"$lte":4}})",
       s,
       {"messaging:c1", "messaging:c3", "messaging:c4"}},
      {"", R"({"color":{"$exists":true}})", s, {"messaging:c1", "messaging:c4"}},
      {"",
       R"({"color":{"$exists":false},"type":"messaging"})",
       s,
       {"messaging:c2", "messaging:c3"}},
      // logic
      {"",
       R"({"$or":[{"frozen":true},{"member_count":{"$gte":3}}]})",
       s,
       {"messaging:c2", "team:t1", "livestream:l1"}},
      {"", R"({"$and":[{"members":{"$in":["alice"]}},{"topic":"sports"}]})", s, {"messaging:c1"}},
      {"",
       R"({"$or":[{"topic":"work"},{"$and":[{"type":"messaging"},{"priority":{"$gt":3}}]}]})",
       s,
       {"team:t1", "messaging:c4"}},
      {"", R"({"$nor":[{"type":"messaging"},{"frozen":true}]})", s, {"team:t1", "commerce:s1"}},
      {"",
       "{}",
       s,
       {"messaging:c1", "messaging:c2", "messaging:c3", "team:t1", "livestream:l1", "messaging:c4",
        "commerce:s1"}},
  });
}

TEST_F(QueryChannelsTableTest, SortsAndPages) {
  Run({
      {"",
       "{}",
       R"([{"field":"created_at","direction":-1}])",
       {"commerce:s1", "messaging:c4", "livestream:l1", "team:t1", "messaging:c3", "messaging:c2",
        "messaging:c1"}},
      {"",
       R"({"last_message_at":{"$exists":true}})",
       R"([{"field":"last_message_at","direction":-1}])",
       {"messaging:c2", "team:t1", "messaging:c1", "messaging:c3"}},
      {"",
       R"({"last_message_at":{"$exists":true}})",
       R"([{"field":"last_message_at","direction":1}])",
       {"messaging:c3", "messaging:c1", "team:t1", "messaging:c2"}},
      // The SDK's default, last_updated, and the server default (no sort, or []).
      {"",
       R"({"last_message_at":{"$exists":true}})",
       R"([{"field":"last_updated","direction":-1}])",
       {"messaging:c2", "team:t1", "messaging:c1", "messaging:c3"}},
      {"",
       R"({"last_message_at":{"$exists":true}})",
       "",
       {"messaging:c2", "team:t1", "messaging:c1", "messaging:c3"}},
      {"",
       R"({"last_message_at":{"$exists":true}})",
       "[]",
       {"messaging:c2", "team:t1", "messaging:c1", "messaging:c3"}},
      {"",
       R"({"updated_at":{"$gt":"@c2@"}})",
       R"([{"field":"updated_at","direction":-1}])",
       {"messaging:c1", "messaging:c3", "messaging:c2"}},
      {"",
       R"({"updated_at":{"$gt":"@c2@"}})",
       R"([{"field":"updated_at","direction":1}])",
       {"messaging:c2", "messaging:c3", "messaging:c1"}},
      {"",
       "{}",
       R"([{"field":"member_count","direction":-1},{"field":"created_at","direction":1}])",
       {"messaging:c2", "team:t1", "messaging:c1", "messaging:c3", "messaging:c4", "commerce:s1",
        "livestream:l1"}},
      {"",
       "{}",
       R"([{"field":"member_count","direction":1},{"field":"created_at","direction":-1}])",
       {"livestream:l1", "commerce:s1", "messaging:c4", "messaging:c3", "messaging:c1", "team:t1",
        "messaging:c2"}},
      // custom fields: a number, then a string with a tie broken by the next field
      {"",
       R"({"priority":{"$exists":true}})",
       R"([{"field":"priority","direction":1}])",
       {"messaging:c2", "messaging:c3", "messaging:c1", "messaging:c4", "team:t1"}},
      {"",
       R"({"priority":{"$exists":true}})",
       R"([{"field":"priority","direction":-1}])",
       {"team:t1", "messaging:c4", "messaging:c1", "messaging:c3", "messaging:c2"}},
      {"",
       R"({"topic":{"$exists":true}})",
       R"([{"field":"topic","direction":1},{"field":"created_at","direction":-1}])",
       {"messaging:c2", "messaging:c3", "messaging:c1", "commerce:s1", "team:t1"}},
      // limit and offset walk the list in pages
      {"", "{}", kByCreation, {"messaging:c1", "messaging:c2", "messaging:c3"}, 3, 0},
      {"", "{}", kByCreation, {"team:t1", "livestream:l1", "messaging:c4"}, 3, 3},
      {"", "{}", kByCreation, {"commerce:s1"}, 3, 6},
      {"", "{}", kByCreation, {}, 3, 7},
      {"", "{}", kByCreation, {"messaging:c1"}, 1, -1},
      {"",
       "{}",
       R"([{"field":"member_count","direction":-1},{"field":"created_at","direction":1}])",
       {"messaging:c1", "messaging:c3"},
       2,
       2},
      // out of range
      {"", "{}", kByCreation, {}, 31, -1, 4},
      {"", "{}", kByCreation, {}, -1, 1001, 4},
      {"", "{}", R"([{"field":"members","direction":1}])", {}, -1, -1, 4},
      {"", "{}", R"([{"field":"created_at","direction":2}])", {}, -1, -1, 4},
  });
}

TEST_F(QueryChannelsTableTest, PerUserViews) {
  const std::string s = kByCreation;
  Run({
      // A client sees the channels it is a member of (or created) and the public types;
      // alice's hidden c4 is left out unless the filter asks about `hidden`.
      {"alice", R"({"members":{"$in":["alice"]}})", s, {"messaging:c1", "messaging:c2", "team:t1"}},
      {"alice", R"({"members":{"$in":["alice"]},"hidden":true})", s, {"messaging:c4"}},
      {"alice",
       R"({"members":{"$in":["alice"]},"hidden":false})",
       s,
       {"messaging:c1", "messaging:c2", "team:t1"}},
      {"alice", R"({"type":"messaging"})", s, {"messaging:c1", "messaging:c2"}},
      {"alice", "{}", s, {"messaging:c1", "messaging:c2", "team:t1", "livestream:l1"}},
      {"bob", R"({"type":"messaging"})", s, {"messaging:c1", "messaging:c2", "messaging:c3"}},
      {"bob", R"({"hidden":true})", s, {}},
      {"erin", "{}", s, {"livestream:l1", "commerce:s1"}},
      // The backend names whose view it wants with user_id.
      {"server:alice", R"({"hidden":true})", s, {"messaging:c4"}},
      {"server:alice",
       R"({"type":"messaging"})",
       s,
       {"messaging:c1", "messaging:c2", "messaging:c3"}},
      {"server:bob",
       R"({"type":"messaging"})",
       s,
       {"messaging:c1", "messaging:c2", "messaging:c3", "messaging:c4"}},
      // Without a user there is no `hidden` to ask about.
      {"", R"({"hidden":true})", s, {}, -1, -1, 4},
      // Each row's sort applies inside the user's view too.
      {"alice",
       R"({"members":{"$in":["alice"]}})",
       R"([{"field":"last_message_at","direction":-1}])",
       {"messaging:c2", "team:t1", "messaging:c1"}},
      {"alice", R"({"members":{"$in":["alice"]}})", s, {"messaging:c2", "team:t1"}, 2, 1},
  });
}

// ---------------------------------------------------------------------------------------------
// queryUsers
//
// Created in this order, one request each (id: name, role, banned, custom):
//   ann  "Anna Archer"  user       age 31, city Paris, vip true
//   ben  "Zack Baker"   admin      age 25, city Berlin
//   cat  "Cat Carter"   user  ban  age 40, city Paris
//   dan  "Dan Archer"   moderator  age 25
//   eve  "Eve Evans"    user       age 19, city Rome, vip false
//   fay  "Bea Fisher"   user  ban          city Berlin
// Then eve, ann and ben connect, in that order (last_active), and stay connected. dan asks as a
// client through the raw client: an SDK ChatClient would connect him, and the rows check that
// he never was (last_active, online).
class QueryUsersTableTest : public TableTest {
 protected:
  static void SetUpTestSuite() {
    TableTest::SetUpTestSuite();
    if (::testing::Test::HasFatalFailure()) return;
    ASSERT_NO_THROW(Seed());
  }

  static void Seed() {
    for (const char* user : {
             R"({"id":"ann","name":"Anna Archer","age":31,"city":"Paris","vip":true})",
             R"({"id":"ben","name":"Zack Baker","role":"admin","age":25,"city":"Berlin"})",
             R"({"id":"cat","name":"Cat Carter","banned":true,"age":40,"city":"Paris"})",
             R"({"id":"dan","name":"Dan Archer","role":"moderator","age":25})",
             R"({"id":"eve","name":"Eve Evans","age":19,"city":"Rome","vip":false})",
             R"({"id":"fay","name":"Bea Fisher","banned":true,"city":"Berlin"})",
         }) {
      const client::User u = client::User::FromJson(json::parse(user).as_object());
      times_[u.id] = Backend().UpsertUser(u).created_at;
    }
    for (const char* id : {"eve", "ann", "ben"}) {
      connections_.push_back(std::make_unique<client::ChatClient>(BaseUrl(), key()));
      connections_.back()->ConnectUser(SdkUser(id), UserToken(id));
    }
  }

  static void TearDownTestSuite() {
    connections_.clear();
    TableTest::TearDownTestSuite();
  }

  void Run(const std::vector<Row>& rows) {
    for (const Row& row : rows) {
      Check(row, [&] {
        std::vector<std::string> ids;
        const json::object q = Query(row);
        if (ByServer(row) && SortsByArray(q)) {
          for (const client::User& u : sdk().QueryUsers(
                   q.at("filter_conditions").as_object(), q.at("sort").as_array(),
                   row.limit >= 0 ? row.limit : kSdkUserLimit, std::max(row.offset, 0))) {
            ids.push_back(u.id);
          }
          return ids;
        }
        const Params payload = {{"payload", json::serialize(q)}};
        json::object answer;
        if (ByServer(row)) {
          answer = sdk().Request("GET", "/users", nullptr, payload);
        } else {
          HttpResult r = AsUser(row.who, "GET", "/users", "", payload);
          if (r.status != 200) throw client::ApiError(r.code(), r.status, r.body);
          answer = r.obj();
        }
        for (const auto& u : answer.at("users").as_array()) {
          ids.emplace_back(u.at("id").as_string());
        }
        return ids;
      });
    }
  }

  // QueryUsers' default limit, which is the server's.
  static constexpr int kSdkUserLimit = 30;
  static inline std::vector<std::unique_ptr<client::ChatClient>> connections_;
};

TEST_F(QueryUsersTableTest, Filters) {
  const std::string s = kByCreation;
  std::vector<Row> rows = {
      // id
      {"", R"({"id":"cat"})", s, {"cat"}},
      {"", R"({"id":{"$eq":"cat"}})", s, {"cat"}},
      {"", R"({"id":{"$in":["ann","eve","zed"]}})", s, {"ann", "eve"}},
      {"", R"({"id":{"$ne":"ann"}})", s, {"ben", "cat", "dan", "eve", "fay"}},
      {"", R"({"id":{"$nin":["ann","ben"]}})", s, {"cat", "dan", "eve", "fay"}},
      {"", R"({"id":{"$gt":"cat"}})", s, {"dan", "eve", "fay"}},
      {"", R"({"id":{"$lte":"ben"}})", s, {"ann", "ben"}},
      {"", R"({"id":{"$autocomplete":"da"}})", s, {"dan"}},
      // name (word prefixes, any case)
      {"", R"({"name":"Eve Evans"})", s, {"eve"}},
      {"", R"({"name":{"$autocomplete":"arch"}})", s, {"ann", "dan"}},
      {"", R"({"name":{"$autocomplete":"FIS"}})", s, {"fay"}},
      {"", R"({"name":{"$autocomplete":"ker"}})", s, {}},
      {"", R"({"name":{"$in":["Zack Baker","Cat Carter"]}})", s, {"ben", "cat"}},
      // role
      {"", R"({"role":"admin"})", s, {"ben"}},
      {"", R"({"role":{"$in":["admin","moderator"]}})", s, {"ben", "dan"}},
      {"", R"({"role":{"$ne":"user"}})", s, {"ben", "dan"}},
      {"", R"({"role":{"$nin":["admin"]}})", s, {"ann", "cat", "dan", "eve", "fay"}},
      // banned
      {"", R"({"banned":true})", s, {"cat", "fay"}},
      {"", R"({"banned":false})", s, {"ann", "ben", "dan", "eve"}},
      {"", R"({"banned":{"$ne":true}})", s, {"ann", "ben", "dan", "eve"}},
      // created_at
      {"", R"({"created_at":{"$gt":"@cat@"}})", s, {"dan", "eve", "fay"}},
      {"", R"({"created_at":{"$gte":"@cat@"}})", s, {"cat", "dan", "eve", "fay"}},
      {"", R"({"created_at":{"$lt":"@cat@"}})", s, {"ann", "ben"}},
      {"", R"({"created_at":{"$lte":"@cat@"}})", s, {"ann", "ben", "cat"}},
      {"", R"({"created_at":{"$gte":"@ben@","$lt":"@eve@"}})", s, {"ben", "cat", "dan"}},
      {"", R"({"created_at":"@dan@"})", s, {"dan"}},
      // last_active: set by connecting
      {"", R"({"last_active":{"$exists":true}})", s, {"ann", "ben", "eve"}},
      {"", R"({"last_active":{"$exists":false}})", s, {"cat", "dan", "fay"}},
      {"", R"({"last_active":{"$gt":"@fay@"}})", s, {"ann", "ben", "eve"}},
      {"", R"({"online":true})", s, {"ann", "ben", "eve"}},
      {"", R"({"online":false})", s, {"cat", "dan", "fay"}},
      // custom number
      {"", R"({"age":25})", s, {"ben", "dan"}},
      {"", R"({"age":{"$eq":25}})", s, {"ben", "dan"}},
      {"", R"({"age":{"$ne":25}})", s, {"ann", "cat", "eve", "fay"}},
      {"", R"({"age":{"$gt":25}})", s, {"ann", "cat"}},
      {"", R"({"age":{"$gte":25}})", s, {"ann", "ben", "cat", "dan"}},
      {"", R"({"age":{"$lt":25}})", s, {"eve"}},
      {"", R"({"age":{"$lte":25}})", s, {"ben", "dan", "eve"}},
      {"", R"({"age":{"$gt":20,"$lt":35}})", s, {"ann", "ben", "dan"}},
      {"", R"({"age":{"$in":[19,40]}})", s, {"cat", "eve"}},
      {"", R"({"age":{"$nin":[19,40]}})", s, {"ann", "ben", "dan", "fay"}},
      {"", R"({"age":{"$exists":false}})", s, {"fay"}},
      // custom string and boolean
      {"", R"({"city":"Paris"})", s, {"ann", "cat"}},
      {"", R"({"city":{"$in":["Rome","Berlin"]}})", s, {"ben", "eve", "fay"}},
      {"", R"({"city":{"$nin":["Paris"]}})", s, {"ben", "dan", "eve", "fay"}},
      {"", R"({"city":{"$exists":true}})", s, {"ann", "ben", "cat", "eve", "fay"}},
      {"", R"({"city":{"$exists":false}})", s, {"dan"}},
      {"", R"({"city":{"$autocomplete":"be"}})", s, {"ben", "fay"}},
      {"", R"({"city":{"$gt":"Berlin"}})", s, {"ann", "cat", "eve"}},
      {"", R"({"vip":true})", s, {"ann"}},
      {"", R"({"vip":false})", s, {"eve"}},
      {"", R"({"vip":{"$exists":true}})", s, {"ann", "eve"}},
      // logic
      {"", R"({"city":"Paris","age":{"$gt":35}})", s, {"cat"}},
      {"", R"({"$and":[{"city":"Paris"},{"banned":false}]})", s, {"ann"}},
      {"", R"({"$or":[{"role":"admin"},{"age":{"$lt":20}}]})", s, {"ben", "eve"}},
      {"",
       R"({"$or":[{"city":"Berlin"},{"$and":[{"city":"Paris"},{"age":{"$gt":35}}]}]})",
       s,
       {"ben", "cat", "fay"}},
      {"",
       R"({"$and":[{"$or":[{"age":25},{"age":19}]},{"$or":[{"city":"Rome"},{"role":"moderator"}]}]})",
       s,
       {"dan", "eve"}},
      {"", R"({"$nor":[{"banned":true},{"age":25}]})", s, {"ann", "eve"}},
      {"", "{}", s, {"ann", "ben", "cat", "dan", "eve", "fay"}},
  };
  Run(rows);
  // A client gets the same answers (filters are not a server-side privilege).
  for (Row& row : rows) row.who = "dan";
  Run(rows);
}

TEST_F(QueryUsersTableTest, SortsAndPages) {
  const std::string s = kByCreation;
  Run({
      {"",
       "{}",
       R"([{"field":"created_at","direction":-1}])",
       {"fay", "eve", "dan", "cat", "ben", "ann"}},
      {"", "{}", R"([{"field":"id","direction":-1}])", {"fay", "eve", "dan", "cat", "ben", "ann"}},
      {"", "{}", R"([{"field":"name","direction":1}])", {"ann", "fay", "cat", "dan", "eve", "ben"}},
      {"",
       "{}",
       R"([{"field":"name","direction":-1}])",
       {"ben", "eve", "dan", "cat", "fay", "ann"}},
      {"",
       R"({"last_active":{"$exists":true}})",
       R"([{"field":"last_active","direction":-1}])",
       {"ben", "ann", "eve"}},
      {"",
       R"({"last_active":{"$exists":true}})",
       R"([{"field":"last_active","direction":1}])",
       {"eve", "ann", "ben"}},
      {"",
       "{}",
       R"([{"field":"role","direction":1},{"field":"created_at","direction":-1}])",
       {"ben", "dan", "fay", "eve", "cat", "ann"}},
      {"",
       "{}",
       R"([{"field":"banned","direction":-1},{"field":"id","direction":1}])",
       {"cat", "fay", "ann", "ben", "dan", "eve"}},
      {"",
       R"({"age":{"$exists":true}})",
       R"([{"field":"age","direction":-1},{"field":"id","direction":1}])",
       {"cat", "ann", "ben", "dan", "eve"}},
      {"",
       R"({"age":{"$exists":true}})",
       R"([{"field":"age","direction":1},{"field":"id","direction":-1}])",
       {"eve", "dan", "ben", "ann", "cat"}},
      {"",
       R"({"city":{"$exists":true}})",
       R"([{"field":"city","direction":1},{"field":"id","direction":1}])",
       {"ben", "fay", "ann", "cat", "eve"}},
      // limit and offset
      {"", "{}", s, {"ann", "ben", "cat", "dan"}, 4, 0},
      {"", "{}", s, {"eve", "fay"}, 4, 4},
      {"", "{}", s, {}, 4, 6},
      {"", "{}", R"([{"field":"id","direction":-1}])", {"eve", "dan"}, 2, 1},
      {"", R"({"city":{"$exists":true}})", R"([{"field":"city","direction":-1}])", {"eve"}, 1, -1},
      {"",
       R"({"banned":false})",
       R"([{"field":"age","direction":-1},{"field":"id","direction":1}])",
       {"ben", "dan"},
       2,
       1},
      // out of range
      {"", "{}", s, {}, 101, -1, 4},
      {"", "{}", s, {}, -1, 1001, 4},
      {"", "{}", R"([{"field":"teams","direction":1}])", {}, -1, -1, 4},
      {"", "{}", R"({"field":"id","direction":1})", {}, -1, -1, 4},
  });
}

}  // namespace
}  // namespace eddy::testing
