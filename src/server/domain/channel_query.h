// The channel list query of POST /channels and the member query of GET /members (protocol
// §6.3, §6.4, §7.3): which fields can be filtered and sorted, and the request bodies parsed
// into options. Pure functions; safe from any thread.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/json.h"
#include "server/domain/channel_store.h"
#include "server/domain/filter_parser.h"
#include "server/domain/query.h"

namespace eddy::server {

inline constexpr int kDefaultChannelQueryLimit = 10;
inline constexpr int kMaxChannelQueryLimit = 30;
inline constexpr int kMaxChannelQueryOffset = 1000;
inline constexpr int kDefaultChannelMessageLimit = 25;
inline constexpr int kMaxChannelMessageLimit = 300;
inline constexpr int kDefaultChannelMemberLimit = 100;
inline constexpr int kMaxChannelMemberLimit = 100;
inline constexpr int kDefaultMemberQueryLimit = 100;
inline constexpr int kMaxMemberQueryLimit = 300;
inline constexpr int kMaxMemberQueryOffset = 10000;

// Filterable: type, id, cid, created_by_id, team, frozen, disabled, members ($in: any of
// them is a member; $eq/bare array: exactly that member set), created_at, updated_at,
// last_message_at, deleted_at, member_count, message_count, the caller's per-user fields
// hidden, joined, pinned, archived, invite (pending|accepted|rejected), muted (the reader's
// channel mutes) and custom keys (name with $autocomplete, ...). Sortable:
// last_message_at (channels without messages sort as their created_at), last_updated (eddy's
// alias of last_message_at), created_at, updated_at, member_count, message_count, id, cid,
// pinned_at (the caller's pin) and custom keys. unread_count and has_unread are refused.
const QuerySpec& ChannelQuerySpec();

// Filterable: id/user_id, name (the user's name: $eq, $in, $autocomplete, $q), channel_role,
// is_moderator, banned, shadow_banned, notifications_muted, joined, invite, created_at,
// updated_at, last_active and custom member keys. `cid` is refused: a member query covers one
// channel. Sortable: created_at (the default, ascending), updated_at, last_active, name,
// user_id.
const QuerySpec& MemberQuerySpec();

struct QueryChannelsOptions {
  Filter filter;
  bool filter_names_hidden = false;  // then hidden channels are not left out
  bool filter_names_muted = false;   // `muted` conditions: RewriteMuted before querying
  std::vector<SortField> sort;
  int limit = kDefaultChannelQueryLimit;
  int offset = 0;
  int message_limit = kDefaultChannelMessageLimit;
  int member_limit = kDefaultChannelMemberLimit;
  bool state = true;
  bool watch = false;
  bool presence = false;
  std::string user_id;  // server-side: whose view (per-user fields, own_capabilities)
};

// The POST /channels body: filter_conditions, sort, limit (0 or absent: 10, at most 30),
// offset (at most 1000), message_limit (25, at most 300), member_limit (100, at most 100),
// state (default true), watch (default: true when the request carries a connection_id),
// presence, user_id. Other keys are ignored.
Result<QueryChannelsOptions> ParseQueryChannels(const json::object& body, bool has_connection);

// Turns the per-user `muted` conditions into conditions on cid: muted true is "cid in the
// reader's muted channels", false "cid not in them".
void RewriteMuted(Filter& f, const std::set<std::string>& muted_cids);

struct QueryMembersOptions {
  std::string type;
  std::string id;  // from `id`, or the distinct id of `members`
  MemberQuery query;
};

// The GET /members payload: type (required), id or members (a member-based channel),
// filter_conditions, sort, limit (0 or absent: 100, at most 300), offset (at most 10000).
Result<QueryMembersOptions> ParseQueryMembers(const json::object& payload);

// Whether `filter` has a condition on `field` anywhere in its tree.
bool FilterMentions(const Filter& filter, std::string_view field);

}  // namespace eddy::server
