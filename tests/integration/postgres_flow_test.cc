// The real eddy binary on PostgreSQL (the CTest fixture `postgres`): a short chat survives a
// restart of eddy on the same database, and a PostgreSQL outage fails requests with a 5xx
// error envelope, loses no acknowledged message, and ends by itself when the server is back.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "integration/harness.h"
#include "integration/http_client.h"
#include "protocol/jwt.h"
#include "server/storage/postgres/postgres_test_schema.h"

namespace eddy::testing {
namespace {

using server::pgtest::ScratchSchema;

class PostgresFlowTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(schema_.error(), ""); }

  bool Start() {
    http_.reset();
    return eddy_.Start({"--store", schema_.url(), "--store-pool-size", "2"});
  }

  HttpResult Call(const std::string& user, const std::string& method, const std::string& path,
                  const std::string& body = "") {
    if (!http_) http_ = std::make_unique<HttpClient>(eddy_.port());
    std::string token = user.empty() ? protocol::CreateServerToken(eddy_.api_secret())
                                     : protocol::CreateUserToken(user, {}, {}, eddy_.api_secret());
    Params params = {{"api_key", eddy_.api_key()}};
    if (!user.empty()) params.push_back({"user_id", user});
    return http_->Request(method, Target(path, params), body,
                          {{"Authorization", token}, {"stream-auth-type", "jwt"}});
  }

  HttpResult Send(const std::string& text) {
    return Call("alice", "POST", "/channels/messaging/pg/message",
                R"({"message":{"text":")" + text + R"("}})");
  }

  // The texts of the channel's newest messages, oldest first, as alice reads them.
  std::vector<std::string> Texts() {
    auto r = Call("alice", "POST", "/channels/messaging/pg/query",
                  R"({"state":true,"messages":{"limit":300}})");
    EXPECT_EQ(r.status / 100, 2) << r.body;
    std::vector<std::string> texts;
    if (r.status / 100 != 2) return texts;
    for (const auto& m : r.obj().at("messages").as_array()) {
      texts.emplace_back(m.at("text").as_string());
    }
    return texts;
  }

  void CreateChat() {
    auto r = Call("", "POST", "/users",
                  R"({"users":{"alice":{"id":"alice","name":"Alice"},"bob":{"id":"bob"}}})");
    ASSERT_EQ(r.status / 100, 2) << r.body;
    r = Call("", "POST", "/channels/messaging/pg/query",
             R"({"data":{"created_by_id":"alice","members":["alice","bob"]}})");
    ASSERT_EQ(r.status / 100, 2) << r.body;
  }

  ScratchSchema schema_{/*own_role=*/true};
  EddyProcess eddy_;
  std::unique_ptr<HttpClient> http_;
};

TEST_F(PostgresFlowTest, MessagesSurviveARestartOfEddy) {
  ASSERT_TRUE(Start());
  ASSERT_FALSE(eddy_.api_key().empty()) << eddy_.stdout_text();
  CreateChat();
  for (const char* text : {"one", "two", "three"}) {
    auto r = Send(text);
    ASSERT_EQ(r.status / 100, 2) << r.body;
  }
  ASSERT_EQ(eddy_.Stop(), 0) << eddy_.stderr_text();

  // The second start finds its app in the database: it creates no new one.
  ASSERT_TRUE(Start());
  auto r = Call("bob", "POST", "/channels/messaging/pg/query", R"({"state":true})");
  ASSERT_EQ(r.status / 100, 2) << r.body;
  EXPECT_EQ(r.obj().at("channel").at("member_count"), 2);
  EXPECT_EQ(Texts(), (std::vector<std::string>{"one", "two", "three"}));
  EXPECT_EQ(eddy_.stdout_text().find("api secret"), eddy_.stdout_text().rfind("api secret"))
      << "a second default app was created";
}

TEST_F(PostgresFlowTest, OutageFailsRequestsWithAnEnvelopeAndLosesNoAcknowledgedMessage) {
  ASSERT_TRUE(Start());
  CreateChat();
  std::vector<std::string> acknowledged;
  auto send = [&](const std::string& text) {
    auto r = Send(text);
    if (r.status / 100 == 2) acknowledged.push_back(text);
    return r;
  };
  ASSERT_EQ(send("before").status / 100, 2);

  // PostgreSQL goes away for eddy: its sessions end and new ones are refused.
  ASSERT_TRUE(schema_.AllowLogin(false).ok());
  ASSERT_GE(schema_.TerminateSessions(), 1);
  for (int i = 0; i < 3; ++i) {
    auto r = send("during " + std::to_string(i));
    EXPECT_EQ(r.status / 100, 5) << r.body;
    ASSERT_TRUE(r.json.is_object()) << r.body;
    EXPECT_TRUE(r.obj().contains("code")) << r.body;
    EXPECT_TRUE(r.obj().contains("message")) << r.body;
    EXPECT_EQ(r.obj().at("StatusCode"), r.status) << r.body;
  }

  // Back: requests succeed again without restarting eddy.
  ASSERT_TRUE(schema_.AllowLogin(true).ok());
  for (int i = 0; i < 5; ++i) {
    auto r = send("after " + std::to_string(i));
    EXPECT_EQ(r.status / 100, 2) << r.body;
  }
  std::vector<std::string> texts = Texts();
  std::set<std::string> stored(texts.begin(), texts.end());
  for (const std::string& text : acknowledged) EXPECT_TRUE(stored.count(text)) << text;
  EXPECT_EQ(acknowledged.size(), 6u);
}

}  // namespace
}  // namespace eddy::testing
