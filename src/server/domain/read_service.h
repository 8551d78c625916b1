// The rules for read state and unread counts (protocol §6.7, §4.3): mark read, mark all read,
// mark unread, delivery receipts, GET /unread, the own-user counters of `me`, and the ReadState
// port other services use (read[] unread_messages, message.new's per-recipient counters, the
// sender's read state advancing on send).
//
// Counting rules. A member's unread messages in a channel are the messages of the channel's
// main list created after the member's last_read and after max(channel.truncated_at,
// member.hide_messages_before) that are not the member's own, not silent, not shadowed, not
// deleted and not system messages (MessageStore::CountUnread). Thread-only replies never
// count. Totals (total_unread_count, unread_channels, GET /unread) add up the user's
// memberships except: deleted channels; channels whose type (with the channel's
// config_overrides) has read_events off; channels the user hid (Stream leaves hidden channels
// out of unread counts until they are shown again, by the user or by a new message);
// invitations the user rejected. Muted channels join that list with #4. UnreadCount() of a
// single hidden channel still answers its real count: it is what the channel shows once
// opened.
//
// Choices where the protocol leaves room:
//  - read_events off in the channel's config: mark read / mark unread are refused with code 19
//    (the SDK never sends them then; a client that does learns why nothing happens);
//  - mark read by a user who may read the channel but is not a member (livestream watchers):
//    answered with {"event": null} and nothing changes (§6.7, react#2753); a user who may not
//    read the channel at all gets 403 code 17;
//  - mark unread by a non-member: 403 code 17;
//  - message ids: missing -> 404 code 16; of another channel, or (mark unread) a thread-only
//    reply -> code 4;
//  - delivery receipts for a channel whose config has delivery_events off: the entry is still
//    checked like any other, then skipped without an error (the SDK only reports deliveries
//    when the flag is on; a client with a stale config should not fail its whole batch);
//  - a delivery receipt never moves back: a message created before the one already recorded,
//    or the recorded one again, changes nothing and sends no event.
//
// Thread-safe. Read-modify-write cycles of one member row are serialised by a striped lock
// (stripes_) and re-read the row right before writing, as the message service does when it
// un-hides a channel, so concurrent writers on this node do not lose each other's changes.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "common/handoff_mutex.h"
#include "common/json.h"
#include "protocol/user_json.h"
#include "server/domain/actor.h"
#include "server/domain/app.h"
#include "server/domain/channel.h"
#include "server/domain/channel_events.h"
#include "server/domain/channel_types.h"
#include "server/domain/channel_views.h"
#include "server/domain/events.h"
#include "server/domain/message.h"
#include "server/domain/presence.h"
#include "server/domain/read_state.h"
#include "server/domain/store.h"
#include "server/domain/user.h"

namespace eddy::server {

// POST /channels/{t}/{id}/unread: exactly one of the two.
struct UnreadTarget {
  std::string message_id;              // this message and everything after it is unread
  std::optional<Micros> message_time;  // messages created at or after this are unread
};

inline constexpr std::size_t kMaxReadByChannel = 100;
inline constexpr std::size_t kMaxDeliveredMessages = 100;

class ReadService final : public ReadState {
 public:
  // `presence` (optional) tells whether a user object in an event is `online`; without it the
  // acting user counts as online when they act client-side and are not invisible.
  ReadService(Store& store, const ChannelTypes& types, ChannelEvents& channel_events,
              EventSink& events, ChannelViews& channel_views, const Clock& clock,
              const Presence* presence = nullptr);

  // POST /channels/{type}/{id}/read. `user_id` names the reader server-side (required then);
  // client-side it may only name the caller. `message_id`: read up to that message
  // (last_read = its created_at), else up to now. Returns the message.read event sent to the
  // watchers (null for a non-member who may read the channel, see above); the reader's own
  // connections also get notification.mark_read with the new totals.
  Result<json::value> MarkRead(const Actor& actor, const App& app, std::string_view type,
                               std::string_view id, std::string_view user_id,
                               std::string_view message_id);
  // POST /channels/read. Without `read_by_channel` ((cid, message id) pairs, at most
  // kMaxReadByChannel): every channel of the user with something unread or newer than its
  // last_read is read up to now. With it: each listed channel up to its message (all are
  // checked before any is changed). message.read goes to each channel's watchers, then one
  // notification.mark_read with the totals (no cid) to the user.
  Status MarkAllRead(const Actor& actor, const App& app, std::string_view user_id,
                     const std::vector<std::pair<std::string, std::string>>& read_by_channel);
  // POST /channels/delivered. `cid_and_message`: (cid, message id) pairs, at most
  // kMaxDeliveredMessages, each the newest message the user's device has received in that
  // channel. `user_id` names the user server-side (required then); client-side it may only
  // name the caller. All entries are checked before any is changed: the channel exists, the
  // user is a member, the message is in that channel. Per channel (a repeated cid keeps its
  // newest message), the member's last_delivered_at becomes now and last_delivered_message_id
  // the message, and the channel's watchers get message.delivered. Implemented in
  // read_delivery.cc.
  Status MarkDelivered(const Actor& actor, const App& app, std::string_view user_id,
                       const std::vector<std::pair<std::string, std::string>>& cid_and_message);
  // POST /channels/{type}/{id}/unread: last_read moves to just before the target; the user's
  // connections get notification.mark_unread (unread_messages, last_read_at,
  // last_read_message_id, first_unread_message_id and the totals).
  Status MarkUnread(const Actor& actor, const App& app, std::string_view type, std::string_view id,
                    std::string_view user_id, const UnreadTarget& target);
  // GET /unread. `user_id` names the user server-side (required then); client-side it may
  // only name the caller.
  Result<UnreadSummary> UnreadCounts(const Actor& actor, const App& app, std::string_view user_id);
  // For the health.check `me` (connect handshake): fills the unread counters of `extras`
  // (unread_count = total_unread_count, the legacy alias; unread_threads 0) and leaves the
  // rest alone.
  Status FillOwnUserExtras(const App& app, std::string_view user_id,
                           protocol::OwnUserExtras& extras);

  // ReadState
  Result<UnreadSummary> Summary(const App& app, std::string_view user_id) override;
  Result<std::int64_t> UnreadCount(const App& app, const Channel& channel,
                                   const Member& member) override;
  // unread_count (only for members of `channel`), total_unread_count, unread_channels; a
  // recipient whose counts cannot be read gets no fields (logged).
  PersonalFields UnreadFields(const App& app, const Channel& channel) override;
  std::unique_lock<HandoffMutex> LockReadState(std::string_view app_key, std::string_view cid,
                                               std::string_view user_id) override {
    return LockMember(app_key, cid, user_id);
  }

 private:
  // One channel as seen by one reader, the caller acting for them.
  struct Scope {
    Channel channel;
    std::shared_ptr<const ChannelType> type;  // with the channel's config_overrides; never null
    User user;                                // the reader
    std::optional<Member> member;
    Actor actor;  // the caller, acting as the reader
    bool bypass = false;
  };
  struct ReadMark {
    Micros last_read = 0;
    std::string last_read_message_id;
  };

  // Channel rows by cid that a summary takes as they are instead of reading them.
  using KnownChannels = std::unordered_map<std::string, const Channel*>;
  // The unread count of one member row, already asked for: the member's row in the channel
  // `row` (the event's, as `known` has it).
  struct CountedChannel {
    const Channel* row = nullptr;
    std::int64_t unread = 0;
  };
  // Summary of `memberships` (all of the user's); the rows of channels not `known` are read.
  Result<UnreadSummary> SummaryOf(const App& app, std::string_view user_id,
                                  const std::vector<Member>& memberships,
                                  const KnownChannels& known = {},
                                  const std::optional<CountedChannel>& counted = std::nullopt);
  // UnreadFields' answer for one recipient, given their memberships and channel rows known
  // already (`channel`'s among them).
  json::object UnreadFieldsOf(const App& app, const Channel& channel, std::string_view user_id,
                              const std::vector<Member>& members, const KnownChannels& known);
  Result<std::string> ReaderId(const Actor& actor, std::string_view named) const;
  Result<Scope> LoadScope(const Actor& actor, const App& app, std::string_view type,
                          std::string_view id, std::string_view reader_id);
  Status CheckRead(const Scope& s) const;
  bool CountsReads(const App& app, const Channel& channel) const;
  std::optional<Micros> NotBefore(const Channel& channel, const Member& member) const;
  std::unique_lock<HandoffMutex> LockMember(std::string_view app_key, std::string_view cid,
                                            std::string_view user_id);
  // Writes the read mark on the member row (re-read under the stripe lock). Returns false if
  // the user is no longer a member.
  Result<bool> WriteMark(const App& app, const Channel& channel, std::string_view user_id,
                         const ReadMark& mark);
  // Records `message` as the newest delivered to the member, at `at` (re-read under the stripe
  // lock). Returns false if the user is no longer a member or the row already holds that
  // message or a newer one.
  Result<bool> WriteDelivery(const App& app, const Channel& channel, std::string_view user_id,
                             const Message& message, Micros at);
  // Read up to now: the newest message of the main list the member can see.
  Result<ReadMark> MarkAtNow(const App& app, const Channel& channel, const Member& member);
  Result<ReadMark> MarkAtMessage(const App& app, const Channel& channel,
                                 std::string_view message_id);
  json::object UserJson(const App& app, const User& user, const Actor& actor) const;
  json::object MessageReadEvent(const Channel& channel, const json::object& user,
                                const ReadMark& mark) const;
  void NotifyMarkRead(const App& app, const Channel* channel, const json::object& user,
                      const ReadMark* mark);

  Store& store_;
  const ChannelTypes& types_;
  ChannelEvents& channel_events_;
  EventSink& events_;
  ChannelViews& channel_views_;
  const Clock& clock_;
  const Presence* presence_;
  // Many stripes: a send holds its author's stripe for the whole (group-committed) insert, so
  // concurrent senders should rarely share one (32 senders on 64 stripes: ~8 colliding pairs).
  std::array<HandoffMutex, 1024> stripes_;
};

}  // namespace eddy::server
