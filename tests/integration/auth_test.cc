// REST authentication over real sockets (protocol §2.3).
#include <openssl/hmac.h>

#include "integration/fixture.h"
#include "protocol/base64.h"

namespace eddy::testing {
namespace {

class AuthTest : public EddyTest {
 protected:
  HttpResult GetUsersWith(const std::string& token, const std::string& user_id,
                          const std::string& api_key) {
    Params p = {{"api_key", api_key}};
    if (!user_id.empty()) p.push_back({"user_id", user_id});
    Headers h = {{"stream-auth-type", "jwt"}};
    if (!token.empty()) h.push_back({"Authorization", token});
    return http().Request("GET", Target("/users", p), "", h);
  }

  void ExpectError(const HttpResult& r, int status, int code) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.code(), code) << r.body;
    ASSERT_TRUE(r.json.is_object()) << r.body;
    EXPECT_EQ(r.obj().at("StatusCode"), status);
    EXPECT_TRUE(r.obj().at("message").is_string());
    EXPECT_TRUE(r.obj().at("duration").is_string());
  }

  // GET /users through the SDK, connected as `user` with `token` exactly.
  static json::object GetUsersAs(const std::string& user, const std::string& token) {
    client::ChatClient app(BaseUrl(), key());
    app.ConnectUser(SdkUser(user), token);
    return app.Request("GET", "/users");
  }
};

// HS256 computed here with OpenSSL directly, independent of eddy's own JWT code.
std::string IndependentHs256(const std::string& header_payload, const std::string& secret) {
  unsigned char mac[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(header_payload.data()), header_payload.size(), mac,
       &len);
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  int val = 0, bits = -6;
  for (unsigned i = 0; i < len; ++i) {
    val = (val << 8) + mac[i];
    bits += 8;
    while (bits >= 0) {
      out.push_back(kAlphabet[(val >> bits) & 0x3F]);
      bits -= 6;
    }
  }
  if (bits > -6) out.push_back(kAlphabet[((val << 8) >> (bits + 8)) & 0x3F]);
  return out;
}

TEST_F(AuthTest, TokenMintedWithTheAppSecretIsAccepted) {
  std::string token = UserToken("u1");
  // Same construction as the §11 vector: fixed header, compact payload, base64url HS256.
  EXPECT_EQ(token.substr(0, token.rfind('.')),
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyX2lkIjoidTEifQ");
  EXPECT_EQ(token.substr(token.rfind('.') + 1),
            IndependentHs256(token.substr(0, token.rfind('.')), secret()));
  json::object r = GetUsersAs("u1", token);
  EXPECT_TRUE(r.at("users").is_array());
  EXPECT_TRUE(r.at("duration").is_string());
}

TEST_F(AuthTest, CliTokenIsSignedWithTheAppSecret) {
  int rc = -1;
  std::string out = server().RunCli({"token", "--user", "cli-user", "--ttl", "1h"}, &rc);
  ASSERT_EQ(rc, 0);
  std::string token = out.substr(0, out.find('\n'));
  EXPECT_EQ(token.substr(token.rfind('.') + 1),
            IndependentHs256(token.substr(0, token.rfind('.')), secret()));
  EXPECT_NO_THROW(GetUsersAs("cli-user", token));
}

TEST_F(AuthTest, ServerTokenIsAccepted) {
  // The SDK's ServerClient signs with protocol::CreateServerToken, i.e. ServerToken().
  EXPECT_TRUE(sdk().Request("GET", "/users").at("users").is_array());
}

TEST_F(AuthTest, MissingOrUnknownApiKeyIsCode2) {
  ExpectError(GetUsersWith(ServerToken(), "", "unknown"), 401, 2);
  auto r = http().Request("GET", "/users", "", {{"Authorization", ServerToken()}});
  ExpectError(r, 401, 2);
}

TEST_F(AuthTest, MissingTokenIsCode5) { ExpectError(GetUsersWith("", "u1", key()), 401, 5); }

TEST_F(AuthTest, BadSignatureIsCode43) {
  ExpectError(GetUsersWith(protocol::CreateUserToken("u1", {}, {}, "wrong"), "u1", key()), 401, 43);
}

TEST_F(AuthTest, TimeClaimsAreChecked) {
  ExpectError(GetUsersWith(UserToken("u1", Now() - 10), "u1", key()), 401, 40);
  ExpectError(GetUsersWith(UserToken("u1", {}, Now() + 3600), "u1", key()), 401, 42);
  json::object nbf{{"user_id", "u1"}, {"nbf", Now() + 3600}};
  ExpectError(GetUsersWith(protocol::SignJwt(nbf, secret()), "u1", key()), 401, 41);
}

TEST_F(AuthTest, AlgNoneIsRejected) {
  std::string header = protocol::Base64UrlEncode(R"({"alg":"none","typ":"JWT"})");
  std::string payload = protocol::Base64UrlEncode(R"({"server":true})");
  auto r = GetUsersWith(header + "." + payload + ".", "", key());
  EXPECT_EQ(r.status, 401) << r.body;
  std::string hs512 = protocol::Base64UrlEncode(R"({"alg":"HS512","typ":"JWT"})");
  r = GetUsersWith(hs512 + "." + payload + "." + protocol::Base64UrlEncode("x"), "", key());
  EXPECT_EQ(r.status, 401) << r.body;
}

TEST_F(AuthTest, TokenUserMustMatchUserIdParam) {
  auto r = GetUsersWith(UserToken("alice"), "bob", key());
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_EQ(r.code(), 5);
}

TEST_F(AuthTest, ServerOnlyEndpointRefusesUserTokens) {
  const json::object body{{"disable_auth_checks", true}};
  client::ApiError e = Refused([&] { App("u1").Request("PATCH", "/app", &body); });
  EXPECT_EQ(e.status_code(), 403) << e.what();
  EXPECT_EQ(e.code(), 17) << e.what();
}

}  // namespace
}  // namespace eddy::testing
