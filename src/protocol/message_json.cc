#include "protocol/message_json.h"

#include <set>

namespace eddy::protocol {

namespace {

// Fields a client may send, typed.
constexpr std::string_view kInputKeys[] = {
    "id",     "text",   "type",        "parent_id", "show_in_channel", "quoted_message_id",
    "silent", "pinned", "pin_expires", "pinned_at", "user_id",         "user"};
constexpr std::string_view kInputListKeys[] = {"mentioned_users", "attachments"};

// Keys of MessageResponse the server computes, and features eddy does not implement (polls,
// commands, translations, ...). A client echoing a message it received (updateMessage sends
// most of it back) must not turn them into custom data.
constexpr std::string_view kComputedKeys[] = {"html",       "cid",        "member",
                                              "created_at", "updated_at", "deleted_at",
                                              "pinned_by",  "shadowed",   "message_text_updated_at",
                                              "status"};
constexpr std::string_view kAggregateKeys[] = {
    "latest_reactions",    "own_reactions",       "reaction_counts",
    "reaction_scores",     "reaction_groups",     "reply_count",
    "deleted_reply_count", "thread_participants", "quoted_message"};
constexpr std::string_view kMentionKeys[] = {"mentioned_channel", "mentioned_here",
                                             "mentioned_roles", "mentioned_group_ids",
                                             "restricted_visibility"};
constexpr std::string_view kUnsupportedKeys[] = {
    "command",         "args",     "command_info",   "i18n",    "poll_id", "poll",
    "shared_location", "reminder", "deleted_for_me", "channel", "__html",  "error",
    "moderation",      "draft"};

template <std::size_t N>
bool Contains(const std::string_view (&keys)[N], std::string_view key) {
  for (std::string_view k : keys) {
    if (k == key) return true;
  }
  return false;
}

Error WrongType(std::string_view key, const char* want) {
  return Error::Input("message field '" + std::string(key) + "' must be " + want);
}

Result<std::optional<Micros>> ReadTime(std::string_view key, const json::value& v) {
  if (v.is_null()) return std::optional<Micros>{};
  std::optional<Micros> t;
  if (v.is_string()) t = ParseTime(v.get_string());
  if (!t) return WrongType(key, "an RFC 3339 timestamp or null");
  return t;
}

Result<std::vector<std::string>> ReadMentions(const json::value& v) {
  if (!v.is_array()) return WrongType("mentioned_users", "an array of user ids or user objects");
  const json::array& a = v.get_array();
  if (a.size() > kMaxMentionedUsers) {
    return Error::Input("a message can mention at most " + std::to_string(kMaxMentionedUsers) +
                        " users");
  }
  std::vector<std::string> ids;
  std::set<std::string> seen;
  for (const json::value& e : a) {
    const json::value* id = &e;
    if (e.is_object()) id = e.get_object().if_contains("id");
    if (!id || !id->is_string() || id->get_string().empty() || id->get_string().size() > 255) {
      return WrongType("mentioned_users", "an array of user ids or user objects with an id");
    }
    std::string s(id->get_string());
    if (seen.insert(s).second) ids.push_back(std::move(s));
  }
  return ids;
}

Result<json::array> ReadAttachments(const json::value& v) {
  if (!v.is_array()) return WrongType("attachments", "an array of objects");
  const json::array& a = v.get_array();
  if (a.size() > kMaxAttachments) {
    return Error::Input("a message can have at most " + std::to_string(kMaxAttachments) +
                        " attachments");
  }
  for (const json::value& e : a) {
    if (!e.is_object()) return WrongType("attachments", "an array of objects");
  }
  if (json::serialize(a).size() > kMaxAttachmentsBytes) {
    return Error::Input("the attachments of a message must be at most " +
                        std::to_string(kMaxAttachmentsBytes) + " bytes of JSON");
  }
  return a;
}

Status ValidateCustom(const json::object& custom, const char* what) {
  for (const auto& kv : custom) {
    std::string_view key = kv.key();
    if (key.empty() || key.size() > 255 || key.front() == '$' ||
        key.find('.') != std::string_view::npos) {
      return Error::Input(std::string(what) + " custom field name '" + std::string(key) +
                          "' must be 1 to 255 characters, without '.' or a leading '$'");
    }
  }
  std::size_t size = json::serialize(custom).size();
  if (size > kMaxMessageCustomBytes) {
    return Error::Input(std::string(what) + " custom data is " + std::to_string(size) +
                        " bytes, more than the limit of " + std::to_string(kMaxMessageCustomBytes));
  }
  return {};
}

// The author named in a server-side body: "user_id" or "user": {"id": ...}.
Result<std::string> ReadAuthor(const json::object& o, const char* what) {
  std::string id;
  if (const json::value* v = o.if_contains("user_id"); v && !v->is_null()) {
    if (!v->is_string()) return Error::Input(std::string(what) + " 'user_id' must be a string");
    id = std::string(v->get_string());
  }
  if (const json::value* v = o.if_contains("user"); v && !v->is_null()) {
    const json::value* uid = v->is_object() ? v->get_object().if_contains("id") : nullptr;
    if (!uid || !uid->is_string()) {
      return Error::Input(std::string(what) + " 'user' must be an object with a string 'id'");
    }
    if (!id.empty() && id != uid->get_string()) {
      return Error::Input(std::string(what) + " 'user_id' and 'user.id' differ");
    }
    id = std::string(uid->get_string());
  }
  if (id.size() > 255) return Error::Input(std::string(what) + " user id is too long");
  return id;
}

void PutTime(json::object& o, std::string_view key, const std::optional<Micros>& t) {
  if (t) {
    TimeText text;
    o[key] = FormatTime(*t, text);
  } else {
    o[key] = nullptr;
  }
}

}  // namespace

MessageKey ClassifyMessageKey(std::string_view key) {
  if (Contains(kInputKeys, key) || Contains(kInputListKeys, key)) return MessageKey::kInput;
  if (Contains(kComputedKeys, key) || Contains(kAggregateKeys, key) ||
      Contains(kMentionKeys, key) || Contains(kUnsupportedKeys, key)) {
    return MessageKey::kReadOnly;
  }
  return MessageKey::kCustom;
}

Status ValidateMessageId(std::string_view id) {
  if (id.empty() || id.size() > kMaxMessageIdLength) {
    return Error::Input("message id must be 1 to " + std::to_string(kMaxMessageIdLength) +
                        " characters");
  }
  for (char c : id) {
    if (c <= ' ' || c > '~' || c == '/' || c == '?' || c == '#' || c == '%' || c == ',') {
      return Error::Input("message id '" + std::string(id) +
                          "' may only contain printable ASCII other than space / ? # % ,");
    }
  }
  return {};
}

std::size_t Utf8Length(std::string_view text) {
  std::size_t n = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++n;  // count every byte that starts a code point
  }
  return n;
}

Status CheckMessageText(std::string_view text, int max_length) {
  if (max_length > 0 && Utf8Length(text) > static_cast<std::size_t>(max_length)) {
    return Error::Make(
        ErrorCode::kMessageTooLong, 400,
        "message is too long: the maximum length is " + std::to_string(max_length) + " characters");
  }
  return {};
}

Result<MessageInput> MessageFromJson(const json::object& o) {
  MessageInput in;
  for (const auto& kv : o) {
    std::string_view key = kv.key();
    const json::value& v = kv.value();
    switch (ClassifyMessageKey(key)) {
      case MessageKey::kReadOnly:
        break;
      case MessageKey::kCustom:
        in.custom[key] = v;
        break;
      case MessageKey::kInput:
        if (v.is_null() && key != "pin_expires" && key != "pinned_at") break;
        if (key == "id" || key == "text" || key == "type" || key == "parent_id" ||
            key == "quoted_message_id") {
          if (!v.is_string()) return WrongType(key, "a string");
          std::string s(v.get_string());
          if (key == "id") {
            EDDY_TRY(ValidateMessageId(s));
            in.id = std::move(s);
          } else if (key == "text") {
            in.text = std::move(s);
          } else if (key == "type") {
            if (!s.empty() && s != "regular" && s != "reply" && s != "system") {
              return Error::Input("message type '" + s + "' cannot be sent: use regular or system");
            }
            if (!s.empty()) in.type = std::move(s);
          } else if (!s.empty()) {
            EDDY_TRY(ValidateMessageId(s));
            (key == "parent_id" ? in.parent_id : in.quoted_message_id) = std::move(s);
          }
        } else if (key == "show_in_channel" || key == "silent" || key == "pinned") {
          if (!v.is_bool()) return WrongType(key, "a boolean");
          (key == "show_in_channel" ? in.show_in_channel
           : key == "silent"        ? in.silent
                                    : in.pinned) = v.get_bool();
        } else if (key == "pin_expires" || key == "pinned_at") {
          EDDY_ASSIGN_OR_RETURN(std::optional<Micros> t, ReadTime(key, v));
          (key == "pin_expires" ? in.pin_expires : in.pinned_at) = t;
        } else if (key == "mentioned_users") {
          EDDY_ASSIGN_OR_RETURN(in.mentioned_users, ReadMentions(v));
        } else if (key == "attachments") {
          EDDY_ASSIGN_OR_RETURN(in.attachments, ReadAttachments(v));
        }
        break;
    }
  }
  EDDY_ASSIGN_OR_RETURN(in.user_id, ReadAuthor(o, "message"));
  EDDY_TRY(ValidateCustom(in.custom, "message"));
  return in;
}

std::string MessageHtml(std::string_view text) {
  if (text.empty()) return "";
  std::string out = "<p>";
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  out += "</p>\n";
  return out;
}

json::object MessageToJson(const server::Message& m, MessageExtras extras) {
  const bool deleted = m.type == "deleted";
  // Sized once for the keys below and the custom data, not grown key by key.
  json::object o(36 + m.custom.size(), JsonStorage());
  o["id"] = m.id;
  o["text"] = deleted ? "" : m.text;
  o["html"] = deleted ? "" : MessageHtml(m.text);
  o["type"] = m.type;
  o["user"] = std::move(extras.user);
  o["cid"] = m.cid();
  o["attachments"] = deleted ? json::array() : m.attachments;
  o["latest_reactions"] = extras.latest_reactions;
  o["own_reactions"] = std::move(extras.own_reactions);

  json::object counts(o.storage()), scores(o.storage()), groups(o.storage());
  for (const server::ReactionGroup& g : extras.reaction_groups) {
    counts[g.type] = g.count;
    scores[g.type] = g.sum_scores;
    json::array by(o.storage());
    for (const json::value& r : extras.latest_reactions) {
      const json::object& ro = r.get_object();
      if (ro.at("type") == json::value(g.type)) {
        by.push_back(json::object({{"user_id", ro.at("user_id")},
                                   {"user", ro.at("user")},
                                   {"created_at", ro.at("created_at")}},
                                  o.storage()));
      }
    }
    groups[g.type] = json::object({{"count", g.count},
                                   {"sum_scores", g.sum_scores},
                                   {"first_reaction_at", FormatTime(g.first_reaction_at)},
                                   {"last_reaction_at", FormatTime(g.last_reaction_at)},
                                   {"latest_reactions_by", std::move(by)}},
                                  o.storage());
  }
  o["reaction_counts"] = std::move(counts);
  o["reaction_scores"] = std::move(scores);
  o["reaction_groups"] = std::move(groups);

  o["reply_count"] = m.reply_count;
  o["deleted_reply_count"] = m.deleted_reply_count;
  if (!m.parent_id.empty()) o["parent_id"] = m.parent_id;
  o["show_in_channel"] = m.show_in_channel;
  o["thread_participants"] = std::move(extras.thread_participants);
  if (!m.quoted_message_id.empty()) {
    o["quoted_message_id"] = m.quoted_message_id;
    o["quoted_message"] = std::move(extras.quoted_message);
  }
  o["mentioned_users"] = deleted ? json::array() : std::move(extras.mentioned_users);
  o["mentioned_channel"] = false;
  o["mentioned_here"] = false;
  o["mentioned_roles"] = json::array();
  o["mentioned_group_ids"] = json::array();
  o["silent"] = m.silent;
  o["shadowed"] = m.shadowed;
  o["restricted_visibility"] = json::array();
  o["pinned"] = m.pinned;
  PutTime(o, "pinned_at", m.pinned_at);
  o["pinned_by"] = std::move(extras.pinned_by);
  PutTime(o, "pin_expires", m.pin_expires);
  TimeText text;
  o["created_at"] = FormatTime(m.created_at, text);
  o["updated_at"] = FormatTime(m.updated_at, text);
  if (m.deleted_at) o["deleted_at"] = FormatTime(*m.deleted_at, text);
  if (m.message_text_updated_at) {
    o["message_text_updated_at"] = FormatTime(*m.message_text_updated_at, text);
  }
  for (const auto& kv : m.custom) {
    // Reserved keys never reach custom through MessageFromJson; the check keeps a bad row
    // from overwriting what the server computed.
    if (ClassifyMessageKey(kv.key()) == MessageKey::kCustom && !o.contains(kv.key())) {
      o[kv.key()] = kv.value();
    }
  }
  return o;
}

Status ValidateReactionType(std::string_view type) {
  if (type.empty() || Utf8Length(type) > kMaxReactionTypeLength) {
    return Error::Input("reaction type must be 1 to " + std::to_string(kMaxReactionTypeLength) +
                        " characters");
  }
  for (unsigned char c : type) {
    if (c <= ' ' || c == 0x7f || c == '/' || c == '?' || c == '#' || c == '%') {
      return Error::Input("reaction type '" + std::string(type) +
                          "' must not contain whitespace, control characters or / ? # %");
    }
  }
  return {};
}

Result<ReactionInput> ReactionFromJson(const json::object& o) {
  ReactionInput in;
  for (const auto& kv : o) {
    std::string_view key = kv.key();
    const json::value& v = kv.value();
    if (key == "type") {
      if (!v.is_string()) return Error::Input("reaction field 'type' must be a string");
      in.type = std::string(v.get_string());
    } else if (key == "score") {
      if (v.is_null()) continue;
      EDDY_ASSIGN_OR_RETURN(std::optional<std::int64_t> score, GetInt(o, "score"));
      if (*score < 0 || *score > kMaxReactionScore) {
        return Error::Input("reaction score must be between 0 and " +
                            std::to_string(kMaxReactionScore));
      }
      in.score = *score;
    } else if (key == "user_id" || key == "user") {
      continue;  // ReadAuthor below
    } else if (key == "message_id" || key == "created_at" || key == "updated_at" ||
               key == "emoji_code") {
      continue;  // server-computed or not supported: ignored, never custom
    } else {
      in.custom[key] = v;
    }
  }
  if (!o.contains("type")) {
    return Error::Input("reaction 'type' is a required field");
  }
  EDDY_TRY(ValidateReactionType(in.type));
  EDDY_ASSIGN_OR_RETURN(in.user_id, ReadAuthor(o, "reaction"));
  EDDY_TRY(ValidateCustom(in.custom, "reaction"));
  return in;
}

json::object ReactionToJson(const server::Reaction& r, json::object user) {
  json::object o(JsonStorage());
  o["message_id"] = r.message_id;
  o["user_id"] = r.user_id;
  o["user"] = std::move(user);
  o["type"] = r.type;
  o["score"] = r.score;
  TimeText text;
  o["created_at"] = FormatTime(r.created_at, text);
  o["updated_at"] = FormatTime(r.updated_at, text);
  for (const auto& kv : r.custom) {
    if (!o.contains(kv.key())) o[kv.key()] = kv.value();
  }
  return o;
}

}  // namespace eddy::protocol
