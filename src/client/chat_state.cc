#include "client/chat_state.h"

#include <boost/asio/post.hpp>
#include <future>
#include <random>

#include "client/convert.h"
#include "client/tls.h"
#include "common/ids.h"

namespace eddy::client {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

// Protocol §3.5: a random wait in [min, max] ms growing with consecutive failures.
std::chrono::milliseconds RetryInterval(int failures, std::chrono::milliseconds cap) {
  long long max = std::min<long long>(500 + failures * 2000LL, cap.count());
  long long min = std::min<long long>(std::max(250LL, (failures - 1) * 2000LL), cap.count());
  if (min > max) min = max;
  static thread_local std::mt19937_64 rng(std::random_device{}());
  return std::chrono::milliseconds(std::uniform_int_distribution<long long>(min, max)(rng));
}

}  // namespace

ChatState::ChatState(std::string base_url, std::string api_key, ClientOptions options)
    : url_(ParseBaseUrl(base_url)),
      api_key_(std::move(api_key)),
      options_(std::move(options)),
      http_(url_, options_),
      tls_(url_.tls ? MakeTlsContext(options_) : nullptr),
      work_(asio::make_work_guard(ioc_)),
      ping_timer_(ioc_),
      watchdog_(ioc_),
      retry_timer_(ioc_) {
  thread_ = std::thread([this] { ioc_.run(); });
}

ChatState::~ChatState() { Shutdown(); }

void ChatState::Shutdown() {
  if (!thread_.joinable()) return;
  Disconnect();
  work_.reset();
  ioc_.stop();
  thread_.join();
}

std::string ChatState::user_id() {
  std::lock_guard lock(mu_);
  return user_ ? user_->id : "";
}

std::string ChatState::connection_id() {
  std::lock_guard lock(mu_);
  return connection_id_;
}

void ChatState::Watched(const std::string& cid, bool watching) {
  std::lock_guard lock(mu_);
  if (watching) {
    watched_.insert(cid);
  } else {
    watched_.erase(cid);
  }
}

std::string ChatState::Token() {
  std::lock_guard lock(mu_);
  return token_;
}

std::string ChatState::RefreshToken(const std::string& failed) {
  std::lock_guard refresh(refresh_mu_);
  TokenProvider provider;
  {
    std::lock_guard lock(mu_);
    if (token_ != failed) return token_;
    provider = provider_;
  }
  if (!provider) throw ApiError(40, 401, "token expired and no token provider is set");
  std::string fresh = provider();
  std::lock_guard lock(mu_);
  token_ = fresh;
  return fresh;
}

json::object ChatState::Request(const std::string& method, const std::string& path,
                                const json::object* body, QueryParams params) {
  std::string text = body ? json::serialize(*body) : "";
  for (int attempt = 0;; ++attempt) {
    QueryParams all{{"api_key", api_key_}};
    std::string token;
    bool refreshable;
    {
      std::lock_guard lock(mu_);
      token = token_;
      refreshable = static_cast<bool>(provider_);
      if (user_) all.push_back({"user_id", user_->id});
      if (!connection_id_.empty()) all.push_back({"connection_id", connection_id_});
    }
    all.insert(all.end(), params.begin(), params.end());
    HttpResponse res = http_.Send(method, BuildTarget(path, all), text,
                                  {{"Authorization", token}, {"stream-auth-type", "jwt"}});
    try {
      return DecodeResponse(res);
    } catch (const ApiError& e) {
      if (e.code() != 40 || !refreshable || attempt > 0) throw;
      RefreshToken(token);
    }
  }
}

std::uint64_t ChatState::Subscribe(std::string type, std::string cid, EventHandler handler) {
  std::lock_guard lock(subs_mu_);
  std::uint64_t id = next_sub_++;
  subs_[id] = {std::move(type), std::move(cid), std::make_shared<EventHandler>(std::move(handler))};
  return id;
}

void ChatState::Unsubscribe(std::uint64_t id) {
  {
    std::lock_guard lock(subs_mu_);
    subs_.erase(id);
  }
  // From another thread: wait until a dispatch that may have picked the handler is over.
  if (std::this_thread::get_id() != thread_.get_id()) std::lock_guard wait(dispatch_mu_);
}

void ChatState::Dispatch(const Event& event) {
  std::lock_guard dispatching(dispatch_mu_);
  std::vector<std::shared_ptr<EventHandler>> handlers;
  {
    std::lock_guard lock(subs_mu_);
    for (const auto& [id, sub] : subs_) {
      if (sub.type != "*" && sub.type != event.type) continue;
      if (!sub.cid.empty() && sub.cid != event.cid) continue;
      handlers.push_back(sub.handler);
    }
  }
  for (const auto& h : handlers) {
    try {
      (*h)(event);
    } catch (...) {
      // A throwing handler must not take the connection down with it.
    }
  }
}

void ChatState::DispatchLocal(const std::string& type, json::object extra) {
  Event e;
  e.type = type;
  e.extra = std::move(extra);
  Dispatch(e);
}

User ChatState::Connect(const User& user, std::string token, TokenProvider provider) {
  Disconnect();
  if (provider && token.empty()) token = provider();
  std::uint64_t generation;
  {
    std::lock_guard lock(mu_);
    generation = ++generation_;
    user_ = user;
    token_ = std::move(token);
    provider_ = std::move(provider);
    connect_pending_ = true;
    connect_me_.reset();
    connect_error_.reset();
  }
  asio::post(ioc_, [this, generation] {
    was_healthy_ = false;
    failures_ = 0;
    OpenSocket(generation);
  });
  std::unique_lock lock(mu_);
  bool done = cv_.wait_for(lock, options_.connect_timeout, [&] { return !connect_pending_; });
  std::optional<ApiError> error = connect_error_;
  if (!done) {
    error = ApiError(ApiError::kNetworkError, 0, "initial WS connection could not be established");
  }
  if (error) {
    lock.unlock();
    Disconnect();
    throw *error;
  }
  return *connect_me_;
}

void ChatState::Disconnect() {
  if (std::this_thread::get_id() == thread_.get_id()) {
    throw std::logic_error("DisconnectUser/ConnectUser called from an event handler");
  }
  {
    std::lock_guard lock(mu_);
    ++generation_;
    user_.reset();
    token_.clear();
    provider_ = nullptr;
    connection_id_.clear();
    watched_.clear();
  }
  std::promise<void> closed;
  asio::post(ioc_, [this, &closed] {
    std::shared_ptr<WsConnection> ws = healthy_ ? ws_ : nullptr;
    if (ws) ws_.reset();  // closed cleanly below, not aborted by StopSocket
    StopSocket();
    was_healthy_ = false;
    if (!ws) return closed.set_value();
    ws->Close(1000, "Manually closed connection by calling client.disconnect()", [ws, &closed] {
      ws->Abort();
      closed.set_value();
    });
  });
  closed.get_future().wait();
}

void ChatState::FinishConnect(std::optional<User> me, std::optional<ApiError> error) {
  std::lock_guard lock(mu_);
  if (!connect_pending_) return;
  connect_pending_ = false;
  connect_me_ = std::move(me);
  connect_error_ = std::move(error);
  cv_.notify_all();
}

std::string ChatState::ConnectTarget(const std::string& token) {
  User user;
  {
    std::lock_guard lock(mu_);
    if (user_) user = *user_;
  }
  json::object payload{
      {"user_id", user.id}, {"user_details", user.ToJson()}, {"client_request_id", NewUuid()}};
  client_id_ = user.id + "--" + NewUuid();
  return BuildTarget("/connect", {{"json", json::serialize(payload)},
                                  {"api_key", api_key_},
                                  {"authorization", token},
                                  {"stream-auth-type", "jwt"},
                                  {"X-Stream-Client", options_.user_agent}});
}

void ChatState::OpenSocket(std::uint64_t generation) {
  {
    std::lock_guard lock(mu_);
    if (generation != generation_) return;
  }
  StopSocket();
  auto ws = MakeWsConnection(ioc_, tls_, options_);
  ws_ = ws;
  ws->Connect(url_, ConnectTarget(Token()), options_.connect_timeout,
              [this, ws, generation](boost::system::error_code ec) {
                if (ws != ws_) return;
                if (ec) return OnSocketLost(ws, generation, false);
                ArmWatchdog();
                ReadLoop(ws, generation);
              });
}

void ChatState::ReadLoop(std::shared_ptr<WsConnection> ws, std::uint64_t generation) {
  ws->Read([this, ws, generation](boost::system::error_code ec, std::string text) {
    if (ws != ws_) return;
    if (ec) return OnSocketLost(ws, generation, false);
    OnFrame(ws, generation, text);
    if (ws == ws_) ReadLoop(ws, generation);
  });
}

void ChatState::OnFrame(const std::shared_ptr<WsConnection>& ws, std::uint64_t generation,
                        const std::string& text) {
  ArmWatchdog();
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return;
  const json::object& frame = v.as_object();
  if (const json::value* err = frame.if_contains("error"); err && err->is_object()) {
    const json::object& e = err->as_object();
    int code = e.contains("code") && e.at("code").is_int64()
                   ? static_cast<int>(e.at("code").as_int64())
                   : ApiError::kNetworkError;
    int status = e.contains("StatusCode") && e.at("StatusCode").is_int64()
                     ? static_cast<int>(e.at("StatusCode").as_int64())
                     : 0;
    std::string message = e.contains("message") && e.at("message").is_string()
                              ? e.at("message").as_string().c_str()
                              : "";
    bool refreshable;
    {
      std::lock_guard lock(mu_);
      refreshable = static_cast<bool>(provider_);
    }
    if (code == 40 && refreshable) return OnSocketLost(ws, generation, true);
    // Any other refusal or ending (a ban, a deactivation) is final (§3.3, §3.5): no blind
    // retry with the same credentials; the app may call ConnectUser again.
    bool was_online = healthy_;
    StopSocket();
    {
      std::lock_guard lock(mu_);
      connection_id_.clear();
    }
    FinishConnect(std::nullopt, ApiError(code, status, message));
    if (was_online) DispatchLocal("connection.changed", {{"online", false}});
    DispatchLocal("connection.error", {{"error", e}});
    return;
  }
  if (!healthy_) {
    if (!frame.contains("type") || frame.at("type") != "health.check") return;
    OnHealthy(frame, generation);
  }
  if (frame.contains("type") && frame.at("type") == "health.check") ArmPing();
  Dispatch(Event::FromJson(frame));
}

void ChatState::OnHealthy(const json::object& frame, std::uint64_t generation) {
  healthy_ = true;
  failures_ = 0;
  {
    std::lock_guard lock(mu_);
    if (generation != generation_) return;
    if (const json::value* id = frame.if_contains("connection_id"); id && id->is_string())
      connection_id_ = std::string(id->as_string());
  }
  User me;
  if (const json::value* m = frame.if_contains("me"); m && m->is_object())
    me = User::FromJson(m->as_object());
  bool recovering = was_healthy_;
  was_healthy_ = true;
  FinishConnect(me, std::nullopt);
  DispatchLocal("connection.changed", {{"online", true}});
  if (recovering) Recover();
}

// §3.5 recoverState: re-watch every active channel on the new connection id.
void ChatState::Recover() {
  std::vector<std::string> cids;
  {
    std::lock_guard lock(mu_);
    cids.assign(watched_.begin(), watched_.end());
  }
  try {
    for (size_t i = 0; i < cids.size(); i += 30) {
      json::array batch;
      for (size_t j = i; j < cids.size() && j < i + 30; ++j) batch.emplace_back(cids[j]);
      json::object body{{"filter_conditions", {{"cid", {{"$in", std::move(batch)}}}}},
                        {"sort", json::array{{{"field", "last_message_at"}, {"direction", -1}}}},
                        {"state", true},
                        {"watch", true},
                        {"presence", false},
                        {"limit", 30}};
      Request("POST", "/channels", &body, {});
    }
  } catch (const ApiError&) {
    // Not re-watched: drop this socket and let the reconnect loop try again.
    if (ws_) ws_->Abort();
    return;
  }
  DispatchLocal("connection.recovered");
}

void ChatState::OnSocketLost(const std::shared_ptr<WsConnection>& ws, std::uint64_t generation,
                             bool refresh_token) {
  bool was_online = healthy_;
  StopSocket();
  {
    std::lock_guard lock(mu_);
    if (generation != generation_) return;
    connection_id_.clear();
  }
  if (was_online) DispatchLocal("connection.changed", {{"online", false}});
  ++failures_;
  retry_timer_.expires_after(refresh_token
                                 ? RetryInterval(1, options_.max_reconnect_delay)
                                 : RetryInterval(failures_, options_.max_reconnect_delay));
  std::string failed = Token();
  retry_timer_.async_wait([this, generation, refresh_token, failed](boost::system::error_code ec) {
    if (ec) return;
    if (refresh_token) {
      try {
        RefreshToken(failed);
      } catch (const ApiError& e) {
        StopSocket();
        return FinishConnect(std::nullopt, e);
      } catch (const std::exception& e) {
        StopSocket();
        return FinishConnect(std::nullopt, ApiError(40, 401, e.what()));
      }
    }
    OpenSocket(generation);
  });
}

void ChatState::StopSocket() {
  if (ws_) ws_->Abort();
  ws_.reset();
  healthy_ = false;
  ping_timer_.cancel();
  watchdog_.cancel();
  retry_timer_.cancel();
}

// §3.4: ping after ping_interval without a health.check.
void ChatState::ArmPing() {
  ping_timer_.expires_after(options_.ping_interval);
  ping_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || !ws_ || !healthy_) return;
    json::array ping{{{"type", "health.check"}, {"client_id", client_id_}}};
    ws_->Write(json::serialize(ping));
  });
}

// Nothing at all for ping_interval + 10 s: the socket is dead even if TCP has not noticed.
void ChatState::ArmWatchdog() {
  watchdog_.expires_after(options_.ping_interval + std::chrono::seconds(10));
  watchdog_.async_wait([this](boost::system::error_code ec) {
    if (!ec && ws_) ws_->Abort();
  });
}

}  // namespace eddy::client
