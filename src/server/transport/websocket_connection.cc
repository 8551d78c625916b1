#include "server/transport/websocket_connection.h"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/field.hpp>
#include <chrono>
#include <exception>
#include <utility>

#include "common/log.h"

namespace eddy::server::transport {

namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;

namespace {

// Bounds the handshake and the closing handshake (Beast's own timer) and, separately, the
// wait for the queue to drain before our close frame can go out.
constexpr std::chrono::seconds kHandshakeTimeout{10};
constexpr std::chrono::seconds kCloseTimeout{5};
// A buffer grown by one large message is given back rather than kept per connection.
constexpr std::size_t kKeptReadBufferBytes = 64 * 1024;
// Messages are read in pieces of at most this, so an oversized one is caught after at most
// ws_max_message_bytes plus one piece.
constexpr std::size_t kReadChunkBytes = 64 * 1024;
constexpr std::size_t kMaxCloseReasonBytes = 123;
// A queue grown by a burst is given back once drained, so idle connections stay small.
constexpr std::size_t kKeptQueueSlots = 16;  // RFC 6455 §5.5: 125 minus the code

// Codes an endpoint may put in a close frame (RFC 6455 §7.4).
std::uint16_t SendableCloseCode(int code) {
  bool valid = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
               (code >= 3000 && code <= 4999);
  return static_cast<std::uint16_t>(valid ? code : websocket::close_code::internal_error);
}

// Cut to the frame limit without splitting a UTF-8 sequence.
std::string TruncateReason(std::string reason) {
  if (reason.size() <= kMaxCloseReasonBytes) return reason;
  std::size_t n = kMaxCloseReasonBytes;
  while (n > 0 && (static_cast<unsigned char>(reason[n]) & 0xC0) == 0x80) --n;
  reason.resize(n);
  return reason;
}

}  // namespace

BeastWebSocketConnection::BeastWebSocketConnection(boost::asio::ip::tcp::socket socket,
                                                   std::shared_ptr<Worker> worker,
                                                   std::string remote_address)
    : ws_(std::move(socket)),
      worker_(std::move(worker)),
      remote_address_(std::move(remote_address)),
      close_timer_(ws_.get_executor()) {}

void BeastWebSocketConnection::Start(HttpRequest request, BeastRequest upgrade) {
  id_ = worker_->Register(weak_from_this());
  registered_ = true;
  request_ = std::move(request);
  upgrade_ = std::move(upgrade);
  const ServerOptions& options = worker_->options();

  // Beast's websocket timer replaces the tcp_stream's; both at once would fight.
  beast::get_lowest_layer(ws_).expires_never();
  websocket::stream_base::timeout timeout;
  timeout.handshake_timeout = kHandshakeTimeout;
  timeout.idle_timeout = options.ws_idle_timeout;
  // The Stream client keeps itself alive with JSON health.check frames. A peer that sends
  // nothing for idle_timeout is gone; pinging it would only hide that.
  timeout.keep_alive_pings = false;
  ws_.set_option(timeout);
  ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& response) {
    response.set(beast::http::field::server, "eddy");
  }));
  // permessage-deflate stays off (Beast's default): events are small and encoded once for
  // many recipients, compressing per connection would undo that.

  // The message limit is enforced in OnRead rather than by Beast's read_message_max: Beast
  // fails the connection on the frame header and its 1.81 teardown then closes with the
  // rest of the frame unread, so the peer gets a reset instead of the 1009 close frame. Our
  // own close reads and discards the rest until the peer answers.
  ws_.read_message_max(0);
  ws_.async_accept(upgrade_,
                   [self = shared_from_this()](beast::error_code ec) { self->OnAccept(ec); });
}

void BeastWebSocketConnection::OnAccept(beast::error_code ec) {
  if (finished_) return;
  if (ec) return Finish();  // never opened, so no OnClose either
  upgrade_ = {};
  opened_ = true;
  try {
    session_ = worker_->ws_handler().OnOpen(shared_from_this(), request_);
  } catch (const std::exception& e) {
    log::Error("websocket OnOpen threw", {{"error", e.what()}});
  } catch (...) {
    log::Error("websocket OnOpen threw a non-exception");
  }
  request_ = {};
  if (!session_) StartClose(websocket::close_code::internal_error, "internal error");
  Read();
}

void BeastWebSocketConnection::Read() {
  ws_.async_read_some(
      read_buffer_, kReadChunkBytes,
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnRead(ec); });
}

void BeastWebSocketConnection::OnRead(beast::error_code ec) {
  if (finished_) return;
  // Whatever ended the read (peer close, idle timeout, protocol error, reset) ends the
  // connection.
  if (ec) return Finish();
  if (closing_) {
    // Frames that cross our close frame are dropped; keep reading for the peer's close.
    read_buffer_.consume(read_buffer_.size());
  } else if (read_buffer_.size() > worker_->options().ws_max_message_bytes) {
    read_buffer_.consume(read_buffer_.size());
    StartClose(websocket::close_code::too_big, "message too big");
  } else if (ws_.is_message_done()) {
    if (ws_.got_binary()) {
      StartClose(websocket::close_code::unknown_data, "binary frames are not supported");
    } else if (session_) {
      Deliver();
    }
    read_buffer_.consume(read_buffer_.size());
    if (read_buffer_.capacity() > kKeptReadBufferBytes) read_buffer_.shrink_to_fit();
  }
  if (finished_) return;
  Read();
}

void BeastWebSocketConnection::Deliver() {
  auto data = read_buffer_.cdata();
  try {
    session_->OnText(std::string_view(static_cast<const char*>(data.data()), data.size()));
  } catch (const std::exception& e) {
    log::Error("websocket OnText threw", {{"error", e.what()}});
    StartClose(websocket::close_code::internal_error, "internal error");
  } catch (...) {
    log::Error("websocket OnText threw a non-exception");
    StartClose(websocket::close_code::internal_error, "internal error");
  }
}

void BeastWebSocketConnection::Send(std::shared_ptr<const std::string> text) {
  if (!text) return;
  if (worker_->InLoopThread()) return Enqueue(std::move(text));
  worker_->Post([self = shared_from_this(), text = std::move(text)]() mutable {
    self->Enqueue(std::move(text));
  });
}

void BeastWebSocketConnection::Close(int code, std::string reason) {
  std::uint16_t sendable = SendableCloseCode(code);
  if (worker_->InLoopThread()) return StartClose(sendable, std::move(reason));
  worker_->Post([self = shared_from_this(), sendable, reason = std::move(reason)]() mutable {
    self->StartClose(sendable, std::move(reason));
  });
}

void BeastWebSocketConnection::Shutdown() {
  if (!opened_) return Finish();  // still in the handshake: nothing to say goodbye to
  StartClose(websocket::close_code::service_restart, "service restart");
}

void BeastWebSocketConnection::ForceClose() { Finish(); }

void BeastWebSocketConnection::Enqueue(std::shared_ptr<const std::string> text) {
  if (finished_ || closing_ || !opened_) return;
  queued_bytes_ += text->size();
  if (queued_bytes_ > worker_->options().ws_max_queue_bytes) {
    // Free the backlog now; the frame Beast is writing stays alive until it completes.
    ClearQueue();
    queued_bytes_ = in_flight_ ? in_flight_->size() : 0;
    log::Warn("websocket slow consumer", {{"remote", remote_address_}});
    return StartClose(websocket::close_code::policy_error, "slow consumer");
  }
  queue_.push_back(std::move(text));
  if (!in_flight_) WriteNext();
}

void BeastWebSocketConnection::WriteNext() {
  if (queue_head_ == queue_.size()) {
    ClearQueue();
    if (closing_ && !close_sent_) SendCloseFrame();
    return;
  }
  in_flight_ = std::move(queue_[queue_head_++]);
  ws_.text(true);
  ws_.async_write(
      boost::asio::buffer(*in_flight_),
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnWrite(ec); });
}

void BeastWebSocketConnection::OnWrite(beast::error_code ec) {
  queued_bytes_ -= in_flight_->size();
  in_flight_.reset();
  if (finished_) return;
  if (ec) {
    // The stream is failing or closing under us; the pending read reports how it ends.
    // Writing more is pointless, and the close timer bounds the wait.
    ClearQueue();
    queued_bytes_ = 0;
    close_sent_ = true;
    StartClose(websocket::close_code::going_away, "");
    return;
  }
  WriteNext();
}

void BeastWebSocketConnection::ClearQueue() {
  queue_.clear();
  queue_head_ = 0;
  if (queue_.capacity() > kKeptQueueSlots) queue_.shrink_to_fit();
}

void BeastWebSocketConnection::StartClose(std::uint16_t code, std::string reason) {
  if (finished_ || closing_) return;
  if (!opened_) return Finish();
  closing_ = true;
  close_reason_.code = code;
  std::string truncated = TruncateReason(std::move(reason));
  close_reason_.reason.assign(truncated.data(), truncated.size());
  close_timer_.expires_after(kCloseTimeout);
  close_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || self->finished_) return;
    // The peer stopped reading or never answered our close: drop it. The pending read
    // fails and calls Finish().
    beast::get_lowest_layer(self->ws_).close();
  });
  if (!in_flight_) WriteNext();
}

void BeastWebSocketConnection::SendCloseFrame() {
  close_sent_ = true;
  // A close the peer started (or Beast started for a protocol error) is already under way.
  if (!ws_.is_open()) return;
  ws_.async_close(close_reason_, [self = shared_from_this()](beast::error_code ec) {
    // On success the pending read completes once the closing handshake is done.
    if (ec && !self->finished_) self->Finish();
  });
}

void BeastWebSocketConnection::Finish() {
  if (finished_) return;
  finished_ = true;
  close_timer_.cancel();
  ClearQueue();
  beast::get_lowest_layer(ws_).close();
  if (session_) {
    auto session = std::move(session_);
    try {
      session->OnClose();
    } catch (const std::exception& e) {
      log::Error("websocket OnClose threw", {{"error", e.what()}});
    } catch (...) {
      log::Error("websocket OnClose threw a non-exception");
    }
  }
  if (registered_) {
    registered_ = false;
    worker_->Unregister(id_);
  }
}

}  // namespace eddy::server::transport
