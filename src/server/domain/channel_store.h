// Port: persistence of channels and their members (with each member's read state).
// Thread-safe; calls may block. Counters (member_count) are maintained by the store in the
// same transaction as the change behind them.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"
#include "server/domain/channel.h"
#include "server/domain/query.h"

namespace eddy::server {

struct ChannelQuery {
  // Channel fields: type, id, cid, created_by_id, created_at, updated_at, last_message_at,
  // member_count, message_count, frozen, disabled, team, deleted_at, and custom keys (name, ...).
  // Special fields: "members" ($in: any listed user is a member; $eq with an array: exactly
  // that member set; also $contains, $nin, $ne, $exists); per-user fields of `user_id`'s member
  // row: "hidden", "joined" (member and not pending/rejected invite), "pinned", "archived",
  // "invite" (pending|accepted|rejected). On a channel `user_id` is not a member of, per-user
  // fields read as a non-member's: not hidden, pinned, archived or joined, and no invite.
  // The filter is applied as given: hidden channels are only left out when it says
  // hidden: false (the default of protocol §6.3 is the service's to add).
  Filter filter;
  // Whose per-user fields; an input Error if empty while the filter or sort uses per-user
  // fields or member_only is set.
  std::string user_id;
  bool member_only = false;  // only channels `user_id` is a member of
  bool include_deleted = false;
  // Fields: last_message_at (channels without messages sort as their created_at), created_at,
  // updated_at, member_count, message_count, id, cid, pinned_at (of user_id's row), custom keys.
  // Empty: last_message_at desc (falling back to created_at), then cid asc.
  std::vector<SortField> sort;
  int limit = 10;
  int offset = 0;
};

struct MemberQuery {
  // Fields: user_id (alias id), channel_role, is_moderator, banned, shadow_banned, invite,
  // joined, notifications_muted, created_at, updated_at, custom member keys, and of the member's
  // user: "name" (the custom name: $eq, $in, $autocomplete, $q; sortable) and last_active.
  Filter filter;
  std::vector<SortField> sort;  // default created_at asc, then user_id
  int limit = 100;
  int offset = 0;
};

// Who belongs to a channel, as fan-out needs it: membership and visibility without the read
// state, which changes with every message (a caching store keeps rosters across messages).
struct RosterEntry {
  std::string user_id;
  bool hidden = false;
  bool invite_rejected = false;
};

class ChannelStore {
 public:
  virtual ~ChannelStore() = default;

  // Inserts the channel with its initial members in one transaction; input Error if a
  // channel with that type and id exists (deleted ones included), NotFound if the app does
  // not. The members are written under the channel's type and id. The derived fields of
  // `channel` (member_count, message_count, last_message_at) are not read: the store sets them.
  virtual Status CreateChannel(std::string_view app_key, const Channel& channel,
                               const std::vector<Member>& members) = 0;
  virtual Result<std::optional<Channel>> GetChannel(std::string_view app_key, std::string_view type,
                                                    std::string_view id) = 0;
  // GetChannel and GetChannels see soft-deleted channels too (with their deleted_at).
  // Channels among `cids` ("type:id") that exist, in no particular order.
  virtual Result<std::vector<Channel>> GetChannels(std::string_view app_key,
                                                   const std::vector<std::string>& cids) = 0;
  // Replaces every stored field except the derived member_count, message_count and
  // last_message_at: the stores maintain those, and a copy read before a concurrent message
  // or member change must not roll them back. A truncated_at at or after last_message_at
  // clears it (the channel shows no message until the next one; the protocol renders that as
  // the zero time). NotFound if there is no such channel.
  virtual Status UpdateChannel(std::string_view app_key, const Channel& channel) = 0;
  // Removes the channel, its members, messages and reactions for good. A missing channel is
  // not an error.
  virtual Status DeleteChannel(std::string_view app_key, std::string_view type,
                               std::string_view id) = 0;
  virtual Result<std::vector<Channel>> QueryChannels(std::string_view app_key,
                                                     const ChannelQuery& query) = 0;

  // Inserts or fully replaces each member row; keeps member_count right. NotFound, writing
  // nothing, if a member's channel does not exist.
  virtual Status UpsertMembers(std::string_view app_key, const std::vector<Member>& members) = 0;
  // Writes `member`'s read and delivery state (last_read, last_read_message_id,
  // last_delivered_at, last_delivered_message_id) into its row and nothing else; no row, no
  // change. A read mark is the commonest member write: it leaves the channel's row and roster
  // as they are.
  virtual Status UpdateReadState(std::string_view app_key, const Member& member) = 0;
  // Ids that are not members are ignored.
  virtual Status RemoveMembers(std::string_view app_key, std::string_view type, std::string_view id,
                               const std::vector<std::string>& user_ids) = 0;
  virtual Result<std::optional<Member>> GetMember(std::string_view app_key, std::string_view type,
                                                  std::string_view id,
                                                  std::string_view user_id) = 0;
  virtual Result<std::vector<Member>> QueryMembers(std::string_view app_key, std::string_view type,
                                                   std::string_view id, const MemberQuery& q) = 0;
  // Every member row of `user_id` across the app's channels (not deleted ones), by cid.
  virtual Result<std::vector<Member>> MembershipsOf(std::string_view app_key,
                                                    std::string_view user_id) = 0;
  // MembershipsOf for each of `user_ids`, in their order (every recipient of a message), as
  // lists nobody changes: the cache answers them in one pass and hands out the lists it
  // holds, not copies; a store asks one user at a time.
  using MemberList = std::shared_ptr<const std::vector<Member>>;
  virtual Result<std::vector<MemberList>> MembershipsOfEach(
      std::string_view app_key, const std::vector<std::string_view>& user_ids) {
    std::vector<MemberList> out;
    out.reserve(user_ids.size());
    for (std::string_view user_id : user_ids) {
      EDDY_ASSIGN_OR_RETURN(std::vector<Member> rows, MembershipsOf(app_key, user_id));
      out.push_back(std::make_shared<const std::vector<Member>>(std::move(rows)));
    }
    return out;
  }

  // Every member of the channel, oldest first.
  virtual Result<std::vector<RosterEntry>> Roster(std::string_view app_key, std::string_view type,
                                                  std::string_view id) = 0;
};

}  // namespace eddy::server
