// In-process API tests of the channel routes: requests are built as the dispatcher builds
// them, routed through the Router, and run against the real SQLite store (in memory), with
// the channel fakes for delivery, watches, message rendering and read state.
#include <gtest/gtest.h>

#include <memory>

#include "server/api/api_test_support.h"
#include "server/api/channels.h"
#include "server/api/router.h"
#include "server/domain/app_service.h"
#include "server/domain/channel_service.h"
#include "server/domain/channel_test_fakes.h"
#include "server/domain/user_test_fakes.h"
#include "server/storage/sqlite/sqlite_store.h"

namespace eddy::server::api {
namespace {

constexpr Micros kStart = 1'700'000'000'000'000;

using Query = RouteCaller::Query;

class ChannelsApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenSqliteStore(":memory:").value();
    apps_ = std::make_unique<AppService>(store_->apps(), clock_);
    app_key_ = apps_->CreateApp("test").value().api_key;
    reads_ = std::make_unique<testing::FakeReadState>(*store_);
    channels_ = std::make_unique<ChannelService>(*store_, types_, delivery_, delivery_, watches_,
                                                 views_, *reads_, presence_, clock_);
    RegisterChannelRoutes(router_, *channels_);
    RegisterMemberRoutes(router_, *channels_);
    std::vector<server::User> users;
    for (const char* id : {"alice", "bob", "carol"}) {
      server::User u;
      u.id = id;
      u.role = std::string(id) == "carol" ? "admin" : "user";
      u.created_at = u.updated_at = kStart;
      users.push_back(u);
    }
    ASSERT_TRUE(store_->users().UpsertUsers(app_key_, users).ok());
  }

  Caller Server() { return Make(Caller::Kind::kServer, ""); }
  Caller User(std::string id) { return Make(Caller::Kind::kUser, std::move(id)); }
  Caller Make(Caller::Kind kind, std::string id) {
    Caller c;
    c.kind = kind;
    c.app = apps_->Find(app_key_).value();
    c.user_id = std::move(id);
    return c;
  }

  // What the dispatcher does between authentication and the handler.
  Result<ApiResponse> Call(const std::string& method, const std::string& path, Caller caller,
                           std::string_view body = "", Query query = {},
                           std::string connection_id = "") {
    Result<ApiResponse> r = caller_.Call(method, path, std::move(caller), body, std::move(query),
                                         std::move(connection_id));
    last_operation_ = caller_.last_operation();
    return r;
  }

  json::object Ok(Result<ApiResponse> r, int status = 200) {
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    if (!r.ok()) return {};
    EXPECT_EQ(r->status, status);
    return std::move(r->body);
  }

  static void ExpectError(const Result<ApiResponse>& r, ErrorCode code, int status,
                          std::string_view part = "") {
    ASSERT_FALSE(r.ok()) << json::serialize(r->body);
    EXPECT_EQ(r.error().code, code) << r.error().message;
    EXPECT_EQ(r.error().http_status, status) << r.error().message;
    EXPECT_NE(r.error().message.find(part), std::string::npos) << r.error().message;
  }

  json::object CreateGeneral() {
    return Ok(Call("POST", "/channels/messaging/general/query", Server(),
                   R"({"data":{"name":"General","created_by_id":"carol",
                       "members":["alice","bob","carol"]},
                       "state":false,"watch":false,"presence":false})"),
              201);
  }

  std::unique_ptr<Store> store_;
  testing::ManualClock clock_{kStart};
  ChannelTypes types_;
  testing::FakeWatches watches_;
  testing::RecordingDelivery delivery_{watches_};
  testing::FakeMessageViews views_;
  testing::FakePresence presence_;
  std::unique_ptr<testing::FakeReadState> reads_;
  std::unique_ptr<AppService> apps_;
  std::unique_ptr<ChannelService> channels_;
  std::string app_key_;
  Router router_;
  RouteCaller caller_{router_};
  std::string last_operation_;
};

TEST_F(ChannelsApiTest, CreateAnswersAChannelState) {
  json::object state = CreateGeneral();
  EXPECT_EQ(last_operation_, "GetOrCreateChannel");
  for (const char* key :
       {"channel", "messages", "pinned_messages", "members", "read", "watcher_count", "threads"}) {
    EXPECT_TRUE(state.contains(key)) << key;
  }
  const json::object& ch = state.at("channel").as_object();
  for (const char* key : {"id", "type", "cid", "created_at", "updated_at", "created_by", "frozen",
                          "disabled", "member_count", "message_count", "config", "own_capabilities",
                          "hidden", "cooldown", "name"}) {
    EXPECT_TRUE(ch.contains(key)) << key;
  }
  for (const json::value& m : state.at("members").as_array()) {
    EXPECT_TRUE(m.at("user").as_object().contains("id"));
    EXPECT_EQ(m.at("status"), "member");
  }
}

TEST_F(ChannelsApiTest, WatchWithTheRequestConnection) {
  CreateGeneral();
  watches_.Open("conn-1", "alice");
  json::object state = Ok(Call("POST", "/channels/messaging/general/query", User("alice"),
                               R"({"data":{},"state":true,"watch":true,"presence":false,
                                   "messages":{"limit":25},"watchers":{"limit":5}})",
                               {}, "conn-1"),
                          201);
  EXPECT_EQ(state.at("watcher_count"), 1);
  EXPECT_EQ(state.at("watchers").at(0).at("id"), "alice");
  EXPECT_EQ(state.at("membership").at("user_id"), "alice");
  EXPECT_TRUE(watches_.IsWatching(app_key_, "alice", "messaging:general"));

  EXPECT_EQ(Ok(Call("POST", "/channels/messaging/general/stop-watching", User("alice"), "{}", {},
                    "conn-1")),
            json::object());
  EXPECT_FALSE(watches_.IsWatching(app_key_, "alice", "messaging:general"));
}

TEST_F(ChannelsApiTest, DistinctRouteWinsOverChannelUpdate) {
  json::object state = Ok(Call("POST", "/channels/messaging/query", User("alice"),
                               R"({"data":{"members":["alice","bob"]},"state":true,
                                   "watch":false,"presence":false})"),
                          201);
  EXPECT_EQ(last_operation_, "GetOrCreateDistinctChannel");
  EXPECT_EQ(std::string(state.at("channel").at("id").as_string()).rfind("!members-", 0), 0u);
  ExpectError(
      Call("POST", "/channels/messaging/query", User("alice"), R"({"data":{"members":["alice"]}})"),
      ErrorCode::kInput, 400, "When using member based IDs specify at least 2 members");
}

TEST_F(ChannelsApiTest, QueryChannels) {
  CreateGeneral();
  watches_.Open("conn-b", "bob");
  json::object body =
      Ok(Call("POST", "/channels", User("bob"),
              R"({"filter_conditions":{"type":"messaging","members":{"$in":["bob"]}},
                                  "sort":[{"field":"last_message_at","direction":-1}],
                                  "state":true,"presence":false,"limit":10,"message_limit":30})",
              {}, "conn-b"));
  ASSERT_EQ(body.at("channels").as_array().size(), 1u);
  EXPECT_EQ(body.at("channels").at(0).at("channel").at("cid"), "messaging:general");
  EXPECT_TRUE(watches_.IsWatching(app_key_, "bob", "messaging:general"))
      << "watch defaults to true with a connection";
  ExpectError(Call("POST", "/channels", User("bob"), R"({"filter_conditions":{"type":{"$xx":1}}})"),
              ErrorCode::kInput, 400);
  ExpectError(Call("POST", "/channels", User("bob"), R"({"limit":100})"), ErrorCode::kInput, 400);
}

TEST_F(ChannelsApiTest, UpdateRoutes) {
  CreateGeneral();
  ExpectError(
      Call("POST", "/channels/messaging/general", User("carol"), R"({"add_moderators":["bob"]})"),
      ErrorCode::kNotAllowed, 403, "changing channel member roles is not allowed");
  json::object body =
      Ok(Call("POST", "/channels/messaging/general", Server(), R"({"add_moderators":["bob"]})"));
  EXPECT_EQ(body.at("members").at(1).at("channel_role"), "channel_moderator");
  EXPECT_TRUE(body.at("channel").as_object().contains("cid"));

  body = Ok(Call("POST", "/channels/messaging/general", User("carol"),
                 R"({"data":{"name":"G2"},"message":{"text":"renamed"}})"));
  EXPECT_EQ(body.at("channel").at("name"), "G2");
  EXPECT_EQ(body.at("message").at("type"), "system");

  body = Ok(Call("PATCH", "/channels/messaging/general", User("carol"),
                 R"({"set":{"topic":"x"},"unset":["name"]})"));
  EXPECT_EQ(body.at("channel").at("topic"), "x");
  EXPECT_FALSE(body.at("channel").as_object().contains("name"));
  ExpectError(Call("PATCH", "/channels/messaging/general", User("carol"), R"({"unset":[1]})"),
              ErrorCode::kInput, 400);
  ExpectError(Call("POST", "/channels/messaging/general", Server(), R"({"cooldown":500})"),
              ErrorCode::kInput, 400);
  ExpectError(Call("POST", "/channels/messaging/general", Server(),
                   R"({"assign_roles":[{"user_id":"bob"}]})"),
              ErrorCode::kInput, 400);
  ExpectError(Call("POST", "/channels/messaging/nope", Server(), R"({"data":{}})"),
              ErrorCode::kDoesNotExist, 404, "Can't find channel");
  ExpectError(Call("POST", "/channels/nope/general/query", Server(),
                   R"({"data":{"created_by_id":"carol"}})"),
              ErrorCode::kDoesNotExist, 404, "channel type 'nope' does not exist");
}

TEST_F(ChannelsApiTest, TruncateHideShowDelete) {
  CreateGeneral();
  json::object t = Ok(Call("POST", "/channels/messaging/general/truncate", User("carol"),
                           R"({"hard_delete":false,"message":{"text":"gone"}})"));
  EXPECT_TRUE(t.at("channel").as_object().contains("truncated_at"));
  EXPECT_EQ(t.at("message").at("text"), "gone");
  EXPECT_EQ(Ok(Call("POST", "/channels/messaging/general/hide", User("bob"),
                    R"({"user_id":null,"clear_history":true})")),
            json::object());
  EXPECT_EQ(
      Ok(Call("POST", "/channels/messaging/general/show", User("bob"), R"({"user_id":null})")),
      json::object());
  ExpectError(
      Call("DELETE", "/channels/messaging/general", User("alice"), "", {{"hard_delete", "maybe"}}),
      ErrorCode::kInput, 400);
  json::object d = Ok(
      Call("DELETE", "/channels/messaging/general", User("carol"), "", {{"hard_delete", "true"}}));
  EXPECT_TRUE(d.at("channel").as_object().contains("deleted_at"));
  EXPECT_FALSE(store_->channels().GetChannel(app_key_, "messaging", "general")->has_value());
}

TEST_F(ChannelsApiTest, QueryMembersWithPayload) {
  CreateGeneral();
  json::object body = Ok(
      Call("GET", "/members", User("alice"), "", {{"payload", R"({"type":"messaging","id":"general",
                              "filter_conditions":{"id":{"$in":["bob","carol"]}},
                              "sort":[{"field":"user_id","direction":-1}],"limit":10})"}}));
  ASSERT_EQ(body.at("members").as_array().size(), 2u);
  EXPECT_EQ(body.at("members").at(0).at("user").at("role"), "admin");
  ExpectError(Call("GET", "/members", User("alice"), "", {{"payload", "{"}}), ErrorCode::kInput,
              400);
  ExpectError(Call("GET", "/members", User("alice"), "",
                   {{"payload", R"({"type":"messaging","id":"general","limit":1000})"}}),
              ErrorCode::kInput, 400);
}

TEST(MessagePageTest, Bounds) {
  auto p = ParseMessagePage(ParseJsonObject(R"({"limit":25,"id_lt":"m5"})").value());
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->limit, 25);
  EXPECT_EQ(p->id_lt, "m5");
  auto d =
      ParseMessagePage(ParseJsonObject(R"({"created_at_after":"2024-01-01T00:00:00Z"})").value());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->limit, 100);
  EXPECT_TRUE(d->created_at_after.has_value());
  for (const char* bad : {R"({"limit":301})", R"({"limit":-1})", R"({"id_lt":"a","id_gt":"b"})",
                          R"({"created_at_after":"yesterday"})", R"({"id_lt":5})"}) {
    EXPECT_FALSE(ParseMessagePage(ParseJsonObject(bad).value()).ok()) << bad;
  }
}

}  // namespace
}  // namespace eddy::server::api
