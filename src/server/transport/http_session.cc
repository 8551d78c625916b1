#include "server/transport/http_session.h"

#include <algorithm>
#include <atomic>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <chrono>
#include <exception>
#include <functional>
#include <limits>
#include <utility>

#include "common/json.h"
#include "common/log.h"
#include "protocol/error_envelope.h"
#include "server/transport/websocket_connection.h"

namespace eddy::server::transport {

namespace beast = boost::beast;
namespace http = boost::beast::http;

namespace {

// How long, and how much, a refused client may keep sending before the socket is closed.
constexpr std::chrono::seconds kLingerTimeout{2};
constexpr std::size_t kMaxLingerBytes = 1024 * 1024;
// What a kept-alive connection's reads ask the kernel for at least. Beast asks for the read
// buffer's free space, or 512 bytes: a buffer that size never grows, as the header is
// consumed before the body is read, so a 600-byte message took two reads.
constexpr std::size_t kKeptAliveReadBytes = 4096;

HttpResponse InternalErrorResponse(std::string message) {
  Error error = Error::Internal(std::move(message));
  HttpResponse response;
  response.status = error.http_status;
  response.body = ToJson(protocol::ErrorEnvelope(error, 0.0));
  return response;
}

// The state behind the respond callback given to the handler: delivers exactly one response
// to the session's loop, and a 500 if the handler drops the callback without answering.
class ResponseSlot {
 public:
  ResponseSlot(std::shared_ptr<HttpSession> session, std::shared_ptr<Worker> worker)
      : session_(std::move(session)), worker_(std::move(worker)) {}
  ResponseSlot(const ResponseSlot&) = delete;
  ResponseSlot& operator=(const ResponseSlot&) = delete;
  ~ResponseSlot() {
    if (!used_.load()) Deliver(InternalErrorResponse("the request was dropped without an answer"));
  }

  void Deliver(HttpResponse response) {
    if (used_.exchange(true)) return;
    // Only the thread that won the exchange gets here, so moving the members is safe. If the
    // server has already shut down the post is refused and the session dies on this thread.
    worker_->Post([session = std::move(session_), response = std::move(response)]() mutable {
      session->OnResponse(std::move(response));
    });
  }

 private:
  std::shared_ptr<HttpSession> session_;
  std::shared_ptr<Worker> worker_;
  std::atomic<bool> used_{false};
};

bool IsHttpCategory(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_target).category();
}

}  // namespace

HttpSession::HttpSession(TcpSocket socket, std::shared_ptr<Worker> worker)
    : stream_(std::move(socket)), worker_(std::move(worker)) {
  beast::error_code ec;
  auto endpoint = stream_.socket().remote_endpoint(ec);
  if (!ec) remote_address_ = endpoint.address().to_string();
}

void HttpSession::Start() {
  // Accepted just before shutdown began: nothing has been read, so closing loses nothing.
  if (worker_->stopping()) {
    state_ = State::kDone;
    stream_.close();
    return;
  }
  id_ = worker_->Register(weak_from_this());
  registered_ = true;
  ReadHeader();
}

void HttpSession::Shutdown() {
  // Between requests nothing is lost by closing; otherwise the answer goes out first and
  // OnWrite closes because the worker is stopping.
  if (state_ == State::kIdle) CloseNow();
}

void HttpSession::ForceClose() { CloseNow(); }

void HttpSession::ReadHeader() {
  state_ = State::kIdle;
  const ServerOptions& options = worker_->options();
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(
      std::min<std::size_t>(options.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
  // Checked against Content-Length as soon as the header is parsed, so an oversized body is
  // refused before the client sends it; a chunked body fails when it crosses the limit.
  parser_->body_limit(options.max_body_bytes);
  stream_.expires_after(options.http_idle_timeout);
  http::async_read_header(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnHeader(ec); });
}

void HttpSession::OnHeader(beast::error_code ec) {
  if (state_ == State::kDone) return;
  if (ec) return OnReadError(ec);
  state_ = State::kReadingBody;
  if (parser_->is_done()) return Dispatch();
  const BeastRequest& request = parser_->get();
  if (beast::iequals(request[http::field::expect], "100-continue")) {
    continue_ = {http::status::continue_, request.version()};
    http::async_write(stream_, continue_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        if (self->state_ == State::kDone) return;
                        if (ec) return self->CloseNow();
                        self->ReadBody();
                      });
    return;
  }
  ReadBody();
}

void HttpSession::ReadBody() {
  stream_.expires_after(worker_->options().http_idle_timeout);
  http::async_read(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnBody(ec); });
}

void HttpSession::OnBody(beast::error_code ec) {
  if (state_ == State::kDone) return;
  if (ec) return OnReadError(ec);
  Dispatch();
}

void HttpSession::OnReadError(beast::error_code ec) {
  const ServerOptions& options = worker_->options();
  if (ec == http::error::header_limit) {
    return Fail(Error::Make(
        ErrorCode::kMaxHeaderSizeExceeded, 431,
        "request header is larger than " + std::to_string(options.max_header_bytes) + " bytes"));
  }
  if (ec == http::error::body_limit) {
    return Fail(Error::Make(
        ErrorCode::kPayloadTooBig, 413,
        "request body is larger than " + std::to_string(options.max_body_bytes) + " bytes"));
  }
  // end_of_stream and partial_message mean the peer went away: nobody to answer.
  if (IsHttpCategory(ec) && ec != http::error::end_of_stream &&
      ec != http::error::partial_message) {
    return Fail(Error::Input("malformed HTTP request: " + ec.message()));
  }
  // Timeouts, resets and aborts: the socket is unusable or we were told to go.
  CloseNow();
}

void HttpSession::Dispatch() {
  BeastRequest request = parser_->release();
  parser_.reset();
  version_ = request.version();
  keep_alive_ = request.keep_alive();
  origin_ = std::string(request[http::field::origin]);

  if (request.method() == http::verb::options) {
    return Write(PreflightResponse(request, keep_alive_ && !worker_->stopping()));
  }
  std::optional<BeastRequest> upgrade;
  if (beast::websocket::is_upgrade(request)) upgrade = request;  // a header, no body
  auto converted = ToHttpRequest(std::move(request), remote_address_);
  if (!converted.ok()) return Fail(converted.error());
  if (upgrade && converted->path == "/connect") {
    if (worker_->stopping()) return Fail(Error::Unavailable("the server is shutting down"));
    return UpgradeToWebSocket(std::move(converted).value(), std::move(*upgrade));
  }

  state_ = State::kHandling;
  auto slot = std::make_shared<ResponseSlot>(shared_from_this(), worker_);
  std::function<void(HttpResponse)> respond = [slot](HttpResponse response) {
    slot->Deliver(std::move(response));
  };
  try {
    worker_->http_handler().Handle(std::move(converted).value(), respond);
  } catch (const std::exception& e) {
    log::Error("http handler threw", {{"error", e.what()}});
    respond(InternalErrorResponse("internal error"));
  } catch (...) {
    log::Error("http handler threw a non-exception");
    respond(InternalErrorResponse("internal error"));
  }
}

void HttpSession::UpgradeToWebSocket(HttpRequest request, BeastRequest upgrade) {
  auto connection = std::make_shared<WebSocketFrameConnection>(stream_.release_socket(), worker_);
  state_ = State::kDone;
  connection->Start(std::move(request), upgrade);
  // After the new connection registered, so a stopping worker never looks drained between.
  if (registered_) {
    registered_ = false;
    worker_->Unregister(id_);
  }
}

void HttpSession::OnResponse(HttpResponse response) {
  if (state_ != State::kHandling) return;  // force-closed while the handler worked
  bool keep_alive = keep_alive_ && !worker_->stopping();
  Write(ToBeastResponse(std::move(response), version_, keep_alive, origin_));
}

void HttpSession::Fail(const Error& error) {
  unsigned version = parser_ ? parser_->get().version() : version_;
  std::string origin = parser_ ? std::string(parser_->get()[http::field::origin]) : origin_;
  parser_.reset();
  Write(ErrorResponse(error, version, origin));
}

void HttpSession::Write(BeastResponse response) {
  state_ = State::kWriting;
  response_ = std::move(response);
  stream_.expires_after(worker_->options().http_idle_timeout);
  http::async_write(
      stream_, response_,
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnWrite(ec); });
}

void HttpSession::OnWrite(beast::error_code ec) {
  if (state_ == State::kDone) return;
  if (ec) return CloseNow();
  if (!response_.keep_alive() || worker_->stopping()) return LingeringClose();
  response_ = {};
  // Not before the first request: a WebSocket's handshake never holds the larger buffer.
  if (buffer_.capacity() < kKeptAliveReadBytes) buffer_.reserve(kKeptAliveReadBytes);
  ReadHeader();
}

void HttpSession::LingeringClose() {
  state_ = State::kClosing;
  beast::error_code ec;
  stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ec);
  if (ec) return CloseNow();
  stream_.expires_after(kLingerTimeout);
  Drain();
}

void HttpSession::Drain() {
  stream_.async_read_some(boost::asio::buffer(drain_buffer_),
                          [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                            if (self->state_ == State::kDone) return;
                            self->drained_bytes_ += n;
                            if (ec || self->drained_bytes_ > kMaxLingerBytes) {
                              return self->CloseNow();
                            }
                            self->Drain();
                          });
}

void HttpSession::CloseNow() {
  if (state_ == State::kDone) return;
  state_ = State::kDone;
  stream_.close();
  if (registered_) {
    registered_ = false;
    worker_->Unregister(id_);
  }
}

}  // namespace eddy::server::transport
