// One HTTP/1.1 connection: reads requests within the configured limits, answers CORS
// preflights and protocol errors itself, hands everything else to the HttpHandler, and hands
// a WebSocket upgrade to /connect over to a WebSocketFrameConnection.
#pragma once

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/basic_stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "server/transport/http_message.h"
#include "server/transport/worker.h"

namespace eddy::server::transport {

// Responsible for one TCP connection until it closes or becomes a WebSocket. One request at
// a time: the next is not read before the previous is answered (pipelined bytes wait in the
// buffer). Threading: runs on its Worker's thread only; the respond callback given to the
// handler may be called from any thread and posts back.
class HttpSession : public Connection, public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(TcpSocket socket, std::shared_ptr<Worker> worker);

  void Start();
  void Shutdown() override;
  void ForceClose() override;

  // Called on the loop thread with the handler's answer.
  void OnResponse(HttpResponse response);

 private:
  enum class State { kIdle, kReadingBody, kHandling, kWriting, kClosing, kDone };

  void ReadHeader();
  void OnHeader(boost::beast::error_code ec);
  void ReadBody();
  void OnBody(boost::beast::error_code ec);
  void OnReadError(boost::beast::error_code ec);
  void Dispatch();
  void UpgradeToWebSocket(HttpRequest request, BeastRequest upgrade);
  void Fail(const Error& error);
  void Write(BeastResponse response);
  void OnWrite(boost::beast::error_code ec);
  // Half-closes and reads until the peer closes (bounded), so a client still sending a body
  // we refused receives our answer instead of a connection reset.
  void LingeringClose();
  void Drain();
  void CloseNow();

  boost::beast::basic_stream<boost::asio::ip::tcp, boost::asio::io_context::executor_type> stream_;
  std::shared_ptr<Worker> worker_;
  std::string remote_address_;
  std::uint64_t id_ = 0;
  bool registered_ = false;
  State state_ = State::kIdle;

  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  boost::beast::http::response<boost::beast::http::empty_body> continue_;
  BeastResponse response_;
  // Of the request being answered.
  unsigned version_ = 11;
  bool keep_alive_ = false;
  std::string origin_;

  std::array<char, 4096> drain_buffer_;
  std::size_t drained_bytes_ = 0;
};

}  // namespace eddy::server::transport
