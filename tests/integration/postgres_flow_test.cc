// The real eddy binary on PostgreSQL (the CTest fixture `postgres`): a short chat survives a
// restart of eddy on the same database, and a PostgreSQL outage fails requests with a 5xx
// error envelope, loses no acknowledged message, and ends by itself when the server is back.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "eddy/client.h"
#include "integration/harness.h"
#include "integration/sdk_errors.h"
#include "server/storage/postgres/postgres_test_schema.h"

namespace eddy::testing {
namespace {

using server::pgtest::ScratchSchema;

class PostgresFlowTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(schema_.error(), ""); }

  bool Start() {
    apps_.clear();  // the SDK clients of a previous start
    sdk_.reset();
    return eddy_.Start({"--store", schema_.url(), "--store-pool-size", "2"});
  }

  std::string Url() { return "http://127.0.0.1:" + std::to_string(eddy_.port()); }

  // The backend's SDK client.
  client::ServerClient& Sdk() {
    if (!sdk_)
      sdk_ = std::make_unique<client::ServerClient>(Url(), eddy_.api_key(), eddy_.api_secret());
    return *sdk_;
  }

  // `user`'s SDK app in the pg channel, connected on first use (kept until the next Start).
  client::ChannelHandle Chat(const std::string& user) {
    auto& app = apps_[user];
    if (!app) {
      app = std::make_unique<client::ChatClient>(Url(), eddy_.api_key());
      client::User u;
      u.id = user;
      app->ConnectUser(u, Sdk().CreateToken(user));
    }
    return app->GetChannel("messaging", "pg");
  }

  // alice sends `text`; returns the refusal if the server did not acknowledge it.
  std::optional<client::ApiError> Send(const std::string& text) {
    return ApiErrorOf([&] { Chat("alice").SendMessage(text); });
  }

  // The texts of the channel's newest messages, oldest first, as alice reads them.
  std::vector<std::string> Texts() {
    std::vector<std::string> texts;
    for (const auto& m :
         Chat("alice").Query({{"state", true}, {"messages", {{"limit", 300}}}}).messages)
      texts.push_back(m.text);
    return texts;
  }

  void CreateChat() {
    client::User alice, bob;
    alice.id = "alice";
    alice.name = "Alice";
    bob.id = "bob";
    Sdk().UpsertUsers({alice, bob});
    Sdk().CreateChannel("messaging", "pg", "alice", {"alice", "bob"});
  }

  ScratchSchema schema_{/*own_role=*/true};
  EddyProcess eddy_;
  std::unique_ptr<client::ServerClient> sdk_;
  std::map<std::string, std::unique_ptr<client::ChatClient>> apps_;
};

TEST_F(PostgresFlowTest, MessagesSurviveARestartOfEddy) {
  ASSERT_TRUE(Start());
  ASSERT_FALSE(eddy_.api_key().empty()) << eddy_.stdout_text();
  CreateChat();
  for (const char* text : {"one", "two", "three"}) {
    auto refused = Send(text);
    ASSERT_FALSE(refused.has_value()) << refused->what();
  }
  ASSERT_EQ(eddy_.Stop(), 0) << eddy_.stderr_text();

  // The second start finds its app in the database: it creates no new one.
  ASSERT_TRUE(Start());
  client::ChannelState state = Chat("bob").Query({{"state", true}});
  EXPECT_EQ(state.channel.member_count, 2);
  EXPECT_EQ(Texts(), (std::vector<std::string>{"one", "two", "three"}));
  EXPECT_EQ(eddy_.stdout_text().find("api secret"), eddy_.stdout_text().rfind("api secret"))
      << "a second default app was created";
}

TEST_F(PostgresFlowTest, OutageFailsRequestsWithAnEnvelopeAndLosesNoAcknowledgedMessage) {
  ASSERT_TRUE(Start());
  CreateChat();
  std::vector<std::string> acknowledged;
  auto send = [&](const std::string& text) {
    auto refused = Send(text);
    if (!refused) acknowledged.push_back(text);
    return refused;
  };
  ASSERT_FALSE(send("before").has_value());

  // PostgreSQL goes away for eddy: its sessions end and new ones are refused.
  ASSERT_TRUE(schema_.AllowLogin(false).ok());
  ASSERT_GE(schema_.TerminateSessions(), 1);
  for (int i = 0; i < 3; ++i) {
    auto refused = send("during " + std::to_string(i));
    ASSERT_TRUE(refused.has_value()) << "acknowledged during the outage";
    EXPECT_EQ(refused->status_code() / 100, 5) << refused->what();
    // The server's envelope (its StatusCode is what status_code() holds): code -1
    // (InternalSystemError, §1.4), not a network error, and the server's message.
    EXPECT_EQ(refused->code(), -1);
    EXPECT_FALSE(refused->network_error());
    EXPECT_NE(refused->message().find("store unavailable"), std::string::npos) << refused->what();
  }

  // Back: requests succeed again without restarting eddy.
  ASSERT_TRUE(schema_.AllowLogin(true).ok());
  for (int i = 0; i < 5; ++i) {
    auto refused = send("after " + std::to_string(i));
    EXPECT_FALSE(refused.has_value()) << refused->what();
  }
  std::vector<std::string> texts = Texts();
  std::set<std::string> stored(texts.begin(), texts.end());
  for (const std::string& text : acknowledged) EXPECT_TRUE(stored.count(text)) << text;
  EXPECT_EQ(acknowledged.size(), 6u);
}

}  // namespace
}  // namespace eddy::testing
