// The SDK's HTTP(S) transport and the helpers every REST call shares (target building,
// response decoding into JSON or ApiError). Internal to src/client.
#pragma once

#include <boost/json.hpp>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "eddy/errors.h"
#include "eddy/options.h"
#include "eddy/server_client.h"

namespace eddy::client {

// "https://chat.example.com:8443/prefix" split up; the port defaults by scheme.
struct BaseUrl {
  bool tls = false;
  std::string host;
  std::string port;
  std::string prefix;  // path before every API path, without a trailing '/'
};
// Accepts http, https, ws and wss; throws std::invalid_argument for anything else.
BaseUrl ParseBaseUrl(const std::string& url);

struct HttpResponse {
  int status = 0;
  std::string body;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

// Blocking HTTP/1.1 over TCP or TLS to one base URL. Thread-safe: each call takes an idle
// keep-alive connection from the pool (mutex-guarded) or opens one, runs its I/O on that
// connection's private io_context in the calling thread, and returns it to the pool.
class HttpTransport {
 public:
  HttpTransport(BaseUrl url, ClientOptions options);
  ~HttpTransport();

  // `target` is the API path with its query; the base URL's prefix is added here. Throws
  // ApiError with code kNetworkError when no HTTP answer arrives.
  HttpResponse Send(const std::string& method, const std::string& target, const std::string& body,
                    const Headers& headers);

  const BaseUrl& url() const { return url_; }
  const ClientOptions& options() const { return options_; }

 private:
  struct Conn;
  struct Pool;
  BaseUrl url_;
  ClientOptions options_;
  std::unique_ptr<Pool> pool_;
};

// path + "?" + params, each value percent-encoded.
std::string BuildTarget(const std::string& path, const QueryParams& params);
// The JSON object of a 2xx answer; anything else throws ApiError (protocol envelope when the
// body has one, kNetworkError with the HTTP status otherwise).
boost::json::object DecodeResponse(const HttpResponse& response);
// Percent-encodes a path segment (ids may hold ':' or '!').
std::string Seg(const std::string& s);

}  // namespace eddy::client
