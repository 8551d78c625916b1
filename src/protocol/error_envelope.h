// The protocol's error body (§1.4): the one place an Error becomes wire JSON.
#pragma once

#include <string>

#include "common/clock.h"
#include "common/error.h"
#include "common/json.h"

namespace eddy::protocol {

// {"code","message","StatusCode","duration","more_info","details"}
json::object ErrorEnvelope(const Error& error, double duration_ms);
// "12.34ms"
std::string FormatDuration(double duration_ms);
// The WebSocket frame of §3.3 that tells a client why its connection is refused or ended:
// {"type":"connection.error","created_at","connection_id":"","error":<envelope>}.
json::object ConnectionErrorEvent(const Error& error, Micros now);

}  // namespace eddy::protocol
