#include "server/domain/channel_types.h"

#include <utility>

namespace eddy::server {

namespace {

// The feature flags of the built-in types, modelled on Stream's documented defaults:
//
//   type        typing read connect delivery search reactions replies quotes url_enr. public
//   messaging   on     on   on      on       on     on        on      on     on       no
//   team        on     on   on      on       on     on        on      on     on       no
//   commerce    on     on   on      off      on     off       off     on     on       no
//   livestream  off    off  on      off      on     on        on      on     off      yes
//   gaming      off    off  off     off      off    on        off     off    off      yes
//
// mutes, uploads and custom_events are on everywhere. livestream and gaming are public (anyone
// in the app may read and write without being a member, members_only = false), and in their
// busy rooms per-user typing and read receipts are noise. commerce (support chat) has no
// reactions or threads. Every type allows 5000 characters, no slash commands (eddy runs none)
// and no automod.
struct Flags {
  const char* name;
  bool typing, read, connect, delivery, search, reactions, replies, quotes, mutes, uploads,
      url_enrichment, custom_events, members_only;
};

constexpr int kDefaultMaxMessageLength = 5000;

constexpr Flags kBuiltins[] = {
    {"messaging", true, true, true, true, true, true, true, true, true, true, true, true, true},
    {"team", true, true, true, true, true, true, true, true, true, true, true, true, true},
    {"commerce", true, true, true, false, true, false, false, true, true, true, true, true, true},
    {"livestream", false, false, true, false, true, true, true, true, true, true, false, true,
     false},
    {"gaming", false, false, false, false, false, true, false, false, true, true, false, true,
     false},
};

// Built-in types exist since the beginning of time: a fixed created_at keeps the config
// object identical across restarts and nodes.
constexpr std::string_view kBuiltinTime = "2020-01-01T00:00:00.000000Z";

ChannelType MakeType(const Flags& f) {
  ChannelType t;
  t.name = f.name;
  t.members_only = f.members_only;
  json::object& c = t.config;
  c["name"] = f.name;
  c["typing_events"] = f.typing;
  c["read_events"] = f.read;
  c["connect_events"] = f.connect;
  c["delivery_events"] = f.delivery;
  c["search"] = f.search;
  c["reactions"] = f.reactions;
  c["replies"] = f.replies;
  c["quotes"] = f.quotes;
  c["mutes"] = f.mutes;
  c["uploads"] = f.uploads;
  c["url_enrichment"] = f.url_enrichment;
  c["custom_events"] = f.custom_events;
  c["push_notifications"] = true;
  c["reminders"] = false;
  c["mark_messages_pending"] = false;
  c["polls"] = false;
  c["user_message_reminders"] = false;
  c["shared_locations"] = false;
  c["count_messages"] = true;
  c["skip_last_msg_update_for_system_msgs"] = false;
  c["message_retention"] = "infinite";
  c["max_message_length"] = kDefaultMaxMessageLength;
  c["automod"] = "disabled";
  c["automod_behavior"] = "flag";
  c["blocklist_behavior"] = "flag";
  c["commands"] = json::array();
  c["created_at"] = kBuiltinTime;
  c["updated_at"] = kBuiltinTime;
  return t;
}

}  // namespace

bool ChannelType::Flag(std::string_view key) const {
  const json::value* v = config.if_contains(key);
  return v != nullptr && v->is_bool() && v->get_bool();
}

int ChannelType::MaxMessageLength() const {
  const json::value* v = config.if_contains("max_message_length");
  if (v == nullptr || !v->is_int64() || v->get_int64() <= 0) return kDefaultMaxMessageLength;
  return static_cast<int>(v->get_int64());
}

ChannelType WithOverrides(ChannelType type, const json::object& overrides) {
  for (const auto& kv : overrides) type.config[kv.key()] = kv.value();
  return type;
}

ChannelTypes::ChannelTypes() {
  for (const Flags& f : kBuiltins) builtins_.push_back(MakeType(f));
}

std::optional<ChannelType> ChannelTypes::Find(std::string_view app_key,
                                              std::string_view name) const {
  for (const ChannelType& t : builtins_) {
    if (t.name == name) return t;
  }
  return std::nullopt;
}

std::vector<ChannelType> ChannelTypes::List(std::string_view app_key) const { return builtins_; }

}  // namespace eddy::server
