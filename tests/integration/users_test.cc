// Users over real sockets: upsert, partial update, query, and what a client may not do.
#include <tuple>

#include "integration/fixture.h"

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
  ASSERT_EQ(
      AsServer("POST", "/users", R"({"users":{"dave":{"id":"dave","name":"Dave"}}})").status / 100,
      2);
  auto r = AsUser("dave", "PATCH", "/users", R"({"users":[{"id":"dave","set":{"role":"admin"}}]})");
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(r.code(), 17);
  EXPECT_EQ(r.obj().at("StatusCode"), 403);
  r = AsUser("dave", "POST", "/users", R"({"users":{"dave":{"id":"dave","role":"admin"}}})");
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(r.code(), 17);
  json::object dave = GetUser("dave");
  EXPECT_EQ(dave.at("role"), "user");
  EXPECT_EQ(dave.at("name"), "Dave");
}

TEST_F(UsersTest, UserMayUpdateOnlyItself) {
  ASSERT_EQ(AsServer("POST", "/users",
                     R"({"users":{"erin":{"id":"erin"},"frank":{"id":"frank","name":"Frank"}}})")
                    .status /
                100,
            2);
  auto r =
      AsUser("erin", "PATCH", "/users", R"({"users":[{"id":"erin","set":{"name":"Erin E."}}]})");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(GetUser("erin").at("name"), "Erin E.");
  r = AsUser("erin", "PATCH", "/users", R"({"users":[{"id":"frank","set":{"name":"Hacked"}}]})");
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(r.code(), 17);
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
  EXPECT_TRUE(sdk().DeactivateUser("hank").extra.at("deactivated_at").is_string());
  EXPECT_TRUE(GetUser("hank").empty());  // deactivated users are hidden from queries
  auto r = AsServer(
      "GET", "/users", "",
      {{"payload", R"({"filter_conditions":{"id":"hank"},"include_deactivated_users":true})"}});
  EXPECT_EQ(r.obj().at("users").as_array().size(), 1u);
  // A deactivated user's token no longer works.
  EXPECT_EQ(AsUser("hank", "GET", "/users").status, 401);
  EXPECT_EQ(sdk().ReactivateUser("hank").id, "hank");
  EXPECT_FALSE(GetUser("hank").empty());

  EXPECT_EQ(sdk().DeleteUser("ivy", /*hard_delete=*/true).id, "ivy");
  EXPECT_TRUE(GetUser("ivy").empty());
}

TEST_F(UsersTest, GetAppHidesTheSecret) {
  auto r = AsUser("reader", "GET", "/app");
  ASSERT_EQ(r.status, 200) << r.body;
  const json::object& app = r.obj().at("app").as_object();
  EXPECT_TRUE(app.contains("file_upload_config"));
  EXPECT_TRUE(app.contains("image_upload_config"));
  EXPECT_EQ(r.body.find(secret()), std::string::npos);
}

TEST_F(UsersTest, GetAppListsChannelTypeConfigs) {
  auto r = AsUser("reader", "GET", "/app");
  ASSERT_EQ(r.status, 200) << r.body;
  const json::object& configs = r.obj().at("app").at("channel_configs").as_object();
  for (const char* type : {"messaging", "team", "livestream", "commerce", "gaming"}) {
    ASSERT_TRUE(configs.contains(type)) << type;
    EXPECT_TRUE(configs.at(type).as_object().contains("typing_events"));
    EXPECT_TRUE(configs.at(type).as_object().contains("max_message_length"));
  }
}

TEST_F(UsersTest, QueryUsersWithPresenceFollowsThem) {
  ASSERT_EQ(AsServer("POST", "/users",
                     R"({"users":{"watcher":{"id":"watcher"},"watched":{"id":"watched"}}})")
                    .status /
                100,
            2);
  WsClient ws;
  ASSERT_TRUE(ws.Connect(port(), ConnectTarget("watcher", UserToken("watcher"))));
  auto hello = ws.ReadJson();
  ASSERT_TRUE(hello);
  std::string connection_id(hello->at("connection_id").as_string());
  auto r = AsUser("watcher", "GET", "/users", "",
                  {{"connection_id", connection_id},
                   {"payload", R"({"filter_conditions":{"id":"watched"},"presence":true})"}});
  ASSERT_EQ(r.status, 200) << r.body;
  WsClient watched;
  ASSERT_TRUE(watched.Connect(port(), ConnectTarget("watched", UserToken("watched"))));
  ASSERT_TRUE(watched.ReadJson());
  std::optional<json::object> change;
  for (int i = 0; i < 20 && !change; ++i) {
    auto frame = ws.ReadJson(std::chrono::milliseconds(250));
    if (frame && frame->at("type") == "user.presence.changed") change = frame;
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
  std::string token(r.obj().at("access_token").as_string());
  auto me = http().Request("GET", Target("/users", {{"api_key", key()}, {"user_id", id}}), "",
                           {{"Authorization", token}, {"stream-auth-type", "jwt"}});
  EXPECT_EQ(me.status, 200) << me.body;
}

}  // namespace
}  // namespace eddy::testing
