#include "server/transport/http_message.h"

#include <boost/beast/http/field.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <cctype>
#include <unordered_map>
#include <utility>

#include "common/json.h"
#include "protocol/error_envelope.h"

namespace eddy::server::transport {

namespace http = boost::beast::http;
namespace urls = boost::urls;

namespace {

constexpr std::string_view kDefaultAllowHeaders =
    "Authorization, Content-Type, stream-auth-type, X-Stream-Client, x-client-request-id";
constexpr std::string_view kAllowMethods = "GET, POST, PUT, PATCH, DELETE, OPTIONS";
// A day; browsers cap it lower (Chrome at two hours), which is fine.
constexpr std::string_view kPreflightMaxAge = "86400";
constexpr std::string_view kServerName = "eddy";

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Result<urls::url_view> ParseTarget(std::string_view target) {
  if (!target.empty() && target.front() == '/') {
    auto parsed = urls::parse_origin_form(target);
    if (parsed) return *parsed;
  } else {
    // Absolute form is what a proxy may forward; only its path and query matter here.
    auto parsed = urls::parse_absolute_uri(target);
    if (parsed) return *parsed;
  }
  return Error::Input("malformed request target");
}

void SetCorsOrigin(BeastResponse& response, std::string_view origin) {
  response.set(http::field::access_control_allow_origin, AllowedOrigin(origin));
  // Caches must not serve one origin's echo to another.
  if (!origin.empty()) response.set(http::field::vary, "Origin");
}

}  // namespace

Result<HttpRequest> ToHttpRequest(BeastRequest&& request, std::string remote_address) {
  HttpRequest out;
  out.method = std::string(request.method_string());
  out.target = std::string(request.target());
  EDDY_ASSIGN_OR_RETURN(urls::url_view url, ParseTarget(out.target));
  out.path = url.path();
  if (out.path.empty()) out.path = "/";
  // Clients percent-encode '+' (encodeURIComponent), so a literal '+' stays a '+'.
  urls::encoding_opts opts(/*space_as_plus=*/false);
  for (auto param : url.params(opts)) {
    out.query.emplace_back(std::move(param.key), std::move(param.value));
  }
  // A repeated header keeps its last value. Requests carry a handful of headers, found by a
  // linear search; a map indexes them only past kLinearHeaders (Beast bounds the header's
  // size, not the number of fields).
  constexpr std::size_t kLinearHeaders = 16;
  std::unordered_map<std::string, std::size_t> seen;
  for (const auto& field : request.base()) {
    std::string name = Lower(field.name_string());
    std::size_t at = out.headers.size();
    if (out.headers.size() < kLinearHeaders) {
      for (std::size_t i = 0; i < out.headers.size(); ++i) {
        if (out.headers[i].first == name) {
          at = i;  // names are unique among the headers kept
          break;
        }
      }
    } else {
      if (seen.empty()) {
        for (std::size_t i = 0; i < out.headers.size(); ++i) seen.emplace(out.headers[i].first, i);
      }
      at = seen.emplace(name, at).first->second;
    }
    if (at == out.headers.size()) {
      out.headers.emplace_back(std::move(name), std::string(field.value()));
    } else {
      out.headers[at].second.assign(field.value());
    }
  }
  out.body = std::move(request.body());
  out.remote_address = std::move(remote_address);
  return out;
}

std::string_view AllowedOrigin(std::string_view origin) { return origin.empty() ? "*" : origin; }

BeastResponse ToBeastResponse(HttpResponse&& response, unsigned version, bool keep_alive,
                              std::string_view origin) {
  BeastResponse out;
  out.version(version);
  // Beast throws on a status outside 100..999; a handler bug must not take the server down.
  bool valid_status = response.status >= 100 && response.status <= 999;
  out.result(valid_status ? static_cast<unsigned>(response.status) : 500u);
  out.set(http::field::server, kServerName);
  if (!response.content_type.empty()) out.set(http::field::content_type, response.content_type);
  SetCorsOrigin(out, origin);
  for (auto& [name, value] : response.headers) out.set(name, value);
  out.body() = std::move(response.body);
  out.keep_alive(keep_alive);
  out.prepare_payload();
  return out;
}

BeastResponse PreflightResponse(const BeastRequest& request, bool keep_alive) {
  BeastResponse out;
  out.version(request.version());
  out.result(http::status::no_content);
  out.set(http::field::server, kServerName);
  SetCorsOrigin(out, request[http::field::origin]);
  std::string_view requested = request[http::field::access_control_request_headers];
  out.set(http::field::access_control_allow_headers,
          requested.empty() ? kDefaultAllowHeaders : requested);
  out.set(http::field::access_control_allow_methods, kAllowMethods);
  out.set(http::field::access_control_max_age, kPreflightMaxAge);
  out.keep_alive(keep_alive);
  out.prepare_payload();
  return out;
}

BeastResponse ErrorResponse(const Error& error, unsigned version, std::string_view origin) {
  HttpResponse response;
  response.status = error.http_status;
  response.body = ToJson(protocol::ErrorEnvelope(error, 0.0));
  return ToBeastResponse(std::move(response), version == 10 ? 10 : 11, /*keep_alive=*/false,
                         origin);
}

}  // namespace eddy::server::transport
