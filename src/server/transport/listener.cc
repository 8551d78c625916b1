#include "server/transport/listener.h"

#include <chrono>
#include <utility>

#include "common/log.h"
#include "server/transport/http_session.h"

namespace eddy::server::transport {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// After an accept error such as running out of descriptors, wait instead of spinning.
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};

Result<tcp::endpoint> Resolve(asio::io_context& context, const std::string& host,
                              std::uint16_t port) {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (!ec) return tcp::endpoint(address, port);
  tcp::resolver resolver(context);
  auto results = resolver.resolve(host, std::to_string(port), tcp::resolver::passive, ec);
  if (ec || results.empty()) {
    return Error::Internal("cannot resolve listen address '" + host + "': " + ec.message());
  }
  return results.begin()->endpoint();
}

}  // namespace

Listener::Listener(asio::io_context& control, std::vector<std::shared_ptr<Worker>> workers)
    : control_(control), acceptor_(control), retry_timer_(control), workers_(std::move(workers)) {}

Status Listener::Listen(const std::string& host, std::uint16_t port) {
  EDDY_ASSIGN_OR_RETURN(tcp::endpoint endpoint, Resolve(control_, host, port));
  boost::system::error_code ec;
  auto fail = [&](const char* what) {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    return Error::Internal(std::string("cannot listen on ") + host + ":" + std::to_string(port) +
                           ": " + what + ": " + ec.message());
  };
  acceptor_.open(endpoint.protocol(), ec);
  if (ec) return fail("open");
  // Lets a restarted server bind while old connections sit in TIME_WAIT; a live listener
  // on the port still makes bind fail.
  acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) return fail("option");
  acceptor_.bind(endpoint, ec);
  if (ec) return fail("bind");
  acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen");
  port_ = acceptor_.local_endpoint(ec).port();
  if (ec) return fail("local_endpoint");
  return {};
}

void Listener::Accept() {
  if (closed_) return;
  std::size_t index = next_worker_;
  next_worker_ = (next_worker_ + 1) % workers_.size();
  acceptor_.async_accept(workers_[index]->io_context(),
                         [this, index](boost::system::error_code ec, TcpSocket socket) {
                           OnAccept(index, ec, std::move(socket));
                         });
}

void Listener::Close() {
  closed_ = true;
  retry_timer_.cancel();
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

void Listener::OnAccept(std::size_t worker_index, boost::system::error_code ec, TcpSocket socket) {
  if (closed_) return;
  if (ec) {
    if (ec == asio::error::operation_aborted) return;
    log::Warn("accept failed", {{"error", ec.message()}});
    retry_timer_.expires_after(kAcceptRetryDelay);
    retry_timer_.async_wait([this](boost::system::error_code wait_ec) {
      if (!wait_ec) Accept();
    });
    return;
  }
  std::shared_ptr<Worker> worker = workers_[worker_index];
  worker->Post([worker, socket = std::move(socket)]() mutable {
    boost::system::error_code ignored;
    // Events and answers are small and latency-bound.
    socket.set_option(tcp::no_delay(true), ignored);
    std::make_shared<HttpSession>(std::move(socket), worker)->Start();
  });
  Accept();
}

}  // namespace eddy::server::transport
