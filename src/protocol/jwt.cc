#include "protocol/jwt.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstring>
#include <initializer_list>
#include <memory>
#include <stdexcept>

#include "protocol/base64.h"

namespace eddy::protocol {

namespace {

// base64url of {"alg":"HS256","typ":"JWT"}: constant, and the one header eddy ever signs.
constexpr std::string_view kHeaderSegment = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";
constexpr std::string_view kDevSignature = "devtoken";
constexpr size_t kMacBytes = 32;
// Far above any real token (they are a few hundred bytes) yet small enough that hostile input
// costs nothing to reject; transport limits usually bite first.
constexpr size_t kMaxTokenBytes = 64 * 1024;

Error Malformed(std::string_view why) {
  return Error::Auth(ErrorCode::kAuthentication,
                     "JWTAuth error: token is malformed: " + std::string(why));
}

Error BadSignature(std::string_view api_key) {
  return Error::Auth(ErrorCode::kTokenSignatureInvalid,
                     "JWTAuth error: signature is not valid. Make sure the token is created "
                     "using the secret for API key \"" +
                         std::string(api_key) + "\"");
}

Result<json::object> DecodeObject(std::string_view segment, bool lenient, std::string_view what) {
  std::optional<std::string> bytes =
      lenient ? Base64DecodeLenient(segment) : Base64UrlDecode(segment);
  if (!bytes) return Malformed(std::string(what) + " is not valid base64url");
  auto obj = ParseJsonObject(*bytes, what);
  if (!obj.ok()) return Malformed(std::string(what) + " is not a JSON object");
  return std::move(obj).value();
}

// A NumericDate claim (RFC 7519 §2): absent or null -> nullopt; any JSON number is accepted,
// as jsonwebtoken libraries do, since some backends mint fractional seconds.
Result<std::optional<double>> NumericClaim(const json::object& payload, std::string_view name) {
  auto it = payload.find(name);
  if (it == payload.end() || it->value().is_null()) return std::optional<double>{};
  if (!it->value().is_number()) {
    return Malformed("claim " + std::string(name) + " must be a number");
  }
  return std::optional<double>(it->value().to_number<double>());
}

}  // namespace

Status CheckJwtTimeClaims(const json::object& payload, std::int64_t now_seconds) {
  const double now = static_cast<double>(now_seconds);
  EDDY_ASSIGN_OR_RETURN(auto exp, NumericClaim(payload, "exp"));
  EDDY_ASSIGN_OR_RETURN(auto nbf, NumericClaim(payload, "nbf"));
  EDDY_ASSIGN_OR_RETURN(auto iat, NumericClaim(payload, "iat"));
  if (exp && now > *exp) {
    return Error::Auth(ErrorCode::kTokenExpired, "JWTAuth error: token has expired");
  }
  if (nbf && *nbf > now) {
    return Error::Auth(ErrorCode::kTokenNotValidYet, "JWTAuth error: token is not valid yet");
  }
  if (iat && *iat > now + static_cast<double>(kIatLeewaySeconds)) {
    return Error::Auth(ErrorCode::kTokenUsedBeforeIssuedAt,
                       "JWTAuth error: token used before issued at (iat)");
  }
  return {};
}

namespace {

// SHA-256, fetched from OpenSSL's provider once: its one-shot HMAC() looks the digest up by
// name on every call, under a lock all request threads share.
const EVP_MD* Sha256() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (md == nullptr) throw std::runtime_error("OpenSSL has no SHA-256");
  return md;
}

void Digest(EVP_MD_CTX* ctx, std::initializer_list<std::string_view> parts, unsigned char* out) {
  if (EVP_DigestInit_ex2(ctx, Sha256(), nullptr) != 1) throw std::runtime_error("SHA-256 failed");
  for (std::string_view p : parts) {
    if (EVP_DigestUpdate(ctx, p.data(), p.size()) != 1) throw std::runtime_error("SHA-256 failed");
  }
  if (EVP_DigestFinal_ex(ctx, out, nullptr) != 1) throw std::runtime_error("SHA-256 failed");
}

}  // namespace

// HMAC as RFC 2104 defines it, over the prefetched SHA-256.
std::string HmacSha256(std::string_view key, std::string_view data) {
  constexpr size_t kBlock = 64;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx) throw std::runtime_error("SHA-256 failed");
  // k and the pads are the secret in another form: wiped however this returns.
  unsigned char k[kBlock] = {}, ipad[kBlock], opad[kBlock];
  struct Wipe {
    unsigned char* bytes[3];
    ~Wipe() {
      for (unsigned char* b : bytes) OPENSSL_cleanse(b, kBlock);
    }
  } wipe{{k, ipad, opad}};
  if (key.size() > kBlock) {
    Digest(ctx.get(), {key}, k);  // a longer key is hashed first
  } else if (!key.empty()) {
    std::memcpy(k, key.data(), key.size());
  }
  for (size_t i = 0; i < kBlock; ++i) {
    ipad[i] = k[i] ^ 0x36;
    opad[i] = k[i] ^ 0x5c;
  }
  unsigned char inner[kMacBytes], mac[kMacBytes];
  auto view = [](const unsigned char* p, size_t n) {
    return std::string_view(reinterpret_cast<const char*>(p), n);
  };
  Digest(ctx.get(), {view(ipad, kBlock), data}, inner);
  Digest(ctx.get(), {view(opad, kBlock), view(inner, kMacBytes)}, mac);
  return std::string(reinterpret_cast<const char*>(mac), kMacBytes);
}

std::string SignJwt(const json::object& payload, std::string_view secret) {
  std::string signing_input(kHeaderSegment);
  signing_input.push_back('.');
  signing_input += Base64UrlEncode(json::serialize(payload));
  std::string signature = Base64UrlEncode(HmacSha256(secret, signing_input));
  signing_input.push_back('.');
  signing_input += signature;
  return signing_input;
}

std::string CreateUserToken(std::string_view user_id, std::optional<std::int64_t> exp,
                            std::optional<std::int64_t> iat, std::string_view secret) {
  json::object payload;
  payload["user_id"] = user_id;
  if (exp) payload["exp"] = *exp;
  if (iat) payload["iat"] = *iat;
  return SignJwt(payload, secret);
}

std::string CreateServerToken(std::string_view secret) {
  json::object payload;
  payload["server"] = true;
  return SignJwt(payload, secret);
}

std::string CreateDevToken(std::string_view user_id) {
  json::object payload;
  payload["user_id"] = user_id;
  return std::string(kHeaderSegment) + "." + Base64Encode(json::serialize(payload)) + "." +
         std::string(kDevSignature);
}

Result<json::object> VerifyJwt(std::string_view token, std::string_view secret,
                               bool allow_dev_tokens, std::int64_t now_seconds,
                               std::string_view api_key) {
  if (token.empty()) return Malformed("token is empty");
  if (token.size() > kMaxTokenBytes) return Malformed("token is too long");
  const size_t dot1 = token.find('.');
  const size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return Malformed("a JWT has exactly three segments");
  }
  const std::string_view header_seg = token.substr(0, dot1);
  const std::string_view payload_seg = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string_view signature_seg = token.substr(dot2 + 1);

  if (signature_seg == kDevSignature) {
    if (!allow_dev_tokens) {
      return Error::Auth(ErrorCode::kAuthentication,
                         "development tokens are not allowed for this application");
    }
    EDDY_TRY(DecodeObject(header_seg, /*lenient=*/true, "JWT header"));
    EDDY_ASSIGN_OR_RETURN(json::object payload,
                          DecodeObject(payload_seg, /*lenient=*/true, "JWT payload"));
    EDDY_TRY(CheckJwtTimeClaims(payload, now_seconds));
    return payload;
  }

  EDDY_ASSIGN_OR_RETURN(json::object header,
                        DecodeObject(header_seg, /*lenient=*/false, "JWT header"));
  // Only HS256: accepting "none" or an algorithm the token picks is the classic JWT forgery.
  auto alg = header.find("alg");
  if (alg == header.end() || !alg->value().is_string() || alg->value().get_string() != "HS256") {
    return Error::Auth(ErrorCode::kTokenSignatureInvalid,
                       "JWTAuth error: signing method is not valid, only HS256 is accepted");
  }

  // Verify before looking at the payload, and compare two fixed-length MACs in constant time
  // so the comparison leaks nothing about how much of a forged signature was right.
  std::optional<std::string> given = Base64UrlDecode(signature_seg);
  if (!given || given->size() != kMacBytes) return BadSignature(api_key);
  const std::string expected = HmacSha256(secret, token.substr(0, dot2));
  if (CRYPTO_memcmp(expected.data(), given->data(), kMacBytes) != 0) {
    return BadSignature(api_key);
  }

  EDDY_ASSIGN_OR_RETURN(json::object payload,
                        DecodeObject(payload_seg, /*lenient=*/false, "JWT payload"));
  EDDY_TRY(CheckJwtTimeClaims(payload, now_seconds));
  return payload;
}

}  // namespace eddy::protocol
