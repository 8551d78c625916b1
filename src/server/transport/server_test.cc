// HTTP over real loopback sockets: keep-alive, decoding, limits, CORS, threading, shutdown.
#include "server/transport/server.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <csignal>
#include <random>

#include "server/transport/test_support.h"

namespace eddy::server::transport {
namespace {

using namespace testing;  // NOLINT: test helpers

Server* signal_target = nullptr;
extern "C" void StopOnSignal(int) { signal_target->Stop(); }

boost::json::object ParseBody(const http::response<http::string_body>& response) {
  return boost::json::parse(response.body()).as_object();
}

class HttpServerTest : public ::testing::Test {
 protected:
  FakeHttpHandler http_;
  FakeWsHandler ws_;
};

TEST_F(HttpServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  RunningServer server(TestOptions(), http_, ws_);
  HttpClient client(server.port());
  ASSERT_FALSE(client.connect_error());
  for (std::string path : {"/first", "/second"}) {
    ASSERT_FALSE(client.Write(Get(path)));
    http::response<http::string_body> response;
    ASSERT_FALSE(client.Read(response)) << path;
    EXPECT_EQ(response.result_int(), 200);
    EXPECT_EQ(response.body(), "ok " + path);
    EXPECT_TRUE(response.keep_alive());
  }
  EXPECT_EQ(http_.count(), 2u);
}

// After its first request a kept-alive connection reads into a larger buffer: bodies on
// either side of its size, one after another, each arrive whole.
TEST_F(HttpServerTest, KeptAliveConnectionReadsBodiesOfAnySize) {
  RunningServer server(TestOptions(), http_, ws_);
  HttpClient client(server.port());
  ASSERT_FALSE(client.connect_error());
  std::size_t sent = 0;
  for (std::size_t size : {100, 600, 4'000, 4'096, 20'000, 3}) {
    auto request = Get("/echo");
    request.method(http::verb::post);
    request.body() = std::string(size, static_cast<char>('a' + sent % 26));
    ASSERT_FALSE(client.Write(request));
    http::response<http::string_body> response;
    ASSERT_FALSE(client.Read(response)) << size;
    EXPECT_EQ(response.result_int(), 200);
    EXPECT_EQ(http_.WaitForRequest(++sent).body, request.body()) << size;
  }
}

TEST_F(HttpServerTest, DecodesPathQueryHeadersAndRemoteAddress) {
  RunningServer server(TestOptions(), http_, ws_);
  HttpClient client(server.port());
  auto request = Get("/users/a%20b?api_key=k&payload=%7B%22limit%22%3A10%7D&x=1%2B1");
  request.set("X-Stream-Client", "stream-chat-js");
  ASSERT_FALSE(client.Write(request));
  http::response<http::string_body> response;
  ASSERT_FALSE(client.Read(response));

  HttpRequest seen = http_.WaitForRequest(1);
  EXPECT_EQ(seen.method, "GET");
  EXPECT_EQ(seen.path, "/users/a b");
  ASSERT_NE(seen.Query("payload"), nullptr);
  EXPECT_EQ(*seen.Query("payload"), "{\"limit\":10}");
  EXPECT_EQ(*seen.Query("x"), "1+1");
  ASSERT_NE(seen.Header("x-stream-client"), nullptr);
  EXPECT_EQ(*seen.Header("x-stream-client"), "stream-chat-js");
  EXPECT_EQ(seen.remote_address, "127.0.0.1");
}

TEST_F(HttpServerTest, PassesBodyAndHandlerStatusAndHeaders) {
  http_.respond_with = [](HttpRequest request, FakeHttpHandler::Respond respond) {
    HttpResponse response;
    response.status = 201;
    response.body = request.body;
    response.headers.emplace_back("X-Echo", "yes");
    respond(std::move(response));
  };
  RunningServer server(TestOptions(), http_, ws_);
  HttpClient client(server.port());
  auto request = Get("/channels");
  request.method(http::verb::post);
  request.body() = R"({"name":"general"})";
  ASSERT_FALSE(client.Write(request));
  http::response<http::string_body> response;
  ASSERT_FALSE(client.Read(response));
  EXPECT_EQ(response.result_int(), 201);
  EXPECT_EQ(response.body(), R"({"name":"general"})");
  EXPECT_EQ(response["X-Echo"], "yes");
  EXPECT_EQ(response[http::field::access_control_allow_origin], "*");
}

TEST_F(HttpServerTest, HandlerMayAnswerFromAnotherThread) {
  std::vector<std::thread> threads;
  std::mutex threads_mutex;
  http_.respond_with = [&](HttpRequest request, FakeHttpHandler::Respond respond) {
    std::lock_guard<std::mutex> lock(threads_mutex);
    threads.emplace_back([path = request.path, respond = std::move(respond)] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      HttpResponse response;
      response.body = "late " + path;
      respond(std::move(response));
    });
  };
  {
    RunningServer server(TestOptions(), http_, ws_);
    HttpClient client(server.port());
    for (std::string path : {"/a", "/b"}) {
      ASSERT_FALSE(client.Write(Get(path)));
      http::response<http::string_body> response;
      ASSERT_FALSE(client.Read(response));
      EXPECT_EQ(response.body(), "late " + path);
    }
  }
  for (auto& thread : threads) thread.join();
}

TEST_F(HttpServerTest, ThrowingOrDroppingHandlersGet500) {
  http_.respond_with = [](HttpRequest request, FakeHttpHandler::Respond respond) {
    if (request.path == "/throw") throw std::runtime_error("boom");
    // "/drop": the callback is destroyed unanswered.
  };
  RunningServer server(TestOptions(), http_, ws_);
  HttpClient client(server.port());
  for (std::string path : {"/throw", "/drop", "/throw"}) {
    ASSERT_FALSE(client.Write(Get(path)));
    http::response<http::string_body> response;
    ASSERT_FALSE(client.Read(response)) << path;
    EXPECT_EQ(response.result_int(), 500) << path;
    EXPECT_EQ(ParseBody(response).at("code").as_int64(), -1);
  }
}

TEST_F(HttpServerTest, OversizedContentLengthIsRefusedBeforeTheBodyIsSent) {
  ServerOptions options = TestOptions();
  options.max_body_bytes = 1024;
  RunningServer server(options, http_, ws_);
  HttpClient client(server.port());
  // Only the header: if the server waited for the body, the read below would time out.
  ASSERT_FALSE(
      client.WriteRaw("POST /channels HTTP/1.1\r\nHost: x\r\nOrigin: https://app.example\r\n"
                      "Content-Type: application/json\r\nContent-Length: 100000000\r\n\r\n"));
  http::response<http::string_body> response;
  ASSERT_FALSE(client.Read(response));
  EXPECT_EQ(response.result_int(), 413);
  EXPECT_FALSE(response.keep_alive());
  EXPECT_EQ(response[http::field::access_control_allow_origin], "https://app.example");
  auto body = ParseBody(response);
  EXPECT_EQ(body.at("code").as_int64(), 22);
  EXPECT_EQ(body.at("StatusCode").as_int64(), 413);
  EXPECT_EQ(client.ReadUntilClosed(), asio::error::eof);
  EXPECT_EQ(http_.count(), 0u);
}

TEST_F(HttpServerTest, OversizedChunkedBodyIsRefused) {
  ServerOptions options = TestOptions();
  options.max_body_bytes = 1024;
  RunningServer server(options, http_, ws_);
  HttpClient client(server.port());
  std::string request = "POST /channels HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 4; ++i) request += "200\r\n" + std::string(512, 'a') + "\r\n";
  request += "0\r\n\r\n";
  ASSERT_FALSE(client.WriteRaw(request));
  http::response<http::string_body> response;
  ASSERT_FALSE(client.Read(response));
  EXPECT_EQ(response.result_int(), 413);
  EXPECT_EQ(ParseBody(response).at("code").as_int64(), 22);
  EXPECT_EQ(http_.count(), 0u);
}

TEST_F(HttpServerTest, BodyWithinTheLimitIsRead) {
  ServerOptions options = TestOptions();
  options.max_body_bytes = 1024;
  http_.respond_with = [](HttpRequest request, FakeHttpHandler::Respond respond) {
    HttpResponse response;
    response.body = std::to_string(request.body.size());
    respond(std::move(response));
  };
  RunningServer server(options, http_, ws_);
  HttpClient client(server.port());
  auto request = Get("/upload");
  request.method(http::verb::post);
  request.body() = std::string(1024, 'x');
  ASSERT_FALSE(client.Write(request));
  http::response<http::string_body> response;
  ASSERT_FALSE(client.Read(response));
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(response.body(), "1024");
}

TEST_F(HttpServerTest, ExpectContinueGetsAnInterimAnswer) {
  RunningServer server(TestOptions(), http_, ws_);
  HttpClient client(server.port());
  ASSERT_FALSE(client.WriteRaw(
      "POST /messages HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n"));
  http::response_parser<http::empty_body> interim;
  ASSERT_FALSE(client.ReadHeader(interim));
  EXPECT_EQ(interim.get().result_int(), 100);
  ASSERT_FALSE(client.WriteRaw("{}"));
  http::response<http::string_body> response;
  ASSERT_FALSE(client.Read(response));
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(http_.WaitForRequest(1).body, "{}");
}

TEST_F(HttpServerTest, HeaderFloodGets431) {
  ServerOptions options = TestOptions();
  options.max_header_bytes = 4096;
  RunningServer server(options, http_, ws_);
  HttpClient client(server.port());
  std::string request = "GET / HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 200; ++i)
    request += "X-Flood-" + std::to_string(i) + ": " + std::string(100, 'v') + "\r\n";
  request += "\r\n";
  ASSERT_FALSE(client.WriteRaw(request));
  http::response<http::string_body> response;
  ASSERT_FALSE(client.Read(response));
  EXPECT_EQ(response.result_int(), 431);
  auto body = ParseBody(response);
  EXPECT_EQ(body.at("code").as_int64(), 24);
  EXPECT_EQ(body.at("StatusCode").as_int64(), 431);
  EXPECT_EQ(http_.count(), 0u);
}

TEST_F(HttpServerTest, GarbageGets400AndClose) {
  RunningServer server(TestOptions(), http_, ws_);
  HttpClient client(server.port());
  ASSERT_FALSE(client.WriteRaw("\x16\x03\x01 not http at all\r\n\r\n"));
  http::response<http::string_body> response;
  ASSERT_FALSE(client.Read(response));
  EXPECT_EQ(response.result_int(), 400);
  EXPECT_EQ(ParseBody(response).at("code").as_int64(), 4);
  EXPECT_EQ(client.ReadUntilClosed(), asio::error::eof);
}

TEST_F(HttpServerTest, CorsPreflightIsAnsweredWithoutTheHandler) {
  RunningServer server(TestOptions(), http_, ws_);
  HttpClient client(server.port());
  auto preflight = Get("/channels");
  preflight.method(http::verb::options);
  preflight.set(http::field::origin, "https://app.example");
  preflight.set(http::field::access_control_request_method, "POST");
  preflight.set(http::field::access_control_request_headers, "authorization,stream-auth-type");
  ASSERT_FALSE(client.Write(preflight));
  http::response<http::string_body> response;
  ASSERT_FALSE(client.Read(response));
  EXPECT_EQ(response.result_int(), 204);
  EXPECT_EQ(response[http::field::access_control_allow_origin], "https://app.example");
  EXPECT_EQ(response[http::field::access_control_allow_headers], "authorization,stream-auth-type");
  EXPECT_EQ(response[http::field::access_control_allow_methods],
            "GET, POST, PUT, PATCH, DELETE, OPTIONS");
  EXPECT_FALSE(response[http::field::access_control_max_age].empty());

  // The same connection still serves, and ordinary answers carry the origin too.
  auto get = Get("/users");
  get.set(http::field::origin, "https://app.example");
  ASSERT_FALSE(client.Write(get));
  ASSERT_FALSE(client.Read(response));
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(response[http::field::access_control_allow_origin], "https://app.example");
  EXPECT_EQ(http_.count(), 1u);
}

TEST_F(HttpServerTest, UpgradeToAnotherPathGoesToTheHttpHandler) {
  RunningServer server(TestOptions(), http_, ws_);
  HttpClient client(server.port());
  auto request = Get("/not-connect");
  request.set(http::field::connection, "upgrade");
  request.set(http::field::upgrade, "websocket");
  request.set(http::field::sec_websocket_version, "13");
  request.set(http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
  ASSERT_FALSE(client.Write(request));
  http::response<http::string_body> response;
  ASSERT_FALSE(client.Read(response));
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(response.body(), "ok /not-connect");
  EXPECT_EQ(http_.WaitForRequest(1).path, "/not-connect");
  EXPECT_EQ(ws_.opens(), 0u);
}

TEST_F(HttpServerTest, IdleConnectionIsClosed) {
  ServerOptions options = TestOptions();
  options.http_idle_timeout = std::chrono::milliseconds(200);
  RunningServer server(options, http_, ws_);
  HttpClient client(server.port());
  ASSERT_FALSE(client.connect_error());
  // Within kTimeout the server, not our own timeout, ends the connection.
  beast::error_code ec = client.ReadUntilClosed();
  EXPECT_NE(ec, beast::error::timeout);
  EXPECT_TRUE(ec == http::error::end_of_stream || ec == asio::error::eof ||
              ec == asio::error::connection_reset)
      << ec.message();
}

TEST_F(HttpServerTest, HostileInputNeverTakesTheServerDown) {
  ServerOptions options = TestOptions();
  // Input that parses as an unfinished request waits for this, not for the client timeout.
  options.http_idle_timeout = std::chrono::seconds(1);
  RunningServer server(options, http_, ws_);
  std::mt19937 random(12345);
  std::vector<std::string> inputs = {
      "GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
      "GET / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n",
      "GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
      "GET /%%%%%% HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET /connect HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n",
      "\r\n\r\n\r\n",
      std::string(70000, 'A'),
  };
  for (int i = 0; i < 20; ++i) {
    std::string noise(1 + random() % 2000, '\0');
    for (char& c : noise) c = static_cast<char>(random());
    inputs.push_back(noise);
    inputs.push_back("POST /x HTTP/1.1\r\n" + noise);
  }
  for (const std::string& input : inputs) {
    HttpClient client(server.port());
    ASSERT_FALSE(client.connect_error());
    client.WriteRaw(input);
    http::response<http::string_body> response;
    beast::error_code ec = client.Read(response);
    // Either an answer or a closed connection, never a hang.
    EXPECT_NE(ec, beast::error::timeout);
    if (!ec) {
      EXPECT_GE(response.result_int(), 400);
    }
  }
  HttpClient client(server.port());
  ASSERT_FALSE(client.Write(Get("/still-alive")));
  http::response<http::string_body> response;
  ASSERT_FALSE(client.Read(response));
  EXPECT_EQ(response.body(), "ok /still-alive");
}

TEST_F(HttpServerTest, StartFailsWhenThePortIsTaken) {
  RunningServer first(TestOptions(), http_, ws_);
  ServerOptions options = TestOptions();
  options.port = first.port();
  Server second(options, http_, ws_);
  Status started = second.Start();
  ASSERT_FALSE(started.ok());
  EXPECT_NE(started.error().message.find("bind"), std::string::npos);
  second.Run();  // returns at once: never started
}

TEST_F(HttpServerTest, StopBeforeRunMakesRunReturn) {
  Server server(TestOptions(), http_, ws_);
  ASSERT_TRUE(server.Start().ok());
  EXPECT_NE(server.port(), 0);
  server.Stop();
  server.Run();
}

TEST_F(HttpServerTest, StopWorksFromASignalHandler) {
  Server server(TestOptions(), http_, ws_);
  ASSERT_TRUE(server.Start().ok());
  signal_target = &server;
  auto previous = std::signal(SIGUSR2, StopOnSignal);
  std::thread raiser([] { std::raise(SIGUSR2); });
  server.Run();  // returns only if the handler's Stop() got through
  raiser.join();
  std::signal(SIGUSR2, previous);
  signal_target = nullptr;
}

}  // namespace
}  // namespace eddy::server::transport
