// The WebSocket connection: RFC 6455 framed by eddy itself on the TCP socket once Beast has
// parsed the upgrade request. Owning the framing is what lets everything queued for a
// connection leave in one gathered write, and an idle connection hold no buffer.
#pragma once

#include <sys/uio.h>

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "server/transport/handler.h"
#include "server/transport/http_message.h"
#include "server/transport/websocket_frame.h"
#include "server/transport/worker.h"

namespace eddy::server::transport {

// Responsible for one WebSocket from the upgrade to the end: the handshake response, text
// messages in (to WebSocketSession::OnText; fragments joined, UTF-8 checked), text frames out
// (one write in flight, carrying every frame queued when it starts; a write starts once the
// loop has run what was already queued, so a burst shares it), pings answered, idle and
// size limits, close codes, and exactly one OnClose for every OnOpen. While idle it holds no
// read buffer: it waits for readability and reads into its Worker's shared buffer; only the
// bytes of an unfinished frame or message are kept per connection.
// Threading: runs on its Worker's thread; Send() and Close() may be called from any thread
// and post there when called elsewhere.
class WebSocketFrameConnection : public Connection,
                                 public WebSocketConnection,
                                 public FrameSink,
                                 public std::enable_shared_from_this<WebSocketFrameConnection> {
 public:
  WebSocketFrameConnection(TcpSocket socket, std::shared_ptr<Worker> worker);

  // Answers the upgrade `upgrade` (101, or 400/426 when it is not a valid WebSocket
  // handshake), then calls WebSocketHandler::OnOpen(`request`).
  void Start(HttpRequest request, const BeastRequest& upgrade);

  void Send(std::shared_ptr<const std::string> text) override;
  void Close(int code, std::string reason) override;

  // Connection: shutdown closes with 1012 so clients reconnect at once (protocol §3.5).
  void Shutdown() override;
  void ForceClose() override;
  void CheckDeadline(std::chrono::steady_clock::time_point now) override;
  void OnSocketReady(std::uint32_t events) override;

 private:
  using Clock = std::chrono::steady_clock;

  void Open(HttpRequest request);
  // Reads what the socket holds (edge-triggered: until it is drained, or a turn's share).
  void OnReadable();
  // Parses the frames in data[0..size) (payloads unmasked in place); returns the bytes used.
  std::size_t ParseFrames(char* data, std::size_t size);
  void OnFrame(const ws::FrameHeader& header, std::string_view payload);
  void OnPeerClose(std::string_view payload);
  void Deliver(std::string_view text);
  // FrameSink.
  void QueueText(std::shared_ptr<const std::string> text) override;
  void Flush() override;
  // Starts a gathered write of everything pending, unless one is in flight.
  void WriteNext();
  // The socket can take more of the write in flight.
  void ContinueWrite();
  // After a write (or its failure): closes or starts the next one.
  void AfterWrite(bool failed);
  // FrameSink. Stops taking new frames; what is queued goes out, then the close frame.
  void StartClose(std::uint16_t code, std::string_view reason) override;
  // A protocol violation: the queue is dropped and the close frame goes out next.
  void Fail(std::uint16_t code, std::string_view reason);
  void OnDeadline(Clock::time_point now);
  void ClearQueue();
  void Finish();

  // Asio's socket until the handshake's answer is written; then fd_ is the socket.
  std::unique_ptr<TcpSocket> handshake_socket_;
  int fd_ = -1;
  std::shared_ptr<Worker> worker_;
  // Owns the connection while its socket is watched (no pending operation does): released
  // a loop turn after Finish, since that turn's readiness events may still name it.
  std::shared_ptr<WebSocketFrameConnection> self_;
  std::uint64_t id_ = 0;
  std::shared_ptr<WebSocketSession> session_;

  // Reading. `partial` holds the bytes of a frame not yet complete (still masked), `message`
  // the unmasked payload of a fragmented message so far; allocated only while one of them is
  // unfinished, so an idle connection holds neither.
  struct Incomplete {
    std::string partial;
    std::string message;
    std::uint64_t discard = 0;  // payload bytes still to skip (a refused frame)
  };
  Incomplete& MakeIncomplete();
  std::unique_ptr<Incomplete> incomplete_;
  Clock::time_point last_read_;

  // Writing. queue_ holds the text frames not yet written. A write the socket does not take
  // at once keeps what it still sends in pending_ (allocated only then) until it completes.
  struct PendingWrite {
    std::vector<std::shared_ptr<const std::string>> frames;  // [pong] text frames... [close]
    std::size_t text_bytes = 0;                              // of the text frames among them
    std::string headers;                                     // the text frames' headers
    std::vector<iovec> rest;  // what is still to send, into frames and headers
    std::size_t next = 0;     // the first of rest not sent whole
  };
  std::vector<std::shared_ptr<const std::string>> queue_;
  std::size_t queued_bytes_ = 0;  // text frames in queue_ and pending_
  // Whole control frames for the next write, allocated only while one waits.
  struct ControlFrames {
    std::shared_ptr<const std::string> pong;   // the answer to the latest ping
    std::shared_ptr<const std::string> close;  // made by StartClose, taken by WriteNext
  };
  ControlFrames& MakeControl();
  std::unique_ptr<ControlFrames> control_;
  std::unique_ptr<PendingWrite> pending_;  // the write in flight, if any

  // The handshake, idle or close deadline, one at a time; the Worker's sweep checks it.
  Clock::time_point deadline_ = Clock::time_point::max();

  // Flags, together so they pack.
  bool in_message_ = false;     // a text message's first fragment arrived, not its last
  bool flush_pending_ = false;  // a Worker::FlushSoon for this connection is pending
  bool registered_ = false;
  bool opened_ = false;
  bool finished_ = false;
  bool closing_ = false;       // our close frame is queued or sent; no more frames taken
  bool close_queued_ = false;  // the close frame is being written or was
  bool peer_closed_ = false;   // the peer's close frame arrived
};

}  // namespace eddy::server::transport
