#include "integration/http_client.h"

#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <boost/url.hpp>

namespace eddy::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

std::string Target(const std::string& path, const Params& params) {
  boost::urls::url u;
  u.set_path(path);
  for (const auto& [k, v] : params) u.params().append({k, v});
  // Encode characters that Boost.URL leaves alone but that must not reach the server raw.
  std::string s = u.buffer();
  return s;
}

std::string HttpResult::Header(const std::string& name) const {
  for (const auto& [k, v] : headers) {
    if (beast::iequals(k, name)) return v;
  }
  return "";
}

int HttpResult::code() const {
  if (!json.is_object()) return -1000;
  auto it = json.as_object().find("code");
  if (it == json.as_object().end() || !it->value().is_int64()) return -1000;
  return static_cast<int>(it->value().get_int64());
}

struct HttpClient::Impl {
  int port;
  asio::io_context ioc;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;

  void EnsureConnected() {
    if (stream && stream->socket().is_open()) return;
    stream.emplace(ioc);
    buffer.clear();
    stream->connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }
};

HttpClient::HttpClient(int port) : impl_(std::make_unique<Impl>()) { impl_->port = port; }
HttpClient::~HttpClient() = default;

HttpResult HttpClient::Request(const std::string& method, const std::string& target,
                               const std::string& body, const Headers& headers) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    try {
      impl_->EnsureConnected();
      http::request<http::string_body> req{http::string_to_verb(method), target, 11};
      req.set(http::field::host, "127.0.0.1");
      for (const auto& [k, v] : headers) req.set(k, v);
      if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
        req.body() = body;
        if (req[http::field::content_type].empty())
          req.set(http::field::content_type, "application/json");
        req.prepare_payload();
      }
      http::write(*impl_->stream, req);
      http::response_parser<http::string_body> parser;
      parser.body_limit(64 * 1024 * 1024);
      http::read(*impl_->stream, impl_->buffer, parser);
      auto res = parser.release();
      HttpResult out;
      out.status = res.result_int();
      out.body = res.body();
      for (const auto& f : res)
        out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
      boost::system::error_code ec;
      out.json = json::parse(out.body, ec);
      if (ec) out.json = nullptr;
      if (!res.keep_alive()) impl_->stream.reset();
      return out;
    } catch (const std::exception&) {
      impl_->stream.reset();
      if (attempt == 1) throw;
    }
  }
  return {};
}

std::string RawExchange(int port, const std::string& bytes, std::chrono::milliseconds timeout) {
  asio::io_context ioc;
  tcp::socket sock(ioc);
  sock.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  boost::system::error_code ec;
  asio::write(sock, asio::buffer(bytes), ec);
  std::string out;
  char buf[8192];
  std::function<void()> read_more;
  read_more = [&] {
    sock.async_read_some(asio::buffer(buf), [&](boost::system::error_code e, size_t n) {
      out.append(buf, n);
      if (!e) read_more();
    });
  };
  read_more();
  ioc.run_for(timeout);
  return out;
}

// One async_read is kept pending across Read calls: cancelling a Beast websocket read would
// leave the stream unusable, so a timed-out Read simply lets the operation run on.
struct WsClient::Impl {
  asio::io_context ioc;
  std::optional<websocket::stream<beast::tcp_stream>> ws;
  beast::flat_buffer buffer;
  bool reading = false;
  bool done = false;
  boost::system::error_code result;
  bool closed = false;
  int close_code = -1;

  void StartRead() {
    reading = true;
    done = false;
    buffer.clear();
    ws->async_read(buffer, [this](boost::system::error_code ec, size_t) {
      done = true;
      result = ec;
    });
  }

  // Runs the loop until `finished()` or the timeout.
  template <typename F>
  void RunUntil(F finished, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!finished() && std::chrono::steady_clock::now() < deadline) {
      ioc.restart();
      ioc.run_one_for(deadline - std::chrono::steady_clock::now());
    }
  }
};

WsClient::WsClient() : impl_(std::make_unique<Impl>()) {}
WsClient::~WsClient() = default;

bool WsClient::Connect(int port, const std::string& target) {
  try {
    impl_->ws.emplace(impl_->ioc);
    beast::get_lowest_layer(*impl_->ws)
        .connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    impl_->ws->handshake("127.0.0.1:" + std::to_string(port), target);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

std::optional<std::string> WsClient::Read(std::chrono::milliseconds timeout) {
  if (impl_->closed) return std::nullopt;
  if (!impl_->reading) impl_->StartRead();
  impl_->RunUntil([this] { return impl_->done; }, timeout);
  if (!impl_->done) return std::nullopt;
  impl_->reading = false;
  if (impl_->result) {
    impl_->closed = true;
    if (impl_->result == websocket::error::closed) impl_->close_code = impl_->ws->reason().code;
    return std::nullopt;
  }
  return beast::buffers_to_string(impl_->buffer.data());
}

std::optional<json::object> WsClient::ReadJson(std::chrono::milliseconds timeout) {
  auto text = Read(timeout);
  if (!text) return std::nullopt;
  boost::system::error_code ec;
  json::value v = json::parse(*text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return v.as_object();
}

void WsClient::Send(const std::string& text) {
  impl_->ws->text(true);
  impl_->ws->write(asio::buffer(text));
}

void WsClient::SendBinary(const std::string& bytes) {
  impl_->ws->binary(true);
  impl_->ws->write(asio::buffer(bytes));
}

void WsClient::Close(int code) {
  if (impl_->closed) return;
  bool close_done = false;
  impl_->ws->async_close(websocket::close_reason(static_cast<std::uint16_t>(code)),
                         [&close_done](boost::system::error_code) { close_done = true; });
  // The pending read (if any) sees the server's close reply and completes.
  impl_->RunUntil([&] { return close_done && (!impl_->reading || impl_->done); },
                  std::chrono::seconds(5));
  impl_->closed = true;
}

int WsClient::close_code() const { return impl_->close_code; }
bool WsClient::closed() const { return impl_->closed; }

}  // namespace eddy::testing
