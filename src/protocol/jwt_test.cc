#include "protocol/jwt.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <random>
#include <string>
#include <vector>

#include "protocol/base64.h"

namespace eddy::protocol {
namespace {

constexpr std::string_view kSecret = "secret456";
constexpr std::string_view kKey = "key123";
constexpr std::int64_t kNow = 1795835000;

// A token with arbitrary header and payload text, correctly signed: lets tests reach the checks
// that run after signature verification.
std::string Forge(std::string_view header_json, std::string_view payload_json,
                  std::string_view secret = kSecret) {
  std::string input = Base64UrlEncode(header_json) + "." + Base64UrlEncode(payload_json);
  return input + "." + Base64UrlEncode(HmacSha256(secret, input));
}

std::string Hs256(std::string_view payload_json) {
  return Forge(R"({"alg":"HS256","typ":"JWT"})", payload_json);
}

void ExpectAuthError(const Result<json::object>& r, ErrorCode code) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, code) << r.error().message;
  EXPECT_EQ(r.error().http_status, 401);
}

std::string Hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

// --- base64 ---

TEST(Base64Test, Rfc4648Vectors) {
  const std::vector<std::pair<std::string, std::string>> vectors = {{"", ""},
                                                                    {"f", "Zg=="},
                                                                    {"fo", "Zm8="},
                                                                    {"foo", "Zm9v"},
                                                                    {"foob", "Zm9vYg=="},
                                                                    {"fooba", "Zm9vYmE="},
                                                                    {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(Base64Encode(plain), encoded);
    std::string unpadded = encoded.substr(0, encoded.find('='));
    EXPECT_EQ(Base64UrlEncode(plain), unpadded);
    EXPECT_EQ(Base64UrlDecode(unpadded), plain);
    EXPECT_EQ(Base64DecodeLenient(encoded), plain);
    EXPECT_EQ(Base64DecodeLenient(unpadded), plain);
  }
}

TEST(Base64Test, AlphabetsDiffer) {
  const std::string bytes = "\xfb\xff\xbf";
  EXPECT_EQ(Base64Encode(bytes), "+/+/");
  EXPECT_EQ(Base64UrlEncode(bytes), "-_-_");
  EXPECT_EQ(Base64UrlDecode("-_-_"), bytes);
  EXPECT_FALSE(Base64UrlDecode("+/+/").has_value());
  EXPECT_EQ(Base64DecodeLenient("+/+/"), bytes);
  EXPECT_EQ(Base64DecodeLenient("-_+/"), bytes);
}

TEST(Base64Test, StrictDecoderRejectsPaddingJunkAndNonCanonicalBits) {
  EXPECT_FALSE(Base64UrlDecode("Zg==").has_value());
  EXPECT_FALSE(Base64UrlDecode("Z").has_value());
  EXPECT_FALSE(Base64UrlDecode("Zm9v Yg").has_value());
  EXPECT_FALSE(Base64UrlDecode("Zm9v\n").has_value());
  EXPECT_FALSE(Base64UrlDecode(std::string("Zm\0v", 4)).has_value());
  // "Zh" decodes to "f" too, but with non-zero unused bits.
  EXPECT_FALSE(Base64UrlDecode("Zh").has_value());
  EXPECT_EQ(Base64DecodeLenient("Zh"), "f");
}

TEST(Base64Test, LenientDecoderRejectsBadPadding) {
  EXPECT_FALSE(Base64DecodeLenient("Zg=").has_value());
  EXPECT_FALSE(Base64DecodeLenient("Zg===").has_value());
  EXPECT_FALSE(Base64DecodeLenient("Zm9v====").has_value());
  EXPECT_FALSE(Base64DecodeLenient("Zm8==").has_value());
  EXPECT_FALSE(Base64DecodeLenient("Z===").has_value());
  EXPECT_FALSE(Base64DecodeLenient("Zg==Zg==").has_value());
  EXPECT_FALSE(Base64DecodeLenient("=").has_value());
  EXPECT_FALSE(Base64DecodeLenient("Zm9v*").has_value());
}

TEST(Base64Test, RoundTripsEveryByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (size_t len = 0; len <= all.size(); len += 17) {
    std::string s = all.substr(0, len);
    EXPECT_EQ(Base64UrlDecode(Base64UrlEncode(s)), s);
    EXPECT_EQ(Base64DecodeLenient(Base64Encode(s)), s);
  }
}

// --- HMAC and minting ---

TEST(JwtTest, HmacSha256MatchesRfc4231) {
  EXPECT_EQ(Hex(HmacSha256(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(Hex(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Keys longer than SHA-256's 64-byte block are hashed first.
  const std::string long_key(131, '\xaa');
  EXPECT_EQ(Hex(HmacSha256(long_key, "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  EXPECT_EQ(Hex(HmacSha256(long_key,
                           "This is a test using a larger than block-size key and a larger than "
                           "block-size data. The key needs to be hashed before being used by the "
                           "HMAC algorithm.")),
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
  EXPECT_EQ(HmacSha256("", "").size(), 32u);
}

// Around the block size and for every byte value, the same MAC as OpenSSL's own HMAC().
TEST(JwtTest, HmacSha256MatchesOpenSsl) {
  for (size_t key_size : {0, 1, 31, 32, 63, 64, 65, 127, 128, 129, 300}) {
    std::string key(key_size, '\0');
    for (size_t i = 0; i < key_size; ++i) key[i] = static_cast<char>((i * 37 + key_size) & 0xff);
    for (size_t data_size : {0, 1, 55, 56, 64, 1000}) {
      std::string data(data_size, 'x');
      for (size_t i = 0; i < data_size; ++i) data[i] = static_cast<char>((i * 11) & 0xff);
      unsigned char want[EVP_MAX_MD_SIZE];
      unsigned int want_size = 0;
      static const char kNoKey = 0;  // OpenSSL reads a null key as "no key"
      ASSERT_NE(
          HMAC(EVP_sha256(), key.empty() ? &kNoKey : key.data(), static_cast<int>(key.size()),
               reinterpret_cast<const unsigned char*>(data.data()), data.size(), want, &want_size),
          nullptr);
      EXPECT_EQ(HmacSha256(key, data), std::string(reinterpret_cast<char*>(want), want_size))
          << key_size << " " << data_size;
    }
  }
}

TEST(JwtTest, UserTokenMatchesProtocolVector) {
  EXPECT_EQ(CreateUserToken("u1", std::nullopt, std::nullopt, kSecret),
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyX2lkIjoidTEifQ."
            "jDaG-4YV4y3ZcyUHdDXOaMfFs86Un5PgrI_Z1i9jyig");
}

TEST(JwtTest, ServerTokenMatchesProtocolVector) {
  EXPECT_EQ(CreateServerToken(kSecret),
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzZXJ2ZXIiOnRydWV9."
            "xwtLjTyIWD38lvfY-BfgR52wsMU6d7yRL9KuHnVMVRs");
}

TEST(JwtTest, DevTokenMatchesProtocolVector) {
  EXPECT_EQ(CreateDevToken("u1"),
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyX2lkIjoidTEifQ==.devtoken");
}

TEST(JwtTest, ExpAndIatInSdkOrder) {
  // Payload {"user_id":"u2","exp":1795837741,"iat":1795834131}, signature from Python's hmac.
  EXPECT_EQ(CreateUserToken("u2", 1795837741, 1795834131, kSecret),
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
            "eyJ1c2VyX2lkIjoidTIiLCJleHAiOjE3OTU4Mzc3NDEsImlhdCI6MTc5NTgzNDEzMX0."
            "x1P3Zx2w4LSM_6L86k_InDqqjzcZmMzTetZSKwam9Go");
  auto only_iat =
      VerifyJwt(CreateUserToken("u2", std::nullopt, 100, kSecret), kSecret, false, kNow);
  ASSERT_TRUE(only_iat.ok());
  EXPECT_EQ(json::serialize(*only_iat), R"({"user_id":"u2","iat":100})");
}

TEST(JwtTest, UnusualUserIdEncodedAsJavaScriptDoes) {
  // Expected values computed with Node's JSON.stringify, Buffer and crypto.createHmac.
  EXPECT_EQ(CreateUserToken("\xc3\xa9/\"\x01<\xe2\x80\xa8", 1795837741, std::nullopt, kSecret),
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
            "eyJ1c2VyX2lkIjoiw6kvXCJcdTAwMDE84oCoIiwiZXhwIjoxNzk1ODM3NzQxfQ."
            "XGc6Ku_GDeuhEwdkAOoogdCwDeQgJW2u_6FW1QUBEnk");
  EXPECT_EQ(CreateDevToken("\xc3\xa9/?>~"),
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyX2lkIjoiw6kvPz5+In0=.devtoken");
}

TEST(JwtTest, EmptySecretStillSigns) {
  EXPECT_EQ(CreateUserToken("u1", std::nullopt, std::nullopt, ""),
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyX2lkIjoidTEifQ."
            "bg9MBjdxSNLxiEJ4RiwbtMqQMpv_yZuh9aOxk1nIntE");
}

// --- verification: the happy paths ---

TEST(JwtTest, VerifiesUserAndServerTokens) {
  auto user =
      VerifyJwt(CreateUserToken("u1", kNow + 60, kNow - 60, kSecret), kSecret, false, kNow, kKey);
  ASSERT_TRUE(user.ok()) << user.error().message;
  EXPECT_EQ(user->at("user_id").as_string(), "u1");
  EXPECT_EQ(user->at("exp").as_int64(), kNow + 60);

  auto server = VerifyJwt(CreateServerToken(kSecret), kSecret, false, kNow, kKey);
  ASSERT_TRUE(server.ok());
  EXPECT_EQ(json::serialize(*server), R"({"server":true})");
}

TEST(JwtTest, AcceptsProtocolVectorsVerbatim) {
  EXPECT_TRUE(VerifyJwt("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyX2lkIjoidTEifQ."
                        "jDaG-4YV4y3ZcyUHdDXOaMfFs86Un5PgrI_Z1i9jyig",
                        kSecret, false, kNow)
                  .ok());
  auto dev = VerifyJwt("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyX2lkIjoidTEifQ==.devtoken",
                       kSecret, true, kNow);
  ASSERT_TRUE(dev.ok()) << dev.error().message;
  EXPECT_EQ(dev->at("user_id").as_string(), "u1");
}

TEST(JwtTest, HeaderWithExtraFieldsIsAccepted) {
  EXPECT_TRUE(VerifyJwt(Forge(R"({"typ":"JWT","alg":"HS256","kid":"k1"})", R"({"user_id":"u"})"),
                        kSecret, false, kNow)
                  .ok());
  EXPECT_TRUE(
      VerifyJwt(Forge(R"({"alg":"HS256"})", R"({"user_id":"u"})"), kSecret, false, kNow).ok());
}

// --- dev tokens ---

TEST(JwtTest, DevTokensOnlyWhenAllowed) {
  auto r = VerifyJwt(CreateDevToken("u1"), kSecret, false, kNow);
  ExpectAuthError(r, ErrorCode::kAuthentication);
  EXPECT_EQ(r.error().message, "development tokens are not allowed for this application");
}

TEST(JwtTest, DevTokenPayloadDecodedLeniently) {
  const std::string header = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.";
  // "user_id":"?>?" encodes with '+' and '/' in the standard alphabet.
  const std::string payload = R"({"user_id":"a?>?~"})";
  for (const std::string& seg : {Base64Encode(payload), Base64UrlEncode(payload)}) {
    auto r = VerifyJwt(header + seg + ".devtoken", kSecret, true, kNow);
    ASSERT_TRUE(r.ok()) << seg << ": " << r.error().message;
    EXPECT_EQ(r->at("user_id").as_string(), "a?>?~");
  }
}

TEST(JwtTest, DevTokenStillMalformedOrExpiredIsRejected) {
  const std::string header = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.";
  ExpectAuthError(VerifyJwt(header + "!!!.devtoken", kSecret, true, kNow),
                  ErrorCode::kAuthentication);
  ExpectAuthError(VerifyJwt(header + Base64Encode("[1]") + ".devtoken", kSecret, true, kNow),
                  ErrorCode::kAuthentication);
  ExpectAuthError(VerifyJwt("e30." + Base64Encode("x") + ".devtoken", kSecret, true, kNow),
                  ErrorCode::kAuthentication);
  ExpectAuthError(VerifyJwt(header + Base64Encode(R"({"user_id":"u","exp":1})") + ".devtoken",
                            kSecret, true, kNow),
                  ErrorCode::kTokenExpired);
}

// --- verification: rejections ---

TEST(JwtTest, WrongSecretIsSignatureError) {
  auto r = VerifyJwt(CreateUserToken("u1", std::nullopt, std::nullopt, "other"), kSecret, false,
                     kNow, kKey);
  ExpectAuthError(r, ErrorCode::kTokenSignatureInvalid);
  EXPECT_EQ(r.error().message,
            "JWTAuth error: signature is not valid. Make sure the token is created using the "
            "secret for API key \"key123\"");
}

TEST(JwtTest, TamperedPayloadIsSignatureError) {
  std::string token = CreateUserToken("u1", std::nullopt, std::nullopt, kSecret);
  std::string forged = token;
  // Swap the payload for {"user_id":"u2"} but keep u1's signature.
  forged.replace(forged.find('.') + 1, std::string("eyJ1c2VyX2lkIjoidTEifQ").size(),
                 Base64UrlEncode(R"({"user_id":"u2"})"));
  ExpectAuthError(VerifyJwt(forged, kSecret, false, kNow), ErrorCode::kTokenSignatureInvalid);
}

TEST(JwtTest, EverySingleCharacterChangeOfSignatureIsRejected) {
  const std::string token = CreateServerToken(kSecret);
  const size_t sig = token.rfind('.') + 1;
  for (size_t i = sig; i < token.size(); ++i) {
    std::string t = token;
    t[i] = t[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(VerifyJwt(t, kSecret, false, kNow).ok()) << i;
  }
}

TEST(JwtTest, SignatureOfWrongLengthOrEncodingIsRejected) {
  const std::string token = CreateServerToken(kSecret);
  const std::string input = token.substr(0, token.rfind('.') + 1);
  const std::string sig = token.substr(token.rfind('.') + 1);
  for (const std::string& bad :
       {std::string(), sig.substr(0, 42), sig + "A", sig + "AAAA", sig + "=", std::string("x"),
        Base64Encode(Base64UrlDecode(sig).value()), std::string(400, 'A')}) {
    ExpectAuthError(VerifyJwt(input + bad, kSecret, false, kNow),
                    ErrorCode::kTokenSignatureInvalid);
  }
}

TEST(JwtTest, OnlyHs256IsAccepted) {
  for (std::string_view header :
       {R"({"alg":"none","typ":"JWT"})", R"({"alg":"None"})", R"({"alg":"HS512"})",
        R"({"alg":"RS256"})", R"({"alg":"hs256"})", R"({"alg":5})", R"({"alg":null})",
        R"({"alg":["HS256"]})", R"({"typ":"JWT"})", "{}"}) {
    ExpectAuthError(VerifyJwt(Forge(header, R"({"server":true})"), kSecret, false, kNow),
                    ErrorCode::kTokenSignatureInvalid);
  }
  // The classic forgery: alg none with an empty signature.
  std::string none = Base64UrlEncode(R"({"alg":"none","typ":"JWT"})") + "." +
                     Base64UrlEncode(R"({"server":true})") + ".";
  ExpectAuthError(VerifyJwt(none, kSecret, false, kNow), ErrorCode::kTokenSignatureInvalid);
}

TEST(JwtTest, HeaderMustBeAJsonObject) {
  for (std::string_view header : {"", "[]", "\"HS256\"", "{", "null", "{\"alg\":\"HS256\"} x"}) {
    ExpectAuthError(VerifyJwt(Forge(header, R"({"server":true})"), kSecret, false, kNow),
                    ErrorCode::kAuthentication);
  }
}

TEST(JwtTest, PayloadMustBeAJsonObject) {
  for (std::string_view payload : {"", "[]", "1", "\"u1\"", "{", "{\"a\":1}}", "\xff\xfe"}) {
    ExpectAuthError(VerifyJwt(Hs256(payload), kSecret, false, kNow), ErrorCode::kAuthentication);
  }
}

TEST(JwtTest, WrongSegmentCount) {
  const std::string token = CreateServerToken(kSecret);
  for (const std::string& bad :
       {std::string(), std::string("."), std::string(".."), std::string("..."), std::string("abc"),
        token.substr(0, token.rfind('.')), token + ".", token + ".x", "." + token}) {
    ExpectAuthError(VerifyJwt(bad, kSecret, true, kNow), ErrorCode::kAuthentication);
  }
}

TEST(JwtTest, ExpiredToken) {
  auto r = VerifyJwt(CreateUserToken("u1", kNow - 1, std::nullopt, kSecret), kSecret, false, kNow);
  ExpectAuthError(r, ErrorCode::kTokenExpired);
  EXPECT_EQ(r.error().message, "JWTAuth error: token has expired");
  // Valid up to and including the second of exp.
  EXPECT_TRUE(
      VerifyJwt(CreateUserToken("u1", kNow, std::nullopt, kSecret), kSecret, false, kNow).ok());
  ExpectAuthError(VerifyJwt(Hs256(R"({"user_id":"u","exp":1795834999.5})"), kSecret, false, kNow),
                  ErrorCode::kTokenExpired);
}

TEST(JwtTest, NotBeforeInTheFuture) {
  ExpectAuthError(VerifyJwt(Hs256(R"({"user_id":"u","nbf":1795835001})"), kSecret, false, kNow),
                  ErrorCode::kTokenNotValidYet);
  EXPECT_TRUE(VerifyJwt(Hs256(R"({"user_id":"u","nbf":1795835000})"), kSecret, false, kNow).ok());
}

TEST(JwtTest, IssuedInTheFutureBeyondLeeway) {
  EXPECT_TRUE(VerifyJwt(CreateUserToken("u1", std::nullopt, kNow + kIatLeewaySeconds, kSecret),
                        kSecret, false, kNow)
                  .ok());
  ExpectAuthError(
      VerifyJwt(CreateUserToken("u1", std::nullopt, kNow + kIatLeewaySeconds + 1, kSecret), kSecret,
                false, kNow),
      ErrorCode::kTokenUsedBeforeIssuedAt);
}

TEST(JwtTest, TimeClaimsOfWrongTypeAreMalformed) {
  for (std::string_view payload :
       {R"({"user_id":"u","exp":"1795899999"})", R"({"user_id":"u","exp":true})",
        R"({"user_id":"u","nbf":{}})", R"({"user_id":"u","iat":[1]})"}) {
    ExpectAuthError(VerifyJwt(Hs256(payload), kSecret, false, kNow), ErrorCode::kAuthentication);
  }
  // null is the same as absent.
  EXPECT_TRUE(VerifyJwt(Hs256(R"({"user_id":"u","exp":null})"), kSecret, false, kNow).ok());
}

TEST(JwtTest, ExtremeNumericClaimsDoNotOverflow) {
  EXPECT_TRUE(
      VerifyJwt(Hs256(R"({"user_id":"u","exp":18446744073709551615})"), kSecret, false, kNow).ok());
  EXPECT_TRUE(VerifyJwt(Hs256(R"({"user_id":"u","exp":1e308})"), kSecret, false, kNow).ok());
  ExpectAuthError(
      VerifyJwt(Hs256(R"({"user_id":"u","exp":-9223372036854775808})"), kSecret, false, kNow),
      ErrorCode::kTokenExpired);
  ExpectAuthError(VerifyJwt(Hs256(R"({"user_id":"u","iat":1e308})"), kSecret, false, kNow),
                  ErrorCode::kTokenUsedBeforeIssuedAt);
  EXPECT_TRUE(
      VerifyJwt(CreateUserToken("u", INT64_MAX, INT64_MIN, kSecret), kSecret, false, INT64_MAX)
          .ok());
}

TEST(JwtTest, HugeTokensAreRejectedCheaply) {
  const std::string big(1 << 20, 'A');
  ExpectAuthError(VerifyJwt(big + "." + big + "." + big, kSecret, false, kNow),
                  ErrorCode::kAuthentication);
  // Just under the cap, a validly signed big payload still works.
  std::string payload = R"({"user_id":"u","pad":")" + std::string(30000, 'x') + "\"}";
  EXPECT_TRUE(VerifyJwt(Hs256(payload), kSecret, false, kNow).ok());
}

TEST(JwtTest, RandomGarbageNeverCrashes) {
  std::mt19937 rng(42);
  static constexpr char kAlphabet[] = "AZaz09-_+/=.{}\"\\ \x00\xff";
  const std::string alphabet(kAlphabet, sizeof(kAlphabet) - 1);
  const std::string valid = CreateServerToken(kSecret);
  for (int i = 0; i < 5000; ++i) {
    std::string t;
    if (i % 2 == 0) {
      size_t len = rng() % 200;
      for (size_t j = 0; j < len; ++j) t.push_back(alphabet[rng() % alphabet.size()]);
    } else {
      // Mutate a valid token: flip, insert or delete a few bytes.
      t = valid;
      for (int k = 0; k < 1 + static_cast<int>(rng() % 3); ++k) {
        size_t pos = rng() % t.size();
        switch (rng() % 3) {
          case 0:
            t[pos] = static_cast<char>(rng());
            break;
          case 1:
            t.insert(pos, 1, alphabet[rng() % alphabet.size()]);
            break;
          default:
            t.erase(pos, 1);
        }
      }
      if (t == valid) continue;
    }
    auto r = VerifyJwt(t, kSecret, i % 4 == 1, kNow);
    if (!r.ok()) {
      EXPECT_EQ(r.error().http_status, 401);
    }
  }
}

}  // namespace
}  // namespace eddy::protocol
