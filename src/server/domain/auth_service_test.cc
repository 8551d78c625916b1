#include "server/domain/auth_service.h"

#include <gtest/gtest.h>

#include <vector>

#include "protocol/jwt.h"

namespace eddy::server {
namespace {

constexpr std::int64_t kNowSeconds = 1795835000;
constexpr Micros kNow = kNowSeconds * 1'000'000;

App TestApp() {
  App app;
  app.api_key = "key123";
  app.api_secret = "secret456";
  return app;
}

std::string UserToken(std::string_view id, std::optional<std::int64_t> iat = std::nullopt,
                      std::optional<std::int64_t> exp = std::nullopt) {
  return protocol::CreateUserToken(id, exp, iat, "secret456");
}

std::string Signed(std::string_view payload_json) {
  return protocol::SignJwt(ParseJsonObject(payload_json).value(), "secret456");
}

AuthRequest Jwt(std::string_view token, std::string_view claimed = "") {
  return AuthRequest{"jwt", token, claimed, kNow};
}

void ExpectError(const Result<Identity>& r, ErrorCode code, std::string_view fragment = "") {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, code) << r.error().message;
  EXPECT_EQ(r.error().http_status, 401);
  EXPECT_NE(r.error().message.find(fragment), std::string::npos) << r.error().message;
}

// A UserLookup over one optional user that records the ids it was asked for.
struct FakeUsers {
  std::optional<User> user;
  std::optional<Error> error;
  std::vector<std::string> asked;

  UserLookup Lookup() {
    return [this](std::string_view id) -> Result<std::optional<User>> {
      asked.emplace_back(id);
      if (error) return *error;
      return user;
    };
  }
};

User StoredUser(std::string id) {
  User u;
  u.id = std::move(id);
  return u;
}

void SetAppRevocation(App& app, std::string iso) {
  app.settings["revoke_tokens_issued_before"] = iso;
}

// --- auth types ---

TEST(AuthServiceTest, AnonymousNeedsNoTokenAndKeepsClaimedId) {
  auto r = AuthenticateToken(TestApp(), AuthRequest{"anonymous", "", "anon-uuid", kNow});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, Identity::Kind::kAnonymous);
  EXPECT_EQ(r->user_id, "anon-uuid");
  EXPECT_FALSE(r->iat.has_value());
}

TEST(AuthServiceTest, AnonymousWithoutUserIdAndWithJunkToken) {
  // POST /guest sends no user_id; an Authorization value is irrelevant for anonymous calls.
  auto r = AuthenticateToken(TestApp(), AuthRequest{"Anonymous", "garbage", "", kNow});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, Identity::Kind::kAnonymous);
  EXPECT_EQ(r->user_id, "");
}

TEST(AuthServiceTest, UnknownAuthTypeIsRejected) {
  ExpectError(AuthenticateToken(TestApp(), AuthRequest{"basic", UserToken("u1"), "", kNow}),
              ErrorCode::kAuthentication, "stream-auth-type");
}

TEST(AuthServiceTest, MissingTokenIsCode5) {
  ExpectError(AuthenticateToken(TestApp(), Jwt("")), ErrorCode::kAuthentication, "missing");
  ExpectError(AuthenticateToken(TestApp(), AuthRequest{"", "", "u1", kNow}),
              ErrorCode::kAuthentication, "missing");
}

TEST(AuthServiceTest, EmptyAuthTypeMeansJwt) {
  auto r = AuthenticateToken(TestApp(), AuthRequest{"", UserToken("u1"), "u1", kNow});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, Identity::Kind::kUser);
  EXPECT_EQ(AuthenticateToken(TestApp(), AuthRequest{"JWT", UserToken("u1"), "", kNow})->kind,
            Identity::Kind::kUser);
}

// --- server and user tokens ---

TEST(AuthServiceTest, ServerToken) {
  auto r = AuthenticateToken(TestApp(), Jwt(protocol::CreateServerToken("secret456")));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->kind, Identity::Kind::kServer);
  EXPECT_EQ(r->user_id, "");
}

TEST(AuthServiceTest, ServerTokenMayNameAnyUser) {
  // Server-side helpers such as getDevices(userId) pass user_id as a query parameter.
  auto r = AuthenticateToken(TestApp(), Jwt(protocol::CreateServerToken("secret456"), "u9"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, Identity::Kind::kServer);
}

TEST(AuthServiceTest, ServerWinsOverUserIdInTheSameToken) {
  auto r = AuthenticateToken(TestApp(), Jwt(Signed(R"({"server":true,"user_id":"u1"})")));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, Identity::Kind::kServer);
}

TEST(AuthServiceTest, UserTokenWithIat) {
  auto r = AuthenticateToken(TestApp(), Jwt(UserToken("u1", kNowSeconds - 10), "u1"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->kind, Identity::Kind::kUser);
  EXPECT_EQ(r->user_id, "u1");
  EXPECT_EQ(r->iat, kNowSeconds - 10);
  EXPECT_FALSE(r->dev_token);
}

TEST(AuthServiceTest, FractionalIatIsFloored) {
  auto r = AuthenticateToken(TestApp(), Jwt(Signed(R"({"user_id":"u1","iat":1795834000.9})")));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->iat, 1795834000);
}

TEST(AuthServiceTest, UserTokenWithoutClaimedIdIsAccepted) {
  auto r = AuthenticateToken(TestApp(), Jwt(UserToken("u1")));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->user_id, "u1");
}

TEST(AuthServiceTest, ClaimedUserIdMustMatchToken) {
  ExpectError(AuthenticateToken(TestApp(), Jwt(UserToken("u1"), "u2")), ErrorCode::kAuthentication,
              "the user_id in the token (\"u1\") does not match");
}

TEST(AuthServiceTest, TokenWithoutUserOrServerIsRejected) {
  for (std::string_view payload : {"{}", R"({"server":false})", R"({"server":"true"})",
                                   R"({"user_id":null})", R"({"user_id":""})", R"({"user_id":5})",
                                   R"({"user_id":{"id":"u1"}})", R"({"server":1,"user_id":""})"}) {
    ExpectError(AuthenticateToken(TestApp(), Jwt(Signed(payload))), ErrorCode::kAuthentication);
  }
}

// --- what VerifyJwt rejects surfaces unchanged ---

TEST(AuthServiceTest, WrongSecretNamesTheApiKey) {
  ExpectError(AuthenticateToken(TestApp(), Jwt(protocol::CreateUserToken("u1", {}, {}, "nope"))),
              ErrorCode::kTokenSignatureInvalid, "API key \"key123\"");
}

TEST(AuthServiceTest, MalformedTokenIsCode5) {
  ExpectError(AuthenticateToken(TestApp(), Jwt("not-a-jwt")), ErrorCode::kAuthentication);
}

TEST(AuthServiceTest, TimeClaimsUseNowInSeconds) {
  ExpectError(AuthenticateToken(TestApp(), Jwt(UserToken("u1", {}, kNowSeconds - 1))),
              ErrorCode::kTokenExpired);
  // Still within the second of exp: now is floored, not rounded.
  EXPECT_TRUE(AuthenticateToken(TestApp(), AuthRequest{"jwt", UserToken("u1", {}, kNowSeconds), "",
                                                       kNow + 999'999})
                  .ok());
  ExpectError(AuthenticateToken(TestApp(), Jwt(UserToken("u1", kNowSeconds + 60))),
              ErrorCode::kTokenUsedBeforeIssuedAt);
  ExpectError(AuthenticateToken(TestApp(), Jwt(Signed(R"({"user_id":"u1","nbf":1795835100})"))),
              ErrorCode::kTokenNotValidYet);
}

// --- dev tokens ---

TEST(AuthServiceTest, DevTokenRejectedUnlessAuthChecksDisabled) {
  ExpectError(AuthenticateToken(TestApp(), Jwt(protocol::CreateDevToken("u1"))),
              ErrorCode::kAuthentication, "development tokens are not allowed");
}

TEST(AuthServiceTest, DevTokenAcceptedWhenAuthChecksDisabled) {
  App app = TestApp();
  app.settings["disable_auth_checks"] = true;
  auto r = AuthenticateToken(app, Jwt(protocol::CreateDevToken("u1"), "u1"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->kind, Identity::Kind::kUser);
  EXPECT_EQ(r->user_id, "u1");
  EXPECT_TRUE(r->dev_token);
  ExpectError(AuthenticateToken(app, Jwt(protocol::CreateDevToken("u1"), "u2")),
              ErrorCode::kAuthentication, "does not match");
  // Signed tokens are still verified.
  ExpectError(AuthenticateToken(app, Jwt(protocol::CreateUserToken("u1", {}, {}, "nope"))),
              ErrorCode::kTokenSignatureInvalid);
}

// --- app-level revocation ---

TEST(AuthServiceTest, AppRevocationRejectsTokensWithoutIat) {
  App app = TestApp();
  SetAppRevocation(app, "2026-01-01T00:00:00Z");
  ExpectError(AuthenticateToken(app, Jwt(UserToken("u1"))), ErrorCode::kTokenExpired, "revoked");
}

TEST(AuthServiceTest, AppRevocationComparesIat) {
  App app = TestApp();
  // 1795834000 = 2026-11-28T02:46:40Z
  SetAppRevocation(app, "2026-11-28T02:46:40Z");
  ExpectError(AuthenticateToken(app, Jwt(UserToken("u1", 1795833999))), ErrorCode::kTokenExpired);
  EXPECT_TRUE(AuthenticateToken(app, Jwt(UserToken("u1", 1795834000))).ok());
  EXPECT_TRUE(AuthenticateToken(app, Jwt(UserToken("u1", 1795834001))).ok());
}

TEST(AuthServiceTest, AppRevocationWithinTheSameSecondKeepsFreshTokens) {
  App app = TestApp();
  SetAppRevocation(app, "2026-11-28T02:46:40.750Z");
  EXPECT_TRUE(AuthenticateToken(app, Jwt(UserToken("u1", 1795834000))).ok());
  ExpectError(AuthenticateToken(app, Jwt(UserToken("u1", 1795833999))), ErrorCode::kTokenExpired);
}

TEST(AuthServiceTest, AppRevocationAppliesToDevTokens) {
  App app = TestApp();
  app.settings["disable_auth_checks"] = true;
  SetAppRevocation(app, "2026-01-01T00:00:00Z");
  ExpectError(AuthenticateToken(app, Jwt(protocol::CreateDevToken("u1"))),
              ErrorCode::kTokenExpired);
}

TEST(AuthServiceTest, AppRevocationSparesServerTokens) {
  App app = TestApp();
  SetAppRevocation(app, "2026-11-28T02:46:40Z");
  auto r = AuthenticateToken(app, Jwt(protocol::CreateServerToken("secret456")));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, Identity::Kind::kServer);
}

TEST(AuthServiceTest, UnparseableAppRevocationIsIgnored) {
  App app = TestApp();
  SetAppRevocation(app, "yesterday");
  EXPECT_TRUE(AuthenticateToken(app, Jwt(UserToken("u1"))).ok());
}

// --- the stored user ---

TEST(AuthServiceTest, UnknownUserIsAccepted) {
  FakeUsers users;
  auto r = Authenticate(TestApp(), Jwt(UserToken("u1"), "u1"), users.Lookup());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(users.asked, std::vector<std::string>{"u1"});
}

TEST(AuthServiceTest, ActiveUserIsAccepted) {
  FakeUsers users{StoredUser("u1"), std::nullopt, {}};
  EXPECT_TRUE(Authenticate(TestApp(), Jwt(UserToken("u1")), users.Lookup()).ok());
}

TEST(AuthServiceTest, DeactivatedUserIsRejected) {
  FakeUsers users{StoredUser("u1"), std::nullopt, {}};
  users.user->deactivated_at = kNow - 1;
  auto r = Authenticate(TestApp(), Jwt(UserToken("u1")), users.Lookup());
  ExpectError(r, ErrorCode::kAuthentication, "deactivated");
}

TEST(AuthServiceTest, DeletedUserIsRejected) {
  FakeUsers users{StoredUser("u1"), std::nullopt, {}};
  users.user->deleted_at = kNow - 1;
  users.user->deactivated_at = kNow - 2;
  ExpectError(Authenticate(TestApp(), Jwt(UserToken("u1")), users.Lookup()),
              ErrorCode::kAuthentication, "deleted");
}

TEST(AuthServiceTest, DeactivationWinsOverRevocation) {
  // A 40 would send the SDK into a token refresh that can never help.
  FakeUsers users{StoredUser("u1"), std::nullopt, {}};
  users.user->deactivated_at = kNow - 1;
  users.user->revoke_tokens_issued_before = kNow;
  ExpectError(Authenticate(TestApp(), Jwt(UserToken("u1")), users.Lookup()),
              ErrorCode::kAuthentication, "deactivated");
}

TEST(AuthServiceTest, UserRevocation) {
  FakeUsers users{StoredUser("u1"), std::nullopt, {}};
  users.user->revoke_tokens_issued_before = (kNowSeconds - 100) * 1'000'000 + 500'000;
  ExpectError(Authenticate(TestApp(), Jwt(UserToken("u1")), users.Lookup()),
              ErrorCode::kTokenExpired, "user's revoke_tokens_issued_before");
  ExpectError(Authenticate(TestApp(), Jwt(UserToken("u1", kNowSeconds - 101)), users.Lookup()),
              ErrorCode::kTokenExpired);
  EXPECT_TRUE(
      Authenticate(TestApp(), Jwt(UserToken("u1", kNowSeconds - 100)), users.Lookup()).ok());
  EXPECT_TRUE(Authenticate(TestApp(), Jwt(UserToken("u1", kNowSeconds)), users.Lookup()).ok());
}

TEST(AuthServiceTest, AppRevocationCheckedBeforeLookup) {
  App app = TestApp();
  SetAppRevocation(app, "2026-01-01T00:00:00Z");
  FakeUsers users{StoredUser("u1"), std::nullopt, {}};
  ExpectError(Authenticate(app, Jwt(UserToken("u1")), users.Lookup()), ErrorCode::kTokenExpired,
              "app's");
  EXPECT_TRUE(users.asked.empty());
}

TEST(AuthServiceTest, LookupErrorIsReturned) {
  FakeUsers users;
  users.error = Error::Unavailable("store is down");
  auto r = Authenticate(TestApp(), Jwt(UserToken("u1")), users.Lookup());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, 503);
  EXPECT_EQ(r.error().message, "store is down");
}

TEST(AuthServiceTest, NoLookupForServerOrAnonymous) {
  FakeUsers users;
  users.error = Error::Internal("must not be called");
  EXPECT_TRUE(
      Authenticate(TestApp(), Jwt(protocol::CreateServerToken("secret456")), users.Lookup()).ok());
  EXPECT_TRUE(
      Authenticate(TestApp(), AuthRequest{"anonymous", "", "a1", kNow}, users.Lookup()).ok());
  EXPECT_TRUE(users.asked.empty());
}

TEST(AuthServiceTest, CheckUserStandingIgnoresNonUsers) {
  User deleted = StoredUser("u1");
  deleted.deleted_at = 1;
  EXPECT_TRUE(CheckUserStanding(Identity{Identity::Kind::kServer, "", {}, false}, deleted).ok());
  EXPECT_TRUE(
      CheckUserStanding(Identity{Identity::Kind::kAnonymous, "u1", {}, false}, deleted).ok());
  EXPECT_FALSE(CheckUserStanding(Identity{Identity::Kind::kUser, "u1", {}, false}, deleted).ok());
  EXPECT_TRUE(
      CheckUserStanding(Identity{Identity::Kind::kUser, "u1", {}, false}, std::nullopt).ok());
}

// --- actors ---

TEST(AuthServiceTest, ToActor) {
  Actor server = ToActor(Identity{Identity::Kind::kServer, "", {}, false});
  EXPECT_TRUE(server.server);
  EXPECT_FALSE(server.anonymous);

  Actor user = ToActor(Identity{Identity::Kind::kUser, "u1", 5, false});
  EXPECT_FALSE(user.server);
  EXPECT_EQ(user.user_id, "u1");
  EXPECT_FALSE(user.anonymous);

  Actor anon = ToActor(Identity{Identity::Kind::kAnonymous, "a1", {}, false});
  EXPECT_FALSE(anon.server);
  EXPECT_EQ(anon.user_id, "a1");
  EXPECT_TRUE(anon.anonymous);
}

}  // namespace
}  // namespace eddy::server
