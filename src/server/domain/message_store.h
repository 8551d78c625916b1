// Port: persistence of messages and reactions. Thread-safe; calls may block.
// Derived values are maintained by the store in the same transaction as the change behind
// them: the channel's message_count and last_message_at, a thread parent's reply_count and
// thread_participants, and (for reactions) nothing else: aggregates are computed on read.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "server/domain/message.h"

namespace eddy::server {

// A page of a channel's main list or of a thread; results are always ascending (oldest first).
// Messages are ordered by (created_at, seq), and an id bound stands for its message's place in
// that order (an unknown id is an input Error). At most one id_* bound and one created_at_*
// bound may be set, and an *_around bound alone (an input Error otherwise). Which `limit`
// messages:
//   a lower bound (id_gt, id_gte, created_at_after, created_at_after_or_equal): the oldest
//     after it (paging forward), even when an upper bound is set too;
//   otherwise: the newest ones (before the upper bound, if any);
//   *_around: ceil(limit/2) at or before the centre (id_around's message included) and the
//     rest after it; when one side runs short the other fills the page.
// limit 0 is an empty page; a negative limit is an input Error.
struct MessagePage {
  int limit = 100;
  std::string id_lt, id_lte, id_gt, id_gte, id_around;
  std::optional<Micros> created_at_before, created_at_before_or_equal, created_at_after,
      created_at_after_or_equal, created_at_around;
  // Messages created at or before this are excluded (truncation, hide with clear_history).
  std::optional<Micros> not_before;
  // Shadowed messages are returned only to their author.
  std::string viewer_id;
  bool include_deleted = true;  // soft-deleted messages stay in the list as type "deleted"
};

// What a read mark records of a message.
struct MessageStamp {
  std::string id;
  Micros created_at = 0;
};

struct UnreadQuery {
  std::string channel_type, channel_id;
  std::string user_id;                      // the reader: own messages never count
  Micros after = 0;                         // the reader's last_read
  std::optional<Micros> not_before;         // truncated_at / hide_messages_before
  std::vector<std::string> muted_user_ids;  // senders the reader muted
};

class MessageStore {
 public:
  virtual ~MessageStore() = default;

  // Assigns message.seq. Input Error (code 4) "a message with ID <id> already exists" if the
  // id exists in the app, changing nothing. NotFound if the channel does not exist; input
  // Error if a reply's parent is not a message of the same channel. Updates the channel's
  // message_count (every stored message counts: replies, system and shadowed ones too) and,
  // for messages in the channel list (not thread-only replies, not shadowed), last_message_at,
  // which never moves back (an older imported message leaves it); system messages move it
  // too (the channel config's skip_last_msg_update_for_system_msgs is the service's to apply).
  // For replies that are not shadowed, the parent's reply_count and thread_participants; a
  // new message's own reply_count and thread_participants start empty whatever it carries.
  // A message in the channel list also moves its author's read state (the author's member
  // row, if any: last_read = created_at, last_read_message_id = id) up to it, never back:
  // sending reads the channel up to one's own message (protocol §6.7).
  virtual Status InsertMessage(std::string_view app_key, Message& message) = 0;
  // InsertMessage without waiting: `stored` gets its status once the message is durable (or
  // the insert failed), with `message` updated as InsertMessage would. A store that cannot
  // write asynchronously inserts here and calls `stored` before returning; one that can
  // calls it on a store thread that waits meanwhile: `stored` must be quick and must not
  // call the store (it hands the rest of the work to another thread).
  virtual void InsertMessageAsync(std::string_view app_key, std::shared_ptr<Message> message,
                                  std::function<void(Status)> stored) {
    Status inserted = InsertMessage(app_key, *message);
    stored(std::move(inserted));
  }
  virtual Result<std::optional<Message>> GetMessage(std::string_view app_key,
                                                    std::string_view id) = 0;
  // The messages among `ids` that exist, oldest first.
  virtual Result<std::vector<Message>> GetMessages(std::string_view app_key,
                                                   const std::vector<std::string>& ids) = 0;
  // Replaces the stored message's fields except seq, its channel, parent_id, reply_count,
  // deleted_reply_count and thread_participants (fixed at insert or maintained by the store).
  // A reply's parent is recounted (its deleted_reply_count follows soft deletes); channel
  // counters do not follow changes of created_at, show_in_channel or shadowed. NotFound if
  // there is no such message.
  virtual Status UpdateMessage(std::string_view app_key, const Message& message) = 0;
  // Removes the message and its reactions; keeps counters right (the channel's last_message_at
  // and a parent's reply_count and thread_participants are recomputed from what is left). A
  // deleted parent's replies stay. A missing message is not an error.
  virtual Status DeleteMessage(std::string_view app_key, std::string_view id) = 0;

  // The channel's main list: thread-only replies are left out. In these two lists an id
  // bound (id_lt, ..., id_around) must name a message of the list's channel: input Error if
  // it does not exist or is in another channel.
  virtual Result<std::vector<Message>> ChannelMessages(std::string_view app_key,
                                                       std::string_view type, std::string_view id,
                                                       const MessagePage& page) = 0;
  virtual Result<std::vector<Message>> Replies(std::string_view app_key, std::string_view parent_id,
                                               const MessagePage& page) = 0;
  // Pinned, not deleted, not expired at `now`; newest pin first (then the newest message).
  virtual Result<std::vector<Message>> PinnedMessages(std::string_view app_key,
                                                      std::string_view type, std::string_view id,
                                                      Micros now, int limit) = 0;
  // Removes (hard) every message of the channel created at or before `before`, with their
  // reactions; recomputes the counters as DeleteMessage does.
  virtual Status HardDeleteChannelMessages(std::string_view app_key, std::string_view type,
                                           std::string_view id, Micros before) = 0;

  // Messages of the channel's main list newer than q.after (and than q.not_before) that count
  // as unread for q.user_id: not own, not silent, not shadowed, not deleted, not system, error
  // or ephemeral (the last two are only ever shown to their sender), not from a muted user.
  virtual Result<std::int64_t> CountUnread(std::string_view app_key, const UnreadQuery& q) = 0;
  // The id and time of the newest message of the channel's main list (for
  // last_read_message_id), if any; shadowed messages are left out, soft-deleted ones are not.
  virtual Result<std::optional<MessageStamp>> LastChannelMessage(std::string_view app_key,
                                                                 std::string_view type,
                                                                 std::string_view id) = 0;
  // When `user_id` last posted in the channel (any message of theirs, replies included): what
  // slow mode measures the cooldown from.
  virtual Result<std::optional<Micros>> LastMessageTimeBy(std::string_view app_key,
                                                          std::string_view type,
                                                          std::string_view id,
                                                          std::string_view user_id) = 0;

  // Every message of `user_id` in the app not yet deleted becomes type "deleted" with
  // deleted_at = `at` (user deactivation or deletion with mark_messages_deleted); thread
  // counters follow. Returns how many changed.
  virtual Result<std::int64_t> SoftDeleteUserMessages(std::string_view app_key,
                                                      std::string_view user_id, Micros at) = 0;
  // Undoes SoftDeleteUserMessages(`at`): the user's messages deleted at exactly `at` get their
  // type back ("regular", or "reply" for thread-only replies; system messages stay system).
  virtual Result<std::int64_t> RestoreUserMessages(std::string_view app_key,
                                                   std::string_view user_id, Micros at) = 0;
  // Removes every message of `user_id` (with reactions); channel and thread counters follow.
  virtual Status HardDeleteUserMessages(std::string_view app_key, std::string_view user_id) = 0;

  // Inserts or replaces (message_id, user_id, type), every field (created_at too). With
  // enforce_unique, first removes every other reaction of that user on that message. NotFound
  // if the message does not exist.
  virtual Status UpsertReaction(std::string_view app_key, const Reaction& reaction,
                                bool enforce_unique) = 0;
  // Returns false if there was no such reaction.
  virtual Result<bool> DeleteReaction(std::string_view app_key, std::string_view message_id,
                                      std::string_view user_id, std::string_view type) = 0;
  // Newest first (by created_at; the later write first within a microsecond).
  virtual Result<std::vector<Reaction>> Reactions(std::string_view app_key,
                                                  std::string_view message_id, int limit,
                                                  int offset) = 0;
  // For each message, its `per_message` newest reactions (newest first), optionally only
  // those of `user_id`. Grouped by message id (ascending).
  virtual Result<std::vector<Reaction>> LatestReactions(std::string_view app_key,
                                                        const std::vector<std::string>& message_ids,
                                                        int per_message,
                                                        std::string_view user_id = "") = 0;
  // Aggregates for each of `message_ids` that has reactions: by message id, then by first
  // reaction.
  virtual Result<std::vector<ReactionGroup>> ReactionGroups(
      std::string_view app_key, const std::vector<std::string>& message_ids) = 0;
};

}  // namespace eddy::server
