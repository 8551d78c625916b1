// The boundary between transport and everything above it. Plain types, no Beast: the api
// and realtime layers implement these interfaces, the transport calls them.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace eddy::server::transport {

struct HttpRequest {
  std::string method;  // upper case, e.g. "GET"
  std::string target;  // raw request target, e.g. "/users?api_key=k&payload=%7B%7D"
  std::string path;    // percent-decoded path without the query, e.g. "/users"
  // Percent-decoded query parameters in order ('+' is not turned into a space).
  std::vector<std::pair<std::string, std::string>> query;
  // Header names lower-cased; a repeated header keeps its last value.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string remote_address;

  // First query value named `name`, or nullptr.
  const std::string* Query(std::string_view name) const;
  // Header value by lower-case name, or nullptr.
  const std::string* Header(std::string_view lower_name) const;
};

struct HttpResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
};

// Handles one HTTP request. `respond` may be called from any thread, exactly once.
class HttpHandler {
 public:
  virtual ~HttpHandler() = default;
  virtual void Handle(HttpRequest request, std::function<void(HttpResponse)> respond) = 0;
};

// Transport's side of one open WebSocket. Thread-safe: may be called from any thread.
class WebSocketConnection {
 public:
  virtual ~WebSocketConnection() = default;
  // Queues one text frame; frames go out in order. The buffer is shared, never copied, so one
  // encoded event can be queued on many connections. If the queue is over its byte limit the
  // connection is closed with 1008 ("slow consumer") instead.
  virtual void Send(std::shared_ptr<const std::string> text) = 0;
  // Sends what is queued, then a close frame with this code and reason.
  virtual void Close(int code, std::string reason) = 0;
};

// What the layer above keeps for one open WebSocket. Called on the connection's thread only.
class WebSocketSession {
 public:
  virtual ~WebSocketSession() = default;
  virtual void OnText(std::string_view text) = 0;
  // Called once, whatever ended the connection (peer close, error, idle timeout, shutdown).
  virtual void OnClose() = 0;
};

class WebSocketHandler {
 public:
  virtual ~WebSocketHandler() = default;
  // Called on the connection's thread right after the upgrade of `upgrade_request` succeeded.
  virtual std::shared_ptr<WebSocketSession> OnOpen(std::shared_ptr<WebSocketConnection> conn,
                                                   const HttpRequest& upgrade_request) = 0;
};

}  // namespace eddy::server::transport
