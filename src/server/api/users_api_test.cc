// In-process API tests of the user and app routes: requests are built as the dispatcher would
// build them, routed through the Router, and run against the real SQLite store (in memory).
#include <gtest/gtest.h>

#include <memory>

#include "protocol/jwt.h"
#include "server/api/api_test_support.h"
#include "server/api/app_settings.h"
#include "server/api/router.h"
#include "server/api/users.h"
#include "server/domain/app_service.h"
#include "server/domain/user_service.h"
#include "server/domain/user_test_fakes.h"
#include "server/storage/sqlite/sqlite_store.h"

namespace eddy::server::api {
namespace {

constexpr Micros kStart = 1'700'000'000'000'000;

using Query = RouteCaller::Query;

class UsersApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenSqliteStore(":memory:").value();
    apps_ = std::make_unique<AppService>(store_->apps(), clock_);
    app_key_ = apps_->CreateApp("test").value().api_key;
    users_ = std::make_unique<UserService>(*store_, events_, presence_, clock_);
    RegisterUserRoutes(router_, *users_);
    RegisterAppRoutes(router_, *apps_);
  }

  Caller Server() { return Make(Caller::Kind::kServer, ""); }
  Caller User(std::string id) { return Make(Caller::Kind::kUser, std::move(id)); }
  Caller Anonymous() { return Make(Caller::Kind::kAnonymous, ""); }

  Caller Make(Caller::Kind kind, std::string id) {
    Caller c;
    c.kind = kind;
    c.app = apps_->Find(app_key_).value();
    c.user_id = std::move(id);
    return c;
  }

  // What the dispatcher does between authentication and the handler: route, access check,
  // body parse; then the handler itself.
  Result<ApiResponse> Call(const std::string& method, const std::string& path, Caller caller,
                           std::string_view body = "", Query query = {}) {
    return caller_.Call(method, path, std::move(caller), body, std::move(query));
  }

  json::object Ok(Result<ApiResponse> r, int status = 200) {
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    if (!r.ok()) return {};
    EXPECT_EQ(r->status, status);
    return std::move(r->body);
  }

  static void ExpectError(const Result<ApiResponse>& r, ErrorCode code, int status,
                          std::string_view message_part = "") {
    ASSERT_FALSE(r.ok()) << json::serialize(r->body);
    EXPECT_EQ(r.error().code, code) << r.error().message;
    EXPECT_EQ(r.error().http_status, status) << r.error().message;
    EXPECT_NE(r.error().message.find(message_part), std::string::npos) << r.error().message;
  }

  json::object QueryUsers(const Caller& c, std::string_view payload) {
    return Ok(Call("GET", "/users", c, "", {{"payload", std::string(payload)}}));
  }

  std::vector<std::string> QueryIds(std::string_view payload) {
    auto r = Call("GET", "/users", Server(), "", {{"payload", std::string(payload)}});
    EXPECT_TRUE(r.ok()) << payload << ": " << (r.ok() ? "" : r.error().message);
    std::vector<std::string> ids;
    if (!r.ok()) return ids;
    for (const json::value& u : r->body.at("users").as_array()) {
      ids.emplace_back(u.at("id").as_string());
    }
    return ids;
  }

  std::unique_ptr<Store> store_;
  testing::ManualClock clock_{kStart};
  testing::RecordingEventSink events_;
  testing::FakePresence presence_;
  std::unique_ptr<AppService> apps_;
  std::unique_ptr<UserService> users_;
  std::string app_key_;
  Router router_;
  RouteCaller caller_{router_};
};

TEST_F(UsersApiTest, UpsertBatchRoundTripsCustomData) {
  json::object body = Ok(Call("POST", "/users", Server(), R"({"users":{
      "u1":{"id":"u1","name":"One","image":"http://i/1","meta":{"n":[1,2],"ok":true}},
      "u2":{"name":"Two","role":"moderator","teams":["red"]}}})"),
                         201);
  const json::object& users = body.at("users").as_object();
  ASSERT_EQ(users.size(), 2u);
  EXPECT_EQ(users.at("u1").at("name"), "One");
  EXPECT_EQ(users.at("u1").at("meta").at("n"), (json::array{1, 2}));
  EXPECT_EQ(users.at("u1").at("role"), "user");
  EXPECT_EQ(users.at("u1").at("online"), false);
  EXPECT_EQ(users.at("u1").at("created_at"), "2023-11-14T22:13:20.000000Z");
  EXPECT_EQ(users.at("u2").at("id"), "u2");
  EXPECT_EQ(users.at("u2").at("role"), "moderator");

  json::object q = QueryUsers(User("u1"), R"({"filter_conditions":{"id":{"$in":["u1","u2"]}},
      "sort":[{"field":"id","direction":1}]})");
  const json::array& list = q.at("users").as_array();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].at("image"), "http://i/1");
  EXPECT_EQ(list[0].at("meta").at("ok"), true);
  EXPECT_EQ(list[1].at("teams"), (json::array{"red"}));
}

TEST_F(UsersApiTest, UpsertRejectsAKeyThatDoesNotMatchTheId) {
  ExpectError(Call("POST", "/users", Server(), R"({"users":{"a":{"id":"b"}}})"), ErrorCode::kInput,
              400, "does not match");
}

TEST_F(UsersApiTest, PartialUpdateWithDotPaths) {
  Ok(Call("POST", "/users", Server(),
          R"({"users":{"u1":{"id":"u1","name":"One","address":{"city":"Oslo","zip":"0150"}}}})"),
     201);
  json::object body = Ok(Call("PATCH", "/users", Server(), R"({"users":[{"id":"u1",
      "set":{"address.city":"Bergen","settings.sound":false},"unset":["address.zip"]}]})"));
  const json::value& u = body.at("users").at("u1");
  EXPECT_EQ(u.at("name"), "One");
  EXPECT_EQ(u.at("address"), (json::object{{"city", "Bergen"}}));
  EXPECT_EQ(u.at("settings"), (json::object{{"sound", false}}));
  auto sent = events_.Take();
  ASSERT_FALSE(sent.empty());
  EXPECT_EQ(sent.back().event.at("type"), "user.updated");
  EXPECT_EQ(sent.back().user_ids, std::vector<std::string>{"u1"});
}

TEST_F(UsersApiTest, ClientMayUpdateOnlyItself) {
  Ok(Call("POST", "/users", Server(), R"({"users":{"u1":{"name":"One"},"u2":{"name":"Two"}}})"),
     201);
  Ok(Call("POST", "/users", User("u1"), R"({"users":{"u1":{"name":"Uno"}}})"), 201);
  Ok(Call("PATCH", "/users", User("u1"), R"({"users":[{"id":"u1","set":{"color":"red"}}]})"));
  ExpectError(Call("POST", "/users", User("u1"), R"({"users":{"u2":{"name":"Hacked"}}})"),
              ErrorCode::kNotAllowed, 403,
              "User 'u1' with role 'user' is not allowed to perform action UpdateUser on user "
              "'u2'");
  ExpectError(Call("PATCH", "/users", User("u1"), R"({"users":[{"id":"u2","set":{"x":1}}]})"),
              ErrorCode::kNotAllowed, 403, "on user 'u2'");
  json::object q = QueryUsers(Server(), R"({"filter_conditions":{"id":"u2"}})");
  EXPECT_EQ(q.at("users").at(0).at("name"), "Two");
}

TEST_F(UsersApiTest, ClientCannotRaiseItsOwnRole) {
  Ok(Call("POST", "/users", Server(), R"({"users":{"u1":{"name":"One"}}})"), 201);
  events_.Take();
  ExpectError(
      Call("PATCH", "/users", User("u1"), R"({"users":[{"id":"u1","set":{"role":"admin"}}]})"),
      ErrorCode::kNotAllowed, 403,
      "User 'u1' with role 'user' is not allowed to perform action UpdateUser: field 'role' can "
      "only be updated server side");
  ExpectError(Call("POST", "/users", User("u1"), R"({"users":{"u1":{"role":"admin"}}})"),
              ErrorCode::kNotAllowed, 403, "'role'");
  ExpectError(Call("PATCH", "/users", User("u1"),
                   R"({"users":[{"id":"u1","set":{"banned":false,"shadow_banned":true}}]})"),
              ErrorCode::kNotAllowed, 403, "'shadow_banned'");
  EXPECT_TRUE(events_.Take().empty());
  json::object q = QueryUsers(Server(), R"({"filter_conditions":{"id":"u1"}})");
  EXPECT_EQ(q.at("users").at(0).at("role"), "user");
  EXPECT_EQ(q.at("users").at(0).at("shadow_banned"), false);
  // Server side it works.
  json::object up =
      Ok(Call("PATCH", "/users", Server(), R"({"users":[{"id":"u1","set":{"role":"admin"}}]})"));
  EXPECT_EQ(up.at("users").at("u1").at("role"), "admin");
}

struct FilterCase {
  const char* payload;
  std::vector<std::string> ids;
};

TEST_F(UsersApiTest, FilterTable) {
  Ok(Call("POST", "/users", Server(), R"({"users":{
      "alice":{"name":"Alice Smith","role":"admin","teams":["red","blue"],"age":30,"lang":"en"},
      "bob":{"name":"Bob","teams":["blue"],"age":25,"vip":true},
      "carol":{"name":"Carol","banned":true,"age":41}}})"),
     201);
  clock_.Advance(1'000'000);
  Ok(Call("POST", "/users", Server(), R"({"users":{
      "dave":{"name":"Dave","role":"moderator","age":25},
      "erin":{"name":"erin lower","teams":["red"]}}})"),
     201);
  presence_.SetOnline(app_key_, "bob", true);
  presence_.SetOnline(app_key_, "erin", true);
  const std::string later = FormatTime(kStart + 1'000'000);
  const std::string gte_later =
      R"({"filter_conditions":{"created_at":{"$gte":")" + later + R"("}}})";
  const FilterCase cases[] = {
      {R"({})", {"alice", "bob", "carol", "dave", "erin"}},
      {R"({"filter_conditions":{"id":"bob"}})", {"bob"}},
      {R"({"filter_conditions":{"id":{"$eq":"bob"}}})", {"bob"}},
      {R"({"filter_conditions":{"role":{"$ne":"user"}}})", {"alice", "dave"}},
      {R"({"filter_conditions":{"age":{"$gt":25}}})", {"alice", "carol"}},
      {R"({"filter_conditions":{"age":{"$gte":30}}})", {"alice", "carol"}},
      {R"({"filter_conditions":{"age":{"$lt":30}}})", {"bob", "dave"}},
      {R"({"filter_conditions":{"age":{"$lte":30}}})", {"alice", "bob", "dave"}},
      {R"({"filter_conditions":{"id":{"$in":["bob","erin","zed"]}}})", {"bob", "erin"}},
      {R"({"filter_conditions":{"role":{"$nin":["admin","moderator"]}}})",
       {"bob", "carol", "erin"}},
      {R"({"filter_conditions":{"vip":{"$exists":true}}})", {"bob"}},
      {R"({"filter_conditions":{"teams":{"$contains":"red"}}})", {"alice", "erin"}},
      {R"({"filter_conditions":{"name":{"$autocomplete":"ali"}}})", {"alice"}},
      {R"({"filter_conditions":{"banned":true}})", {"carol"}},
      {gte_later.c_str(), {"dave", "erin"}},
      {R"({"filter_conditions":{"$or":[{"role":"admin"},{"age":41}]}})", {"alice", "carol"}},
      {R"({"filter_conditions":{"$and":[{"age":25},{"role":"user"}]}})", {"bob"}},
      {R"({"filter_conditions":{"$nor":[{"age":25},{"role":"admin"}]}})", {"carol", "erin"}},
      {R"({"filter_conditions":{"online":true}})", {"bob", "erin"}},
      {R"({"filter_conditions":{"online":false,"age":{"$exists":true}}})",
       {"alice", "carol", "dave"}},
      {R"({"sort":[{"field":"age","direction":-1},{"field":"name","direction":1}]})",
       {"carol", "alice", "bob", "dave", "erin"}},
      {R"({"sort":[{"field":"created_at","direction":-1},{"field":"id","direction":-1}]})",
       {"erin", "dave", "carol", "bob", "alice"}},
      {R"({"limit":2,"offset":1})", {"bob", "carol"}},
      {R"({"limit":2,"offset":4})", {"erin"}},
  };
  for (const FilterCase& c : cases) {
    std::vector<std::string> ids = QueryIds(c.payload);
    bool sorted = std::string_view(c.payload).find("sort") != std::string_view::npos ||
                  std::string_view(c.payload).find("limit") != std::string_view::npos;
    if (!sorted) std::sort(ids.begin(), ids.end());
    EXPECT_EQ(ids, c.ids) << c.payload;
  }
}

TEST_F(UsersApiTest, QueryMarksOnlineUsers) {
  Ok(Call("POST", "/users", Server(), R"({"users":{"a":{},"b":{}}})"), 201);
  presence_.SetOnline(app_key_, "b", true);
  json::object q = QueryUsers(User("a"), R"({"sort":[{"field":"id","direction":1}]})");
  EXPECT_EQ(q.at("users").at(0).at("online"), false);
  EXPECT_EQ(q.at("users").at(1).at("online"), true);
}

TEST_F(UsersApiTest, BadPayloadJsonIsAnInputError) {
  ExpectError(Call("GET", "/users", Server(), "", {{"payload", "{not json"}}), ErrorCode::kInput,
              400, "payload");
  ExpectError(Call("GET", "/users", Server(), "", {{"payload", "[1]"}}), ErrorCode::kInput, 400);
  ExpectError(Call("GET", "/users", Server(), "",
                   {{"payload", R"({"filter_conditions":{"id":{"$regex":"x"}}})"}}),
              ErrorCode::kInput, 400, "$regex");
  ExpectError(Call("POST", "/users", Server(), R"({"users":{"u1":{"name":"x"})"), ErrorCode::kInput,
              400);
}

TEST_F(UsersApiTest, WrongJsonTypesAreInputErrors) {
  struct Case {
    const char* method;
    const char* body;
  };
  const Case cases[] = {
      {"POST", R"({})"},
      {"POST", R"({"users":[]})"},
      {"POST", R"({"users":{"u1":"x"}})"},
      {"POST", R"({"users":{"u1":{"role":5}}})"},
      {"POST", R"({"users":{"u1":{"teams":"red"}}})"},
      {"POST", R"({"users":{"bad id":{}}})"},
      {"POST", R"({"users":{"a:b":{}}})"},
      {"PATCH", R"({"users":{}})"},
      {"PATCH", R"({"users":[5]})"},
      {"PATCH", R"({"users":[{"set":{}}]})"},
      {"PATCH", R"({"users":[{"id":"u1","set":[]}]})"},
      {"PATCH", R"({"users":[{"id":"u1","unset":"name"}]})"},
      {"PATCH", R"({"users":[{"id":"u1","unset":[1]}]})"},
      {"PATCH", R"({"users":[{"id":7,"set":{}}]})"},
  };
  for (const Case& c : cases) {
    auto r = Call(c.method, "/users", Server(), c.body);
    ASSERT_FALSE(r.ok()) << c.method << " " << c.body;
    EXPECT_EQ(r.error().code, ErrorCode::kInput) << c.method << " " << c.body;
    EXPECT_EQ(r.error().http_status, 400) << c.body;
  }
  ExpectError(Call("GET", "/users", Server(), "", {{"payload", R"({"limit":"10"})"}}),
              ErrorCode::kInput, 400, "limit");
  ExpectError(Call("GET", "/users", Server(), "", {{"payload", R"({"limit":500})"}}),
              ErrorCode::kInput, 400, "limit");
  ExpectError(Call("DELETE", "/users/u1", Server(), "", {{"hard_delete", "maybe"}}),
              ErrorCode::kInput, 400, "hard_delete");
  std::string many = R"({"users":{)";
  for (int i = 0; i < 101; ++i)
    many += (i ? "," : "") + std::string("\"u") + std::to_string(i) + "\":{}";
  ExpectError(Call("POST", "/users", Server(), many + "}}"), ErrorCode::kInput, 400, "100");
}

TEST_F(UsersApiTest, DeactivateReactivateAndDelete) {
  Ok(Call("POST", "/users", Server(), R"({"users":{"u1":{"name":"One"},"u2":{},"u3":{}}})"), 201);
  ExpectError(Call("POST", "/users/u1/deactivate", User("u1")), ErrorCode::kNotAllowed, 403);
  json::object d =
      Ok(Call("POST", "/users/u1/deactivate", Server(), R"({"mark_messages_deleted":false})"));
  EXPECT_TRUE(d.at("user").as_object().contains("deactivated_at"));
  EXPECT_EQ(QueryIds(R"({"sort":[{"field":"id","direction":1}]})"),
            (std::vector<std::string>{"u2", "u3"}));
  EXPECT_EQ(QueryIds(R"({"include_deactivated_users":true,"sort":[{"field":"id","direction":1}]})"),
            (std::vector<std::string>{"u1", "u2", "u3"}));
  ExpectError(Call("POST", "/users/u1/deactivate", Server(), R"({"mark_messages_deleted":"no"})"),
              ErrorCode::kInput, 400);
  json::object r = Ok(Call("POST", "/users/u1/reactivate", Server(), R"({"name":"Back"})"));
  EXPECT_FALSE(r.at("user").as_object().contains("deactivated_at"));
  EXPECT_EQ(r.at("user").at("name"), "Back");
  ExpectError(Call("POST", "/users/nobody/reactivate", Server()), ErrorCode::kDoesNotExist, 404);

  json::object soft = Ok(Call("DELETE", "/users/u2", Server(), "",
                              {{"mark_messages_deleted", "true"}, {"hard_delete", "false"}}));
  EXPECT_TRUE(soft.at("user").as_object().contains("deleted_at"));
  EXPECT_TRUE(store_->users().FindUser(app_key_, "u2")->has_value());
  json::object hard = Ok(Call("DELETE", "/users/u3", Server(), "", {{"hard_delete", "true"}}));
  EXPECT_TRUE(hard.at("user").as_object().contains("deleted_at"));
  EXPECT_FALSE(store_->users().FindUser(app_key_, "u3")->has_value());
  EXPECT_EQ(QueryIds("{}"), std::vector<std::string>{"u1"});
  ExpectError(Call("DELETE", "/users/u3", Server()), ErrorCode::kDoesNotExist, 404);
  ExpectError(Call("DELETE", "/users/u1", User("u1")), ErrorCode::kNotAllowed, 403);
}

TEST_F(UsersApiTest, GuestGetsAUserAndAToken) {
  json::object g =
      Ok(Call("POST", "/guest", Anonymous(), R"({"user":{"id":"visitor","name":"V"}})"), 201);
  std::string id(g.at("user").at("id").as_string());
  EXPECT_EQ(id.rfind("guest-", 0), 0u);
  EXPECT_EQ(id.substr(id.size() - 8), "-visitor");
  EXPECT_EQ(g.at("user").at("role"), "guest");
  EXPECT_EQ(g.at("user").at("name"), "V");
  std::shared_ptr<const App> app = apps_->Find(app_key_).value();
  auto claims = protocol::VerifyJwt(std::string(g.at("access_token").as_string()), app->api_secret,
                                    false, kStart / 1'000'000);
  ASSERT_TRUE(claims.ok()) << claims.error().message;
  EXPECT_EQ(claims->at("user_id"), json::value(id));
  ExpectError(Call("POST", "/guest", Anonymous(), R"({"user":{"id":"x","role":"admin"}})"),
              ErrorCode::kNotAllowed, 403);
  ExpectError(Call("POST", "/guest", Anonymous(), R"({})"), ErrorCode::kInput, 400);
}

TEST_F(UsersApiTest, GetAppForAUserTokenHidesTheSecret) {
  std::shared_ptr<const App> app = apps_->Find(app_key_).value();
  json::object body = Ok(Call("GET", "/app", User("u1")));
  std::string text = json::serialize(body);
  EXPECT_EQ(text.find(app->api_secret), std::string::npos);
  EXPECT_EQ(text.find("secret"), std::string::npos);
  const json::object& a = body.at("app").as_object();
  EXPECT_EQ(a.at("name"), "test");
  EXPECT_EQ(a.at("permission_version"), "v2");
  EXPECT_EQ(a.at("disable_auth_checks"), false);
  EXPECT_EQ(a.at("enforce_unique_usernames"), "no");
  EXPECT_EQ(a.at("webhook_url"), "");
  EXPECT_TRUE(a.at("revoke_tokens_issued_before").is_null());
  EXPECT_TRUE(a.at("channel_configs").is_object());
  EXPECT_TRUE(a.at("grants").is_object());
  EXPECT_TRUE(a.at("policies").is_object());
  EXPECT_TRUE(a.at("push_notifications").is_object());
  EXPECT_TRUE(a.at("file_upload_config").at("allowed_file_extensions").is_array());
  EXPECT_GT(a.at("image_upload_config").at("size_limit").as_int64(), 0);
  ExpectError(Call("GET", "/app", Anonymous()), ErrorCode::kAuthentication, 401);
}

TEST_F(UsersApiTest, PatchAppMergesValidatedSettings) {
  ExpectError(Call("PATCH", "/app", User("u1"), R"({"disable_auth_checks":true})"),
              ErrorCode::kNotAllowed, 403);
  json::object empty = Ok(Call("PATCH", "/app", Server(), R"({"disable_auth_checks":true,
      "revoke_tokens_issued_before":"2024-01-01T01:00:00+01:00",
      "image_upload_config":{"size_limit":1024,"allowed_file_extensions":[".png"]}})"));
  EXPECT_TRUE(empty.empty());
  Ok(Call("PATCH", "/app", Server(), R"({"webhook_url":"https://hooks.example/x"})"));
  std::shared_ptr<const App> app = apps_->Find(app_key_).value();
  EXPECT_TRUE(app->DisableAuthChecks());
  EXPECT_EQ(app->RevokeTokensIssuedBefore(), ParseTime("2024-01-01T00:00:00Z"));
  json::object a = Ok(Call("GET", "/app", User("u1"))).at("app").as_object();
  EXPECT_EQ(a.at("disable_auth_checks"), true);
  EXPECT_EQ(a.at("webhook_url"), "https://hooks.example/x");
  EXPECT_EQ(a.at("revoke_tokens_issued_before"), "2024-01-01T00:00:00.000000Z");
  EXPECT_EQ(a.at("image_upload_config").at("size_limit"), 1024);
  EXPECT_EQ(a.at("image_upload_config").at("allowed_file_extensions"), (json::array{".png"}));
  EXPECT_TRUE(a.at("image_upload_config").at("blocked_mime_types").is_array());

  Ok(Call("PATCH", "/app", Server(), R"({"revoke_tokens_issued_before":null})"));
  EXPECT_FALSE(apps_->Find(app_key_).value()->RevokeTokensIssuedBefore().has_value());
  ExpectError(Call("PATCH", "/app", Server(), R"({"disable_auth_chekcs":true})"), ErrorCode::kInput,
              400, "disable_auth_chekcs");
  ExpectError(Call("PATCH", "/app", Server(), R"({"disable_auth_checks":"yes"})"),
              ErrorCode::kInput, 400, "boolean");
  ExpectError(Call("PATCH", "/app", Server(), R"({"enforce_unique_usernames":"always"})"),
              ErrorCode::kInput, 400);
  ExpectError(Call("PATCH", "/app", Server(), R"({"file_upload_config":{"size_limit":-1}})"),
              ErrorCode::kInput, 400);
  ExpectError(Call("PATCH", "/app", Server(), R"({"webhook_url":"ftp://x"})"), ErrorCode::kInput,
              400);
  EXPECT_TRUE(apps_->Find(app_key_).value()->DisableAuthChecks());
}

}  // namespace
}  // namespace eddy::server::api
