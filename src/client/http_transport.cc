#include "client/http_transport.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url.hpp>
#include <mutex>
#include <optional>
#include <stdexcept>

#include "client/tls.h"

namespace eddy::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;

BaseUrl ParseBaseUrl(const std::string& text) {
  auto parsed = boost::urls::parse_uri(text);
  if (!parsed) throw std::invalid_argument("not a URL: " + text);
  BaseUrl url;
  std::string scheme(parsed->scheme());
  if (scheme == "https" || scheme == "wss") {
    url.tls = true;
  } else if (scheme != "http" && scheme != "ws") {
    throw std::invalid_argument("base URL must be http(s) or ws(s): " + text);
  }
  url.host = std::string(parsed->host_address());
  if (url.host.empty()) throw std::invalid_argument("base URL without host: " + text);
  url.port = parsed->has_port() ? std::string(parsed->port()) : (url.tls ? "443" : "80");
  url.prefix = std::string(parsed->encoded_path());
  while (!url.prefix.empty() && url.prefix.back() == '/') url.prefix.pop_back();
  return url;
}

std::string BuildTarget(const std::string& path, const QueryParams& params) {
  boost::urls::url u;
  u.set_encoded_path(path);
  for (const auto& [k, v] : params) u.params().append({k, v});
  return std::string(u.encoded_resource());
}

std::string Seg(const std::string& s) { return boost::urls::encode(s, boost::urls::pchars); }

json::object DecodeResponse(const HttpResponse& response) {
  boost::system::error_code ec;
  json::value v = json::parse(response.body, ec);
  bool ok = response.status >= 200 && response.status < 300;
  if (!ec && v.is_object()) {
    const json::object& o = v.as_object();
    if (ok) return o;
    const json::value* code = o.if_contains("code");
    const json::value* message = o.if_contains("message");
    const json::value* status = o.if_contains("StatusCode");  // the protocol's copy of the status
    if (code && code->is_int64()) {
      throw ApiError(
          static_cast<int>(code->as_int64()),
          status && status->is_int64() ? static_cast<int>(status->as_int64()) : response.status,
          message && message->is_string() ? std::string(message->as_string()) : std::string());
    }
  }
  throw ApiError(ApiError::kNetworkError, response.status,
                 "unexpected answer (HTTP " + std::to_string(response.status) +
                     "): " + response.body.substr(0, 200));
}

// One keep-alive connection with its own io_context: a call runs that context on the
// calling thread, so the transport needs no thread of its own.
struct HttpTransport::Conn {
  asio::io_context ioc;
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;

  tcp::socket& socket() { return tls ? beast::get_lowest_layer(*tls).socket() : plain->socket(); }
  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
};

struct HttpTransport::Pool {
  std::mutex mu;
  std::vector<std::unique_ptr<Conn>> idle;  // guarded by mu
  std::shared_ptr<asio::ssl::context> tls_context;
};

HttpTransport::HttpTransport(BaseUrl url, ClientOptions options)
    : url_(std::move(url)), options_(std::move(options)), pool_(std::make_unique<Pool>()) {
  if (url_.tls) pool_->tls_context = MakeTlsContext(options_);
}

HttpTransport::~HttpTransport() = default;

namespace {

// Runs the io_context until the operations finish; the stream's expiry bounds the time.
void RunAll(asio::io_context& ioc) {
  ioc.restart();
  ioc.run();
}

template <typename Stream>
beast::error_code Exchange(asio::io_context& ioc, Stream& stream, beast::flat_buffer& buffer,
                           http::request<http::string_body>& req,
                           http::response_parser<http::string_body>& parser) {
  beast::error_code result;
  http::async_write(stream, req, [&](beast::error_code ec, size_t) {
    if (ec) {
      result = ec;
      return;
    }
    http::async_read(stream, buffer, parser, [&](beast::error_code ec2, size_t) { result = ec2; });
  });
  RunAll(ioc);
  return result;
}

}  // namespace

HttpResponse HttpTransport::Send(const std::string& method, const std::string& target,
                                 const std::string& body, const Headers& headers) {
  http::request<http::string_body> req{http::string_to_verb(method), url_.prefix + target, 11};
  req.set(http::field::host, url_.host);
  req.set(http::field::user_agent, options_.user_agent);
  for (const auto& [k, v] : headers) req.set(k, v);
  if (!body.empty()) {
    req.body() = body;
    req.set(http::field::content_type, "application/json");
  }
  req.prepare_payload();

  for (int attempt = 0; attempt < 2; ++attempt) {
    std::unique_ptr<Conn> conn;
    {
      std::lock_guard lock(pool_->mu);
      if (attempt == 0 && !pool_->idle.empty()) {
        conn = std::move(pool_->idle.back());
        pool_->idle.pop_back();
      }
    }
    bool reused = conn != nullptr;
    beast::error_code ec;
    if (!conn) {
      conn = std::make_unique<Conn>();
      if (url_.tls) {
        conn->tls.emplace(conn->ioc, *pool_->tls_context);
        PrepareTlsStream(*conn->tls, url_.host, options_);
      } else {
        conn->plain.emplace(conn->ioc);
      }
      tcp::resolver resolver(conn->ioc);
      auto endpoints = resolver.resolve(url_.host, url_.port, ec);
      if (ec) throw ApiError(ApiError::kNetworkError, 0, "cannot resolve " + url_.host);
      conn->lowest().expires_after(options_.timeout);
      conn->lowest().async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) {
        ec = e;
        if (e || !conn->tls) return;
        conn->tls->async_handshake(asio::ssl::stream_base::client,
                                   [&](beast::error_code e2) { ec = e2; });
      });
      RunAll(conn->ioc);
      if (ec) {
        throw ApiError(ApiError::kNetworkError, 0,
                       "cannot connect to " + url_.host + ":" + url_.port + ": " + ec.message());
      }
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    conn->lowest().expires_after(options_.timeout);
    ec = conn->tls ? Exchange(conn->ioc, *conn->tls, conn->buffer, req, parser)
                   : Exchange(conn->ioc, *conn->plain, conn->buffer, req, parser);
    if (ec) {
      // A pooled connection the server has closed meanwhile: try once on a new one.
      if (reused && attempt == 0 && ec != beast::error::timeout) continue;
      throw ApiError(ApiError::kNetworkError, 0, method + " " + target + ": " + ec.message());
    }
    auto res = parser.release();
    HttpResponse out{static_cast<int>(res.result_int()), std::move(res.body())};
    if (res.keep_alive()) {
      std::lock_guard lock(pool_->mu);
      if (pool_->idle.size() < 8) pool_->idle.push_back(std::move(conn));
    }
    return out;
  }
  throw ApiError(ApiError::kNetworkError, 0, method + " " + target + ": no answer");
}

}  // namespace eddy::client
