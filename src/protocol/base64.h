// Base64 codecs for JWTs: the strict base64url form signed tokens use (RFC 7515: url alphabet,
// no padding) and the lenient decoder development tokens need (the JS SDK encodes their
// payload with the standard alphabet and '=' padding). Pure functions, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace eddy::protocol {

// URL alphabet ('-', '_'), no padding.
std::string Base64UrlEncode(std::string_view bytes);
// Standard alphabet ('+', '/') with '=' padding, as the JS SDK's devToken produces.
std::string Base64Encode(std::string_view bytes);

// Strict inverse of Base64UrlEncode: url alphabet only, no padding, no whitespace, and unused
// trailing bits must be zero so that every byte string has exactly one accepted encoding.
std::optional<std::string> Base64UrlDecode(std::string_view text);
// Accepts either alphabet (even mixed), with or without correct '=' padding, and ignores
// unused trailing bits. Still rejects any other character and impossible lengths.
std::optional<std::string> Base64DecodeLenient(std::string_view text);

}  // namespace eddy::protocol
