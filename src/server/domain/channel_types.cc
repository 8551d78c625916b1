#include "server/domain/channel_types.h"

#include <algorithm>
#include <utility>

#include "common/log.h"

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
  t.grants = DefaultGrants(f.members_only, std::string_view(f.name) == "messaging");
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

std::shared_ptr<const ChannelType> WithOverrides(std::shared_ptr<const ChannelType> type,
                                                 const json::object& overrides) {
  if (overrides.empty()) return type;
  return std::make_shared<const ChannelType>(WithOverrides(*type, overrides));
}

ChannelType FromStored(const StoredChannelType& stored) {
  ChannelType t;
  t.name = stored.name;
  t.config = stored.config;
  t.config["name"] = stored.name;
  // Stored grants passed ParseGrants on the way in.
  Result<Grants> grants = ParseGrants(stored.grants);
  if (grants.ok()) t.grants = std::move(*grants);
  t.members_only = !Granted(t.grants, {"user"}, PermissionFor(ChannelAction::kReadChannel));
  return t;
}

StoredChannelType ToStored(const ChannelType& type) {
  return {type.name, type.config, GrantsToJson(type.grants)};
}

ChannelTypes::ChannelTypes() {
  for (const Flags& f : kBuiltins) builtins_.push_back(MakeType(f));
  std::sort(builtins_.begin(), builtins_.end(),
            [](const ChannelType& a, const ChannelType& b) { return a.name < b.name; });
}

ChannelTypes::ChannelTypes(ChannelTypeStore* store, CacheInvalidation* invalidation)
    : ChannelTypes() {
  store_ = store;
  invalidation_ = invalidation;
  if (invalidation_) {
    invalidation_->Listen([this](CachedData what, std::string_view app_key, std::string_view) {
      if (what == CachedData::kChannelTypes) Forget(app_key);
    });
  }
}

std::shared_ptr<const ChannelTypes::TypeList> ChannelTypes::List(std::string_view app_key) const {
  std::uint64_t generation = 0;
  {
    std::lock_guard lock(mutex_);
    auto it = cache_.find(app_key);
    if (it != cache_.end()) return it->second;
    generation = generation_;
  }
  auto builtins = std::make_shared<const TypeList>(builtins_);
  if (store_ == nullptr) return builtins;
  Result<std::vector<StoredChannelType>> stored = store_->ListChannelTypes(app_key);
  if (!stored.ok()) {
    // Serve the built-ins for this request; the next one tries the store again.
    log::Error("cannot load channel types",
               {{"app", std::string(app_key)}, {"error", stored.error().message}});
    return builtins;
  }
  std::map<std::string, ChannelType, std::less<>> by_name;
  for (const ChannelType& t : builtins_) by_name.emplace(t.name, t);
  for (const StoredChannelType& s : *stored) by_name.insert_or_assign(s.name, FromStored(s));
  auto list = std::make_shared<TypeList>();
  for (auto& [name, t] : by_name) list->push_back(std::move(t));
  std::lock_guard lock(mutex_);
  if (generation == generation_) cache_.insert_or_assign(std::string(app_key), list);
  return list;
}

void ChannelTypes::Invalidate(std::string_view app_key) const {
  if (invalidation_) {
    invalidation_->Changed(CachedData::kChannelTypes, app_key, {});
  } else {
    Forget(app_key);
  }
}

void ChannelTypes::Forget(std::string_view app_key) const {
  std::lock_guard lock(mutex_);
  ++generation_;
  if (app_key.empty()) return cache_.clear();  // every app
  if (auto it = cache_.find(app_key); it != cache_.end()) cache_.erase(it);
}

std::shared_ptr<const ChannelType> ChannelTypes::Find(std::string_view app_key,
                                                      std::string_view name) const {
  std::shared_ptr<const TypeList> types = List(app_key);
  for (const ChannelType& t : *types) {
    if (t.name == name) return std::shared_ptr<const ChannelType>(types, &t);  // aliasing
  }
  return nullptr;
}

std::optional<ChannelType> ChannelTypes::Builtin(std::string_view name) const {
  for (const ChannelType& t : builtins_) {
    if (t.name == name) return t;
  }
  return std::nullopt;
}

}  // namespace eddy::server
