// Settings shared by ServerClient and ChatClient.
#pragma once

#include <chrono>
#include <string>

namespace eddy::client {

struct ClientOptions {
  // Every REST call must be answered within this time (the JS SDK's 3 s, a little more).
  std::chrono::milliseconds timeout{10000};
  // https/wss: verify the server's certificate against the system store, plus ca_file if set
  // (a PEM file, e.g. a private CA or a self-signed certificate). Turning verification off is
  // for experiments only.
  bool verify_tls = true;
  std::string ca_file;
  // Sent as X-Stream-Client (REST header and WebSocket parameter).
  std::string user_agent = "eddy-cpp-sdk-0.1";
  // WebSocket (ChatClient only): the client pings after `ping_interval` without a ping, and
  // declares the socket dead when nothing arrives for ping_interval + 10 s (protocol §3.4).
  std::chrono::milliseconds ping_interval{25000};
  // How long ConnectUser waits for the first health.check (§3.5: 15 s).
  std::chrono::milliseconds connect_timeout{15000};
  // Upper bound of the reconnect back-off (§3.5 caps it at 25 s).
  std::chrono::milliseconds max_reconnect_delay{25000};
};

}  // namespace eddy::client
