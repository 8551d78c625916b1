// The seed's backend in C++: holds the app's key and secret and hands user tokens to apps.
//   POST /token {"user_id":"alice"} -> 200 {"payload":"<JWT>"}; bad input -> 400 {"error":..}
// Usage: token_server --port 9000 --key KEY --secret SECRET [--ttl SECONDS]
// With --ttl the tokens carry iat and exp = now + ttl. Prints "listening on <port>" when
// ready. One request at a time on one thread: an example, not a production server.
#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <string>

#include "eddy/client.h"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;

namespace {

constexpr size_t kMaxBody = 4096;
constexpr size_t kMaxUserId = 64;

// §8: keep user ids to [A-Za-z0-9@_-].
bool ValidUserId(const std::string& id) {
  if (id.empty() || id.size() > kMaxUserId) return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '@' && c != '_' && c != '-')
      return false;
  }
  return true;
}

http::response<http::string_body> Answer(const http::request<http::string_body>& req,
                                         const eddy::client::ServerClient& server, long ttl) {
  auto reply = [&](http::status status, const json::object& body) {
    http::response<http::string_body> res{status, req.version()};
    res.set(http::field::content_type, "application/json");
    res.set(http::field::access_control_allow_origin, "*");
    res.keep_alive(req.keep_alive());
    res.body() = json::serialize(body);
    res.prepare_payload();
    return res;
  };
  if (req.target() != "/token") return reply(http::status::not_found, {{"error", "not found"}});
  if (req.method() != http::verb::post)
    return reply(http::status::method_not_allowed, {{"error", "POST only"}});
  boost::system::error_code ec;
  json::value body = json::parse(req.body(), ec);
  const json::value* id =
      !ec && body.is_object() ? body.as_object().if_contains("user_id") : nullptr;
  if (!id || !id->is_string() || !ValidUserId(std::string(id->as_string()))) {
    return reply(http::status::bad_request,
                 {{"error", "body must be {\"user_id\": \"<1-64 of A-Za-z0-9@_->\"}"}});
  }
  std::optional<std::int64_t> exp, iat;
  if (ttl > 0) {
    iat = static_cast<std::int64_t>(std::time(nullptr));
    exp = *iat + ttl;
  }
  return reply(http::status::ok,
               {{"payload", server.CreateToken(std::string(id->as_string()), exp, iat)}});
}

void Serve(tcp::socket socket, const eddy::client::ServerClient& server, long ttl) {
  beast::flat_buffer buffer;
  beast::error_code ec;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(kMaxBody);
    http::read(socket, buffer, parser, ec);
    if (ec == http::error::body_limit) {
      http::response<http::string_body> res{http::status::payload_too_large, 11};
      res.prepare_payload();
      http::write(socket, res, ec);
      return;
    }
    if (ec) return;
    auto res = Answer(parser.get(), server, ttl);
    http::write(socket, res, ec);
    if (ec || !res.keep_alive()) return;
  }
}

}  // namespace

int main(int argc, char** argv) {
  int port = 9000;
  long ttl = 0;
  std::string key, secret;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--port")
      port = std::atoi(argv[i + 1]);
    else if (flag == "--key")
      key = argv[i + 1];
    else if (flag == "--secret")
      secret = argv[i + 1];
    else if (flag == "--ttl")
      ttl = std::atol(argv[i + 1]);
  }
  if (key.empty() || secret.empty() || port < 0 || port > 65535) {
    std::cerr << "usage: token_server --port N --key KEY --secret SECRET [--ttl SECONDS]\n";
    return 2;
  }
  // Minting is local: the base URL is not contacted.
  eddy::client::ServerClient server("http://127.0.0.1", key, secret);
  asio::io_context ioc;
  tcp::acceptor acceptor(ioc,
                         {asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
  std::cout << "listening on " << acceptor.local_endpoint().port() << std::endl;
  for (;;) {
    tcp::socket socket(ioc);
    acceptor.accept(socket);
    Serve(std::move(socket), server, ttl);
  }
}
