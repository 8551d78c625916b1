// JSON Web Tokens as the Stream protocol uses them (§2.1, §2.2): HS256 only, keyed with the
// app secret, plus the unsigned "devtoken" form of the JS SDK. Minting is byte-for-byte what
// the JS SDK produces (§11), so tokens from eddy's tools and from a customer's backend are
// interchangeable. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"
#include "common/json.h"

namespace eddy::protocol {

// HMAC-SHA256 of data keyed with key: 32 raw bytes.
std::string HmacSha256(std::string_view key, std::string_view data);

// header.payload.signature with header exactly {"alg":"HS256","typ":"JWT"} and the payload
// serialised compactly in its insertion order.
std::string SignJwt(const json::object& payload, std::string_view secret);

// {"user_id":..,"exp":..,"iat":..}; exp and iat (epoch seconds) only when given.
std::string CreateUserToken(std::string_view user_id, std::optional<std::int64_t> exp,
                            std::optional<std::int64_t> iat, std::string_view secret);
// {"server":true}: what a secret-holding client sends with every request.
std::string CreateServerToken(std::string_view secret);
// The JS SDK's client.devToken(user_id): unsigned, payload in padded standard base64.
std::string CreateDevToken(std::string_view user_id);

// Token claims whose iat is this far in the future are still accepted: clocks drift.
inline constexpr std::int64_t kIatLeewaySeconds = 5;

// Checks a token and returns its payload. Every failure is a 401:
//   code 5  - not three segments, bad base64, JSON that is not an object, a claim of the
//             wrong type, or a dev token when allow_dev_tokens is false;
//   code 43 - header alg other than HS256, or a signature that does not match secret (the
//             message names api_key, as the real backend's does);
//   code 40 - exp in the past; 41 - nbf in the future; 42 - iat more than the leeway ahead.
// A dev token (third segment "devtoken") is decoded leniently and its claims checked the
// same way, but nothing is verified: only apps with disable_auth_checks may allow them.
Result<json::object> VerifyJwt(std::string_view token, std::string_view secret,
                               bool allow_dev_tokens, std::int64_t now_seconds,
                               std::string_view api_key = "");

// The time claims check of VerifyJwt (codes 40, 41, 42 and 5 for a claim that is not a number).
Status CheckJwtTimeClaims(const json::object& payload, std::int64_t now_seconds);

}  // namespace eddy::protocol
