#include "client/ws_connection.h"

#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <deque>

#include "client/tls.h"

namespace eddy::client {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

// Stream is websocket::stream<beast::tcp_stream> or the same over beast::ssl_stream.
template <typename Stream>
class WsConnectionImpl : public WsConnection,
                         public std::enable_shared_from_this<WsConnectionImpl<Stream>> {
 public:
  template <typename... Args>
  explicit WsConnectionImpl(asio::io_context& ioc, Args&&... args)
      : resolver_(ioc), ws_(ioc, std::forward<Args>(args)...) {}

  void Connect(const BaseUrl& url, const std::string& target, std::chrono::milliseconds timeout,
               Done done) override {
    auto self = this->shared_from_this();
    host_ = url.host;
    if constexpr (kTls) PrepareTlsStream(ws_.next_layer(), url.host, options_);
    resolver_.async_resolve(
        url.host, url.port,
        [this, self, url, target, timeout, done](beast::error_code ec,
                                                 tcp::resolver::results_type results) {
          if (ec) return done(ec);
          beast::get_lowest_layer(ws_).expires_after(timeout);
          beast::get_lowest_layer(ws_).async_connect(
              results, [this, self, url, target, done](beast::error_code ec, const tcp::endpoint&) {
                if (ec) return done(ec);
                if constexpr (kTls) {
                  ws_.next_layer().async_handshake(
                      asio::ssl::stream_base::client,
                      [this, self, url, target, done](beast::error_code ec) {
                        if (ec) return done(ec);
                        Upgrade(url, target, done);
                      });
                } else {
                  Upgrade(url, target, done);
                }
              });
        });
  }

  void Read(OnText on_text) override {
    auto self = this->shared_from_this();
    buffer_.clear();
    ws_.async_read(buffer_, [this, self, on_text](beast::error_code ec, size_t) {
      on_text(ec, ec ? std::string() : beast::buffers_to_string(buffer_.data()));
    });
  }

  void Write(std::string text) override {
    queue_.push_back(std::move(text));
    if (queue_.size() == 1) WriteNext();
  }

  void Close(std::uint16_t code, const std::string& reason, std::function<void()> done) override {
    auto self = this->shared_from_this();
    // The server's close reply completes the pending read; bound the wait.
    beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds(1));
    ws_.async_close(websocket::close_reason(static_cast<websocket::close_code>(code), reason),
                    [self, done](beast::error_code) { done(); });
  }

  void Abort() override {
    beast::error_code ec;
    beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ec);
    beast::get_lowest_layer(ws_).close();
  }

  ClientOptions options_;

 private:
  static constexpr bool kTls = !std::is_same_v<typename Stream::next_layer_type, beast::tcp_stream>;

  void Upgrade(const BaseUrl& url, const std::string& target, Done done) {
    auto self = this->shared_from_this();
    ws_.set_option(websocket::stream_base::decorator([this](websocket::request_type& req) {
      req.set(beast::http::field::user_agent, options_.user_agent);
    }));
    ws_.async_handshake(url.host + ":" + url.port, url.prefix + target,
                        [this, self, done](beast::error_code ec) {
                          // The SDK's own watchdog bounds silence from here on.
                          beast::get_lowest_layer(ws_).expires_never();
                          ws_.text(true);
                          done(ec);
                        });
  }

  void WriteNext() {
    auto self = this->shared_from_this();
    ws_.async_write(asio::buffer(queue_.front()), [this, self](beast::error_code ec, size_t) {
      queue_.pop_front();
      if (ec) {
        queue_.clear();
        return;  // the pending read sees the failure and reports it
      }
      if (!queue_.empty()) WriteNext();
    });
  }

  tcp::resolver resolver_;
  Stream ws_;
  beast::flat_buffer buffer_;
  std::deque<std::string> queue_;
  std::string host_;
};

}  // namespace

std::shared_ptr<WsConnection> MakeWsConnection(asio::io_context& ioc,
                                               std::shared_ptr<asio::ssl::context> tls,
                                               const ClientOptions& options) {
  if (tls) {
    using Stream = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;
    auto c = std::make_shared<WsConnectionImpl<Stream>>(ioc, *tls);
    c->options_ = options;
    return c;
  }
  using Stream = websocket::stream<beast::tcp_stream>;
  auto c = std::make_shared<WsConnectionImpl<Stream>>(ioc);
  c->options_ = options;
  return c;
}

}  // namespace eddy::client
