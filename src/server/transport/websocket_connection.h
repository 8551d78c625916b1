// The Beast implementation of WebSocketConnection: one accepted WebSocket, its bounded send
// queue, and the calls into the WebSocketSession the layer above keeps for it.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "server/transport/handler.h"
#include "server/transport/http_message.h"
#include "server/transport/worker.h"

namespace eddy::server::transport {

// Responsible for one WebSocket from the upgrade to the end: text frames in (to
// WebSocketSession::OnText), text frames out (one write in flight, each queued buffer its own
// frame), idle and size limits, close codes, and exactly one OnClose for every OnOpen.
// Threading: runs on its Worker's thread; Send() and Close() may be called from any thread
// and post there when called elsewhere.
class BeastWebSocketConnection : public Connection,
                                 public WebSocketConnection,
                                 public std::enable_shared_from_this<BeastWebSocketConnection> {
 public:
  BeastWebSocketConnection(boost::asio::ip::tcp::socket socket, std::shared_ptr<Worker> worker,
                           std::string remote_address);

  // Completes the handshake for `upgrade`, then calls WebSocketHandler::OnOpen(`request`).
  void Start(HttpRequest request, BeastRequest upgrade);

  void Send(std::shared_ptr<const std::string> text) override;
  void Close(int code, std::string reason) override;
  const std::string& remote_address() const override { return remote_address_; }

  // Connection: shutdown closes with 1012 so clients reconnect at once (protocol §3.5).
  void Shutdown() override;
  void ForceClose() override;

 private:
  void OnAccept(boost::beast::error_code ec);
  void Read();
  void OnRead(boost::beast::error_code ec);
  // Hands the complete text message in read_buffer_ to the session.
  void Deliver();
  void Enqueue(std::shared_ptr<const std::string> text);
  void WriteNext();
  void OnWrite(boost::beast::error_code ec);
  // Stops taking new frames, lets the queue drain, then sends the close frame. Bounded by
  // kCloseTimeout in case the peer stopped reading.
  void StartClose(std::uint16_t code, std::string reason);
  void SendCloseFrame();
  void Finish();

  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  std::shared_ptr<Worker> worker_;
  std::string remote_address_;
  std::uint64_t id_ = 0;
  bool registered_ = false;

  HttpRequest request_;
  BeastRequest upgrade_;
  std::shared_ptr<WebSocketSession> session_;
  bool opened_ = false;
  bool finished_ = false;

  boost::beast::flat_buffer read_buffer_;
  // Frames not yet written are queue_[queue_head_..]. A vector rather than a deque: an empty
  // vector allocates nothing, an empty libstdc++ deque holds 576 bytes on every idle
  // connection (measured in BENCHMARKS.md).
  void ClearQueue();
  std::vector<std::shared_ptr<const std::string>> queue_;
  std::size_t queue_head_ = 0;
  std::shared_ptr<const std::string> in_flight_;  // kept alive while Beast writes from it
  std::size_t queued_bytes_ = 0;                  // queue_ plus in_flight_

  bool closing_ = false;
  bool close_sent_ = false;
  boost::beast::websocket::close_reason close_reason_;
  boost::asio::steady_timer close_timer_;
};

}  // namespace eddy::server::transport
