// In-process API tests of /channeltypes and /roles, and of role assignment with PATCH /users:
// requests routed through the Router to the handlers, against SQLite in memory.
#include <gtest/gtest.h>

#include <memory>

#include "server/api/channel_types.h"
#include "server/api/roles.h"
#include "server/api/router.h"
#include "server/api/users.h"
#include "server/domain/app_service.h"
#include "server/domain/user_service.h"
#include "server/domain/user_test_fakes.h"
#include "server/storage/sqlite/sqlite_store.h"

namespace eddy::server::api {
namespace {

class ChannelTypesApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenSqliteStore(":memory:").value();
    apps_ = std::make_unique<AppService>(store_->apps(), clock_);
    app_ = apps_->CreateApp("test").value();
    types_ = std::make_unique<ChannelTypes>(&store_->channel_types());
    type_service_ = std::make_unique<ChannelTypeService>(*store_, *types_, clock_);
    roles_ = std::make_unique<RoleService>(*store_, clock_);
    users_ = std::make_unique<UserService>(*store_, events_, presence_, clock_);
    RegisterChannelTypeRoutes(router_, *type_service_);
    RegisterRoleRoutes(router_, *roles_);
    RegisterUserRoutes(router_, *users_);
  }

  // Routes and runs a server-side request (the dispatcher's access check is covered by the
  // integration tests).
  Result<ApiResponse> Call(const std::string& method, const std::string& path,
                           std::string_view body = "") {
    Router::Match m = router_.Find(method, path);
    if (!m.route) return Error::NotFound("no route for " + method + " " + path);
    EXPECT_EQ(m.route->access, path == "/users" ? Access::kServerOrUser : Access::kServerOnly);
    ApiRequest req;
    req.method = method;
    req.path = path;
    req.path_params = m.params;
    req.caller.kind = Caller::Kind::kServer;
    req.caller.app = std::make_shared<App>(app_);
    if (!body.empty()) {
      EDDY_ASSIGN_OR_RETURN(req.body, ParseJsonObject(body));
    }
    return m.route->handler(req);
  }

  json::object Ok(Result<ApiResponse> r, int status = 200) {
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    if (!r.ok()) return {};
    EXPECT_EQ(r->status, status);
    return std::move(r->body);
  }

  static void ExpectError(const Result<ApiResponse>& r, ErrorCode code,
                          std::string_view message_part) {
    ASSERT_FALSE(r.ok()) << json::serialize(r->body);
    EXPECT_EQ(r.error().code, code) << r.error().message;
    EXPECT_NE(r.error().message.find(message_part), std::string::npos) << r.error().message;
  }

  std::string TypesJson() { return json::serialize(Ok(Call("GET", "/channeltypes"))); }

  std::unique_ptr<Store> store_;
  testing::ManualClock clock_{1'700'000'000'000'000};
  testing::RecordingEventSink events_;
  testing::FakePresence presence_;
  std::unique_ptr<AppService> apps_;
  App app_;
  std::unique_ptr<ChannelTypes> types_;
  std::unique_ptr<ChannelTypeService> type_service_;
  std::unique_ptr<RoleService> roles_;
  std::unique_ptr<UserService> users_;
  Router router_;
};

TEST_F(ChannelTypesApiTest, ListAndGetShowConfigGrantsAndCommands) {
  json::object list = Ok(Call("GET", "/channeltypes"));
  const json::object& all = list.at("channel_types").as_object();
  for (const char* name : {"messaging", "team", "commerce", "livestream", "gaming"}) {
    ASSERT_TRUE(all.contains(name)) << name;
    EXPECT_TRUE(all.at(name).as_object().contains("grants")) << name;
  }
  json::object messaging = Ok(Call("GET", "/channeltypes/messaging"));
  EXPECT_EQ(messaging.at("name"), "messaging");
  EXPECT_EQ(messaging.at("max_message_length"), 5000);
  EXPECT_TRUE(messaging.at("commands").is_array());
  EXPECT_TRUE(messaging.at("permissions").is_array());
  const json::array& member = messaging.at("grants").at("channel_member").as_array();
  EXPECT_NE(std::find(member.begin(), member.end(), json::value("create-message")), member.end());
  ExpectError(Call("GET", "/channeltypes/nope"), ErrorCode::kDoesNotExist,
              "nope is not a defined channel type");
}

TEST_F(ChannelTypesApiTest, CreateDefaultsMissingKeysAndTakesEffectAtOnce) {
  json::object created = Ok(Call("POST", "/channeltypes",
                                 R"({"name":"support","typing_events":false,"commands":["all"],
                                     "grants":{"user":["read-channel"]}})"),
                            201);
  EXPECT_EQ(created.at("name"), "support");
  EXPECT_EQ(created.at("typing_events"), false);
  EXPECT_EQ(created.at("reactions"), true);  // defaulted
  EXPECT_EQ(created.at("commands"), json::array());
  EXPECT_EQ(created.at("created_at"), "2023-11-14T22:13:20.000000Z");
  std::shared_ptr<const ChannelType> t = types_->Find(app_.api_key, "support");
  ASSERT_NE(t, nullptr);
  EXPECT_FALSE(t->Flag("typing_events"));
  EXPECT_FALSE(t->members_only);  // users may read it
  EXPECT_EQ(t->grants.at("user"), (std::set<std::string>{"read-channel"}));
  EXPECT_TRUE(t->grants.at("channel_member").count("create-message"));
  // A second service over the same store (another process start) sees it too.
  ChannelTypes fresh(&store_->channel_types());
  EXPECT_NE(fresh.Find(app_.api_key, "support"), nullptr);
}

TEST_F(ChannelTypesApiTest, BadInputIsRefusedAndChangesNothing) {
  const std::string before = TypesJson();
  struct Case {
    const char* method;
    const char* path;
    const char* body;
    const char* message;
  };
  const Case cases[] = {
      {"POST", "/channeltypes", R"({})", "'name' is required"},
      {"POST", "/channeltypes", R"({"name":"Bad Name"})", "'name' is required"},
      {"POST", "/channeltypes", R"({"name":"messaging"})", "already exists"},
      {"POST", "/channeltypes", R"({"name":"x","reactions":"yes"})", "must be a boolean"},
      {"POST", "/channeltypes", R"({"name":"x","max_message_length":0})", "from 1 to 20000"},
      {"POST", "/channeltypes", R"({"name":"x","automod":"magic"})", "one of"},
      {"POST", "/channeltypes", R"({"name":"x","colour":"red"})", "unknown channel type setting"},
      {"POST", "/channeltypes", R"({"name":"x","grants":{"user":["fly"]}})",
       "unknown permission 'fly'"},
      {"POST", "/channeltypes", R"({"name":"x","permissions":[]})", "grants"},
      {"POST", "/channeltypes", R"({"name":"x","commands":["Giphy"]})", "commands"},
      {"PUT", "/channeltypes/messaging", R"({"name":"other"})", "cannot be renamed"},
      {"PUT", "/channeltypes/messaging", R"({"created_at":"2020-01-01T00:00:00Z"})",
       "set by the server"},
      {"PUT", "/channeltypes/messaging", R"({"reactions":false,"grants":{"user":"x"}})",
       "grants must be"},
  };
  for (const Case& c : cases) {
    ExpectError(Call(c.method, c.path, c.body), ErrorCode::kInput, c.message);
  }
  ExpectError(Call("PUT", "/channeltypes/nope", R"({"reactions":false})"), ErrorCode::kDoesNotExist,
              "not a defined channel type");
  EXPECT_EQ(TypesJson(), before);
}

TEST_F(ChannelTypesApiTest, UpdateReplacesGrantsPerRoleGivenAndKeepsTheRest) {
  json::object updated = Ok(Call("PUT", "/channeltypes/messaging",
                                 R"({"reactions":false,"grants":{"user":["read-channel"],
                                     "channel_member":["read-channel"]}})"));
  EXPECT_EQ(updated.at("reactions"), false);
  ChannelType t = *types_->Find(app_.api_key, "messaging");
  EXPECT_FALSE(t.Flag("reactions"));
  EXPECT_FALSE(t.members_only);
  EXPECT_EQ(t.grants.at("channel_member"), (std::set<std::string>{"read-channel"}));
  EXPECT_TRUE(t.grants.at("channel_moderator").count("delete-any-message"));  // untouched
  EXPECT_EQ(t.config.at("updated_at"), "2023-11-14T22:13:20.000000Z");
}

TEST_F(ChannelTypesApiTest, DeleteRefusesBuiltinsUnknownAndTypesInUse) {
  ExpectError(Call("DELETE", "/channeltypes/messaging"), ErrorCode::kInput, "built in");
  ExpectError(Call("DELETE", "/channeltypes/nope"), ErrorCode::kDoesNotExist, "nope");
  Ok(Call("POST", "/channeltypes", R"({"name":"support"})"), 201);
  Channel c;
  c.type = "support";
  c.id = "c1";
  ASSERT_TRUE(store_->channels().CreateChannel(app_.api_key, c, {}).ok());
  ExpectError(Call("DELETE", "/channeltypes/support"), ErrorCode::kInput, "still has channels");
  EXPECT_NE(types_->Find(app_.api_key, "support"), nullptr);
  ASSERT_TRUE(store_->channels().DeleteChannel(app_.api_key, "support", "c1").ok());
  Ok(Call("DELETE", "/channeltypes/support"));
  EXPECT_EQ(types_->Find(app_.api_key, "support"), nullptr);
}

TEST_F(ChannelTypesApiTest, RolesCreateListDeleteAndAssign) {
  json::object created = Ok(Call("POST", "/roles", R"({"name":"support"})"), 201);
  EXPECT_EQ(created.at("role").at("name"), "support");
  EXPECT_EQ(created.at("role").at("custom"), true);
  ExpectError(Call("POST", "/roles", R"({"name":"support"})"), ErrorCode::kInput, "exists");
  ExpectError(Call("POST", "/roles", R"({"name":"admin"})"), ErrorCode::kInput, "built-in");
  ExpectError(Call("POST", "/roles", R"({"name":"Not Valid"})"), ErrorCode::kInput, "not valid");
  ExpectError(Call("POST", "/roles", R"({})"), ErrorCode::kInput, "'name'");

  json::array roles = Ok(Call("GET", "/roles")).at("roles").as_array();
  ASSERT_EQ(roles.size(), 9u);  // 5 app roles, 3 channel roles, 1 custom
  EXPECT_EQ(roles.front().at("name"), "admin");
  EXPECT_EQ(roles.front().at("custom"), false);
  EXPECT_EQ(roles.back().at("name"), "support");

  Ok(Call("POST", "/users", R"({"users":{"sam":{"id":"sam"}}})"), 201);
  ExpectError(Call("PATCH", "/users", R"({"users":[{"id":"sam","set":{"role":"wizard"}}]})"),
              ErrorCode::kInput, "role 'wizard' is not defined");
  ExpectError(Call("POST", "/users", R"({"users":{"sam":{"id":"sam","role":"wizard"}}})"),
              ErrorCode::kInput, "role 'wizard' is not defined");
  Ok(Call("PATCH", "/users", R"({"users":[{"id":"sam","set":{"role":"support"}}]})"));
  ExpectError(Call("DELETE", "/roles/support"), ErrorCode::kInput, "still assigned");
  ExpectError(Call("DELETE", "/roles/admin"), ErrorCode::kInput, "built-in");
  ExpectError(Call("DELETE", "/roles/nope"), ErrorCode::kDoesNotExist, "does not exist");
  Ok(Call("PATCH", "/users", R"({"users":[{"id":"sam","set":{"role":"admin"}}]})"));
  Ok(Call("DELETE", "/roles/support"));
  EXPECT_EQ(Ok(Call("GET", "/roles")).at("roles").as_array().size(), 8u);
}

}  // namespace
}  // namespace eddy::server::api
