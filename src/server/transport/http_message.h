// Conversions between Beast HTTP messages and the transport-neutral types of handler.h, plus
// the responses transport answers itself (CORS preflight, protocol errors). Pure functions.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <string>
#include <string_view>

#include "common/error.h"
#include "server/transport/handler.h"

namespace eddy::server::transport {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;
using BeastResponse = boost::beast::http::response<boost::beast::http::string_body>;

// Splits and percent-decodes the target, lower-cases header names and moves the body.
// A target that is not a valid origin-form or absolute-form URI is an input Error.
Result<HttpRequest> ToHttpRequest(BeastRequest&& request, std::string remote_address);

// What Access-Control-Allow-Origin says for a request with this Origin header ("" if none).
std::string_view AllowedOrigin(std::string_view origin);

// A handler's response on the wire, with Access-Control-Allow-Origin added.
BeastResponse ToBeastResponse(HttpResponse&& response, unsigned version, bool keep_alive,
                              std::string_view origin);

// 204 answer to an OPTIONS preflight.
BeastResponse PreflightResponse(const BeastRequest& request, bool keep_alive);

// The protocol error envelope for a request transport refuses itself; always closes.
BeastResponse ErrorResponse(const Error& error, unsigned version, std::string_view origin);

}  // namespace eddy::server::transport
