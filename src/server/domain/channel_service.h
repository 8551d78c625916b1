// The rules for channels (protocol §6.3, §6.4): get-or-create and watch, member-based
// (distinct) channels, the channel list query, updates of data and members, partial updates,
// delete, truncate, hide/show, stop-watching and the member query; the channel state response
// (§5.4) and the per-reader channel view (ChannelViews); and the events all of that emits
// (§3.7, §4.2, §4.5, §4.7).
//
// Choices where the protocol leaves room:
//  - an unknown channel type is 404 code 16 ("channel type 'x' does not exist"), like a
//    missing channel ("Can't find channel with id <cid>");
//  - server-side creation needs a creator (data.created_by_id / created_by.id), code 4;
//    member users must exist (code 4, listing the missing ones);
//  - get-or-create on a soft-deleted channel recreates it: deleted_at cleared, its old messages
//    hidden by truncated_at = the deletion time, members and data replaced by the request's;
//  - `state:false` answers the channel, members and membership with empty message lists;
//  - member changes emit member.* to watchers, notification.* to the users concerned, then one
//    channel.updated (with the new member_count) for the request;
//  - last_message_at belongs to the store (it follows the visible messages): a truncate
//    clears it; a truncate system message is created just after truncated_at so that it
//    survives and sets it again;
//  - hide/show need membership (code 4 otherwise); hiding an already hidden channel only
//    moves hide_messages_before (clear_history) and emits nothing new;
//  - watch and presence subscribe only a connection that belongs to the calling user; a
//    server-side call (no connection) subscribes nothing;
//  - user.watching.start/stop are sent only when the channel type has connect_events and
//    the user's first connection starts / last connection stops watching.
// App setting disable_permissions_checks lets every client act as the server would, except
// for server-only fields (config_overrides).
//
// Thread-safe: besides stripes_ (which serialises read-modify-write cycles of one channel on
// this node) the service keeps no state. Events are emitted after the store writes.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "common/json.h"
#include "protocol/channel_json.h"
#include "server/domain/actor.h"
#include "server/domain/app.h"
#include "server/domain/channel.h"
#include "server/domain/channel_access.h"
#include "server/domain/channel_events.h"
#include "server/domain/channel_query.h"
#include "server/domain/channel_types.h"
#include "server/domain/channel_views.h"
#include "server/domain/events.h"
#include "server/domain/message_store.h"
#include "server/domain/message_views.h"
#include "server/domain/presence.h"
#include "server/domain/read_state.h"
#include "server/domain/store.h"
#include "server/domain/user.h"
#include "server/domain/watches.h"

namespace eddy::server {

inline constexpr int kDefaultStateMessageLimit = 100;  // §5.4: what the SDK assumes
inline constexpr int kMaxStateMessageLimit = 300;
inline constexpr int kMaxStatePinnedMessages = 10;
inline constexpr int kDefaultWatcherLimit = 100;
inline constexpr int kMaxWatcherLimit = 300;
inline constexpr int kMaxWatcherOffset = 10000;

// What a channel state response (§5.4) holds and what the request subscribes to.
struct StateOptions {
  bool state = true;      // messages and pinned_messages (false: empty lists)
  bool watch = false;     // subscribe the connection to the channel's events
  bool presence = false;  // and to the members' presence
  MessagePage messages;   // viewer_id and not_before are set by the service
  int member_limit = kDefaultChannelMemberLimit;
  int member_offset = 0;
  bool watchers = false;  // list the watchers (only when asked for)
  int watcher_limit = kDefaultWatcherLimit;
  int watcher_offset = 0;
  std::string connection_id;
};

// POST /channels/{type}/{id}/query and POST /channels/{type}/query.
struct GetOrCreateRequest {
  protocol::ChannelInput data;
  StateOptions options;
};

struct RoleAssignment {
  std::string user_id;
  std::string channel_role;
};

// POST /channels/{type}/{id}. Every part is optional; all parts are checked before any is
// applied.
struct UpdateChannelRequest {
  std::optional<protocol::ChannelInput> data;  // full overwrite of custom data
  std::vector<protocol::MemberInput> add_members;
  std::vector<std::string> remove_members;
  std::vector<std::string> add_moderators;
  std::vector<std::string> demote_moderators;
  std::vector<RoleAssignment> assign_roles;
  std::vector<protocol::MemberInput> invites;
  bool accept_invite = false;
  bool reject_invite = false;
  std::optional<std::int64_t> cooldown;
  std::optional<json::object> message;  // becomes a system message of the acting user
  bool hide_history = false;            // added members do not see earlier messages
  std::optional<Micros> hide_history_before;
  std::string user_id;  // server-side: the acting user (also message.user_id)
};

// PATCH /channels/{type}/{id}: keys of `set` may be dot-paths into custom objects.
struct ChannelPatch {
  json::object set;
  std::vector<std::string> unset;
  std::string user_id;  // server-side: the acting user, for the event
};

// POST /channels/{type}/{id}/truncate.
struct TruncateRequest {
  bool hard_delete = false;
  std::optional<Micros> truncated_at;  // default now; never in the future
  std::optional<json::object> message;
  std::string user_id;  // server-side: the acting user
};

// The answer of the update-style endpoints: {channel, members, message?}.
struct ChannelChange {
  json::object channel;
  json::array members;
  std::optional<json::object> message;
};

class ChannelService final : public ChannelViews {
 public:
  // The constructor only keeps the references. MessageService and ReadService take this
  // service as their ChannelViews while it takes them as MessageViews and ReadState: the
  // composition root closes that cycle by constructing this first with references to members
  // constructed after it, none of which is used before a request arrives.
  ChannelService(Store& store, const ChannelTypes& types, ChannelEvents& channel_events,
                 EventSink& events, Watches& watches, MessageViews& message_views, ReadState& reads,
                 const Presence& presence, const Clock& clock);

  // POST /channels/{type}/{id}/query: the channel state (§5.4) as the caller sees it.
  Result<json::object> GetOrCreate(const Actor& actor, const App& app, std::string_view type,
                                   std::string_view id, GetOrCreateRequest request);
  // POST /channels/{type}/query: the channel of exactly data.members (at least 2).
  Result<json::object> GetOrCreateDistinct(const Actor& actor, const App& app,
                                           std::string_view type, GetOrCreateRequest request);
  // POST /channels: the states of the matching channels the caller may read; hidden ones
  // are left out unless the filter names `hidden`.
  Result<json::array> QueryChannels(const Actor& actor, const App& app,
                                    QueryChannelsOptions options, std::string_view connection_id);

  Result<ChannelChange> Update(const Actor& actor, const App& app, std::string_view type,
                               std::string_view id, UpdateChannelRequest request);
  Result<ChannelChange> PartialUpdate(const Actor& actor, const App& app, std::string_view type,
                                      std::string_view id, const ChannelPatch& patch);
  // DELETE /channels/{type}/{id}. Returns the deleted channel.
  Result<json::object> Delete(const Actor& actor, const App& app, std::string_view type,
                              std::string_view id, bool hard);
  Result<ChannelChange> Truncate(const Actor& actor, const App& app, std::string_view type,
                                 std::string_view id, TruncateRequest request);
  // POST …/hide and …/show, for the caller (server-side: `user_id`).
  Status Hide(const Actor& actor, const App& app, std::string_view type, std::string_view id,
              bool clear_history, std::string_view user_id);
  Status Show(const Actor& actor, const App& app, std::string_view type, std::string_view id,
              std::string_view user_id);
  // POST …/stop-watching for the caller's connection.
  Status StopWatching(const Actor& actor, const App& app, std::string_view type,
                      std::string_view id, std::string_view connection_id);
  // GET /members.
  Result<json::array> QueryMembers(const Actor& actor, const App& app,
                                   const QueryMembersOptions& options);

  // ChannelViews
  Result<json::object> RenderChannel(const App& app, const Channel& channel,
                                     std::string_view reader_id) override;
  // The per-recipient fields of the channel's member notifications (unread counters, the
  // reader's member and channel views), for a node that did not emit the event; null if the
  // channel's type is gone. Each call reads the recipient's member row.
  PersonalFields MemberViews(const App& app, const Channel& channel);

 private:
  class Users;
  struct Loaded;
  struct Reader;

  // The channel and its type (with config_overrides); 404 if either is missing or the
  // channel is soft-deleted.
  Result<Loaded> Load(const App& app, std::string_view type, std::string_view id);
  Result<std::shared_ptr<const ChannelType>> TypeOf(const App& app, std::string_view type) const;
  // The actor as reader: a client is its user; server-side, `user_id` (may be empty).
  Result<Reader> ReaderFor(const Actor& actor, const App& app, const Channel& channel,
                           std::string_view user_id);
  Status Check(const App& app, const Reader& reader, const Loaded& l, ChannelAction action) const;
  std::unique_lock<std::mutex> Lock(std::string_view app_key, std::string_view cid);

  Result<json::object> CreateOrGet(const Actor& actor, const App& app, std::string_view type,
                                   std::string_view id, GetOrCreateRequest& request);
  // Creates (or, `recreate`, revives a soft-deleted) channel from `data` and emits
  // channel.created, notification.added_to_channel and notification.invited.
  Status Create(const Actor& actor, const App& app, std::shared_ptr<const ChannelType> type,
                Channel channel, const protocol::ChannelInput& data, bool recreate);
  Result<json::object> BuildState(const App& app, const Loaded& l, const Reader& reader,
                                  const StateOptions& options);
  // BuildState in two steps, so that queryChannels renders the messages of every channel on
  // its page in one go (one read of their reactions and authors, not one per channel): the
  // rows the state needs, then the state from them and their rendered messages.
  struct StateRows;
  Result<StateRows> LoadState(const App& app, const Loaded& l, const Reader& reader,
                              const StateOptions& options);
  Result<json::object> StateJson(const App& app, const Loaded& l, const Reader& reader,
                                 const StateOptions& options, const StateRows& rows,
                                 json::array messages, json::array pinned);
  // reader null: the shared form of events (no own_capabilities, no hidden).
  json::object ChannelJson(const App& app, const Loaded& l, const Users& users,
                           const Reader* reader) const;
  json::object MemberJson(const App& app, const Member& m, const Users& users) const;
  Result<json::array> MemberList(const App& app, const Loaded& l, int limit, int offset);
  // watch: subscribes the caller's connection (user.watching.start when it is the user's
  // first watching connection).
  void WatchFor(const App& app, const Loaded& l, const Reader& reader, const StateOptions& options);
  // presence: the connection follows the presence of the members listed in `state`.
  void FollowMembers(const App& app, const Reader& reader, const StateOptions& options,
                     const json::object& state);
  bool OwnConnection(const App& app, const Reader& reader, const StateOptions& options) const;
  json::object Envelope(std::string_view type, const Channel& c) const;
  // Per recipient: its member object, its view of the channel (with `channel_members` as
  // channel.members when given) and its unread counters.
  PersonalFields MemberNotification(const App& app, const Loaded& l, std::vector<Member> members,
                                    std::optional<json::array> channel_members = std::nullopt);
  // `event` to each of `recipients` (members, or former members), personalised as above.
  void EmitToMembers(const App& app, const Loaded& l, const json::object& event,
                     std::vector<Member> recipients,
                     std::optional<json::array> channel_members = std::nullopt);
  void EmitWatching(const App& app, const Loaded& l, std::string_view event_type,
                    const std::string& user_id);
  // Stores a system message of `user_id` created at `at`, emits message.new to watchers and
  // notification.message_new to the other members; returns it rendered for its author.
  Result<json::object> PostSystemMessage(const App& app, const Loaded& l,
                                         const std::string& user_id, const json::object& input,
                                         Micros at);
  Result<std::vector<Member>> AllMembers(const App& app, const Channel& c);
  // Messages at or before this are out of the member's sight: max(truncated_at,
  // hide_messages_before).
  std::optional<Micros> NotBefore(const Channel& c, const Member* m) const;

  Store& store_;
  const ChannelTypes& types_;
  ChannelEvents& channel_events_;
  EventSink& events_;
  Watches& watches_;
  MessageViews& message_views_;
  ReadState& reads_;
  const Presence& presence_;
  const Clock& clock_;
  std::array<std::mutex, 64> stripes_;
};

}  // namespace eddy::server
