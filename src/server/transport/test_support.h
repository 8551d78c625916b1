// Test-only helpers: fake handlers, a server running on its own thread, and Beast clients
// whose every operation is bounded by a generous timeout so a broken server fails a test
// instead of hanging it.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "server/transport/handler.h"
#include "server/transport/server.h"

namespace eddy::server::transport::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;

inline constexpr std::chrono::seconds kTimeout{10};

// Records every request; answers with `respond_with` if set, else 200 "ok <path>".
class FakeHttpHandler : public HttpHandler {
 public:
  using Respond = std::function<void(HttpResponse)>;
  std::function<void(HttpRequest, Respond)> respond_with;

  void Handle(HttpRequest request, Respond respond) override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      requests_.push_back(request);
    }
    cv_.notify_all();
    if (respond_with) return respond_with(std::move(request), std::move(respond));
    HttpResponse response;
    response.body = "ok " + request.path;
    respond(std::move(response));
  }

  // Waits until at least n requests arrived; returns the n-th (1-based).
  HttpRequest WaitForRequest(std::size_t n) {
    std::unique_lock<std::mutex> lock(mutex_);
    bool arrived = cv_.wait_for(lock, kTimeout, [&] { return requests_.size() >= n; });
    EXPECT_TRUE(arrived) << "request " << n << " never arrived";
    return arrived ? requests_[n - 1] : HttpRequest{};
  }
  std::size_t count() {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_.size();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<HttpRequest> requests_;
};

// Holds the respond callback of a request the test answers itself, later.
class ParkedResponse {
 public:
  void Park(FakeHttpHandler::Respond respond) {
    std::lock_guard<std::mutex> lock(mutex_);
    respond_ = std::move(respond);
    cv_.notify_all();
  }
  // Waits for the request to be parked, then answers it from this thread.
  bool Answer(HttpResponse response) {
    FakeHttpHandler::Respond respond;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      if (!cv_.wait_for(lock, kTimeout, [&] { return respond_ != nullptr; })) return false;
      respond = std::move(respond_);
      respond_ = nullptr;
    }
    respond(std::move(response));
    return true;
  }
  bool Wait() {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, kTimeout, [&] { return respond_ != nullptr; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  FakeHttpHandler::Respond respond_;
};

// Echoes text frames back as "echo:<text>"; counts opens and closes.
class FakeWsHandler : public WebSocketHandler {
 public:
  class Session : public WebSocketSession {
   public:
    Session(FakeWsHandler* owner, std::shared_ptr<WebSocketConnection> connection)
        : owner_(owner), connection_(std::move(connection)) {}
    void OnText(std::string_view text) override {
      owner_->Record(std::string(text));
      if (connection_ && owner_->echo)
        connection_->Send(std::make_shared<const std::string>("echo:" + std::string(text)));
    }
    void OnClose() override {
      ++closes;
      connection_.reset();  // breaks the connection <-> session cycle, as the hub would
      owner_->Closed();
    }
    std::atomic<int> closes{0};

   private:
    FakeWsHandler* owner_;
    std::shared_ptr<WebSocketConnection> connection_;
  };

  std::atomic<bool> echo{true};
  // Runs inside OnOpen, on the connection's thread.
  std::function<void(const std::shared_ptr<WebSocketConnection>&, const HttpRequest&)> on_open;

  std::shared_ptr<WebSocketSession> OnOpen(std::shared_ptr<WebSocketConnection> conn,
                                           const HttpRequest& request) override {
    if (on_open) on_open(conn, request);
    auto session = std::make_shared<Session>(this, conn);
    std::lock_guard<std::mutex> lock(mutex_);
    sessions_.push_back(session);
    connections_.push_back(conn);
    requests_.push_back(request);
    cv_.notify_all();
    return session;
  }

  void Record(std::string text) {
    std::lock_guard<std::mutex> lock(mutex_);
    texts_.push_back(std::move(text));
    cv_.notify_all();
  }
  bool WaitForTexts(std::size_t n) {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, kTimeout, [&] { return texts_.size() >= n; });
  }
  void Closed() {
    std::lock_guard<std::mutex> lock(mutex_);
    ++closed_;
    cv_.notify_all();
  }
  bool WaitForOpens(std::size_t n) {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, kTimeout, [&] { return sessions_.size() >= n; });
  }
  std::size_t opens() {
    std::lock_guard<std::mutex> lock(mutex_);
    return sessions_.size();
  }
  std::size_t closes() {
    std::lock_guard<std::mutex> lock(mutex_);
    return closed_;
  }
  bool WaitForCloses(std::size_t n) {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, kTimeout, [&] { return closed_ >= n; });
  }
  std::shared_ptr<Session> session(std::size_t i) {
    std::lock_guard<std::mutex> lock(mutex_);
    return std::static_pointer_cast<Session>(sessions_.at(i));
  }
  // The connection as handed to OnOpen; held here only for tests that send from outside.
  std::shared_ptr<WebSocketConnection> connection(std::size_t i) {
    std::lock_guard<std::mutex> lock(mutex_);
    return connections_.at(i).lock();
  }
  HttpRequest request(std::size_t i) {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_.at(i);
  }
  std::vector<std::string> texts() {
    std::lock_guard<std::mutex> lock(mutex_);
    return texts_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::shared_ptr<WebSocketSession>> sessions_;
  std::vector<std::weak_ptr<WebSocketConnection>> connections_;
  std::vector<HttpRequest> requests_;
  std::vector<std::string> texts_;
  std::size_t closed_ = 0;
};

inline ServerOptions TestOptions() {
  ServerOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  options.threads = 2;
  return options;
}

// A started Server whose Run() is on a background thread; stopped on destruction.
class RunningServer {
 public:
  RunningServer(ServerOptions options, HttpHandler& http, WebSocketHandler& ws)
      : server_(std::move(options), http, ws) {
    Status started = server_.Start();
    EXPECT_TRUE(started.ok()) << (started.ok() ? "" : started.error().message);
    thread_ = std::thread([this] {
      server_.Run();
      stopped_.set_value();
    });
  }
  ~RunningServer() {
    server_.Stop();
    thread_.join();
  }
  Server& server() { return server_; }
  std::uint16_t port() const { return server_.port(); }
  // True if Run() returned within the timeout.
  bool WaitStopped() { return stopped_future_.wait_for(kTimeout) == std::future_status::ready; }

 private:
  Server server_;
  std::promise<void> stopped_;
  std::future<void> stopped_future_ = stopped_.get_future();
  std::thread thread_;
};

// Runs one asynchronous operation on a private io_context; the stream's timeout bounds it.
template <typename Start>
beast::error_code RunOp(asio::io_context& context, Start start) {
  beast::error_code result = asio::error::would_block;
  bool done = false;
  start([&result, &done](beast::error_code ec, auto&&...) {
    result = ec;
    done = true;
  });
  // Not run(): timers the stream keeps armed (websocket idle) would hold it for their length.
  context.restart();
  while (!done && context.run_one() > 0) {
  }
  return result;
}

// A raw HTTP/1.1 client connection.
class HttpClient {
 public:
  explicit HttpClient(std::uint16_t port) : stream_(context_) {
    stream_.expires_after(kTimeout);
    connect_error_ = RunOp(context_, [&](auto handler) {
      stream_.async_connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                            handler);
    });
  }
  beast::error_code connect_error() const { return connect_error_; }

  beast::error_code WriteRaw(std::string data) {
    raw_ = std::move(data);
    stream_.expires_after(kTimeout);
    return RunOp(context_,
                 [&](auto handler) { asio::async_write(stream_, asio::buffer(raw_), handler); });
  }
  beast::error_code Write(http::request<http::string_body> request) {
    request_ = std::move(request);
    request_.prepare_payload();
    stream_.expires_after(kTimeout);
    return RunOp(context_, [&](auto handler) { http::async_write(stream_, request_, handler); });
  }
  beast::error_code Read(http::response<http::string_body>& response) {
    response = {};
    stream_.expires_after(kTimeout);
    return RunOp(context_,
                 [&](auto handler) { http::async_read(stream_, buffer_, response, handler); });
  }
  // Reads a response header only (e.g. 100 Continue).
  beast::error_code ReadHeader(http::response_parser<http::empty_body>& parser) {
    stream_.expires_after(kTimeout);
    return RunOp(context_,
                 [&](auto handler) { http::async_read_header(stream_, buffer_, parser, handler); });
  }
  // Reads until the server closes; returns how the read ended (eof when it closed cleanly).
  beast::error_code ReadUntilClosed() {
    char sink[4096];
    for (;;) {
      stream_.expires_after(kTimeout);
      beast::error_code ec = RunOp(
          context_, [&](auto handler) { stream_.async_read_some(asio::buffer(sink), handler); });
      if (ec) return ec;
    }
  }

 private:
  asio::io_context context_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  beast::error_code connect_error_;
  std::string raw_;
  http::request<http::string_body> request_;
};

inline http::request<http::string_body> Get(std::string target) {
  http::request<http::string_body> request{http::verb::get, target, 11};
  request.set(http::field::host, "127.0.0.1");
  return request;
}

// A WebSocket client; every read is bounded by the stream's idle timeout.
class WsClient {
 public:
  struct Frame {
    beast::error_code ec;
    std::string text;
    bool binary = false;
    std::uint16_t close_code = 0;  // set when ec is websocket::error::closed
    std::string close_reason;
  };

  explicit WsClient(std::uint16_t port, std::string target = "/connect?api_key=k") : ws_(context_) {
    auto& lowest = beast::get_lowest_layer(ws_);
    lowest.expires_after(kTimeout);
    handshake_error_ = RunOp(context_, [&](auto handler) {
      lowest.async_connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                           handler);
    });
    if (handshake_error_) return;
    lowest.expires_never();
    websocket::stream_base::timeout timeout;
    timeout.handshake_timeout = kTimeout;
    timeout.idle_timeout = kTimeout;
    timeout.keep_alive_pings = false;
    ws_.set_option(timeout);
    handshake_error_ = RunOp(context_, [&](auto handler) {
      ws_.async_handshake(response_, "127.0.0.1", target, handler);
    });
  }
  beast::error_code handshake_error() const { return handshake_error_; }
  const websocket::response_type& handshake_response() const { return response_; }

  beast::error_code Send(std::string text, bool binary = false) {
    out_ = std::move(text);
    ws_.binary(binary);
    return RunOp(context_, [&](auto handler) { ws_.async_write(asio::buffer(out_), handler); });
  }
  Frame Read() {
    Frame frame;
    beast::flat_buffer buffer;
    frame.ec = RunOp(context_, [&](auto handler) { ws_.async_read(buffer, handler); });
    if (!frame.ec) {
      frame.text = beast::buffers_to_string(buffer.data());
      frame.binary = ws_.got_binary();
    } else if (frame.ec == websocket::error::closed) {
      frame.close_code = ws_.reason().code;
      frame.close_reason = std::string(ws_.reason().reason.data(), ws_.reason().reason.size());
    }
    return frame;
  }
  // Reads past text frames until the connection ends; returns the final frame.
  Frame ReadUntilClosed(int* texts_seen = nullptr) {
    for (;;) {
      Frame frame = Read();
      if (frame.ec) return frame;
      if (texts_seen) ++*texts_seen;
    }
  }
  beast::error_code Close(std::uint16_t code) {
    return RunOp(context_, [&](auto handler) { ws_.async_close(code, handler); });
  }

 private:
  asio::io_context context_;
  websocket::stream<beast::tcp_stream> ws_;
  websocket::response_type response_;
  beast::error_code handshake_error_;
  std::string out_;
};

}  // namespace eddy::server::transport::testing
