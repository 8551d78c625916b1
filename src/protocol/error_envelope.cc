#include "protocol/error_envelope.h"

#include <charconv>

namespace eddy::protocol {

// With to_chars, which formats as printf's "%.2f" does: printf's floating-point path cost
// ~1 us, and every response carries a duration.
std::string FormatDuration(double duration_ms) {
  char buf[64];
  const auto [end, ec] =
      std::to_chars(buf, buf + sizeof buf - 2, duration_ms, std::chars_format::fixed, 2);
  if (ec != std::errc()) return "0.00ms";  // over 10^60 ms: not a duration a clock measures
  char* p = end;
  *p++ = 'm';
  *p++ = 's';
  return std::string(buf, p);
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
