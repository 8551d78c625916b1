#include "protocol/error_envelope.h"

#include <cstdio>

namespace eddy::protocol {

std::string FormatDuration(double duration_ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2fms", duration_ms);
  return buf;
}

json::object ErrorEnvelope(const Error& error, double duration_ms) {
  json::object o;
  o["code"] = static_cast<int>(error.code);
  o["message"] = error.message;
  o["StatusCode"] = error.http_status;
  o["duration"] = FormatDuration(duration_ms);
  o["more_info"] = "https://getstream.io/chat/docs/api_errors_response";
  o["details"] = json::array();
  return o;
}

json::object ConnectionErrorEvent(const Error& error, Micros now) {
  json::object envelope = ErrorEnvelope(error, 0);
  envelope["duration"] = "";
  return json::object{{"type", "connection.error"},
                      {"created_at", FormatTime(now)},
                      {"connection_id", ""},
                      {"error", std::move(envelope)}};
}

}  // namespace eddy::protocol
