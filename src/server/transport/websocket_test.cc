// WebSocket over real loopback sockets: frames in and out, close codes, limits, shutdown.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <memory>
#include <vector>

#include "server/transport/server.h"
#include "server/transport/test_support.h"

namespace eddy::server::transport {
namespace {

using namespace testing;  // NOLINT: test helpers

class WebSocketTest : public ::testing::Test {
 protected:
  FakeHttpHandler http_;
  FakeWsHandler ws_;
};

TEST_F(WebSocketTest, TextInAndOutWithTheUpgradeRequestHandedToOnOpen) {
  RunningServer server(TestOptions(), http_, ws_);
  WsClient client(server.port(), "/connect?json=%7B%22user_id%22%3A%22u1%22%7D&api_key=k");
  ASSERT_FALSE(client.handshake_error()) << client.handshake_error().message();
  ASSERT_TRUE(ws_.WaitForOpens(1));
  HttpRequest upgrade = ws_.request(0);
  EXPECT_EQ(upgrade.path, "/connect");
  ASSERT_NE(upgrade.Query("json"), nullptr);
  EXPECT_EQ(*upgrade.Query("json"), R"({"user_id":"u1"})");
  EXPECT_EQ(upgrade.remote_address, "127.0.0.1");
  EXPECT_EQ(http_.count(), 0u);

  for (std::string text : {R"([{"type":"health.check"}])", "second"}) {
    ASSERT_FALSE(client.Send(text));
    auto frame = client.Read();
    ASSERT_FALSE(frame.ec) << frame.ec.message();
    EXPECT_FALSE(frame.binary);
    EXPECT_EQ(frame.text, "echo:" + text);
  }
  EXPECT_EQ(ws_.texts().size(), 2u);

  ASSERT_FALSE(client.Close(websocket::close_code::normal));
  ASSERT_TRUE(ws_.WaitForCloses(1));
  EXPECT_EQ(ws_.session(0)->closes.load(), 1);
}

TEST_F(WebSocketTest, SendFromAnotherThreadKeepsOrder) {
  RunningServer server(TestOptions(), http_, ws_);
  WsClient client(server.port());
  ASSERT_FALSE(client.handshake_error());
  ASSERT_TRUE(ws_.WaitForOpens(1));
  auto connection = ws_.connection(0);
  ASSERT_NE(connection, nullptr);
  std::thread sender([connection] {
    for (int i = 0; i < 100; ++i)
      connection->Send(std::make_shared<const std::string>(std::to_string(i)));
  });
  sender.join();
  for (int i = 0; i < 100; ++i) {
    auto frame = client.Read();
    ASSERT_FALSE(frame.ec);
    EXPECT_EQ(frame.text, std::to_string(i));
  }
}

TEST_F(WebSocketTest, ABurstFromAnotherThreadLeavesInOneWrite) {
  // The burst is sent while the loop is busy (inside OnOpen, on the loop thread), as when
  // the loop falls behind the threads producing events.
  ws_.on_open = [](const std::shared_ptr<WebSocketConnection>& connection, const HttpRequest&) {
    std::thread sender([connection] {
      for (int i = 0; i < 50; ++i)
        connection->Send(std::make_shared<const std::string>(std::to_string(i)));
      connection->Close(1000, "done");
      connection->Send(std::make_shared<const std::string>("dropped: sent after Close"));
    });
    sender.join();
  };
  RunningServer server(TestOptions(), http_, ws_);
  WsClient client(server.port());
  ASSERT_FALSE(client.handshake_error());
  for (int i = 0; i < 50; ++i) {
    auto frame = client.Read();
    ASSERT_FALSE(frame.ec) << frame.ec.message();
    EXPECT_EQ(frame.text, std::to_string(i));
  }
  auto end = client.Read();
  EXPECT_EQ(end.ec, websocket::error::closed);
  EXPECT_EQ(end.close_code, 1000);
  // The 50 frames and the close frame: one gathered write.
  WriteStats stats = server.server().write_stats();
  EXPECT_EQ(stats.frames, 51u);
  EXPECT_EQ(stats.writes, 1u);
}

TEST_F(WebSocketTest, CloseSendsWhatIsQueuedThenTheCloseFrame) {
  ws_.on_open = [](const std::shared_ptr<WebSocketConnection>& connection, const HttpRequest&) {
    // What the API does on a failed handshake: an error frame, then 1000 (protocol §3.3).
    connection->Send(std::make_shared<const std::string>(R"({"type":"connection.error"})"));
    connection->Send(std::make_shared<const std::string>("after"));
    connection->Close(1000, "bye");
    connection->Send(std::make_shared<const std::string>("dropped: sent after Close"));
  };
  RunningServer server(TestOptions(), http_, ws_);
  WsClient client(server.port());
  ASSERT_FALSE(client.handshake_error());
  auto first = client.Read();
  ASSERT_FALSE(first.ec);
  EXPECT_EQ(first.text, R"({"type":"connection.error"})");
  EXPECT_EQ(client.Read().text, "after");
  auto end = client.Read();
  EXPECT_EQ(end.ec, websocket::error::closed);
  EXPECT_EQ(end.close_code, 1000);
  EXPECT_EQ(end.close_reason, "bye");
  ASSERT_TRUE(ws_.WaitForCloses(1));
  EXPECT_EQ(ws_.session(0)->closes.load(), 1);
}

TEST_F(WebSocketTest, BinaryFrameClosesWith1003) {
  RunningServer server(TestOptions(), http_, ws_);
  WsClient client(server.port());
  ASSERT_FALSE(client.handshake_error());
  ASSERT_FALSE(client.Send("\x01\x02", /*binary=*/true));
  auto end = client.ReadUntilClosed();
  EXPECT_EQ(end.ec, websocket::error::closed) << end.ec.message();
  EXPECT_EQ(end.close_code, 1003);
  ASSERT_TRUE(ws_.WaitForCloses(1));
  EXPECT_TRUE(ws_.texts().empty());
}

TEST_F(WebSocketTest, OversizedMessageClosesWith1009) {
  ServerOptions options = TestOptions();
  options.ws_max_message_bytes = 1024;
  RunningServer server(options, http_, ws_);
  WsClient client(server.port());
  ASSERT_FALSE(client.handshake_error());
  ASSERT_FALSE(client.Send(std::string(1000, 'a')));
  EXPECT_EQ(client.Read().text, "echo:" + std::string(1000, 'a'));
  client.Send(std::string(4096, 'b'));
  auto end = client.ReadUntilClosed();
  EXPECT_EQ(end.ec, websocket::error::closed) << end.ec.message();
  EXPECT_EQ(end.close_code, 1009);
  ASSERT_TRUE(ws_.WaitForCloses(1));
  EXPECT_EQ(ws_.session(0)->closes.load(), 1);
}

TEST_F(WebSocketTest, SilentConnectionIsDroppedAfterTheIdleTimeout) {
  ServerOptions options = TestOptions();
  options.ws_idle_timeout = std::chrono::seconds(1);
  RunningServer server(options, http_, ws_);
  WsClient chatty(server.port());
  WsClient silent(server.port());
  ASSERT_FALSE(chatty.handshake_error());
  ASSERT_FALSE(silent.handshake_error());
  // Frames ten times more often than the limit keep a connection alive past two periods.
  for (int i = 0; i < 25; ++i) {
    ASSERT_FALSE(chatty.Send("ping " + std::to_string(i)));
    ASSERT_FALSE(chatty.Read().ec);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  auto end = silent.ReadUntilClosed();
  EXPECT_NE(end.ec, beast::error::timeout) << "the client's own timeout fired first";
  ASSERT_TRUE(ws_.WaitForCloses(1));
  ASSERT_FALSE(chatty.Send("still here"));
  EXPECT_EQ(chatty.Read().text, "echo:still here");
}

TEST_F(WebSocketTest, ABurstTheSocketTakesInPartsArrivesWholeAndInOrder) {
  // ~3 MB in one gathered write: more than a fresh loopback socket takes at once, so the
  // write continues asynchronously from wherever the kernel stopped (header or payload).
  constexpr int kFrames = 40;
  auto body = [](int i) {
    return std::string(50 * 1024 + 997 * i, static_cast<char>('a' + i % 26));
  };
  ws_.on_open = [&](const std::shared_ptr<WebSocketConnection>& connection, const HttpRequest&) {
    for (int i = 0; i < kFrames; ++i)
      connection->Send(std::make_shared<const std::string>(body(i)));
  };
  RunningServer server(TestOptions(), http_, ws_);
  WsClient client(server.port());
  ASSERT_FALSE(client.handshake_error());
  for (int i = 0; i < kFrames; ++i) {
    auto frame = client.Read();
    ASSERT_FALSE(frame.ec) << frame.ec.message();
    ASSERT_EQ(frame.text, body(i)) << "frame " << i;
  }
  EXPECT_EQ(server.server().write_stats().frames, std::uint64_t{kFrames});
  EXPECT_EQ(server.server().write_stats().writes, 1u);
}

// Open sockets of this process (the server runs in it). Sockets only: other threads of the
// process (the C library among them) open and close files of their own at any moment.
std::size_t OpenSockets() {
  std::size_t n = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    const auto target = std::filesystem::read_symlink(entry.path(), ec);
    if (!ec && target.native().starts_with("socket:")) ++n;
  }
  return n;
}

TEST_F(WebSocketTest, ClosedWebSocketsGiveTheirSocketsBack) {
  // Once open, a WebSocket's socket is the connection's own (not Asio's): every way it ends
  // must close it.
  RunningServer server(TestOptions(), http_, ws_);
  const std::size_t before = OpenSockets();
  {
    std::vector<std::unique_ptr<WsClient>> clients;
    for (std::size_t i = 0; i < 6; ++i) {
      clients.push_back(std::make_unique<WsClient>(server.port()));
      ASSERT_FALSE(clients.back()->handshake_error());
      ASSERT_TRUE(ws_.WaitForOpens(i + 1));  // so that connection(i) is clients[i]'s
    }
    ASSERT_FALSE(clients[0]->Close(websocket::close_code::normal));  // the peer closes
    ws_.connection(1)->Close(1000, "bye");                           // the server closes
    ASSERT_EQ(clients[1]->ReadUntilClosed().close_code, 1000);
    // The others just drop their sockets.
  }
  ASSERT_TRUE(ws_.WaitForCloses(6));
  EXPECT_EQ(OpenSockets(), before);
}

TEST_F(WebSocketTest, SlowConsumerIsCutOffWith1008) {
  ServerOptions options = TestOptions();
  options.ws_max_queue_bytes = 64 * 1024;
  ws_.on_open = [](const std::shared_ptr<WebSocketConnection>& connection, const HttpRequest&) {
    // All of this is queued before the first write can complete: on the loop thread,
    // completions wait until OnOpen returns.
    auto chunk = std::make_shared<const std::string>(10 * 1024, 'x');
    for (int i = 0; i < 200; ++i) connection->Send(chunk);
  };
  RunningServer server(options, http_, ws_);
  WsClient client(server.port());
  ASSERT_FALSE(client.handshake_error());
  int texts = 0;
  auto end = client.ReadUntilClosed(&texts);
  EXPECT_EQ(end.ec, websocket::error::closed) << end.ec.message();
  EXPECT_EQ(end.close_code, 1008);
  EXPECT_EQ(end.close_reason, "slow consumer");
  EXPECT_LT(texts, 200);
  ASSERT_TRUE(ws_.WaitForCloses(1));
}

TEST_F(WebSocketTest, ReaderThatNeverReadsIsClosedInsteadOfQueueingWithoutEnd) {
  ServerOptions options = TestOptions();
  options.ws_max_queue_bytes = 256 * 1024;
  std::mutex mutex;
  std::shared_ptr<WebSocketConnection> opened;
  ws_.on_open = [&](const std::shared_ptr<WebSocketConnection>& connection, const HttpRequest&) {
    std::lock_guard lock(mutex);
    opened = connection;
  };
  RunningServer server(options, http_, ws_);
  WsClient client(server.port());  // handshakes, then never reads
  ASSERT_FALSE(client.handshake_error());
  ASSERT_TRUE(ws_.WaitForOpens(1));
  std::shared_ptr<WebSocketConnection> connection;
  {
    std::lock_guard lock(mutex);
    connection = opened;
  }
  ASSERT_TRUE(connection);
  // 64 MiB offered: far more than the queue bound plus what the kernel buffers on loopback.
  auto chunk = std::make_shared<const std::string>(64 * 1024, 'x');
  for (int i = 0; i < 1024 && ws_.closes() == 0; ++i) connection->Send(chunk);
  // Cut off at the bound: the close frame cannot reach a peer that does not read, so the
  // close timeout drops the socket and the session sees its one OnClose.
  EXPECT_TRUE(ws_.WaitForCloses(1));
  // The connection must not outlive the server's io_context.
  connection.reset();
  std::lock_guard lock(mutex);
  opened.reset();
}

TEST_F(WebSocketTest, StopClosesWebSocketsWith1012AndFinishesInFlightRequests) {
  ParkedResponse parked;
  http_.respond_with = [&](HttpRequest, FakeHttpHandler::Respond respond) {
    parked.Park(std::move(respond));
  };
  RunningServer server(TestOptions(), http_, ws_);
  WsClient ws_client(server.port());
  ASSERT_FALSE(ws_client.handshake_error());
  ASSERT_TRUE(ws_.WaitForOpens(1));
  HttpClient http_client(server.port());
  ASSERT_FALSE(http_client.Write(Get("/slow")));
  ASSERT_TRUE(parked.Wait());

  server.server().Stop();
  auto end = ws_client.ReadUntilClosed();
  EXPECT_EQ(end.ec, websocket::error::closed) << end.ec.message();
  EXPECT_EQ(end.close_code, 1012);
  ASSERT_TRUE(ws_.WaitForCloses(1));

  // The slow request is still answered after Stop(), and the connection then closes.
  HttpResponse answer;
  answer.body = "finished";
  ASSERT_TRUE(parked.Answer(std::move(answer)));
  http::response<http::string_body> response;
  ASSERT_FALSE(http_client.Read(response));
  EXPECT_EQ(response.body(), "finished");
  EXPECT_FALSE(response.keep_alive());
  EXPECT_TRUE(server.WaitStopped());

  HttpClient late(server.port());
  EXPECT_TRUE(late.connect_error());  // no longer listening
}

TEST_F(WebSocketTest, StopCutsRequestsThatNeverFinish) {
  ParkedResponse parked;  // never answered while the server runs
  http_.respond_with = [&](HttpRequest, FakeHttpHandler::Respond respond) {
    parked.Park(std::move(respond));
  };
  ServerOptions options = TestOptions();
  options.shutdown_timeout = std::chrono::milliseconds(200);
  RunningServer server(options, http_, ws_);
  HttpClient client(server.port());
  ASSERT_FALSE(client.Write(Get("/hang")));
  ASSERT_TRUE(parked.Wait());
  server.server().Stop();
  EXPECT_TRUE(server.WaitStopped());
  http::response<http::string_body> response;
  EXPECT_TRUE(client.Read(response));  // cut, not answered
  // A late answer after shutdown is dropped without harm.
  EXPECT_TRUE(parked.Answer(HttpResponse{}));
}

}  // namespace
}  // namespace eddy::server::transport
