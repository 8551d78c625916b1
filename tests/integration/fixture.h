// Shared fixture: one eddy process per test suite, plus helpers to call it the way the
// Stream SDK does (api_key and user_id query params, raw JWT in Authorization).
#pragma once

#include <gtest/gtest.h>

#include <ctime>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "eddy/client.h"
#include "integration/harness.h"
#include "integration/http_client.h"
#include "integration/sdk_errors.h"
#include "protocol/jwt.h"

namespace eddy::testing {

class EddyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new EddyProcess();
    ASSERT_TRUE(server_->Start());
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  static EddyProcess& server() { return *server_; }
  static int port() { return server_->port(); }
  static const std::string& key() { return server_->api_key(); }
  static const std::string& secret() { return server_->api_secret(); }

  static std::int64_t Now() { return static_cast<std::int64_t>(std::time(nullptr)); }
  static std::string ServerToken() { return protocol::CreateServerToken(secret()); }
  static std::string UserToken(const std::string& user, std::optional<std::int64_t> exp = {},
                               std::optional<std::int64_t> iat = {}) {
    return protocol::CreateUserToken(user, exp, iat, secret());
  }

  // A server-side call (secret-holding backend).
  HttpResult AsServer(const std::string& method, const std::string& path,
                      const std::string& body = "", Params params = {}) {
    params.insert(params.begin(), {"api_key", key()});
    return http().Request(method, Target(path, params), body,
                          {{"Authorization", ServerToken()}, {"stream-auth-type", "jwt"}});
  }
  // A client-side call by `user` with a valid token.
  HttpResult AsUser(const std::string& user, const std::string& method, const std::string& path,
                    const std::string& body = "", Params params = {}) {
    params.insert(params.begin(), {"user_id", user});
    params.insert(params.begin(), {"api_key", key()});
    return http().Request(method, Target(path, params), body,
                          {{"Authorization", UserToken(user)}, {"stream-auth-type", "jwt"}});
  }

  // The WebSocket target of §3.1.
  std::string ConnectTarget(const std::string& user, const std::string& token,
                            const std::string& details = "", const std::string& auth_type = "jwt",
                            std::optional<std::string> api_key = {}) {
    std::string user_details = details.empty() ? R"({"id":")" + user + R"("})" : details;
    std::string json_param = R"({"user_id":")" + user + R"(","user_details":)" + user_details +
                             R"(,"client_request_id":"8c2e6d8a-0c4f-4d8e-9c55-1f1f2b7f7a11"})";
    return Target("/connect", {{"json", json_param},
                               {"api_key", api_key.value_or(key())},
                               {"authorization", token},
                               {"stream-auth-type", auth_type},
                               {"X-Stream-Client", "eddy-tests"}});
  }

  // The C++ SDK's backend client for this server: happy-path tests go through it, so every
  // server test also exercises the SDK (raw HttpClient calls stay for hostile input).
  client::ServerClient& sdk() {
    if (!sdk_) sdk_ = std::make_unique<client::ServerClient>(BaseUrl(), key(), secret());
    return *sdk_;
  }
  static std::string BaseUrl() { return "http://127.0.0.1:" + std::to_string(port()); }
  static client::User SdkUser(const std::string& id, const std::string& name = "") {
    client::User u;
    u.id = id;
    u.name = name;
    return u;
  }

  // The C++ SDK's user client, connected as `user` (created on first use, kept for the test):
  // the happy path of client-side calls goes through it. Connecting upserts the user (id
  // only) and makes it online, like the app it stands for.
  client::ChatClient& App(const std::string& user) {
    auto& app = apps_[user];
    if (!app) {
      app = std::make_unique<client::ChatClient>(BaseUrl(), key());
      app->ConnectUser(SdkUser(user), UserToken(user));
    }
    return *app;
  }

  // The ApiError an SDK call throws (code 0 and a test failure if it succeeds).
  template <typename F>
  static client::ApiError Refused(F&& call) {
    if (std::optional<client::ApiError> e = ApiErrorOf(call)) return *e;
    ADD_FAILURE() << "the call succeeded";
    return client::ApiError(0, 0, "");
  }

  HttpClient& http() {
    if (!http_) http_ = std::make_unique<HttpClient>(port());
    return *http_;
  }

  static inline EddyProcess* server_ = nullptr;

 private:
  std::unique_ptr<HttpClient> http_;
  std::unique_ptr<client::ServerClient> sdk_;
  std::map<std::string, std::unique_ptr<client::ChatClient>> apps_;
};

}  // namespace eddy::testing
