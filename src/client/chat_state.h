// What a ChatClient, its ChannelHandles and Subscriptions share. Internal to src/client.
//
// Threading: `thread_` runs `ioc_`; the WebSocket, its timers and the reconnect logic live
// on it (members marked "io thread"). mu_ guards the session fields below it; subs_mu_ guards
// the subscriptions; refresh_mu_ serialises token refreshes. Event handlers are invoked with
// only dispatch_mu_ held (never taken by the handlers' own SDK calls).
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "client/http_transport.h"
#include "client/ws_connection.h"
#include "eddy/chat_client.h"

namespace eddy::client {

struct ChatState {
  ChatState(std::string base_url, std::string api_key, ClientOptions options);
  ~ChatState();

  // REST as the connected user; on code 40 with a provider: refresh and retry once.
  boost::json::object Request(const std::string& method, const std::string& path,
                              const boost::json::object* body, QueryParams params);

  User Connect(const User& user, std::string token, TokenProvider provider);
  void Disconnect();
  // Disconnects, stops the io thread and joins it.
  void Shutdown();

  std::uint64_t Subscribe(std::string type, std::string cid, EventHandler handler);
  void Unsubscribe(std::uint64_t id);
  void Dispatch(const Event& event);

  void Watched(const std::string& cid, bool watching);
  std::string user_id();
  std::string connection_id();

 private:
  struct Sub {
    std::string type;
    std::string cid;
    std::shared_ptr<EventHandler> handler;
  };

  std::string Token();
  // A new token unless another thread already replaced `failed`.
  std::string RefreshToken(const std::string& failed);
  std::string ConnectTarget(const std::string& token);

  // io thread: the socket's life.
  void OpenSocket(std::uint64_t generation);
  void ReadLoop(std::shared_ptr<WsConnection> ws, std::uint64_t generation);
  void OnFrame(const std::shared_ptr<WsConnection>& ws, std::uint64_t generation,
               const std::string& text);
  void OnHealthy(const boost::json::object& frame, std::uint64_t generation);
  void OnSocketLost(const std::shared_ptr<WsConnection>& ws, std::uint64_t generation,
                    bool refresh_token);
  void ArmPing();
  void ArmWatchdog();
  void StopSocket();
  void Recover();
  void FinishConnect(std::optional<User> me, std::optional<ApiError> error);
  void DispatchLocal(const std::string& type, boost::json::object extra = {});

  const BaseUrl url_;
  const std::string api_key_;
  const ClientOptions options_;
  HttpTransport http_;
  std::shared_ptr<boost::asio::ssl::context> tls_;

  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::uint64_t generation_ = 0;  // a new value per ConnectUser/DisconnectUser
  std::optional<User> user_;
  std::string token_;
  TokenProvider provider_;
  std::string connection_id_;
  std::set<std::string> watched_;
  bool connect_pending_ = false;
  std::optional<User> connect_me_;
  std::optional<ApiError> connect_error_;

  std::mutex refresh_mu_;

  std::mutex subs_mu_;
  std::map<std::uint64_t, Sub> subs_;
  // Held by the io thread while it runs handlers: Unsubscribe from another thread waits on it,
  // so a handler never runs after its Unsubscribe returned.
  std::mutex dispatch_mu_;
  std::uint64_t next_sub_ = 1;

  // io thread only.
  std::shared_ptr<WsConnection> ws_;
  bool healthy_ = false;
  bool was_healthy_ = false;  // this session had a healthy socket before: reconnects recover
  int failures_ = 0;
  std::string client_id_;
  boost::asio::steady_timer ping_timer_;
  boost::asio::steady_timer watchdog_;
  boost::asio::steady_timer retry_timer_;
};

}  // namespace eddy::client
