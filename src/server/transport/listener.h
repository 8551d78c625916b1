// The listening socket: accepts connections and deals them round-robin to the Workers.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/error.h"
#include "server/transport/worker.h"

namespace eddy::server::transport {

// Responsible for the acceptor. Each accepted socket is created on its Worker's io_context
// and starts life there as an HttpSession. Threading: runs on the control io_context's
// thread only (the thread in Server::Run).
class Listener {
 public:
  Listener(boost::asio::io_context& control, std::vector<std::shared_ptr<Worker>> workers);

  Status Listen(const std::string& host, std::uint16_t port);
  std::uint16_t port() const { return port_; }
  void Accept();
  // Stops accepting; the port is released at once.
  void Close();

 private:
  void OnAccept(std::size_t worker_index, boost::system::error_code ec, TcpSocket socket);

  boost::asio::io_context& control_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_timer_;
  std::vector<std::shared_ptr<Worker>> workers_;
  std::size_t next_worker_ = 0;
  std::uint16_t port_ = 0;
  bool closed_ = false;
};

}  // namespace eddy::server::transport
