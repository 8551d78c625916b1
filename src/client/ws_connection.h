// One WebSocket connection (ws or wss) driven by callbacks. Internal to src/client.
// Threading: every method must be called on the io_context's thread, and every callback runs
// there; one read and one write are in flight at most (writes are queued).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "client/http_transport.h"

namespace eddy::client {

class WsConnection {
 public:
  using Done = std::function<void(boost::system::error_code)>;
  using OnText = std::function<void(boost::system::error_code, std::string)>;

  virtual ~WsConnection() = default;
  // TCP connect, TLS handshake for wss, WebSocket upgrade of GET `target`; bounded by timeout.
  virtual void Connect(const BaseUrl& url, const std::string& target,
                       std::chrono::milliseconds timeout, Done done) = 0;
  virtual void Read(OnText on_text) = 0;
  virtual void Write(std::string text) = 0;
  // Sends a close frame and waits (bounded by a second) for the server's reply.
  virtual void Close(std::uint16_t code, const std::string& reason, std::function<void()> done) = 0;
  // Drops the TCP connection: pending operations complete with an error.
  virtual void Abort() = 0;
};

// A plain connection, or a TLS one when tls_context is set.
std::shared_ptr<WsConnection> MakeWsConnection(boost::asio::io_context& ioc,
                                               std::shared_ptr<boost::asio::ssl::context> tls,
                                               const ClientOptions& options);

}  // namespace eddy::client
