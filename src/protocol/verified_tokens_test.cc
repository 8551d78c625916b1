// Remembered tokens give VerifyJwt's answers: a token counts only with the secret that signed
// it, its time claims are checked at every use, a changed token is checked afresh, and dev
// tokens are never remembered.
#include "protocol/verified_tokens.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "protocol/jwt.h"

namespace eddy::protocol {
namespace {

constexpr std::string_view kSecret = "secret456";
constexpr std::int64_t kNow = 1795835000;

TEST(VerifiedTokensTest, ASecondUseIsAnsweredFromTheTableWithTheSamePayload) {
  VerifiedTokens tokens(8);
  const std::string token = CreateUserToken("leia", kNow + 60, kNow, kSecret);
  auto first = tokens.Verify(token, kSecret, false, kNow);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(tokens.hits(), 0u);
  auto second = tokens.Verify(token, kSecret, false, kNow);
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(tokens.hits(), 1u);
  EXPECT_EQ(*second, *first);
  EXPECT_EQ((*second).at("user_id").as_string(), "leia");
}

TEST(VerifiedTokensTest, ARememberedTokenIsRejectedWithAnotherSecret) {
  VerifiedTokens tokens(8);
  const std::string token = CreateServerToken(kSecret);
  ASSERT_TRUE(tokens.Verify(token, kSecret, false, kNow).ok());
  auto rotated = tokens.Verify(token, "a-new-secret", false, kNow, "key123");
  ASSERT_FALSE(rotated.ok());
  EXPECT_EQ(rotated.error().code, ErrorCode::kTokenSignatureInvalid);
  EXPECT_EQ(tokens.hits(), 0u);
  // The old secret's entry was not replaced by the failure.
  EXPECT_TRUE(tokens.Verify(token, kSecret, false, kNow).ok());
  EXPECT_EQ(tokens.hits(), 1u);
}

TEST(VerifiedTokensTest, TimeClaimsAreCheckedAtEveryUse) {
  VerifiedTokens tokens(8);
  const std::string token = CreateUserToken("leia", kNow + 10, std::nullopt, kSecret);
  ASSERT_TRUE(tokens.Verify(token, kSecret, false, kNow).ok());
  auto later = tokens.Verify(token, kSecret, false, kNow + 11);
  ASSERT_FALSE(later.ok());
  EXPECT_EQ(later.error().code, ErrorCode::kTokenExpired);
  EXPECT_EQ(later.error().http_status, 401);
  EXPECT_EQ(tokens.hits(), 1u);  // found, then refused
}

TEST(VerifiedTokensTest, EveryChangeOfARememberedTokenIsCheckedAfresh) {
  VerifiedTokens tokens(2);  // one set: every token lands beside the remembered one
  const std::string token = CreateUserToken("leia", std::nullopt, std::nullopt, kSecret);
  ASSERT_TRUE(tokens.Verify(token, kSecret, false, kNow).ok());
  for (std::size_t i = 0; i < token.size(); ++i) {
    std::string changed = token;
    changed[i] = changed[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(tokens.Verify(changed, kSecret, false, kNow).ok()) << "position " << i;
  }
  EXPECT_FALSE(tokens.Verify(token + "A", kSecret, false, kNow).ok());
  EXPECT_FALSE(tokens.Verify(token.substr(0, token.size() - 1), kSecret, false, kNow).ok());
  EXPECT_EQ(tokens.hits(), 0u);
  EXPECT_TRUE(tokens.Verify(token, kSecret, false, kNow).ok());
  EXPECT_EQ(tokens.hits(), 1u);
}

TEST(VerifiedTokensTest, TwoTokensOfOneSetAreBothRememberedAndTheLessRecentGoesFirst) {
  VerifiedTokens tokens(2);  // one set of two
  const std::string a = CreateUserToken("a", std::nullopt, std::nullopt, kSecret);
  const std::string b = CreateUserToken("b", std::nullopt, std::nullopt, kSecret);
  const std::string c = CreateUserToken("c", std::nullopt, std::nullopt, kSecret);
  ASSERT_TRUE(tokens.Verify(a, kSecret, false, kNow).ok());
  ASSERT_TRUE(tokens.Verify(b, kSecret, false, kNow).ok());
  ASSERT_TRUE(tokens.Verify(a, kSecret, false, kNow).ok());
  ASSERT_TRUE(tokens.Verify(b, kSecret, false, kNow).ok());
  EXPECT_EQ(tokens.hits(), 2u);
  ASSERT_TRUE(tokens.Verify(a, kSecret, false, kNow).ok());  // b is now the less recent
  ASSERT_TRUE(tokens.Verify(c, kSecret, false, kNow).ok());  // replaces b
  ASSERT_TRUE(tokens.Verify(a, kSecret, false, kNow).ok());
  EXPECT_EQ(tokens.hits(), 4u);
  ASSERT_TRUE(tokens.Verify(b, kSecret, false, kNow).ok());  // checked afresh
  EXPECT_EQ(tokens.hits(), 4u);
}

TEST(VerifiedTokensTest, DevTokensAreNeverRemembered) {
  VerifiedTokens tokens(8);
  const std::string token = CreateDevToken("leia");
  ASSERT_TRUE(tokens.Verify(token, kSecret, true, kNow).ok());
  auto refused = tokens.Verify(token, kSecret, false, kNow);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kAuthentication);
  EXPECT_EQ(tokens.hits(), 0u);
}

TEST(VerifiedTokensTest, ConcurrentUsersOfSharedSlotsGetTheirOwnPayloads) {
  VerifiedTokens tokens(4);  // room for fewer tokens than are used: they replace each other
  std::vector<std::string> users, issued;
  for (int i = 0; i < 16; ++i) {
    users.push_back("user-" + std::to_string(i));
    issued.push_back(CreateUserToken(users.back(), std::nullopt, std::nullopt, kSecret));
  }
  std::vector<int> wrong(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 500; ++round) {
        const std::size_t i = static_cast<std::size_t>(round * 7 + t) % issued.size();
        auto r = tokens.Verify(issued[i], kSecret, false, kNow);
        if (!r.ok() || r->at("user_id").as_string() != users[i]) ++wrong[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(wrong[t], 0) << "thread " << t;
  EXPECT_GT(tokens.hits(), 0u);
}

}  // namespace
}  // namespace eddy::protocol
