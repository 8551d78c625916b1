// Test clients over real sockets: a blocking HTTP/1.1 client and a WebSocket client with
// read timeouts. Beast is allowed here: tests are not layered code.
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace eddy::testing {

namespace json = boost::json;

using Params = std::vector<std::pair<std::string, std::string>>;
using Headers = std::vector<std::pair<std::string, std::string>>;

// "/users?api_key=..&payload=.." with every value percent-encoded.
std::string Target(const std::string& path, const Params& params);

struct HttpResult {
  int status = 0;
  std::string body;
  Headers headers;
  json::value json;  // null if the body is not JSON

  const json::object& obj() const { return json.as_object(); }
  std::string Header(const std::string& name) const;
  // The Stream error code, or -1000 when the body has none.
  int code() const;
};

// One keep-alive connection; reconnects if the server closed it.
class HttpClient {
 public:
  explicit HttpClient(int port);
  ~HttpClient();
  HttpResult Request(const std::string& method, const std::string& target,
                     const std::string& body = "", const Headers& headers = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Writes raw bytes on a new connection and returns everything read until the server closes
// or `timeout` passes.
std::string RawExchange(int port, const std::string& bytes,
                        std::chrono::milliseconds timeout = std::chrono::seconds(5));

class WsClient {
 public:
  WsClient();
  ~WsClient();
  // Performs the upgrade of GET `target`; false if the upgrade failed.
  bool Connect(int port, const std::string& target);
  // The next text frame, or nullopt on timeout or close.
  std::optional<std::string> Read(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  std::optional<json::object> ReadJson(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  void Send(const std::string& text);
  void SendBinary(const std::string& bytes);
  void Close(int code = 1000);
  // After Read returned nullopt because the server closed: its close code, else -1.
  int close_code() const;
  bool closed() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace eddy::testing
