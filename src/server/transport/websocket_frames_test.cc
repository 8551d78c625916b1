// The server's own RFC 6455 framing, driven by a raw client that writes frames byte by byte:
// masking, fragmentation, control frames, the closing handshake, invalid input.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "server/transport/server.h"
#include "server/transport/test_support.h"

namespace eddy::server::transport {
namespace {

using namespace testing;  // NOLINT: test helpers

constexpr char kKey[] = "dGhlIHNhbXBsZSBub25jZQ==";

// A WebSocket client with no framing library: frames are built and parsed here.
class RawClient {
 public:
  struct Frame {
    bool ok = false;  // false: the connection ended (or timed out) before a whole frame
    std::uint8_t first = 0;
    std::string payload;
    std::uint8_t opcode() const { return first & 0x0F; }
    std::uint16_t close_code() const {
      if (payload.size() < 2) return 0;
      return static_cast<std::uint16_t>((static_cast<std::uint8_t>(payload[0]) << 8) |
                                        static_cast<std::uint8_t>(payload[1]));
    }
  };

  // Sends the upgrade request with these headers; returns the response's status line.
  std::string Connect(std::uint16_t port, std::string version = "13", std::string key = kKey) {
    stream_.expires_after(kTimeout);
    if (RunOp(context_, [&](auto handler) {
          stream_.async_connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                                handler);
        })) {
      return "";
    }
    Write(
        "GET /connect?api_key=k HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: " +
        key + "\r\nSec-WebSocket-Version: " + version + "\r\n\r\n");
    while (in_.find("\r\n\r\n") == std::string::npos) {
      if (!Fill()) return "";
    }
    std::string head = in_.substr(0, in_.find("\r\n\r\n") + 4);
    in_.erase(0, head.size());
    return head.substr(0, head.find("\r\n"));
  }

  // One frame with this first byte (FIN, opcode), masked unless `masked` is false.
  void SendFrame(std::uint8_t first, std::string payload, bool masked = true) {
    Write(EncodeFrame(first, std::move(payload), masked));
  }

  // The same frame in two writes, split after `split` bytes, with a pause between so the
  // server reads them separately.
  void SendFrameInParts(std::uint8_t first, std::string payload, std::size_t split) {
    std::string frame = EncodeFrame(first, std::move(payload), true);
    Write(frame.substr(0, split));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    Write(frame.substr(split));
  }

  static std::string EncodeFrame(std::uint8_t first, std::string payload, bool masked) {
    std::string frame(1, static_cast<char>(first));
    const char mask[4] = {0x11, 0x22, 0x33, 0x44};
    std::uint8_t masked_bit = masked ? 0x80 : 0;
    if (payload.size() < 126) {
      frame += static_cast<char>(masked_bit | payload.size());
    } else {
      frame += static_cast<char>(masked_bit | 126);
      frame += static_cast<char>(payload.size() >> 8);
      frame += static_cast<char>(payload.size() & 0xFF);
    }
    if (masked) {
      frame.append(mask, 4);
      for (std::size_t i = 0; i < payload.size(); ++i) payload[i] ^= mask[i & 3];
    }
    return frame + payload;
  }

  Frame ReadFrame() {
    Frame f;
    while (in_.size() < 2) {
      if (!Fill()) return f;
    }
    std::size_t length = static_cast<std::uint8_t>(in_[1]) & 0x7F, header = 2;
    if (length == 126) {
      while (in_.size() < 4) {
        if (!Fill()) return f;
      }
      length = (static_cast<std::uint8_t>(in_[2]) << 8) | static_cast<std::uint8_t>(in_[3]);
      header = 4;
    }
    while (in_.size() < header + length) {
      if (!Fill()) return f;
    }
    f.ok = true;
    f.first = static_cast<std::uint8_t>(in_[0]);
    f.payload = in_.substr(header, length);
    in_.erase(0, header + length);
    return f;
  }

  void Write(const std::string& bytes) {
    stream_.expires_after(kTimeout);
    RunOp(context_,
          [&](auto handler) { asio::async_write(stream_, asio::buffer(bytes), handler); });
  }

  // Whether the server closed the TCP connection (rather than leaving it open).
  bool ServerClosed() {
    while (Fill()) {
    }
    return eof_;
  }

 private:
  bool Fill() {
    char buf[4096];
    std::size_t n = 0;
    stream_.expires_after(kTimeout);
    beast::error_code ec = RunOp(context_, [&](auto handler) {
      stream_.async_read_some(asio::buffer(buf), [&n, handler](beast::error_code e, std::size_t k) {
        n = k;
        handler(e);
      });
    });
    if (ec) {
      eof_ = ec == asio::error::eof || ec == asio::error::connection_reset;
      return false;
    }
    in_.append(buf, n);
    return true;
  }

  asio::io_context context_;
  beast::tcp_stream stream_{context_};
  std::string in_;
  bool eof_ = false;
};

class WebSocketFramesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(client_.Connect(server_.port()), "HTTP/1.1 101 Switching Protocols");
    ASSERT_TRUE(ws_.WaitForOpens(1));
  }

  // The close frame that ends the connection, after any text frames; answered, so the
  // server finishes the closing handshake at once.
  RawClient::Frame ReadClose() {
    for (;;) {
      RawClient::Frame f = client_.ReadFrame();
      if (f.ok && f.opcode() != 0x8) continue;
      if (f.ok) client_.SendFrame(0x88, f.payload.substr(0, 2));
      return f;
    }
  }

  FakeHttpHandler http_;
  FakeWsHandler ws_;
  RunningServer server_{TestOptions(), http_, ws_};
  RawClient client_;
};

TEST_F(WebSocketFramesTest, UnmaskedFrameClosesWith1002) {
  client_.SendFrame(0x81, "hello", /*masked=*/false);
  RawClient::Frame close = ReadClose();
  ASSERT_TRUE(close.ok);
  EXPECT_EQ(close.close_code(), 1002);
  EXPECT_TRUE(ws_.texts().empty());
  ASSERT_TRUE(ws_.WaitForCloses(1));
}

TEST_F(WebSocketFramesTest, FragmentedTextIsDeliveredWholeAndPingsAnsweredBetween) {
  client_.SendFrame(0x01, "hello ");  // text, not final
  client_.SendFrame(0x89, "are you there");
  client_.SendFrame(0x00, "wide ");  // continuation
  client_.SendFrame(0x80, "world");  // final continuation
  RawClient::Frame pong = client_.ReadFrame();
  ASSERT_TRUE(pong.ok);
  EXPECT_EQ(pong.first, 0x8A);
  EXPECT_EQ(pong.payload, "are you there");
  RawClient::Frame echo = client_.ReadFrame();
  ASSERT_TRUE(echo.ok);
  EXPECT_EQ(echo.first, 0x81);  // final text frame, unmasked
  EXPECT_EQ(echo.payload, "echo:hello wide world");
  EXPECT_EQ(ws_.texts(), std::vector<std::string>{"hello wide world"});
}

// What is unfinished between reads (a frame's first bytes, a message's fragments so far) is
// kept per connection only meanwhile: the pieces still join up.
TEST_F(WebSocketFramesTest, FramesSplitAcrossReadsAndEmptyFirstFragmentsAreJoined) {
  client_.SendFrameInParts(0x81, "split across reads", 3);  // inside the mask
  client_.SendFrame(0x01, "");                              // an empty first fragment
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  client_.SendFrameInParts(0x80, "after an empty start", 10);
  RawClient::Frame first = client_.ReadFrame();
  RawClient::Frame second = client_.ReadFrame();
  ASSERT_TRUE(first.ok && second.ok);
  EXPECT_EQ(first.payload, "echo:split across reads");
  EXPECT_EQ(second.payload, "echo:after an empty start");
  EXPECT_EQ(ws_.texts(), (std::vector<std::string>{"split across reads", "after an empty start"}));
}

TEST_F(WebSocketFramesTest, ABurstLargerThanOneLoopTurnReadsIsAllDelivered) {
  // ~2.9 MB in one client write. The server's socket is edge-triggered: it must read until
  // the socket is drained (across loop turns, 1 MiB per turn), or the rest would wait for a
  // readiness edge that never comes.
  ws_.echo = false;
  constexpr int kFrames = 48;
  auto body = [](int i) { return std::string(60000 + i, static_cast<char>('a' + i % 26)); };
  std::string burst;
  for (int i = 0; i < kFrames; ++i) burst += RawClient::EncodeFrame(0x81, body(i), true);
  client_.Write(burst);
  ASSERT_TRUE(ws_.WaitForTexts(kFrames)) << ws_.texts().size() << " of " << kFrames;
  std::vector<std::string> texts = ws_.texts();
  ASSERT_EQ(texts.size(), static_cast<std::size_t>(kFrames));
  for (int i = 0; i < kFrames; ++i) EXPECT_EQ(texts[i], body(i)) << "frame " << i;
  // And the connection still answers.
  client_.SendFrame(0x89, "p");
  RawClient::Frame pong = client_.ReadFrame();
  ASSERT_TRUE(pong.ok);
  EXPECT_EQ(pong.opcode(), 0xA);
}

TEST_F(WebSocketFramesTest, LongFramesUseTheExtendedLength) {
  std::string text(300, 'x');
  client_.SendFrame(0x81, text);
  RawClient::Frame echo = client_.ReadFrame();
  ASSERT_TRUE(echo.ok);
  EXPECT_EQ(echo.payload, "echo:" + text);
}

TEST_F(WebSocketFramesTest, ContinuationWithoutAStartClosesWith1002) {
  client_.SendFrame(0x80, "orphan");
  EXPECT_EQ(ReadClose().close_code(), 1002);
}

TEST_F(WebSocketFramesTest, NewMessageInsideAFragmentedOneClosesWith1002) {
  client_.SendFrame(0x01, "first half");
  client_.SendFrame(0x81, "interleaved");
  EXPECT_EQ(ReadClose().close_code(), 1002);
  EXPECT_TRUE(ws_.texts().empty());
}

TEST_F(WebSocketFramesTest, InvalidUtf8ClosesWith1007) {
  client_.SendFrame(0x81, "bad \xC3\x28 text");
  EXPECT_EQ(ReadClose().close_code(), 1007);
  EXPECT_TRUE(ws_.texts().empty());
  ASSERT_TRUE(ws_.WaitForCloses(1));
}

TEST_F(WebSocketFramesTest, PeerCloseIsEchoedThenTheServerClosesTheSocket) {
  client_.SendFrame(0x88, std::string("\x0F\xA1", 2) + "done");  // 4001
  RawClient::Frame close = ReadClose();
  ASSERT_TRUE(close.ok);
  EXPECT_EQ(close.close_code(), 4001);
  EXPECT_TRUE(client_.ServerClosed());
  ASSERT_TRUE(ws_.WaitForCloses(1));
  EXPECT_EQ(ws_.session(0)->closes.load(), 1);
}

TEST_F(WebSocketFramesTest, ReservedCloseCodeClosesWith1002) {
  client_.SendFrame(0x88, std::string("\x03\xED", 2));  // 1005 must never be sent
  EXPECT_EQ(ReadClose().close_code(), 1002);
}

TEST_F(WebSocketFramesTest, OversizedControlFrameClosesWith1002) {
  client_.SendFrame(0x89, std::string(126, 'p'));
  EXPECT_EQ(ReadClose().close_code(), 1002);
}

TEST(WebSocketHandshakeTest, BadKeyGets400AndWrongVersion426) {
  FakeHttpHandler http;
  FakeWsHandler ws;
  RunningServer server(TestOptions(), http, ws);
  RawClient bad_key;
  EXPECT_EQ(bad_key.Connect(server.port(), "13", "short"), "HTTP/1.1 400 Bad Request");
  RawClient old_version;
  EXPECT_EQ(old_version.Connect(server.port(), "8"), "HTTP/1.1 426 Upgrade Required");
  EXPECT_EQ(ws.opens(), 0u);
}

}  // namespace
}  // namespace eddy::server::transport
