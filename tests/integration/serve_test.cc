// `eddy serve` as a process: first start, restart, CLI apps, config, graceful stop, logs.
#include <thread>

#include "integration/fixture.h"

namespace eddy::testing {
namespace {

// The SDK's backend client for an app of `eddy` as it runs now (each start has a new port).
client::ServerClient Backend(const EddyProcess& eddy, const std::string& key,
                             const std::string& secret) {
  return client::ServerClient("http://127.0.0.1:" + std::to_string(eddy.port()), key, secret);
}

TEST(ServeTest, FirstStartPrintsCredentialsAndRestartKeepsAppsAndUsers) {
  EddyProcess eddy;
  ASSERT_TRUE(eddy.Start());
  std::string first_out = eddy.stdout_text();
  EXPECT_NE(first_out.find("api key:"), std::string::npos);
  EXPECT_NE(first_out.find("api secret:"), std::string::npos);
  EXPECT_NE(first_out.find("http://127.0.0.1:" + std::to_string(eddy.port())), std::string::npos);
  std::string key = eddy.api_key(), secret = eddy.api_secret();
  ASSERT_FALSE(key.empty());
  ASSERT_FALSE(secret.empty());

  client::User keeper;
  keeper.id = "keeper";
  keeper.name = "Kept";
  keeper.extra["n"] = 1;
  ASSERT_NO_THROW(Backend(eddy, key, secret).UpsertUser(keeper));
  int rc = -1;
  std::string created = eddy.RunCli({"app", "create", "--name", "second", "--json"}, &rc);
  ASSERT_EQ(rc, 0);
  json::object second = json::parse(created).as_object();
  ASSERT_TRUE(second.contains("api_key"));
  ASSERT_TRUE(second.contains("api_secret"));
  std::string key2(second.at("api_key").as_string()), secret2(second.at("api_secret").as_string());
  // An app created while the server runs is usable at once.
  EXPECT_NO_THROW(Backend(eddy, key2, secret2).QueryUsers({}));

  EXPECT_EQ(eddy.Stop(), 0);
  ASSERT_TRUE(eddy.Start());
  EXPECT_EQ(eddy.api_key(), key);  // the default app is not created again
  EXPECT_TRUE(eddy.api_secret().empty() || eddy.api_secret() == secret);
  std::vector<client::User> kept = Backend(eddy, key, secret).QueryUsers({{"id", "keeper"}});
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].name, "Kept");
  EXPECT_NO_THROW(Backend(eddy, key2, secret2).QueryUsers({}));

  std::string list = eddy.RunCli({"app", "list"}, &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_NE(list.find(key), std::string::npos);
  EXPECT_NE(list.find(key2), std::string::npos);
  EXPECT_EQ(list.find(secret), std::string::npos);
}

TEST(ServeTest, GracefulStopClosesWebSocketsWithRestartCode) {
  EddyProcess eddy;
  ASSERT_TRUE(eddy.Start());
  WsClient ws;
  std::string json_param = R"({"user_id":"stopper","user_details":{"id":"stopper"}})";
  ASSERT_TRUE(ws.Connect(
      eddy.port(), Target("/connect", {{"json", json_param},
                                       {"api_key", eddy.api_key()},
                                       {"authorization", protocol::CreateUserToken(
                                                             "stopper", {}, {}, eddy.api_secret())},
                                       {"stream-auth-type", "jwt"}})));
  auto first = ws.ReadJson();
  ASSERT_TRUE(first);
  ASSERT_EQ(first->at("type"), "health.check");
  // A real client keeps reading while the server stops, and answers the close frame.
  std::thread reader([&ws] { EXPECT_FALSE(ws.Read(std::chrono::seconds(15))); });
  EXPECT_EQ(eddy.Stop(), 0);
  reader.join();
  EXPECT_TRUE(ws.close_code() == 1012 || ws.close_code() == 1001) << ws.close_code();
}

TEST(ServeTest, LogsHaveRequestLinesAndNoSecrets) {
  EddyProcess eddy;
  ASSERT_TRUE(eddy.Start({"--log-format", "json"}));
  std::string token = protocol::CreateServerToken(eddy.api_secret());
  // The SDK's server token is this very token (protocol::CreateServerToken).
  EXPECT_NO_THROW(Backend(eddy, eddy.api_key(), eddy.api_secret()).QueryUsers({}));
  HttpClient client(eddy.port());
  client.Request("GET", Target("/users", {{"api_key", eddy.api_key()}}), "",
                 {{"Authorization", protocol::CreateUserToken("x", {}, {}, "wrong-secret")}});
  eddy.Stop();
  std::string logs = eddy.stderr_text();
  EXPECT_NE(logs.find("\"path\":\"/users\""), std::string::npos) << logs;
  EXPECT_NE(logs.find("\"status\":\"401\""), std::string::npos) << logs;
  EXPECT_EQ(logs.find(eddy.api_secret()), std::string::npos);
  EXPECT_EQ(logs.find(token), std::string::npos);
}

TEST(ServeTest, CorsPreflight) {
  EddyProcess eddy;
  ASSERT_TRUE(eddy.Start());
  HttpClient client(eddy.port());
  auto r = client.Request("OPTIONS", "/channels?api_key=" + eddy.api_key(), "",
                          {{"Origin", "http://app.example"},
                           {"Access-Control-Request-Method", "POST"},
                           {"Access-Control-Request-Headers", "authorization,stream-auth-type"}});
  EXPECT_EQ(r.status / 100, 2);
  EXPECT_FALSE(r.Header("Access-Control-Allow-Origin").empty());
  EXPECT_NE(r.Header("Access-Control-Allow-Methods").find("PATCH"), std::string::npos);
  EXPECT_NE(r.Header("Access-Control-Allow-Headers").find("stream-auth-type"), std::string::npos);
}

// Load-balancer probes need no credentials; a single node has no bus to wait for, and a
// node whose Redis is unreachable serves but is not ready.
TEST(ServeTest, HealthAndReadinessWithoutCredentials) {
  EddyProcess eddy;
  ASSERT_TRUE(eddy.Start());
  HttpClient client(eddy.port());
  for (const char* path : {"/healthz", "/readyz"}) {
    auto r = client.Request("GET", path, "", {});
    ASSERT_EQ(r.status, 200) << path << ": " << r.body;
    EXPECT_EQ(r.obj().at("status"), "ok");
    EXPECT_EQ(r.obj().at("store").at("ok"), true);
    EXPECT_EQ(r.obj().at("bus").at("backend"), "none");
  }
  EXPECT_EQ(client.Request("POST", "/healthz", "{}", {}).status, 405);

  EddyProcess cut_off;
  // Nothing listens on port 1: the bus keeps retrying in the background.
  ASSERT_TRUE(cut_off.Start({"--bus", "redis://127.0.0.1:1"}));
  HttpClient other(cut_off.port());
  auto live = other.Request("GET", "/healthz", "", {});
  ASSERT_EQ(live.status, 200) << live.body;
  EXPECT_EQ(live.obj().at("status"), "degraded");
  EXPECT_EQ(live.obj().at("bus").at("connected"), false);
  EXPECT_FALSE(live.obj().at("bus").at("detail").as_string().empty());
  EXPECT_EQ(other.Request("GET", "/readyz", "", {}).status, 503);
  // Its own clients are still served.
  EXPECT_NO_THROW(Backend(cut_off, cut_off.api_key(), cut_off.api_secret()).QueryUsers({}));
  EXPECT_NE(cut_off.stderr_text().find("event bus unreachable"), std::string::npos);
}

TEST(ServeTest, PrintConfigMasksSecretsAndBadConfigListsEveryProblem) {
  EddyProcess eddy;
  int rc = -1;
  std::string out =
      eddy.RunCli({"serve", "--store", "postgres://eddy:hunter2@db/eddy", "--print-config"}, &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_NE(out.find("\"port\""), std::string::npos) << out;
  EXPECT_EQ(out.find("hunter2"), std::string::npos) << out;

  std::string cmd_out =
      eddy.RunCli({"serve", "--port", "notaport", "--log-level", "loud", "--bogus-flag", "1"}, &rc);
  EXPECT_EQ(rc, 2);
  std::string err = eddy.cli_stderr_text();
  EXPECT_NE(err.find("port"), std::string::npos) << err;
  EXPECT_NE(err.find("log"), std::string::npos) << err;
  EXPECT_NE(err.find("bogus"), std::string::npos) << err;
}

}  // namespace
}  // namespace eddy::testing
