// Channels on the wire (protocol §5.3–§5.6, §8): ChannelResponse, ChannelMemberResponse and
// ReadStateResponse, channel and member input objects validated and split into typed fields
// and custom data, channel id rules and member-based (distinct) ids. Pure functions;
// thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "common/json.h"
#include "server/domain/channel.h"

namespace eddy::protocol {

inline constexpr std::size_t kMaxChannelIdLength = 64;
// Serialized size of a channel's (or one member's) custom data.
inline constexpr std::size_t kMaxChannelCustomBytes = 5 * 1024;
// Members in one create/update request (§8).
inline constexpr std::size_t kMaxMembersPerRequest = 100;
inline constexpr std::int64_t kMaxCooldownSeconds = 120;
inline constexpr std::int64_t kMaxMessageLengthLimit = 20000;
// How "never" is rendered where a timestamp is required (read[].last_read), §5.0.
inline constexpr std::string_view kZeroTime = "0001-01-01T00:00:00Z";
// Prefix of the server-made ids of member-based channels (§5.3).
inline constexpr std::string_view kDistinctIdPrefix = "!members-";

// type: 1–64 of [A-Za-z0-9_-]; id: 1–64 of [A-Za-z0-9_!-] (§8).
Status ValidateChannelType(std::string_view type);
Status ValidateChannelId(std::string_view id);
// "type:id" split and validated.
Result<std::pair<std::string, std::string>> ParseCid(std::string_view cid);
// "!members-" + base64url(SHA-256 of the sorted, de-duplicated ids joined by ','): the same
// member set always gives the same id, whatever the order it was listed in.
std::string DistinctChannelId(std::vector<std::string> member_ids);

// How the server treats one top-level key of a channel object sent by a client.
enum class ChannelKey {
  kCustom,      // app data (name, image, ...): stored as given, echoed back flattened
  kSettable,    // typed, may change later: team, frozen, disabled, cooldown, config_overrides
  kCreateOnly,  // read when the channel is created: members, invites, created_by(_id)
  kReadOnly,    // computed by the server (cid, member_count, config, ...): never stored
};
ChannelKey ClassifyChannelKey(std::string_view key);

// One element of `members`, `add_members` or `invites`: "user_id" or {"user_id", "channel_role"?,
// ...custom member data} (`user: {id}` is accepted in place of user_id).
struct MemberInput {
  std::string user_id;
  std::optional<std::string> channel_role;
  json::object custom;
};
Result<MemberInput> MemberInputFromJson(const json::value& v);
// An array of the above, at most kMaxMembersPerRequest, no user twice. `what` names the field
// in errors.
Result<std::vector<MemberInput>> MemberListFromJson(const json::value& v, std::string_view what);
// A JSON array of user id strings (remove_members, add_moderators, ...), same limits.
Result<std::vector<std::string>> UserIdListFromJson(const json::value& v, std::string_view what);
// channel_member, channel_moderator or a custom name matching [a-z][a-z0-9_]{0,63}.
Status ValidateChannelRole(std::string_view role);

// A channel object (`data` of get-or-create and update), validated. Unset optionals: absent.
// Read-only keys are dropped without error: clients echo channel objects they received.
struct ChannelInput {
  std::optional<std::vector<MemberInput>> members;
  std::vector<MemberInput> invites;
  std::string created_by_id;  // from created_by_id or created_by.id
  std::optional<std::string> team;
  std::optional<bool> frozen;
  std::optional<bool> disabled;
  std::optional<std::int64_t> cooldown;
  std::optional<json::object> config_overrides;
  json::object custom;
};
Result<ChannelInput> ChannelInputFromJson(const json::object& data);
// Reads one kSettable key into `in`, checking its type and range.
Status ReadChannelField(ChannelInput& in, std::string_view key, const json::value& value);
// Custom keys valid (see ValidateCustomKey) and data within kMaxChannelCustomBytes.
Status ValidateChannelCustom(const json::object& custom);
// The channel-level settings that may be overridden: typing_events, reactions, replies,
// quotes, uploads, url_enrichment (booleans), max_message_length (1..20000), commands
// (strings), blocklist, blocklist_behavior (strings), grants (object).
Status ValidateConfigOverrides(const json::object& overrides);

// The parts of a ChannelResponse that are not in the Channel row.
struct ChannelJsonParts {
  const json::object* config = nullptr;         // the effective config; required by the SDK
  json::value created_by;                       // UserResponse or null
  json::value truncated_by;                     // UserResponse or null (only with truncated_at)
  std::optional<json::array> own_capabilities;  // per reader; omitted in shared events
  std::optional<bool> hidden;                   // per reader; omitted in shared events
  std::optional<Micros> hide_messages_before;   // per reader
  std::optional<json::array> members;           // only in some events
};
// §5.3. last_message_at is absent until there is one; custom keys are flattened.
json::object ChannelToJson(const server::Channel& channel, const ChannelJsonParts& parts);

// The deprecated member `role`: owner (the creator), admin (app admin), moderator (channel
// moderator) or member.
std::string LegacyMemberRole(const server::Member& m, std::string_view app_role);
// "member", "pending" (invited, not answered) or "rejected".
std::string MemberStatus(const server::Member& m);
// §5.5 with `user` (a UserResponse) embedded and custom member data flattened.
json::object MemberToJson(const server::Member& m, json::object user, std::string_view app_role);
// §5.6: last_read is kZeroTime for a member who never read.
json::object ReadStateToJson(const server::Member& m, json::object user,
                             std::int64_t unread_messages);

}  // namespace eddy::protocol
