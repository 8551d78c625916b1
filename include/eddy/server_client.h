// The server-side client: what a customer's backend holds (API key and secret). It mints user
// tokens and calls eddy with server authority (a {"server":true} JWT on every request), which
// bypasses client-side permissions: creating channels, promoting users, banning.
//
// Threading: every method is a blocking call, safe to call from any number of threads at once
// (connections are pooled internally). Failures throw eddy::client::ApiError.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "eddy/errors.h"
#include "eddy/options.h"
#include "eddy/types.h"

namespace eddy::client {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// The answer of the channel-update calls (members, moderators, data): §6.4.
struct ChannelUpdate {
  Channel channel;
  std::vector<Member> members;
  std::optional<Message> message;
};

struct ReactionResult {
  Message message;
  Reaction reaction;
};

// Options of a ban (§6.9). timeout_minutes 0 = permanent; a cid bans from that channel only.
struct BanOptions {
  std::string banned_by_id;
  std::string reason;
  std::int64_t timeout_minutes = 0;
  std::string cid;
  bool shadow = false;
  bool ip_ban = false;
};

class HttpTransport;

class ServerClient {
 public:
  // base_url: "http://host:port" or "https://host:port" (a path prefix is kept).
  ServerClient(std::string base_url, std::string api_key, std::string api_secret,
               ClientOptions options = {});
  ~ServerClient();
  ServerClient(const ServerClient&) = delete;
  ServerClient& operator=(const ServerClient&) = delete;

  // A user token, byte for byte what the JS SDK's createToken mints (§2.2, §11); exp and iat
  // are epoch seconds and only included when given. Local, no network.
  std::string CreateToken(const std::string& user_id, std::optional<std::int64_t> exp = {},
                          std::optional<std::int64_t> iat = {}) const;

  // Users (§6.2).
  std::vector<User> UpsertUsers(const std::vector<User>& users);
  User UpsertUser(const User& user);
  // PATCH /users; e.g. PartialUpdateUser("carol", {{"role", "admin"}}) promotes to app admin.
  User PartialUpdateUser(const std::string& id, const boost::json::object& set,
                         const std::vector<std::string>& unset = {});
  std::vector<User> QueryUsers(const boost::json::object& filter,
                               const boost::json::array& sort = {}, int limit = 30, int offset = 0);
  User DeactivateUser(const std::string& id, bool mark_messages_deleted = false);
  User ReactivateUser(const std::string& id);
  User DeleteUser(const std::string& id, bool hard_delete = false);

  // Channels (§6.3, §6.4). `data` may carry a name and custom fields.
  ChannelState CreateChannel(const std::string& type, const std::string& id,
                             const std::string& created_by_id,
                             const std::vector<std::string>& members,
                             const boost::json::object& data = {});
  ChannelUpdate UpdateChannel(const std::string& type, const std::string& id,
                              const boost::json::object& data);
  ChannelUpdate AddMembers(const std::string& type, const std::string& id,
                           const std::vector<std::string>& user_ids);
  ChannelUpdate RemoveMembers(const std::string& type, const std::string& id,
                              const std::vector<std::string>& user_ids);
  ChannelUpdate AddModerators(const std::string& type, const std::string& id,
                              const std::vector<std::string>& user_ids);
  ChannelUpdate DemoteModerators(const std::string& type, const std::string& id,
                                 const std::vector<std::string>& user_ids);
  Channel DeleteChannel(const std::string& type, const std::string& id, bool hard_delete = false);
  Channel TruncateChannel(const std::string& type, const std::string& id, bool hard_delete = false);
  std::vector<ChannelState> QueryChannels(const boost::json::object& filter,
                                          const std::string& user_id,
                                          const boost::json::array& sort = {}, int limit = 10);

  // Messages on behalf of a user (§6.5).
  Message SendMessage(const std::string& type, const std::string& id, const std::string& user_id,
                      const Message& message);
  Message UpdateMessage(const Message& message, const std::string& user_id);
  Message DeleteMessage(const std::string& message_id, bool hard_delete = false);
  Message GetMessage(const std::string& message_id);

  // Moderation (§6.9).
  void BanUser(const std::string& target_user_id, const BanOptions& options);
  void UnbanUser(const std::string& target_user_id, const std::string& cid = "");
  void MuteUser(const std::string& target_user_id, const std::string& user_id);
  void UnmuteUser(const std::string& target_user_id, const std::string& user_id);
  boost::json::object FlagMessage(const std::string& message_id, const std::string& user_id,
                                  const std::string& reason = "");
  boost::json::object FlagUser(const std::string& target_user_id, const std::string& user_id,
                               const std::string& reason = "");
  // The "bans" array: {user, banned_by, channel?, created_at, expires?, reason?, ...} each.
  boost::json::array QueryBannedUsers(const boost::json::object& filter);

  // App settings (§6.11).
  boost::json::object GetAppSettings();
  void UpdateAppSettings(const boost::json::object& settings);

  // Any other endpoint: the parsed JSON answer of METHOD path, with api_key added to params.
  boost::json::object Request(const std::string& method, const std::string& path,
                              const boost::json::object* body = nullptr, QueryParams params = {});

 private:
  ChannelUpdate UpdateChannelWith(const std::string& type, const std::string& id,
                                  const boost::json::object& body);

  std::string api_key_;
  std::string api_secret_;
  std::string server_token_;
  std::unique_ptr<HttpTransport> http_;
};

// The seed's token fetch: POSTs {"user_id": user_id} to `url` (a backend like the
// token_server example) and returns the "payload" field of its JSON answer. Throws ApiError
// (code kNetworkError, status_code = the HTTP status) on any failure.
std::string FetchToken(const std::string& url, const std::string& user_id,
                       const ClientOptions& options = {});

}  // namespace eddy::client
