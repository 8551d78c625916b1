// In-process API tests of the message, thread and reaction routes: requests are routed and
// parsed as the dispatcher does, and run against the real SQLite store (in memory).
#include <gtest/gtest.h>

#include <memory>

#include "server/api/api_test_support.h"
#include "server/api/messages.h"
#include "server/domain/message_service_fixture.h"

namespace eddy::server::api {
namespace {

using testing::kStart;
using Query = RouteCaller::Query;

class MessagesApiTest : public testing::MessageServiceFixture {
 protected:
  void SetUp() override {
    MessageServiceFixture::SetUp();
    RegisterMessageRoutes(router_, *service_);
  }

  Caller User(std::string id) { return Make(Caller::Kind::kUser, std::move(id)); }
  Caller Server() { return Make(Caller::Kind::kServer, ""); }
  Caller Make(Caller::Kind kind, std::string id) {
    Caller c;
    c.kind = kind;
    c.app = std::make_shared<const App>(app_);
    c.user_id = std::move(id);
    return c;
  }

  Result<ApiResponse> Call(const std::string& method, const std::string& path, Caller caller,
                           std::string_view body = "", Query query = {}) {
    clock_.Advance(1000);
    return caller_.Call(method, path, std::move(caller), body, std::move(query));
  }

  json::object Ok(Result<ApiResponse> r, int status = 200) {
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    if (!r.ok()) return {};
    EXPECT_EQ(r->status, status);
    return std::move(r->body);
  }
  ErrorCode Code(const Result<ApiResponse>& r) {
    EXPECT_FALSE(r.ok());
    return r.ok() ? ErrorCode::kInternal : r.error().code;
  }

  json::object Post(const std::string& id, const std::string& text, const std::string& extra = "") {
    return Ok(Call("POST", "/channels/messaging/general/message", User("alice"),
                   R"({"message":{"id":")" + id + R"(","text":")" + text + "\"" + extra + "}}"),
              201);
  }
  static std::vector<std::string> Ids(const json::object& body, const char* key = "messages") {
    std::vector<std::string> out;
    for (const json::value& v : body.at(key).as_array()) out.emplace_back(v.at("id").as_string());
    return out;
  }

  Router router_;
  RouteCaller caller_{router_};
};

TEST_F(MessagesApiTest, SendReturns201WithTheMessage) {
  json::object body = Post("m1", "hi", R"(,"mentioned_users":["bob"])");
  EXPECT_EQ(body.at("message").at("id"), "m1");
  EXPECT_EQ(body.at("message").at("user").at("id"), "alice");
  EXPECT_EQ(body.at("message").at("mentioned_users").at(0).at("id"), "bob");

  auto dup = Call("POST", "/channels/messaging/general/message", User("alice"),
                  R"({"message":{"id":"m1","text":"again"}})");
  EXPECT_EQ(Code(dup), ErrorCode::kInput);
  EXPECT_EQ(Code(Call("POST", "/channels/messaging/general/message", User("alice"), R"({})")),
            ErrorCode::kInput);
  EXPECT_EQ(Code(Call("POST", "/channels/messaging/general/message", User("alice"),
                      R"({"message":{"text":"x"},"skip_push":"yes"})")),
            ErrorCode::kInput);
  body = Ok(Call("POST", "/channels/messaging/general/message", Server(),
                 R"({"message":{"text":"from the backend","user_id":"carol"},"skip_push":true})"),
            201);
  EXPECT_EQ(body.at("message").at("user").at("id"), "carol");
}

TEST_F(MessagesApiTest, SendRespondsWithWhatAReadRendersAndOutlivesItsArena) {
  // The send renders in its request's JSON arena, a read on the heap: the same message, byte
  // for byte, and the response is still whole after the handler (and its arena) returned.
  json::object sent =
      Post("m1", "hi \\u00e9 <b>", R"(,"mentioned_users":["bob"],"attachments":[{"type":"x"}])");
  EXPECT_NE(sent.storage().get(), json::storage_ptr().get());
  json::object read = Ok(Call("GET", "/messages/m1", User("alice")));
  EXPECT_EQ(read.storage().get(), json::storage_ptr().get());
  EXPECT_EQ(json::serialize(sent.at("message")), json::serialize(read.at("message")));
}

TEST_F(MessagesApiTest, GetOneAndMany) {
  Post("a", "1");
  Post("b", "2");
  json::object one = Ok(Call("GET", "/messages/a", User("bob")));
  EXPECT_EQ(one.at("message").at("text"), "1");
  EXPECT_EQ(one.at("channel").at("cid"), "messaging:general");
  EXPECT_EQ(Code(Call("GET", "/messages/nope", User("bob"))), ErrorCode::kDoesNotExist);

  json::object many =
      Ok(Call("GET", "/channels/messaging/general/messages", User("bob"), "", {{"ids", "b,a"}}));
  EXPECT_EQ(Ids(many), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(Code(Call("GET", "/channels/messaging/general/messages", User("bob"))),
            ErrorCode::kInput);
  EXPECT_EQ(
      Code(Call("GET", "/channels/messaging/general/messages", User("bob"), "", {{"ids", "a,,b"}})),
      ErrorCode::kInput);
}

TEST_F(MessagesApiTest, RepliesTakeFlatPaginationParameters) {
  Post("p", "parent");
  for (int i = 0; i < 5; ++i) {
    Ok(Call("POST", "/channels/messaging/general/message", User("bob"),
            R"({"message":{"id":"r)" + std::to_string(i) + R"(","text":"x","parent_id":"p"}})"),
       201);
  }
  json::object page =
      Ok(Call("GET", "/messages/p/replies", User("alice"), "", {{"limit", "2"}, {"id_lt", "r4"}}));
  EXPECT_EQ(Ids(page), (std::vector<std::string>{"r2", "r3"}));
  page = Ok(Call("GET", "/messages/p/replies", User("alice"), "",
                 {{"limit", "2"}, {"sort", R"([{"field":"created_at","direction":-1}])"}}));
  EXPECT_EQ(Ids(page), (std::vector<std::string>{"r4", "r3"}));
  page = Ok(Call("GET", "/messages/p/replies", User("alice"), "",
                 {{"created_at_after", FormatTime(kStart)}, {"limit", "1"}}));
  EXPECT_EQ(Ids(page), (std::vector<std::string>{"r0"}));

  EXPECT_EQ(Code(Call("GET", "/messages/p/replies", User("alice"), "",
                      {{"id_lt", "r4"}, {"id_gt", "r1"}})),
            ErrorCode::kInput);
  EXPECT_EQ(Code(Call("GET", "/messages/p/replies", User("alice"), "", {{"limit", "ten"}})),
            ErrorCode::kInput);
  EXPECT_EQ(Code(Call("GET", "/messages/p/replies", User("alice"), "",
                      {{"created_at_before", "yesterday"}})),
            ErrorCode::kInput);
  EXPECT_EQ(Code(Call("GET", "/messages/p/replies", User("alice"), "",
                      {{"sort", R"([{"field":"text","direction":1}])"}})),
            ErrorCode::kInput);
  EXPECT_EQ(Code(Call("POST", "/channels/messaging/general/message", User("bob"),
                      R"({"message":{"text":"x","parent_id":"r1"}})")),
            ErrorCode::kMultipleNestingLevel);
}

TEST_F(MessagesApiTest, UpdatePartialUpdateAndDelete) {
  Post("m1", "hello", R"(,"color":"red")");
  json::object body = Ok(Call("POST", "/messages/m1", User("alice"),
                              R"({"message":{"id":"m1","text":"edited","color":"blue"}})"));
  EXPECT_EQ(body.at("message").at("text"), "edited");
  EXPECT_EQ(body.at("message").at("color"), "blue");

  body = Ok(Call("PUT", "/messages/m1", User("alice"),
                 R"({"set":{"pinned":true,"size":1},"unset":["color"]})"));
  EXPECT_EQ(body.at("message").at("pinned"), true);
  EXPECT_EQ(body.at("message").at("size"), 1);
  EXPECT_FALSE(body.at("message").as_object().contains("color"));
  EXPECT_EQ(Code(Call("PUT", "/messages/m1", User("alice"), R"({"unset":[1]})")),
            ErrorCode::kInput);
  // Server-side, the acting user is named in the body.
  body = Ok(Call("PUT", "/messages/m1", Server(), R"({"set":{"text":"s"},"user":{"id":"alice"}})"));
  EXPECT_EQ(body.at("message").at("text"), "s");

  json::object pinned = Ok(Call("GET", "/channels/messaging/general/pinned_messages", User("bob"),
                                "", {{"payload", R"({"limit":5})"}}));
  EXPECT_EQ(Ids(pinned), (std::vector<std::string>{"m1"}));
  EXPECT_EQ(Code(Call("GET", "/channels/messaging/general/pinned_messages", User("bob"), "",
                      {{"payload", R"({"id_lt":"m1"})"}})),
            ErrorCode::kInput);

  EXPECT_EQ(Code(Call("DELETE", "/messages/m1", User("alice"), "", {{"delete_for_me", "true"}})),
            ErrorCode::kInput);
  body = Ok(Call("DELETE", "/messages/m1", User("alice")));
  EXPECT_EQ(body.at("message").at("type"), "deleted");
  EXPECT_TRUE(Stored("m1"));
  body = Ok(Call("DELETE", "/messages/m1", User("alice"), "", {{"hard", "true"}}));
  EXPECT_FALSE(Stored("m1"));
}

TEST_F(MessagesApiTest, ReactionRoutes) {
  Post("m1", "hello");
  json::object body = Ok(Call("POST", "/messages/m1/reaction", User("bob"),
                              R"({"reaction":{"type":"like"},"enforce_unique":true})"),
                         201);
  EXPECT_EQ(body.at("reaction").at("type"), "like");
  EXPECT_EQ(body.at("message").at("reaction_counts").at("like"), 1);
  Ok(Call("POST", "/messages/m1/reaction", User("carol"), R"({"reaction":{"type":"love"}})"), 201);

  json::object list =
      Ok(Call("GET", "/messages/m1/reactions", User("alice"), "", {{"limit", "1"}}));
  ASSERT_EQ(list.at("reactions").as_array().size(), 1u);
  EXPECT_EQ(list.at("reactions").at(0).at("type"), "love");
  EXPECT_EQ(Code(Call("GET", "/messages/m1/reactions", User("alice"), "", {{"limit", "301"}})),
            ErrorCode::kInput);

  // The SDK adds the caller's own user_id to every request.
  body = Ok(Call("DELETE", "/messages/m1/reaction/like", User("bob"), "", {{"user_id", "bob"}}));
  EXPECT_EQ(body.at("reaction").at("user_id"), "bob");
  EXPECT_EQ(Code(Call("DELETE", "/messages/m1/reaction/like", User("bob"))),
            ErrorCode::kDoesNotExist);
  EXPECT_EQ(
      Code(Call("POST", "/messages/nope/reaction", User("bob"), R"({"reaction":{"type":"like"}})")),
      ErrorCode::kDoesNotExist);
  EXPECT_EQ(Code(Call("POST", "/messages/m1/reaction", User("bob"), R"({"reaction":{}})")),
            ErrorCode::kInput);
  EXPECT_EQ(Code(Call("POST", "/messages/m1/reaction", User("bob"), R"({})")), ErrorCode::kInput);
}

}  // namespace
}  // namespace eddy::server::api
