// Messages and reactions on the wire (protocol §5.7, §5.8): the MessageResponse and
// ReactionResponse shapes, and message/reaction objects sent by clients, validated and split
// into the fields the server reads and custom data.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "common/json.h"
#include "common/json_arena.h"
#include "server/domain/message.h"

namespace eddy::protocol {

inline constexpr std::size_t kMaxMessageIdLength = 255;
inline constexpr std::size_t kMaxAttachments = 30;
inline constexpr std::size_t kMaxMentionedUsers = 100;
inline constexpr std::size_t kMaxReactionTypeLength = 30;
// Serialized size of a message's (or a reaction's) custom data.
inline constexpr std::size_t kMaxMessageCustomBytes = 5 * 1024;
// Serialized size of all attachments of one message: 30 rich giphy/OG attachments fit.
inline constexpr std::size_t kMaxAttachmentsBytes = 128 * 1024;
// Reaction scores (e.g. "clap" counts) are bounded so that sums cannot overflow.
inline constexpr std::int64_t kMaxReactionScore = 1'000'000;

// How the server treats one top-level key of a message object.
enum class MessageKey {
  kCustom,    // app data: stored as given, echoed back flattened
  kInput,     // a typed field a client may send (id, text, type, parent_id, ...)
  kReadOnly,  // computed by the server or not supported (html, reply_count, poll, ...): ignored
};
MessageKey ClassifyMessageKey(std::string_view key);

// A message object as sent by a client (§6.5), validated for shape and limits. An unset
// optional means the key was absent (or null). The text length against the channel type's
// max_message_length is checked by the service, which knows the config (CheckMessageText).
struct MessageInput {
  std::optional<std::string> id;
  std::optional<std::string> text;
  std::optional<std::string> type;  // "regular", "reply" or "system" (validated here)
  std::optional<std::string> parent_id;
  std::optional<bool> show_in_channel;
  std::optional<std::string> quoted_message_id;
  std::optional<std::vector<std::string>> mentioned_users;  // ids, deduplicated, in order
  std::optional<json::array> attachments;
  std::optional<bool> silent;
  std::optional<bool> pinned;
  // Outer optional: the key was present; inner nullopt: it was null (no expiry / "now").
  std::optional<std::optional<Micros>> pin_expires;
  std::optional<std::optional<Micros>> pinned_at;
  // The author named server-side: "user_id", or "user": {"id"}. Empty if neither.
  std::string user_id;
  json::object custom;
};

// Message ids: 1 to 255 printable ASCII characters other than space, '/', '?', '#', '%' and
// ',' (ids travel in URL paths and in comma-joined `ids=` lists).
Status ValidateMessageId(std::string_view id);
// Parses a message object. Wrong types, bad ids, more than 30 attachments (each an object),
// more than 100 mentioned users (ids or objects with "id"), oversized custom data and a `type`
// other than regular/reply/system are input errors (code 4).
Result<MessageInput> MessageFromJson(const json::object& o);
// Code 20 if `text` has more than `max_length` characters (Unicode code points).
Status CheckMessageText(std::string_view text, int max_length);
// The length of UTF-8 text in code points.
std::size_t Utf8Length(std::string_view text);

// "<p>escaped text</p>\n", or "" for empty text. eddy renders no markdown: the text is HTML-
// escaped and wrapped in one paragraph, which is what the real backend produces for plain text.
std::string MessageHtml(std::string_view text);

// Everything a MessageResponse holds besides the stored message. The caller (MessageViews)
// resolves these in batches for a whole page of messages. Its JSON is in JsonStorage(), where
// MessageToJson builds the message: the caller fills it by assignment (which keeps a value's
// storage), and the message takes it without a copy.
struct MessageExtras {
  json::object user = json::object(JsonStorage());  // UserResponse of the author
  json::array mentioned_users = json::array(JsonStorage());
  json::array thread_participants = json::array(JsonStorage());
  // ReactionResponse, newest first, at most 10.
  json::array latest_reactions = json::array(JsonStorage());
  json::array own_reactions = json::array(JsonStorage());  // the reader's, newest first
  std::vector<server::ReactionGroup> reaction_groups;
  json::value quoted_message = json::value(JsonStorage());  // MessageResponse or null
  json::value pinned_by = json::value(JsonStorage());       // UserResponse or null
};

// §5.7 MessageResponse. A soft-deleted message (type "deleted") keeps its stored content for
// the record, but its text, html, attachments and mentions are rendered empty.
json::object MessageToJson(const server::Message& m, MessageExtras extras);

// A reaction object as sent by a client (§6.6): type (required, 1 to 30 characters, no '/',
// no whitespace), score (0 to kMaxReactionScore, default 1), server-side author (user_id or
// user.id) and custom keys.
struct ReactionInput {
  std::string type;
  std::int64_t score = 1;
  std::string user_id;
  json::object custom;
};
Result<ReactionInput> ReactionFromJson(const json::object& o);
Status ValidateReactionType(std::string_view type);

// §5.8 ReactionResponse with the author's UserResponse.
json::object ReactionToJson(const server::Reaction& r, json::object user);

}  // namespace eddy::protocol
