// Errors as values: every failure inside the server is an Error carrying the Stream error
// code, the HTTP status and a message; Result<T> is either a value or an Error.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace eddy {

// Stream error codes used by eddy (protocol §1.5).
enum class ErrorCode : int {
  kInternal = -1,
  kAccessKey = 2,
  kAuthenticationFailed = 3,
  kInput = 4,
  kAuthentication = 5,
  kDuplicateUsername = 6,
  kRateLimit = 9,
  kDoesNotExist = 16,
  kNotAllowed = 17,
  kEventNotSupported = 18,
  kChannelFeatureNotSupported = 19,
  kMessageTooLong = 20,
  kMultipleNestingLevel = 21,
  kPayloadTooBig = 22,
  kRequestTimeout = 23,
  kMaxHeaderSizeExceeded = 24,
  kTokenExpired = 40,
  kTokenNotValidYet = 41,
  kTokenUsedBeforeIssuedAt = 42,
  kTokenSignatureInvalid = 43,
  kConnectionIdNotFound = 46,
  kCoolDown = 60,
  kTooManyConnections = 71,
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  int http_status = 500;
  std::string message;

  static Error Internal(std::string msg) { return {ErrorCode::kInternal, 500, std::move(msg)}; }
  static Error Input(std::string msg) { return {ErrorCode::kInput, 400, std::move(msg)}; }
  static Error NotFound(std::string msg) { return {ErrorCode::kDoesNotExist, 404, std::move(msg)}; }
  static Error NotAllowed(std::string msg) { return {ErrorCode::kNotAllowed, 403, std::move(msg)}; }
  static Error Auth(ErrorCode code, std::string msg) { return {code, 401, std::move(msg)}; }
  static Error Unavailable(std::string msg) { return {ErrorCode::kInternal, 503, std::move(msg)}; }
  static Error Make(ErrorCode code, int status, std::string msg) {
    return {code, status, std::move(msg)};
  }
};

// A value or an Error. Small on purpose: what the server needs of std::expected.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const& { return *error_; }
  Error&& error() && { return std::move(*error_); }

 private:
  std::optional<Error> error_;
};

using Status = Result<void>;

// Propagates an error from an expression returning Result<...>.
#define EDDY_TRY(expr)                                                      \
  do {                                                                      \
    auto eddy_try_result_ = (expr);                                         \
    if (!eddy_try_result_.ok()) return std::move(eddy_try_result_).error(); \
  } while (0)

#define EDDY_CONCAT_INNER(a, b) a##b
#define EDDY_CONCAT(a, b) EDDY_CONCAT_INNER(a, b)
// EDDY_ASSIGN_OR_RETURN(auto x, Compute()); binds the value or returns the error.
// __LINE__ is turned into a number once, in the first expansion step: GCC gives a multi-line
// invocation different __LINE__ values if it is expanded again at each use.
#define EDDY_ASSIGN_OR_RETURN(lhs, expr) EDDY_ASSIGN_OR_RETURN_LINE(__LINE__, lhs, expr)
#define EDDY_ASSIGN_OR_RETURN_LINE(line, lhs, expr) \
  EDDY_ASSIGN_OR_RETURN_IMPL(EDDY_CONCAT(eddy_result_, line), lhs, expr)
#define EDDY_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return std::move(tmp).error();    \
  lhs = std::move(tmp).value()

}  // namespace eddy
