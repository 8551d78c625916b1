#include "server/transport/websocket_connection.h"

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/field.hpp>
#include <cerrno>
#include <climits>
#include <exception>
#include <utility>

#include "common/log.h"

namespace eddy::server::transport {

namespace asio = boost::asio;

namespace {

constexpr std::chrono::seconds kHandshakeTimeout{10};
// Bounds the wait for the queue to drain and for the peer's answer to our close frame.
constexpr std::chrono::seconds kCloseTimeout{5};
constexpr std::size_t kMaxCloseReasonBytes = ws::kMaxControlPayload - 2;
// Cut to the frame limit without splitting a UTF-8 sequence.
std::string_view TruncateReason(std::string_view reason) {
  if (reason.size() <= kMaxCloseReasonBytes) return reason;
  std::size_t n = kMaxCloseReasonBytes;
  while (n > 0 && (static_cast<unsigned char>(reason[n]) & 0xC0) == 0x80) --n;
  return reason.substr(0, n);
}

std::shared_ptr<const std::string> ControlFrame(std::uint8_t opcode, std::string_view payload) {
  auto frame = std::make_shared<std::string>(ws::kMaxHeaderBytes, '\0');
  frame->resize(ws::WriteServerHeader(opcode, payload.size(), frame->data()));
  frame->append(payload);
  return frame;
}

std::shared_ptr<const std::string> CloseFrame(std::uint16_t code, std::string_view reason) {
  std::string payload{static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
  payload += TruncateReason(reason);
  return ControlFrame(ws::kClose, payload);
}

// Sends iov[next..) with gathered writes until all is sent or the socket takes no more,
// moving `next` (and the first unsent buffer's start) past what was sent. False if the socket
// failed.
bool SendGathered(int fd, std::vector<iovec>& iov, std::size_t& next) {
  while (next < iov.size()) {
    msghdr msg{};
    msg.msg_iov = iov.data() + next;
    msg.msg_iovlen = std::min<std::size_t>(iov.size() - next, IOV_MAX);
    ssize_t sent = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK;
    }
    auto left = static_cast<std::size_t>(sent);
    while (next < iov.size() && left >= iov[next].iov_len) left -= iov[next++].iov_len;
    if (left > 0) {
      iov[next].iov_base = static_cast<char*>(iov[next].iov_base) + left;
      iov[next].iov_len -= left;
    }
  }
  return true;
}

constexpr std::size_t kFirstQueueSlots = 8;

template <typename T>
void Release(T& container) {
  T().swap(container);
}

}  // namespace

WebSocketFrameConnection::WebSocketFrameConnection(TcpSocket socket, std::shared_ptr<Worker> worker)
    : handshake_socket_(std::make_unique<TcpSocket>(std::move(socket))),
      worker_(std::move(worker)) {}

void WebSocketFrameConnection::Start(HttpRequest request, const BeastRequest& upgrade) {
  id_ = worker_->Register(weak_from_this());
  registered_ = true;
  namespace http = boost::beast::http;
  auto response = std::make_shared<std::string>();
  bool accepted = false;
  if (upgrade[http::field::sec_websocket_version] != "13") {
    *response =
        "HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\nServer: eddy\r\n"
        "Content-Length: 0\r\nConnection: close\r\n\r\n";
  } else if (!ws::IsValidClientKey(upgrade[http::field::sec_websocket_key])) {
    *response =
        "HTTP/1.1 400 Bad Request\r\nServer: eddy\r\nContent-Length: 0\r\nConnection: close"
        "\r\n\r\n";
  } else {
    accepted = true;
    // permessage-deflate is never negotiated: events are small and encoded once for many
    // recipients, compressing per connection would undo that and cost memory per socket.
    *response =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Accept: " +
        ws::AcceptKey(upgrade[http::field::sec_websocket_key]) + "\r\nServer: eddy\r\n\r\n";
  }
  deadline_ = Clock::now() + kHandshakeTimeout;
  asio::async_write(*handshake_socket_, asio::buffer(*response),
                    [self = shared_from_this(), response, accepted, request = std::move(request)](
                        boost::system::error_code ec, std::size_t) {
                      if (self->finished_) return;
                      if (ec || !accepted) return self->Finish();  // never opened: no OnClose
                      self->Open(std::move(request));
                    });
}

void WebSocketFrameConnection::Open(HttpRequest request) {
  opened_ = true;
  // From here the socket is eddy's own, watched on the worker's epoll set: nothing of Asio's
  // stays allocated for an idle connection.
  boost::system::error_code ec;
  int fd = handshake_socket_->release(ec);
  if (ec) return Finish();
  handshake_socket_.reset();
  int non_blocking = 1;  // one call, as Asio does (it already set it for the handshake's write)
  if (ioctl(fd, FIONBIO, &non_blocking) != 0 || !worker_->WatchSocket(fd, this)) {
    ::close(fd);
    return Finish();
  }
  fd_ = fd;  // watched from here until Finish
  self_ = shared_from_this();
  last_read_ = Clock::now();
  deadline_ = last_read_ + worker_->options().ws_idle_timeout;
  try {
    session_ = worker_->ws_handler().OnOpen(shared_from_this(), request);
  } catch (const std::exception& e) {
    log::Error("websocket OnOpen threw", {{"error", e.what()}});
  } catch (...) {
    log::Error("websocket OnOpen threw a non-exception");
  }
  if (!session_) StartClose(ws::kCloseInternalError, "internal error");
}

void WebSocketFrameConnection::OnSocketReady(std::uint32_t events) {
  if (!finished_ && (events & EPOLLOUT) != 0 && pending_) ContinueWrite();
  if (!finished_ && (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) OnReadable();
}

void WebSocketFrameConnection::OnReadable() {
  // A peer that keeps the socket full gets this many reads per loop turn, then waits its turn.
  constexpr int kMaxReadsPerTurn = 16;
  std::vector<char>& buffer = worker_->read_buffer();
  for (int reads = 0; reads < kMaxReadsPerTurn; ++reads) {
    ssize_t got = ::recv(fd_, buffer.data(), buffer.size(), 0);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    // End of stream, reset, or anything else: the peer is gone.
    if (got <= 0) return Finish();
    auto n = static_cast<std::size_t>(got);
    last_read_ = Clock::now();
    if (!incomplete_ || incomplete_->partial.empty()) {
      std::size_t used = ParseFrames(buffer.data(), n);
      if (!finished_ && used < n) MakeIncomplete().partial.assign(buffer.data() + used, n - used);
    } else {
      std::string& partial = incomplete_->partial;
      partial.append(buffer.data(), n);
      std::size_t used = ParseFrames(partial.data(), partial.size());
      if (!finished_) partial.erase(0, used);
    }
    if (finished_) return;
    // Only here, with no frame being parsed out of it: once nothing is unfinished, it goes
    // (a message's first fragment may be empty, so in_message_ decides, not message's size).
    if (incomplete_ && incomplete_->partial.empty() && incomplete_->discard == 0 && !in_message_) {
      incomplete_.reset();
    }
    // A short read drained the socket: what arrives next is a new edge.
    if (n < buffer.size()) return;
  }
  asio::post(worker_->io_context(), [self = shared_from_this()] {
    if (!self->finished_) self->OnReadable();
  });
}

WebSocketFrameConnection::ControlFrames& WebSocketFrameConnection::MakeControl() {
  if (!control_) control_ = std::make_unique<ControlFrames>();
  return *control_;
}

WebSocketFrameConnection::Incomplete& WebSocketFrameConnection::MakeIncomplete() {
  if (!incomplete_) incomplete_ = std::make_unique<Incomplete>();
  return *incomplete_;
}

std::size_t WebSocketFrameConnection::ParseFrames(char* data, std::size_t size) {
  const std::size_t max_message = worker_->options().ws_max_message_bytes;
  std::size_t pos = 0;
  while (!finished_ && pos < size) {
    if (incomplete_ && incomplete_->discard > 0) {
      std::uint64_t& discard = incomplete_->discard;
      std::size_t skip = static_cast<std::size_t>(std::min<std::uint64_t>(discard, size - pos));
      discard -= skip;
      pos += skip;
      continue;
    }
    ws::FrameHeader h;
    ws::HeaderResult result = ws::ParseClientHeader(data + pos, size - pos, &h);
    if (result == ws::HeaderResult::kIncomplete) break;
    if (result == ws::HeaderResult::kProtocolError) {
      Fail(ws::kCloseProtocolError, "protocol error");
      return size;
    }
    if (!h.control()) {
      // Once closing, data frames are dropped unread; past the limit, the message is refused
      // before its payload is buffered.
      bool refuse = closing_ || h.length > max_message ||
                    (in_message_ && incomplete_->message.size() + h.length > max_message);
      if (refuse) {
        if (!closing_) StartClose(ws::kCloseTooBig, "message too big");
        in_message_ = false;
        if (incomplete_) Release(incomplete_->message);
        MakeIncomplete().discard = h.length;
        pos += h.header_bytes;
        continue;
      }
    }
    if (size - pos - h.header_bytes < h.length) break;  // the payload is still arriving
    char* payload = data + pos + h.header_bytes;
    ws::Unmask(payload, h.length, h.mask);
    pos += h.header_bytes + h.length;
    OnFrame(h, std::string_view(payload, h.length));
  }
  return pos;
}

void WebSocketFrameConnection::OnFrame(const ws::FrameHeader& h, std::string_view payload) {
  switch (h.opcode) {
    case ws::kText:
    case ws::kBinary:
      if (in_message_) return Fail(ws::kCloseProtocolError, "expected a continuation frame");
      if (h.opcode == ws::kBinary) {
        return StartClose(ws::kCloseUnsupportedData, "binary frames are not supported");
      }
      if (!h.fin) {
        in_message_ = true;
        MakeIncomplete().message.assign(payload);
        return;
      }
      return Deliver(payload);
    case ws::kContinuation: {
      if (!in_message_) return Fail(ws::kCloseProtocolError, "unexpected continuation frame");
      incomplete_->message.append(payload);
      if (!h.fin) return;
      in_message_ = false;
      std::string text = std::exchange(incomplete_->message, {});
      return Deliver(text);
    }
    case ws::kPing:
      if (closing_) return;
      // Only the latest ping is answered when several wait (RFC 6455 §5.5.3): bounded.
      MakeControl().pong = ControlFrame(ws::kPong, payload);
      return WriteNext();
    case ws::kClose:
      return OnPeerClose(payload);
    default:  // pong: nothing to do, the idle deadline already moved
      return;
  }
}

void WebSocketFrameConnection::OnPeerClose(std::string_view payload) {
  if (payload.size() == 1) return Fail(ws::kCloseProtocolError, "invalid close frame");
  std::uint16_t code = ws::kCloseNormal;
  if (payload.size() >= 2) {
    code = static_cast<std::uint16_t>((static_cast<std::uint8_t>(payload[0]) << 8) |
                                      static_cast<std::uint8_t>(payload[1]));
    if (!ws::IsValidCloseCode(code)) return Fail(ws::kCloseProtocolError, "invalid close code");
    if (!ws::IsValidUtf8(payload.substr(2))) {
      return Fail(ws::kCloseInvalidPayload, "invalid UTF-8 in the close reason");
    }
  }
  peer_closed_ = true;
  if (closing_) {
    // Our close frame is out (the closing handshake is complete) or on its way.
    if (close_queued_ && !pending_) Finish();
    return;
  }
  // The peer started the close: what is queued is dropped and its code echoed (§5.5.1).
  ClearQueue();
  StartClose(code, "");
}

void WebSocketFrameConnection::Deliver(std::string_view text) {
  if (!ws::IsValidUtf8(text)) return Fail(ws::kCloseInvalidPayload, "invalid UTF-8");
  if (!session_) return;
  try {
    session_->OnText(text);
  } catch (const std::exception& e) {
    log::Error("websocket OnText threw", {{"error", e.what()}});
    StartClose(ws::kCloseInternalError, "internal error");
  } catch (...) {
    log::Error("websocket OnText threw a non-exception");
    StartClose(ws::kCloseInternalError, "internal error");
  }
}

void WebSocketFrameConnection::Send(std::shared_ptr<const std::string> text) {
  if (!text) return;
  if (worker_->InLoopThread()) return QueueText(std::move(text));
  worker_->Forward(shared_from_this(), std::move(text));
}

void WebSocketFrameConnection::Close(int code, std::string reason) {
  auto sendable = static_cast<std::uint16_t>(code);
  if (code < 0 || code > 0xFFFF || !ws::IsValidCloseCode(sendable)) {
    sendable = ws::kCloseInternalError;
  }
  if (worker_->InLoopThread()) return StartClose(sendable, reason);
  // Through the same queue as Send, so a close stays behind the frames sent before it.
  worker_->ForwardClose(shared_from_this(), sendable, std::move(reason));
}

void WebSocketFrameConnection::Shutdown() {
  if (!opened_) return Finish();  // still in the handshake: nothing to say goodbye to
  StartClose(ws::kCloseServiceRestart, "service restart");
}

void WebSocketFrameConnection::ForceClose() { Finish(); }

void WebSocketFrameConnection::QueueText(std::shared_ptr<const std::string> text) {
  if (finished_ || closing_ || !opened_) return;
  queued_bytes_ += text->size();
  if (queued_bytes_ > worker_->options().ws_max_queue_bytes) {
    // Free the backlog now; the frames being written stay alive until the write completes.
    queued_bytes_ -= text->size();
    ClearQueue();
    // The address is not kept per connection (the layer above has it); asked for here.
    asio::ip::tcp::endpoint peer;
    socklen_t size = static_cast<socklen_t>(peer.capacity());
    bool known = getpeername(fd_, peer.data(), &size) == 0;
    if (known) peer.resize(size);
    log::Warn("websocket slow consumer", {{"remote", known ? peer.address().to_string() : ""}});
    return StartClose(ws::kClosePolicy, "slow consumer");
  }
  // Room for a few frames at once: under load a write carries 5-10, and growing the queue
  // one doubling at a time cost an allocation each.
  if (queue_.capacity() == 0) queue_.reserve(kFirstQueueSlots);
  queue_.push_back(std::move(text));
  if (flush_pending_ || pending_) return;  // that flush or write takes it along
  flush_pending_ = true;
  worker_->FlushSoon(shared_from_this());
}

void WebSocketFrameConnection::Flush() {
  flush_pending_ = false;
  WriteNext();
}

void WebSocketFrameConnection::WriteNext() {
  if (pending_ || finished_) return;
  const bool with_close = closing_ && !close_queued_;
  const bool with_pong = control_ && control_->pong;
  if (!with_pong && queue_.empty() && !with_close) return;
  // The frames, the headers and the buffer list are gathered in the worker's scratch space;
  // only a write the socket does not take at once keeps them (an idle connection keeps none).
  // Layout: [pong] text frames... [close]; the pong and the close frame are whole frames.
  Worker::WriteScratch& scratch = worker_->write_scratch();
  std::vector<std::shared_ptr<const std::string>>& frames = scratch.frames;
  frames.clear();
  if (with_pong) frames.push_back(std::move(control_->pong));
  const std::size_t first_text = frames.size();
  frames.insert(frames.end(), std::make_move_iterator(queue_.begin()),
                std::make_move_iterator(queue_.end()));
  const std::size_t end_text = frames.size();
  // The queue's storage goes with its frames: an idle connection holds none (the next
  // frame allocates it again, which costs less than the write it waits for).
  Release(queue_);
  if (with_close) {
    frames.push_back(std::move(control_->close));
    close_queued_ = true;
  }
  control_.reset();  // what it held is in this write
  worker_->CountWrite(frames.size());
  scratch.headers.resize(ws::kMaxHeaderBytes * frames.size());
  scratch.buffers.clear();
  std::size_t text_bytes = 0;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const std::string& bytes = *frames[i];
    if (i >= first_text && i < end_text) {
      char* header = scratch.headers.data() + ws::kMaxHeaderBytes * i;
      scratch.buffers.push_back({header, ws::WriteServerHeader(ws::kText, bytes.size(), header)});
      text_bytes += bytes.size();
    }
    scratch.buffers.push_back({const_cast<char*>(bytes.data()), bytes.size()});
  }
  // One gathered write (sendmsg with an iovec) on the non-blocking socket: usually the
  // kernel takes it whole, with nothing to allocate and no readiness to wait for.
  std::size_t next = 0;
  if (!SendGathered(fd_, scratch.buffers, next)) {
    frames.clear();
    return AfterWrite(/*failed=*/true);
  }
  if (next == scratch.buffers.size()) {
    queued_bytes_ -= text_bytes;
    frames.clear();
    return AfterWrite(/*failed=*/false);
  }
  // The rest waits for the socket to be writable again (an edge the worker reports).
  pending_ = std::make_unique<PendingWrite>();
  pending_->frames.swap(frames);
  pending_->text_bytes = text_bytes;
  pending_->headers = scratch.headers;
  const char* scratch_begin = scratch.headers.data();
  const char* scratch_end = scratch_begin + scratch.headers.size();
  pending_->rest.assign(scratch.buffers.begin() + static_cast<std::ptrdiff_t>(next),
                        scratch.buffers.end());
  for (iovec& b : pending_->rest) {
    const char* p = static_cast<const char*>(b.iov_base);
    if (p >= scratch_begin && p < scratch_end) {
      b.iov_base = pending_->headers.data() + (p - scratch_begin);
    }
  }
}

void WebSocketFrameConnection::ContinueWrite() {
  if (!SendGathered(fd_, pending_->rest, pending_->next)) return AfterWrite(/*failed=*/true);
  if (pending_->next < pending_->rest.size()) return;  // still full: wait for the next edge
  queued_bytes_ -= pending_->text_bytes;
  pending_.reset();
  AfterWrite(/*failed=*/false);
}

void WebSocketFrameConnection::AfterWrite(bool failed) {
  if (finished_) return;
  if (failed) return Finish();  // the peer is gone
  if (close_queued_ && peer_closed_) return Finish();
  WriteNext();
}

void WebSocketFrameConnection::ClearQueue() {
  for (const auto& text : queue_) queued_bytes_ -= text->size();
  if (control_ && !control_->close) control_.reset();  // only a pong: dropped with the queue
  if (control_) control_->pong.reset();
  Release(queue_);
}

void WebSocketFrameConnection::StartClose(std::uint16_t code, std::string_view reason) {
  if (finished_ || closing_) return;
  if (!opened_) return Finish();
  closing_ = true;
  MakeControl().close = CloseFrame(code, reason);
  deadline_ = Clock::now() + kCloseTimeout;
  WriteNext();
}

void WebSocketFrameConnection::Fail(std::uint16_t code, std::string_view reason) {
  if (closing_) return Finish();  // a violation during the closing handshake: just drop it
  ClearQueue();
  StartClose(code, reason);
}

void WebSocketFrameConnection::CheckDeadline(Clock::time_point now) {
  if (!finished_ && now >= deadline_) OnDeadline(now);
}

void WebSocketFrameConnection::OnDeadline(Clock::time_point now) {
  // The handshake did not complete, or the close did not: drop the socket.
  if (!opened_ || closing_) return Finish();
  // Reads only note their time; the deadline moves here, once per idle period.
  deadline_ = last_read_ + worker_->options().ws_idle_timeout;
  if (now >= deadline_) Finish();  // the peer sent nothing for too long
}

void WebSocketFrameConnection::Finish() {
  if (finished_) return;
  finished_ = true;
  if (fd_ >= 0) {
    worker_->StopWatchingSocket(fd_);
    ::close(fd_);
    fd_ = -1;
  } else {
    boost::system::error_code ignored;
    if (handshake_socket_) handshake_socket_->close(ignored);  // ends the handshake's write
  }
  pending_.reset();
  ClearQueue();
  incomplete_.reset();
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
  if (self_) asio::post(worker_->io_context(), [self = std::move(self_)] {});
}

}  // namespace eddy::server::transport
