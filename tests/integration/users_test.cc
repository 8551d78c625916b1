// Users over real sockets: upsert, partial update, query, and what a client may not do.
#include <tuple>

#include "integration/fixture.h"
#include "integration/sdk_events.h"

namespace eddy::testing {
namespace {

class UsersTest : public EddyTest {
 protected:
  // Through the SDK; the typed User turned back into JSON loses nothing.
  json::object GetUser(const std::string& id) {
    auto users = sdk().QueryUsers({{"id", id}});
    if (users.empty()) return {};
    return users.at(0).ToJson();
  }
  // A call as `user` through its SDK app, the body given as JSON text.
  json::object AsApp(const std::string& user, const std::string& method, const std::string& path,
                     const std::string& body) {
    json::object b = json::parse(body).as_object();
    return App(user).Request(method, path, &b);
  }
  template <typename F>
  static void ExpectNotAllowed(F&& call) {
    client::ApiError e = Refused(call);
    EXPECT_EQ(e.status_code(), 403) << e.what();
    EXPECT_EQ(e.code(), 17) << e.what();
  }
};

TEST_F(UsersTest, UpsertBatchWithServerTokenRoundTripsCustomFields) {
  client::User a = SdkUser("ua", "User A");
  a.role = "user";
  a.extra["profile"] = json::parse(R"({"age":31,"tags":["x","y"]})");
  a.extra["vip"] = true;
  auto users = sdk().UpsertUsers({a, SdkUser("ub", "User B")});
  ASSERT_EQ(users.size(), 2u);
  EXPECT_EQ(users[0].id, "ua");
  EXPECT_EQ(users[1].id, "ub");
  EXPECT_EQ(users[0].name, "User A");
  json::object ua = GetUser("ua");
  EXPECT_EQ(ua.at("profile"), json::parse(R"({"age":31,"tags":["x","y"]})"));
  EXPECT_EQ(ua.at("vip"), true);
  EXPECT_TRUE(ua.at("created_at").is_string());
  EXPECT_TRUE(ua.at("updated_at").is_string());
  EXPECT_EQ(ua.at("banned"), false);
}

TEST_F(UsersTest, QueryWithFilterSortAndLimit) {
  std::vector<client::User> upsert;
  for (auto [id, name, color, score] :
       {std::tuple{"q1", "Quinn", "red", 10}, std::tuple{"q2", "Quentin", "blue", 20},
        std::tuple{"q3", "Zed", "red", 30}}) {
    upsert.push_back(SdkUser(id, name));
    upsert.back().extra["team_color"] = color;
    upsert.back().extra["score"] = score;
  }
  ASSERT_EQ(sdk().UpsertUsers(upsert).size(), 3u);
  auto users = sdk().QueryUsers(
      json::parse(R"({"$and":[{"id":{"$in":["q1","q2","q3"]}},{"team_color":"red"}]})").as_object(),
      json::parse(R"([{"field":"score","direction":-1}])").as_array(), 5);
  ASSERT_EQ(users.size(), 2u);
  EXPECT_EQ(users[0].id, "q3");
  EXPECT_EQ(users[1].id, "q1");

  users = sdk().QueryUsers({{"name", {{"$autocomplete", "que"}}}});
  ASSERT_EQ(users.size(), 1u);
  EXPECT_EQ(users[0].id, "q2");
}

TEST_F(UsersTest, PromotionToAdminIsServerSide) {
  sdk().UpsertUser(SdkUser("carol", "Carol"));
  EXPECT_EQ(sdk().PartialUpdateUser("carol", {{"role", "admin"}}).role, "admin");
  EXPECT_EQ(GetUser("carol").at("role"), "admin");
}

TEST_F(UsersTest, UserCannotRaiseOwnRole) {
  sdk().UpsertUser(SdkUser("dave", "Dave"));
  const std::string promote = R"({"users":[{"id":"dave","set":{"role":"admin"}}]})";
  ExpectNotAllowed([&] { AsApp("dave", "PATCH", "/users", promote); });
  ExpectNotAllowed([&] {
    AsApp("dave", "POST", "/users", R"({"users":{"dave":{"id":"dave","role":"admin"}}})");
  });
  json::object dave = GetUser("dave");
  EXPECT_EQ(dave.at("role"), "user");
  EXPECT_EQ(dave.at("name"), "Dave");
}

TEST_F(UsersTest, UserMayUpdateOnlyItself) {
  sdk().UpsertUsers({SdkUser("erin"), SdkUser("frank", "Frank")});
  AsApp("erin", "PATCH", "/users", R"({"users":[{"id":"erin","set":{"name":"Erin E."}}]})");
  EXPECT_EQ(GetUser("erin").at("name"), "Erin E.");
  ExpectNotAllowed([&] {
    AsApp("erin", "PATCH", "/users", R"({"users":[{"id":"frank","set":{"name":"Hacked"}}]})");
  });
  EXPECT_EQ(GetUser("frank").at("name"), "Frank");
}

TEST_F(UsersTest, PartialUpdateSetAndUnset) {
  client::User g = SdkUser("gina");
  g.extra["a"] = json::parse(R"({"b":1,"c":2})");
  g.extra["color"] = "red";
  sdk().UpsertUser(g);
  EXPECT_EQ(sdk().PartialUpdateUser("gina", {{"a.b", 5}, {"name", "Gina"}}, {"color"}).name,
            "Gina");
  json::object gina = GetUser("gina");
  EXPECT_EQ(gina.at("a"), json::parse(R"({"b":5,"c":2})"));
  EXPECT_EQ(gina.at("name"), "Gina");
  EXPECT_FALSE(gina.contains("color"));
}

TEST_F(UsersTest, DeactivateReactivateDelete) {
  sdk().UpsertUsers({SdkUser("hank"), SdkUser("ivy")});
  // hank's app connects before: a deactivated user cannot connect, its token still reaches REST.
  App("hank");
  EXPECT_TRUE(sdk().DeactivateUser("hank").extra.at("deactivated_at").is_string());
  EXPECT_TRUE(GetUser("hank").empty());  // deactivated users are hidden from queries
  // No typed QueryUsers option for include_deactivated_users.
  json::object found = sdk().Request(
      "GET", "/users", nullptr,
      {{"payload", R"({"filter_conditions":{"id":"hank"},"include_deactivated_users":true})"}});
  EXPECT_EQ(found.at("users").as_array().size(), 1u);
  // A deactivated user's token no longer works.
  EXPECT_EQ(Refused([&] { App("hank").Request("GET", "/users"); }).status_code(), 401);
  EXPECT_EQ(sdk().ReactivateUser("hank").id, "hank");
  EXPECT_FALSE(GetUser("hank").empty());

  EXPECT_EQ(sdk().DeleteUser("ivy", /*hard_delete=*/true).id, "ivy");
  EXPECT_TRUE(GetUser("ivy").empty());
}

TEST_F(UsersTest, GetAppHidesTheSecret) {
  // The whole answer, not just its "app" (GetAppSettings), must not hold the secret.
  json::object r = App("reader").Request("GET", "/app");
  const json::object& app = r.at("app").as_object();
  EXPECT_TRUE(app.contains("file_upload_config"));
  EXPECT_TRUE(app.contains("image_upload_config"));
  EXPECT_EQ(json::serialize(r).find(secret()), std::string::npos);
}

TEST_F(UsersTest, GetAppListsChannelTypeConfigs) {
  json::object app = App("reader").GetAppSettings();
  const json::object& configs = app.at("channel_configs").as_object();
  for (const char* type : {"messaging", "team", "livestream", "commerce", "gaming"}) {
    ASSERT_TRUE(configs.contains(type)) << type;
    EXPECT_TRUE(configs.at(type).as_object().contains("typing_events"));
    EXPECT_TRUE(configs.at(type).as_object().contains("max_message_length"));
  }
}

TEST_F(UsersTest, QueryUsersWithPresenceFollowsThem) {
  sdk().UpsertUsers({SdkUser("watcher"), SdkUser("watched")});
  SdkConn watcher(BaseUrl(), key());
  ASSERT_TRUE(watcher.Connect("watcher", UserToken("watcher")));
  // No typed QueryUsers option for presence; Request adds the connection_id that follows.
  watcher.client().Request(
      "GET", "/users", nullptr,
      {{"payload", R"({"filter_conditions":{"id":"watched"},"presence":true})"}});
  App("watched");
  std::optional<json::object> change;
  for (json::object& e : watcher.Collect({"user.presence.changed"})) {
    if (!change && e.at("type") == "user.presence.changed") change = std::move(e);
  }
  ASSERT_TRUE(change) << "no user.presence.changed for a followed user";
  EXPECT_EQ(change->at("user").at("id"), "watched");
  EXPECT_EQ(change->at("user").at("online"), true);
}

TEST_F(UsersTest, GuestGetsATokenAndAGuestRole) {
  auto r = http().Request("POST", Target("/guest", {{"api_key", key()}}),
                          R"({"user":{"id":"visitor","name":"V"}})",
                          {{"stream-auth-type", "anonymous"}});
  ASSERT_EQ(r.status / 100, 2) << r.body;
  EXPECT_TRUE(r.obj().at("access_token").is_string());
  const json::object& user = r.obj().at("user").as_object();
  EXPECT_EQ(user.at("role"), "guest");
  std::string id(user.at("id").as_string());
  EXPECT_EQ(id.rfind("guest-", 0), 0u);
  // The guest token works in the SDK (POST /guest has no SDK method; it stays raw).
  client::ChatClient guest(BaseUrl(), key());
  EXPECT_EQ(
      guest.ConnectUser(SdkUser(id), std::string(r.obj().at("access_token").as_string())).role,
      "guest");
  EXPECT_EQ(guest.QueryUsers({{"id", id}}).size(), 1u);
}

}  // namespace
}  // namespace eddy::testing
