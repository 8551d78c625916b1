#include "bench/net.h"

#include <netinet/in.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <future>
#include <latch>

namespace eddy::bench {

namespace http = beast::http;
using asio::use_awaitable;

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

LoopPool::LoopPool(int threads) {
  for (int i = 0; i < std::max(threads, 1); ++i) {
    // concurrency hint 1: each context is run by exactly one thread, so Asio skips locking.
    loops_.push_back(std::make_unique<asio::io_context>(1));
    guards_.push_back(asio::make_work_guard(*loops_.back()));
  }
  for (auto& loop : loops_) threads_.emplace_back([ctx = loop.get()] { ctx->run(); });
}

LoopPool::~LoopPool() {
  for (auto& g : guards_) g.reset();
  for (auto& loop : loops_) loop->stop();
  for (auto& t : threads_) t.join();
}

void LoopPool::OnEach(const std::function<void(size_t)>& fn) {
  std::latch done(static_cast<std::ptrdiff_t>(loops_.size()));
  for (size_t i = 0; i < loops_.size(); ++i) {
    asio::post(*loops_[i], [&, i] {
      fn(i);
      done.count_down();
    });
  }
  done.wait();
}

void LoopPool::ParallelFor(size_t count, size_t concurrency,
                           std::function<asio::awaitable<void>(size_t, size_t)> fn) {
  if (count == 0) return;
  size_t workers = std::max<size_t>(1, std::min(concurrency, count));
  std::atomic<size_t> next{0};
  std::latch done(static_cast<std::ptrdiff_t>(workers));
  for (size_t w = 0; w < workers; ++w) {
    asio::co_spawn(
        *loops_[w % loops_.size()],
        [&, w]() -> asio::awaitable<void> {
          for (size_t i = next++; i < count; i = next++) co_await fn(i, w);
        },
        [&](std::exception_ptr) { done.count_down(); });
  }
  done.wait();
}

asio::ip::address Target::Source(std::uint64_t n) const {
  int k =
      source_addresses > 1 ? static_cast<int>(n % static_cast<std::uint64_t>(source_addresses)) : 0;
  return asio::ip::address_v4(0x7f000001u + static_cast<unsigned>(k));
}

asio::awaitable<void> ConnectFrom(tcp::socket& socket, const Target& target,
                                  const asio::ip::address& source) {
  socket.open(tcp::v4());
  // Defer the port choice to connect(), so ports are unique per 4-tuple rather than per
  // source address: one address then serves many more connections.
  int one = 1;
  setsockopt(socket.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
  socket.set_option(tcp::no_delay(true));
  socket.bind(tcp::endpoint(source, 0));
  co_await socket.async_connect(target.server, use_awaitable);
}

HttpConn::HttpConn(asio::any_io_executor ex, const Target& target, std::uint64_t n)
    : stream_(ex), target_(target), source_(target.Source(n)) {}

asio::awaitable<HttpReply> HttpConn::Request(std::string_view method, const std::string& target,
                                             const std::string& body, const std::string& token) {
  HttpReply reply;
  try {
    if (!connected_) {
      stream_.socket().close();
      co_await ConnectFrom(stream_.socket(), target_, source_);
      connected_ = true;
    }
    http::request<http::string_body> req(http::string_to_verb(method), target, 11);
    req.set(http::field::host, target_.host_header);
    req.set(http::field::authorization, token);
    req.set("stream-auth-type", "jwt");
    if (!body.empty()) {
      req.set(http::field::content_type, "application/json");
      req.body() = body;
    }
    req.prepare_payload();
    stream_.expires_after(std::chrono::seconds(30));
    co_await http::async_write(stream_, req, use_awaitable);
    http::response<http::string_body> res;
    co_await http::async_read(stream_, buffer_, res, use_awaitable);
    stream_.expires_never();
    reply.status = static_cast<int>(res.result_int());
    reply.body = std::move(res.body());
    if (!res.keep_alive()) connected_ = false;
  } catch (const std::exception& e) {
    connected_ = false;
    buffer_.clear();
    reply.status = 0;
    reply.body = e.what();
  }
  co_return reply;
}

WsConn::WsConn(asio::any_io_executor ex, const Target& target, std::uint64_t n)
    : socket_(ex), target_(target), source_(target.Source(n)), heartbeat_(ex) {}

namespace {

constexpr size_t kLoopReadBytes = 256 * 1024;

char* LoopReadBuffer() {
  thread_local std::vector<char> buffer(kLoopReadBytes);
  return buffer.data();
}

}  // namespace

asio::awaitable<bool> WsConn::Connect(const std::string& path_and_query) {
  try {
    co_await ConnectFrom(socket_, target_, source_);
    // The key is fixed: the bench does not check Sec-WebSocket-Accept, only the 101.
    std::string request = "GET " + path_and_query + " HTTP/1.1\r\nHost: " + target_.host_header +
                          "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                          "Sec-WebSocket-Version: 13\r\n\r\n";
    co_await asio::async_write(socket_, asio::buffer(request), use_awaitable);
    std::string head;
    char chunk[4096];
    size_t end;
    while ((end = head.find("\r\n\r\n")) == std::string::npos) {
      if (head.size() > 16384) throw std::runtime_error("upgrade response too large");
      size_t n = co_await socket_.async_read_some(asio::buffer(chunk), use_awaitable);
      head.append(chunk, n);
    }
    if (head.compare(0, 12, "HTTP/1.1 101") != 0) {
      throw std::runtime_error("upgrade refused: " + head.substr(0, head.find('\r')));
    }
    socket_.non_blocking(true);
    open_ = true;
    Consume(std::string_view(head).substr(end + 4));
    while (open_ && first_.empty()) co_await ReadOnce();
  } catch (const std::exception& e) {
    error_ = e.what();
    open_ = false;
    co_return false;
  }
  if (first_.empty()) co_return false;
  // The id is a plain string: a scan keeps connects cheap for the bench.
  constexpr std::string_view kKey = "\"connection_id\":\"";
  size_t at = first_.find(kKey);
  if (first_.find("\"health.check\"") == std::string::npos || at == std::string::npos) {
    error_ = "first message is not a health.check: " + first_.substr(0, 300);
    open_ = false;
    co_return false;
  }
  at += kKey.size();
  connection_id_ = first_.substr(at, first_.find('"', at) - at);
  std::string().swap(first_);
  co_return true;
}

asio::awaitable<void> WsConn::ReadOnce() {
  co_await socket_.async_wait(tcp::socket::wait_read, use_awaitable);
  char* buffer = LoopReadBuffer();
  beast::error_code ec;
  size_t n = socket_.read_some(asio::buffer(buffer, kLoopReadBytes), ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again) co_return;
  if (ec) throw beast::system_error(ec);
  if (pending_.empty()) {
    Consume(std::string_view(buffer, n));
  } else {
    pending_.append(buffer, n);
    std::string data = std::move(pending_);
    pending_.clear();
    Consume(data);
  }
}

void WsConn::Consume(std::string_view data) {
  while (open_) {
    if (data.size() < 2) break;
    auto b = reinterpret_cast<const unsigned char*>(data.data());
    bool fin = b[0] & 0x80;
    int opcode = b[0] & 0x0f;
    bool masked = b[1] & 0x80;
    std::uint64_t len = b[1] & 0x7f;
    size_t header = 2;
    if (len == 126) {
      if (data.size() < 4) break;
      len = (std::uint64_t{b[2]} << 8) | b[3];
      header = 4;
    } else if (len == 127) {
      if (data.size() < 10) break;
      len = 0;
      for (int i = 0; i < 8; ++i) len = (len << 8) | b[2 + i];
      header = 10;
    }
    size_t mask_at = header;
    if (masked) header += 4;
    if (data.size() < header || data.size() - header < len) break;
    std::string_view payload = data.substr(header, len);
    std::string unmasked;
    if (masked) {  // servers must not mask (RFC 6455 §5.1), but accept it
      unmasked.assign(payload);
      for (size_t i = 0; i < unmasked.size(); ++i) unmasked[i] ^= data[mask_at + i % 4];
      payload = unmasked;
    }
    OnFrame(opcode, fin, payload);
    data.remove_prefix(header + len);
  }
  if (open_ && !data.empty()) pending_.assign(data);
}

void WsConn::OnFrame(int opcode, bool fin, std::string_view payload) {
  switch (opcode) {
    case 0x0:  // continuation
    case 0x1:  // text
      if (!fin || !fragments_.empty()) {
        fragments_.append(payload);
        if (!fin) return;
        std::string whole = std::move(fragments_);
        fragments_.clear();
        return OnFrame(0x1, true, whole);
      }
      if (handler_) {
        handler_(payload);
      } else if (first_.empty()) {
        first_.assign(payload);
      }
      return;
    case 0x8:  // close: the server ended the connection
      error_ = "closed by server";
      if (payload.size() >= 2) {
        auto b = reinterpret_cast<const unsigned char*>(payload.data());
        error_ +=
            " code " + std::to_string((b[0] << 8) | b[1]) + " " + std::string(payload.substr(2));
      }
      open_ = false;
      return;
    case 0x9:  // ping
      return SendFrame(0xA, payload);
    default:
      return;
  }
}

void WsConn::SendFrame(int opcode, std::string_view payload) {
  if (!open_) return;
  // Client frames are masked (RFC 6455 §5.3); a zero mask keeps the payload as is.
  std::string frame;
  frame.push_back(static_cast<char>(0x80 | opcode));
  if (payload.size() < 126) {
    frame.push_back(static_cast<char>(0x80 | payload.size()));
  } else {
    frame.push_back(static_cast<char>(0x80 | 126));
    frame.push_back(static_cast<char>(payload.size() >> 8));
    frame.push_back(static_cast<char>(payload.size() & 0xff));
  }
  frame.append(4, '\0');
  frame.append(payload);
  out_.push_back(std::move(frame));
  if (!writing_) {
    writing_ = true;
    asio::co_spawn(
        socket_.get_executor(), [self = shared_from_this()] { return self->WriteLoop(); },
        asio::detached);
  }
}

asio::awaitable<void> WsConn::WriteLoop() {
  try {
    while (!out_.empty() && open_) {
      std::vector<std::string> batch = std::move(out_);
      out_.clear();
      std::vector<asio::const_buffer> buffers;
      for (const auto& f : batch) buffers.push_back(asio::buffer(f));
      co_await asio::async_write(socket_, buffers, use_awaitable);
    }
  } catch (const std::exception&) {
  }
  writing_ = false;
}

void WsConn::Start(Handler handler) {
  handler_ = std::move(handler);
  asio::co_spawn(
      socket_.get_executor(), [self = shared_from_this()] { return self->ReadLoop(); },
      asio::detached);
  asio::co_spawn(
      socket_.get_executor(), [self = shared_from_this()] { return self->HeartbeatLoop(); },
      asio::detached);
}

void WsConn::Abort() {
  open_ = false;
  heartbeat_.cancel();
  beast::error_code ignored;
  socket_.close(ignored);
}

asio::awaitable<void> WsConn::ReadLoop() {
  try {
    while (open_) co_await ReadOnce();
  } catch (const std::exception& e) {
    if (open_) error_ = e.what();
  }
  open_ = false;
  heartbeat_.cancel();
}

asio::awaitable<void> WsConn::HeartbeatLoop() {
  try {
    while (open_) {
      heartbeat_.expires_after(std::chrono::seconds(25));
      co_await heartbeat_.async_wait(use_awaitable);
      SendFrame(0x1, R"([{"type":"health.check","client_id":"bench"}])");
    }
  } catch (const std::exception&) {
  }
}

}  // namespace eddy::bench
