// The rules for messages, threads and reactions (protocol §5.7, §5.8, §6.5, §6.6): who may
// send, edit, pin, delete and react, what that stores, and which events it emits to whom
// (§3.7, §4.3, §4.4). Also renders stored messages for a reader (MessageViews).
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "common/handoff_mutex.h"
#include "common/json.h"
#include "protocol/message_json.h"
#include "server/domain/actor.h"
#include "server/domain/app.h"
#include "server/domain/channel.h"
#include "server/domain/channel_access.h"
#include "server/domain/channel_events.h"
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

struct SendMessageOptions {
  bool skip_push = false;            // accepted; eddy sends no push notifications yet
  bool keep_channel_hidden = false;  // the author's hidden channel stays hidden
};

// PUT /messages/{id}: `set` keys are message fields or custom keys, custom keys may be dot-
// paths ("meta.color"); `unset` lists keys or dot-paths to remove. `user_id` names the acting
// user server-side.
struct MessagePatch {
  json::object set;
  std::vector<std::string> unset;
  std::string user_id;
};

struct DeleteMessageOptions {
  bool hard = false;
  std::string deleted_by;  // server-side: the acting user, for the event's `user`
};

// GET /channels/{t}/{id}/pinned_messages. Bounds on pinned_at; newest pin first unless
// `ascending`.
struct PinnedQuery {
  int limit = 10;
  bool ascending = false;
  std::optional<Micros> pinned_at_before, pinned_at_before_or_equal, pinned_at_after,
      pinned_at_after_or_equal;
};

// A message with the channel it lives in (GET /messages/{id}).
struct MessageWithChannel {
  json::object message;
  json::object channel;
};

// A reaction change: the message with its new aggregates (own_reactions of the caller) and
// the reaction itself.
struct ReactionResult {
  json::object message;
  json::object reaction;
};

inline constexpr int kMaxMessagePageLimit = 300;
inline constexpr int kMaxMessagesById = 100;
inline constexpr int kMaxReactionsLimit = 300;
inline constexpr int kMaxReactionsOffset = 10000;
// Latest and own reactions rendered per message (§5.7).
inline constexpr int kLatestReactionsPerMessage = 10;

// Responsible for every change to messages and reactions and for their events, and for
// rendering MessageResponse objects. Client-side actors act as their token's user; server-
// side actors name the author (message.user_id / user.id, reaction.user_id) and bypass
// permission checks. Errors: unknown channel type, channel, message or parent 404 code 16;
// bad input code 4; not allowed 403 code 17; disabled feature (replies, quotes, reactions)
// code 19; text over max_message_length code 20; reply to a reply code 21. A failed call
// changes nothing.
//
// Event fan-out: channel events (message.new/updated/deleted, reaction.*) go to the channel's
// watchers through ChannelEvents (message.new with each recipient's unread counters from
// ReadState); a shadowed message's events go to its author only. notification.message_new
// (with the recipient's own channel view from ChannelViews) goes to members that are not
// watching; notification.thread_message_new to the thread's participants; channel.visible to
// members whose hidden channel a new message showed again.
//
// Thread-safe: the service keeps no state of its own besides stripes_, which serialises
// read-modify-write cycles on one message (edits, pins, deletes) and a slow-mode check with
// its insert on this node, and the runner set once at start-up (RunAfterStoreWith).
class MessageService final : public MessageViews {
 public:
  // Every reference must outlive the service. `channel_views` renders the `channel` of
  // notification.message_new and GET /messages/{id}; `presence` fills users' `online`. The
  // composition root wires ChannelService, the read service and the realtime hub in here.
  MessageService(Store& store, const ChannelTypes& types, ChannelEvents& channel_events,
                 EventSink& events, Watches& watches, ReadState& reads, ChannelViews& channel_views,
                 const Presence& presence, const Clock& clock);

  // POST /channels/{type}/{id}/message. Returns the message as its author sees it. A
  // duplicate id is refused with code 4 "a message with ID <id> already exists". In a frozen
  // channel a client (other than app admins/moderators and channel moderators) gets back an
  // unsaved message of type "error" instead, as the real backend does; so does anyone whose
  // text hits a blocklist with action "block" (blocklist_service.h). With the channel's
  // `cooldown` (slow mode) a client without SkipSlowMode may post once per cooldown seconds:
  // 403 code 60 before that.
  Result<json::object> SendMessage(const Actor& actor, const App& app, std::string_view type,
                                   std::string_view id, protocol::MessageInput in,
                                   const SendMessageOptions& options = {});
  // SendMessage without a thread waiting for the store: `done` gets what SendMessage would
  // return, on this thread when the send fails its checks, else through the work runner
  // (RunAfterStoreWith) once the message is durable. With no runner it is SendMessage.
  void SendMessageAsync(const Actor& actor, std::shared_ptr<const App> app, std::string_view type,
                        std::string_view id, protocol::MessageInput in,
                        const SendMessageOptions& options,
                        std::function<void(Result<json::object>)> done);
  // Where SendMessageAsync runs the work after an asynchronous insert (the work queue): not
  // on the store's thread, which must not wait for the store. Set before the first send.
  void RunAfterStoreWith(std::function<void(std::function<void()>)> runner) {
    run_after_store_ = std::move(runner);
  }
  // POST /messages/{id}: full replace of the user-editable fields (text, attachments,
  // mentioned_users, quoted_message_id, custom; silent, pinned and pin_expires when given).
  Result<json::object> UpdateMessage(const Actor& actor, const App& app, std::string_view id,
                                     protocol::MessageInput in);
  // PUT /messages/{id}. Pinning sets pinned_at (the given one, else now) and pinned_by.
  Result<json::object> PartialUpdateMessage(const Actor& actor, const App& app, std::string_view id,
                                            const MessagePatch& patch);
  // DELETE /messages/{id}. Soft: type "deleted", deleted_at set, stored content kept (the
  // response renders it empty). Hard: the message and its reactions are removed; a thread
  // parent's reply_count is kept right by the store and re-broadcast (message.updated).
  Result<json::object> DeleteMessage(const Actor& actor, const App& app, std::string_view id,
                                     const DeleteMessageOptions& options);
  // GET /messages/{id}: deleted messages come back as type "deleted"; shadowed messages and
  // messages hidden by truncation or clear_history are 404 for other readers.
  Result<MessageWithChannel> GetMessage(const Actor& actor, const App& app, std::string_view id);
  // GET /channels/{type}/{id}/messages?ids=: at most 100 ids; ids of missing messages or of
  // messages in other channels are left out. Ascending by creation.
  Result<json::array> GetMessages(const Actor& actor, const App& app, std::string_view type,
                                  std::string_view id, const std::vector<std::string>& ids);
  // GET /messages/{id}/replies: ascending, or newest first with `descending`.
  Result<json::array> GetReplies(const Actor& actor, const App& app, std::string_view parent_id,
                                 MessagePage page, bool descending = false);
  // GET /channels/{type}/{id}/pinned_messages.
  Result<json::array> GetPinnedMessages(const Actor& actor, const App& app, std::string_view type,
                                        std::string_view id, const PinnedQuery& query);

  // POST /messages/{id}/reaction. Re-sending a type the user already gave updates its score
  // and custom data (created_at kept). enforce_unique replaces the user's other reactions:
  // reaction.updated when there were any; otherwise reaction.new.
  Result<ReactionResult> SendReaction(const Actor& actor, const App& app,
                                      std::string_view message_id, protocol::ReactionInput in,
                                      bool enforce_unique);
  // DELETE /messages/{id}/reaction/{type}: `user_id` names the user server-side (required
  // there); client-side it may only name the caller. 404 code 16 if there is no such reaction.
  Result<ReactionResult> DeleteReaction(const Actor& actor, const App& app,
                                        std::string_view message_id, std::string_view type,
                                        std::string_view user_id);
  // GET /messages/{id}/reactions: newest first; limit 1..300, offset 0..10000.
  Result<json::array> GetReactions(const Actor& actor, const App& app, std::string_view message_id,
                                   int limit, int offset);

  // MessageViews: one FindUsers for every author, mention, participant, pinner and reactor,
  // one LatestReactions for latest_reactions and one for the reader's own_reactions, one
  // ReactionGroups, and one GetMessages for quoted messages, whatever the page size.
  Result<json::array> Render(const App& app, std::string_view reader_id,
                             const std::vector<Message>& messages) override;

 private:
  // Render, knowing whether `messages` were stored a moment ago (no reactions to read yet).
  // `known`, if given, is a user the caller has loaded already (a send's author): not read
  // again.
  Result<json::array> RenderMessages(const App& app, std::string_view reader_id,
                                     std::span<const Message> messages, bool just_stored,
                                     const User* known = nullptr);
  // What every channel-scoped operation loads first.
  struct Scope {
    Channel channel;
    std::shared_ptr<const ChannelType> type;  // with config_overrides applied; never null
    std::optional<User> user;                 // the acting user's record, if any
    std::optional<Member> member;             // the acting user's membership, if any
    Actor actor;                              // user_id is the acting user (server-side: as named)
    bool bypass = false;                      // server-side or the app disabled permission checks
  };

  std::unique_lock<HandoffMutex> LockMessage(std::string_view app_key, std::string_view id);

  // A send between its checks and its insert, and from the insert to its events. The locks
  // (slow mode, the author's read state) are held until the insert is done.
  struct PreparedSend {
    Scope scope;
    std::shared_ptr<Message> message = std::make_shared<Message>();
    bool flag = false;                    // the blocklist flags it for review
    std::optional<json::object> unsaved;  // sent back instead of stored (frozen, blocked)
    std::unique_lock<HandoffMutex> slow_mode;
    std::unique_lock<HandoffMutex> read_state;
  };
  Result<PreparedSend> PrepareSend(const Actor& actor, const App& app, std::string_view type,
                                   std::string_view id, protocol::MessageInput in);
  // After the insert: the review flag, the rendered message and AfterSend.
  Result<json::object> FinishSend(const App& app, PreparedSend& send,
                                  const SendMessageOptions& options);

  Result<Scope> LoadScope(const Actor& actor, const App& app, std::string_view type,
                          std::string_view id, std::string_view acting_user_id);
  Result<Message> MustFindMessage(const App& app, std::string_view id);
  Status Check(const Scope& s, ChannelAction action) const;
  // Clients act as themselves; naming someone else is refused (17). Server-side the named
  // user, which may be empty.
  Result<std::string> ActingUser(const Actor& actor, std::string_view named) const;
  bool MayBypassFrozen(const Scope& s) const;
  // Whether `reader_id` may see `m`: shadowed messages only by their author; messages at or
  // before the channel's truncation or the reader's hide_messages_before by nobody.
  bool Visible(const Scope& s, const Message& m, std::string_view reader_id) const;
  std::optional<Micros> NotBefore(const Scope& s) const;

  // Applies a validated edit to `m` as POST /messages/{id} does (full replace of the
  // editable fields); checks text length and the quoted message.
  Status ApplyEdit(const App& app, const Scope& s, Message& m, const protocol::MessageInput& in);
  // Content changes need UpdateOwn/AnyMessage, pin changes PinMessage (members may pin
  // others' messages); a frozen channel refuses both to clients without moderation rights.
  Status CheckEdit(const Scope& s, const Message& before, const Message& after) const;
  // Stores an edited message and broadcasts message.updated; returns it for the actor.
  Result<json::object> StoreEdit(const App& app, const Scope& s, const Message& m);
  // A message rendered for one reader, made fit for every recipient of a broadcast: the
  // reader's own_reactions (also those of the quoted message) are emptied; the SDK keeps its
  // own (§4.4).
  static json::object ForEveryone(json::object rendered);

  Result<std::unordered_map<std::string, json::object>> UsersJson(
      const App& app, const std::vector<std::string>& ids);
  json::object UserJson(const App& app, const User& u) const;

  // Event plumbing.
  json::object ChannelEvent(std::string_view type, const Channel& c, Micros at) const;
  void ToChannel(const App& app, const Channel& c, const Message& m, const json::object& event,
                 const PersonalFields& personal = nullptr);
  // Read state, unhiding and events after a message was stored. Failures are logged, not
  // returned: the message exists, and a retry would only meet "already exists". The events
  // carry `rendered` itself (with nobody's own reactions), which comes back for the response.
  json::object AfterSend(const App& app, const Scope& s, const Message& m, json::object rendered,
                         const SendMessageOptions& options);
  // Slow mode: Ok while `s.actor` may post now; the lock (if held) keeps this user's check and
  // insert in this channel one step on this node. 403 code 60 during the cooldown.
  Result<std::unique_lock<HandoffMutex>> CheckSlowMode(const App& app, const Scope& s, Micros now);
  // Files an automod flag (no user) on a stored message for the moderators' review list.
  void FlagForReview(const App& app, const Message& m, std::string reason);
  // `m` sent back to its author unsaved, as type "error" with `text` (frozen, blocked).
  json::object ErrorMessage(const App& app, const Scope& s, Message m, std::string text);
  // A reply's message.new carries its thread: parent_author and thread_participants (users).
  void AddThreadFields(const App& app, std::string_view parent_id, json::object& event);
  // notification.thread_message_new (`event`) to the thread's participants.
  void NotifyThread(const App& app, const Scope& s, const Channel& c,
                    const std::vector<RosterEntry>& roster, const Message& reply,
                    json::object event);
  Status EmitParentUpdated(const App& app, const Channel& c, std::string_view parent_id);
  Result<ReactionResult> ReactionChange(const App& app, const Scope& s, const Message& m,
                                        const Reaction& r, std::string_view event_type);

  Store& store_;
  const ChannelTypes& types_;
  ChannelEvents& channel_events_;
  EventSink& events_;
  Watches& watches_;
  ReadState& reads_;
  ChannelViews& channel_views_;
  const Presence& presence_;
  const Clock& clock_;
  std::array<HandoffMutex, 64> stripes_;
  std::function<void(std::function<void()>)> run_after_store_;
};

}  // namespace eddy::server
