// Tokens whose signature has been checked, remembered: a client sends the same token with
// every request (a backend its server token, an app its user's token), and checking the
// signature and decoding the token again each time was ~3% of a message send's CPU.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/error.h"
#include "common/json.h"

namespace eddy::protocol {

// VerifyJwt with its work on a signed token done once while the token stays in a small
// table (sets of two, picked by the token's hash). A remembered token counts only with the
// secret it was checked with, and its time claims are checked on every call, so the answers
// are VerifyJwt's. Tokens compare in constant time (as the signature check does). Dev tokens
// and tokens past kMaxBytes are not remembered. Thread-safe.
class VerifiedTokens {
 public:
  static constexpr std::size_t kMaxBytes = 1024;

  // Room for `slots` tokens, rounded up to a power of two (at least two).
  explicit VerifiedTokens(std::size_t slots);
  ~VerifiedTokens();
  VerifiedTokens(const VerifiedTokens&) = delete;
  VerifiedTokens& operator=(const VerifiedTokens&) = delete;

  Result<json::object> Verify(std::string_view token, std::string_view secret,
                              bool allow_dev_tokens, std::int64_t now_seconds,
                              std::string_view api_key = "");

  // Calls answered from the table, since it was made.
  std::uint64_t hits() const;

 private:
  struct Set;
  std::unique_ptr<Set[]> sets_;
  std::size_t mask_;
};

}  // namespace eddy::protocol
