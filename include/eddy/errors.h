// Errors of the eddy C++ SDK. Every failing call throws ApiError; nothing else is thrown for a
// server or network problem (std::bad_alloc and std::invalid_argument for a malformed base URL
// aside).
#pragma once

#include <stdexcept>
#include <string>

namespace eddy::client {

// The protocol's error (§1.4): `code` is the Stream error code (-1 internal, 4 input, 5 auth,
// 16 not found, 17 not allowed, 40 token expired, ...), `status_code` the envelope's
// "StatusCode" (the HTTP status when an answer has none), `message` the server's text. A
// failure without a protocol answer has code kNetworkError: no HTTP answer at all (connection
// refused, TLS failure, timeout: status_code 0) or one that is not an error envelope (a proxy's
// HTML page: its HTTP status).
class ApiError : public std::runtime_error {
 public:
  static constexpr int kNetworkError = -1000;  // not a protocol code

  ApiError(int code, int status_code, std::string message)
      : std::runtime_error(message),
        code_(code),
        status_code_(status_code),
        message_(std::move(message)) {}

  int code() const { return code_; }
  int status_code() const { return status_code_; }
  const std::string& message() const { return message_; }
  bool network_error() const { return code_ == kNetworkError; }

 private:
  int code_;
  int status_code_;
  std::string message_;
};

}  // namespace eddy::client
