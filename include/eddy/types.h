// Typed views of the protocol's objects (stream-protocol.md §5) and events (§4).
//
// Every struct keeps what it does not model in `extra`: custom fields and fields a newer
// server adds survive FromJson -> ToJson unchanged. The rule that makes this exact: a field
// is moved into its typed member only when it has the expected JSON type and, for strings and
// arrays, is non-empty; anything else (null, "", [], a wrong type) stays in `extra`. ToJson
// writes `extra` first, then every set typed member over it. Plain values, no threads.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace eddy::client {

struct User {
  std::string id;
  std::string name;
  std::string image;
  std::string role;
  std::optional<bool> online;
  std::optional<bool> banned;
  std::string created_at;
  std::string updated_at;
  std::string last_active;
  boost::json::object extra;  // custom fields, teams, mutes, unread counts of an own user, ...

  static User FromJson(const boost::json::object& o);
  boost::json::object ToJson() const;
};

struct Reaction {
  std::string type;
  std::string message_id;
  std::string user_id;
  std::optional<User> user;
  std::optional<std::int64_t> score;
  std::string created_at;
  std::string updated_at;
  boost::json::object extra;

  static Reaction FromJson(const boost::json::object& o);
  boost::json::object ToJson() const;
};

struct Message {
  std::string id;
  std::string text;
  std::string type;  // regular, reply, deleted, system, error, ...
  std::string cid;
  std::string parent_id;
  std::optional<User> user;
  std::vector<User> mentioned_users;
  std::vector<Reaction> latest_reactions;
  std::vector<Reaction> own_reactions;
  std::map<std::string, std::int64_t> reaction_counts;
  std::optional<std::int64_t> reply_count;
  std::string created_at;
  std::string updated_at;
  std::string deleted_at;
  boost::json::object extra;  // attachments, custom fields, ...

  static Message FromJson(const boost::json::object& o);
  boost::json::object ToJson() const;
};

struct Member {
  std::string user_id;
  std::optional<User> user;
  std::string channel_role;  // channel_member, channel_moderator, ...
  std::string role;          // the legacy role: owner, member, moderator, admin
  std::optional<bool> banned;
  std::string created_at;
  std::string updated_at;
  boost::json::object extra;

  static Member FromJson(const boost::json::object& o);
  boost::json::object ToJson() const;
};

// One member's read state in a channel.
struct Read {
  std::optional<User> user;
  std::string last_read;
  std::string last_read_message_id;
  std::optional<std::int64_t> unread_messages;
  boost::json::object extra;

  static Read FromJson(const boost::json::object& o);
  boost::json::object ToJson() const;
};

struct Channel {
  std::string id;
  std::string type;
  std::string cid;
  std::string name;
  std::optional<User> created_by;
  std::optional<std::int64_t> member_count;
  std::optional<bool> frozen;
  std::string created_at;
  std::string updated_at;
  std::string last_message_at;
  boost::json::object extra;  // config, own_capabilities, custom data, ...

  static Channel FromJson(const boost::json::object& o);
  boost::json::object ToJson() const;
};

// What a channel query or watch returns (§5.4).
struct ChannelState {
  Channel channel;
  std::vector<Message> messages;
  std::vector<Member> members;
  std::vector<Read> read;
  std::optional<std::int64_t> watcher_count;
  boost::json::object extra;  // pinned_messages, membership, watchers, duration, ...

  static ChannelState FromJson(const boost::json::object& o);
  boost::json::object ToJson() const;
};

// A WebSocket event, or a local one the SDK dispatches itself: "connection.changed"
// ({"online": bool} in extra) and "connection.recovered" after a reconnect has re-watched.
struct Event {
  std::string type;
  std::string cid;
  std::string channel_type;
  std::string channel_id;
  std::string connection_id;
  std::string created_at;
  std::optional<User> user;  // the acting user; `me` of a health.check stays in extra
  std::optional<Message> message;
  std::optional<Reaction> reaction;
  std::optional<Member> member;
  std::optional<Channel> channel;
  std::optional<std::int64_t> watcher_count;
  boost::json::object extra;

  static Event FromJson(const boost::json::object& o);
  boost::json::object ToJson() const;
};

}  // namespace eddy::client
