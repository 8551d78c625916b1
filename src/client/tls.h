// The TLS client context of https and wss connections, built from ClientOptions. Internal.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <memory>
#include <string>

#include "eddy/errors.h"
#include "eddy/options.h"

namespace eddy::client {

inline std::shared_ptr<boost::asio::ssl::context> MakeTlsContext(const ClientOptions& options) {
  namespace ssl = boost::asio::ssl;
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  boost::system::error_code ec;
  if (options.verify_tls) {
    ctx->set_default_verify_paths(ec);
    if (!options.ca_file.empty()) {
      ctx->load_verify_file(options.ca_file, ec);
      if (ec) throw ApiError(ApiError::kNetworkError, 0, "cannot load ca_file " + options.ca_file);
    }
    ctx->set_verify_mode(ssl::verify_peer);
  } else {
    ctx->set_verify_mode(ssl::verify_none);
  }
  return ctx;
}

// Sets SNI and, when verifying, the host name check on a fresh TLS stream.
template <typename TlsStream>
void PrepareTlsStream(TlsStream& stream, const std::string& host, const ClientOptions& options) {
  SSL_set_tlsext_host_name(stream.native_handle(), host.c_str());
  if (options.verify_tls)
    stream.set_verify_callback(boost::asio::ssl::host_name_verification(host));
}

}  // namespace eddy::client
