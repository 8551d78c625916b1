#include "sdk/tls_forwarder.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <array>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <cstdio>
#include <stdexcept>
#include <thread>

namespace eddy::testing {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

// A self-signed certificate for 127.0.0.1, valid for a day.
void MakeCertificate(const std::string& cert_file, const std::string& key_file) {
  EVP_PKEY* key = EVP_RSA_gen(2048);
  X509* x509 = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(x509), 1);
  X509_gmtime_adj(X509_getm_notBefore(x509), -60);
  X509_gmtime_adj(X509_getm_notAfter(x509), 24 * 3600);
  X509_set_pubkey(x509, key);
  X509_NAME* name = X509_get_subject_name(x509);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
  X509_set_issuer_name(x509, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x509, x509, nullptr, nullptr, 0);
  X509_EXTENSION* san =
      X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
  X509_add_ext(x509, san, -1);
  X509_EXTENSION_free(san);
  X509_sign(x509, key, EVP_sha256());
  FILE* f = std::fopen(cert_file.c_str(), "w");
  PEM_write_X509(f, x509);
  std::fclose(f);
  f = std::fopen(key_file.c_str(), "w");
  PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  X509_free(x509);
  EVP_PKEY_free(key);
}

// One relayed connection: TLS from the client, plain TCP to eddy.
class Relay : public std::enable_shared_from_this<Relay> {
 public:
  Relay(tcp::socket client, ssl::context& ctx, int backend_port)
      : client_(std::move(client), ctx),
        backend_(client_.get_executor()),
        backend_port_(backend_port) {}

  void Start() {
    auto self = shared_from_this();
    client_.async_handshake(ssl::stream_base::server, [this, self](boost::system::error_code ec) {
      if (ec) return Stop();
      backend_.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), backend_port_),
                             [this, self](boost::system::error_code ec) {
                               if (ec) return Stop();
                               Pump(client_, backend_, up_);
                               Pump(backend_, client_, down_);
                             });
    });
  }

 private:
  template <typename From, typename To>
  void Pump(From& from, To& to, std::array<char, 16384>& buf) {
    auto self = shared_from_this();
    from.async_read_some(
        asio::buffer(buf), [this, self, &from, &to, &buf](boost::system::error_code ec, size_t n) {
          if (ec) return Stop();
          asio::async_write(to, asio::buffer(buf.data(), n),
                            [this, self, &from, &to, &buf](boost::system::error_code ec, size_t) {
                              if (ec) return Stop();
                              Pump(from, to, buf);
                            });
        });
  }

  void Stop() {
    boost::system::error_code ec;
    client_.lowest_layer().close(ec);
    backend_.close(ec);
  }

  ssl::stream<tcp::socket> client_;
  tcp::socket backend_;
  int backend_port_;
  std::array<char, 16384> up_{};
  std::array<char, 16384> down_{};
};

}  // namespace

struct TlsForwarder::Impl {
  asio::io_context ioc;
  ssl::context ctx{ssl::context::tls_server};
  tcp::acceptor acceptor{ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  std::string cert_file;
  int backend_port = 0;
  std::thread thread;

  void Accept() {
    acceptor.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
      if (ec) return;
      std::make_shared<Relay>(std::move(socket), ctx, backend_port)->Start();
      Accept();
    });
  }
};

TlsForwarder::TlsForwarder(int backend_port, const std::string& dir)
    : impl_(std::make_unique<Impl>()) {
  impl_->cert_file = dir + "/cert.pem";
  std::string key_file = dir + "/key.pem";
  MakeCertificate(impl_->cert_file, key_file);
  impl_->ctx.use_certificate_chain_file(impl_->cert_file);
  impl_->ctx.use_private_key_file(key_file, ssl::context::pem);
  impl_->backend_port = backend_port;
  impl_->Accept();
  impl_->thread = std::thread([this] { impl_->ioc.run(); });
}

TlsForwarder::~TlsForwarder() {
  impl_->ioc.stop();
  impl_->thread.join();
}

int TlsForwarder::port() const { return impl_->acceptor.local_endpoint().port(); }
const std::string& TlsForwarder::cert_file() const { return impl_->cert_file; }

}  // namespace eddy::testing
