#include "protocol/verified_tokens.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <bit>
#include <functional>
#include <mutex>

#include "protocol/jwt.h"

namespace eddy::protocol {

namespace {

// Equal strings, in time that depends on their lengths only.
bool SameBytes(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

// Two tokens per set, so that two clients whose tokens share a set do not evict each other
// at every request; a new one replaces the one used less recently.
struct VerifiedTokens::Set {
  struct Way {
    std::string token;  // empty: free
    std::string secret;
    json::object payload;
  };
  std::mutex mutex;
  Way ways[2];
  int recent = 0;  // the way used last
  std::uint64_t hits = 0;
};

VerifiedTokens::VerifiedTokens(std::size_t slots)
    : sets_(new Set[std::bit_ceil(std::max<std::size_t>(slots / 2, 1))]),
      mask_(std::bit_ceil(std::max<std::size_t>(slots / 2, 1)) - 1) {}

VerifiedTokens::~VerifiedTokens() = default;

Result<json::object> VerifiedTokens::Verify(std::string_view token, std::string_view secret,
                                            bool allow_dev_tokens, std::int64_t now_seconds,
                                            std::string_view api_key) {
  const bool rememberable =
      !token.empty() && token.size() <= kMaxBytes && !token.ends_with(".devtoken");
  if (!rememberable) return VerifyJwt(token, secret, allow_dev_tokens, now_seconds, api_key);
  const std::size_t hash = std::hash<std::string_view>{}(token);
  Set& set = sets_[hash & mask_];
  {
    std::unique_lock lock(set.mutex);
    for (int w = 0; w < 2; ++w) {
      const Set::Way& way = set.ways[w];
      if (!SameBytes(way.token, token) || !SameBytes(way.secret, secret)) continue;
      json::object payload = way.payload;
      set.recent = w;
      ++set.hits;
      lock.unlock();
      EDDY_TRY(CheckJwtTimeClaims(payload, now_seconds));
      return payload;
    }
  }
  Result<json::object> verified = VerifyJwt(token, secret, allow_dev_tokens, now_seconds, api_key);
  if (!verified.ok()) return verified;
  std::lock_guard lock(set.mutex);
  set.recent = 1 - set.recent;
  Set::Way& way = set.ways[set.recent];
  way.token.assign(token);
  way.secret.assign(secret);
  way.payload = *verified;
  return verified;
}

std::uint64_t VerifiedTokens::hits() const {
  std::uint64_t n = 0;
  for (std::size_t i = 0; i <= mask_; ++i) {
    std::lock_guard lock(sets_[i].mutex);
    n += sets_[i].hits;
  }
  return n;
}

}  // namespace eddy::protocol
