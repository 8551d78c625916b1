// The user-side client: connects one user over WebSocket (ConnectUser), receives events,
// and calls the REST API with the user's token.
//
// Threading contract:
// - ChatClient owns one background thread. It runs the WebSocket: reads, the heartbeat of
//   protocol §3.4, reconnects with back-off (§3.5) and token refreshes. Every event callback
//   runs on that thread, one at a time, in the order the frames arrived; the token provider
//   is called from that thread too (and from the thread of a REST call that got code 40).
// - Every public method is a blocking call and may be called from any thread, concurrently.
//   REST calls do not use the background thread, so a callback may make them (the events
//   behind it wait meanwhile). A callback must not call ConnectUser, DisconnectUser or
//   destroy the client: those wait for the background thread and would deadlock.
// - From an Asio program, run the blocking calls off your io_context (eddy/async.h offers
//   AsyncCall for that) and hand events back with Post(ctx, handler).
// Failures throw eddy::client::ApiError.
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "eddy/errors.h"
#include "eddy/options.h"
#include "eddy/server_client.h"
#include "eddy/types.h"

namespace eddy::client {

// Returns a fresh token for the connected user; called at connect and whenever the server
// answers code 40 (expired). Throwing from it fails the call that needed the token.
using TokenProvider = std::function<std::string()>;
using EventHandler = std::function<void(const Event&)>;

struct ChatState;  // internal

// Keeps an event handler registered. Unsubscribe() (or destruction) removes it: once it
// returns the handler is not running and will not run again (from another thread it waits
// for a running call to finish; so do not unsubscribe while holding a lock the handler
// takes). Move-only.
class [[nodiscard]] Subscription {
 public:
  Subscription() = default;
  Subscription(std::weak_ptr<ChatState> state, std::uint64_t id)
      : state_(std::move(state)), id_(id) {}
  Subscription(Subscription&& other) noexcept { *this = std::move(other); }
  Subscription& operator=(Subscription&& other) noexcept;
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;
  ~Subscription() { Unsubscribe(); }
  void Unsubscribe();

 private:
  std::weak_ptr<ChatState> state_;
  std::uint64_t id_ = 0;
};

// One channel seen by the connected user: a cheap copyable handle (it shares the client's
// state; use it only while its ChatClient lives).
class ChannelHandle {
 public:
  ChannelHandle(std::shared_ptr<ChatState> state, std::string type, std::string id);

  const std::string& type() const { return type_; }
  const std::string& id() const { return id_; }
  std::string cid() const { return type_ + ":" + id_; }

  // Creates the channel if needed (with `data`: members, name, custom fields), subscribes
  // this connection to its events and returns its state. A watched channel is re-watched
  // after every reconnect, until StopWatching.
  ChannelState Watch(int message_limit = 25, const boost::json::object& data = {});
  // POST .../query with `body` as given (pagination: {"messages":{"limit":25,"id_lt":..}}).
  ChannelState Query(const boost::json::object& body);
  void StopWatching();

  // The SDK gives a message without id a UUIDv4, so a retry cannot duplicate it.
  Message SendMessage(const Message& message);
  Message SendMessage(const std::string& text);
  Message UpdateMessage(const Message& message);
  Message DeleteMessage(const std::string& message_id, bool hard_delete = false);
  ReactionResult SendReaction(const std::string& message_id, const std::string& type,
                              bool enforce_unique = false);
  ReactionResult DeleteReaction(const std::string& message_id, const std::string& type);
  std::vector<Message> GetReplies(const std::string& parent_id, int limit = 25);
  // Returns the message.read event; message_id marks read up to that message.
  Event MarkRead(const std::string& message_id = "");
  Event Keystroke(const std::string& parent_id = "");
  Event StopTyping(const std::string& parent_id = "");
  // A custom event ({"type": "...", ...}); the server answers with the event it broadcast.
  Event SendEvent(const boost::json::object& event);
  std::vector<Member> QueryMembers(const boost::json::object& filter = {},
                                   const boost::json::array& sort = {}, int limit = 100);

  // Events of this channel only; type "*" = all of them.
  Subscription On(const std::string& type, EventHandler handler);

 private:
  std::string Path(const std::string& suffix) const;

  std::shared_ptr<ChatState> state_;
  std::string type_;
  std::string id_;
};

class ChatClient {
 public:
  ChatClient(std::string base_url, std::string api_key, ClientOptions options = {});
  // Disconnects and joins the background thread.
  ~ChatClient();
  ChatClient(const ChatClient&) = delete;
  ChatClient& operator=(const ChatClient&) = delete;

  // Opens the WebSocket as `user` (its fields become user_details: the server upserts name,
  // image and custom fields) and returns the own user of the first health.check ("me").
  // With a static token an expired token fails with ApiError code 40; with a provider the
  // SDK fetches a new one and retries. Throws if not healthy within connect_timeout.
  User ConnectUser(const User& user, const std::string& token);
  User ConnectUser(const User& user, TokenProvider provider);
  // Closes the socket with 1000 and forgets the user and the watched channels.
  void DisconnectUser();

  std::string user_id() const;
  // The id of the current socket ("" while disconnected or reconnecting).
  std::string connection_id() const;

  // POST /channels. watch=true subscribes the connection to every channel returned and
  // keeps them re-watched across reconnects.
  std::vector<ChannelState> QueryChannels(const boost::json::object& filter,
                                          const boost::json::array& sort = {}, int limit = 10,
                                          bool watch = true, bool presence = false);
  ChannelHandle GetChannel(const std::string& type, const std::string& id);
  std::vector<User> QueryUsers(const boost::json::object& filter,
                               const boost::json::array& sort = {}, int limit = 30);
  boost::json::object GetAppSettings();

  // Every event of the connection (type "*") or of one type, from any channel.
  Subscription On(const std::string& type, EventHandler handler);

  // Any other endpoint, as this user (api_key, user_id, connection_id added to params; the
  // token refreshed on code 40 like every call).
  boost::json::object Request(const std::string& method, const std::string& path,
                              const boost::json::object* body = nullptr, QueryParams params = {});

 private:
  std::shared_ptr<ChatState> state_;
};

}  // namespace eddy::client
