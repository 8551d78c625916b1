// A TLS-terminating TCP forwarder for the https/wss tests (eddy serve speaks plain HTTP): it
// accepts TLS on a free loopback port with a self-signed certificate made at start and relays
// the bytes to eddy's port. Runs on its own thread; everything else is internal.
#pragma once

#include <memory>
#include <string>

namespace eddy::testing {

class TlsForwarder {
 public:
  // Writes cert.pem/key.pem (CN and subjectAltName 127.0.0.1) into `dir`.
  TlsForwarder(int backend_port, const std::string& dir);
  ~TlsForwarder();
  int port() const;
  // The PEM certificate a client must trust.
  const std::string& cert_file() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace eddy::testing
