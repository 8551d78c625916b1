// Channel types and their config (protocol §5.3 `config`) and grants (§9), per app: the
// built-in types messaging, team, livestream, commerce and gaming are the seeds; a backend
// changes them and adds its own with /channeltypes (stored through ChannelTypeStore).
// Thread-safe: mutex_ guards the per-app cache; Find shares a type of it, List copies.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "server/domain/cache_invalidation.h"
#include "server/domain/channel_type_store.h"
#include "server/domain/permissions.h"

namespace eddy::server {

struct ChannelType {
  std::string name;
  // The full ChannelConfigWithInfo object of §5.3: name, typing_events, read_events,
  // connect_events, delivery_events, search, reactions, replies, quotes, mutes, uploads,
  // url_enrichment, custom_events, push_notifications, reminders, mark_messages_pending,
  // polls, user_message_reminders, shared_locations, count_messages,
  // skip_last_msg_update_for_system_msgs, message_retention, max_message_length, automod,
  // automod_behavior, blocklist_behavior, commands, created_at, updated_at.
  json::object config;
  Grants grants;

  bool Flag(std::string_view key) const;  // a boolean config flag; false if absent
  int MaxMessageLength() const;
  // Whether reading requires membership: the app role `user` is not granted read-channel
  // (messaging/commerce/team by default; livestream/gaming are public).
  bool members_only = true;
};

// `type` with a channel's config_overrides (validated on input, see protocol/channel_json.h)
// laid over its config: what the channel actually allows.
ChannelType WithOverrides(ChannelType type, const json::object& overrides);
// The same for a shared type: the type itself when there are no overrides (most channels), so
// a request that checks a channel's type copies nothing; a copy with them laid over otherwise.
std::shared_ptr<const ChannelType> WithOverrides(std::shared_ptr<const ChannelType> type,
                                                 const json::object& overrides);

// A type from its stored form; members_only follows its grants.
ChannelType FromStored(const StoredChannelType& stored);
StoredChannelType ToStored(const ChannelType& type);

class ChannelTypes {
 public:
  // Built-ins only: nothing is stored (unit tests).
  ChannelTypes();
  // Built-ins overlaid by the types `store` holds for each app. With `invalidation`, a change
  // reaches the caches of every node.
  explicit ChannelTypes(ChannelTypeStore* store, CacheInvalidation* invalidation = nullptr);

  // Null if the app has no such type. Shared, not copied: the per-recipient paths of fan-out
  // ask for a flag of it.
  std::shared_ptr<const ChannelType> Find(std::string_view app_key, std::string_view name) const;
  using TypeList = std::vector<ChannelType>;
  // By name. Shared, not copied (queryChannels checks every type's grants).
  std::shared_ptr<const TypeList> List(std::string_view app_key) const;
  // The built-in definition of `name`, if it is one.
  std::optional<ChannelType> Builtin(std::string_view name) const;
  // The app's stored types changed: here and on every other node, the next Find/List reads
  // the store again.
  void Invalidate(std::string_view app_key) const;

 private:
  void Forget(std::string_view app_key) const;

  TypeList builtins_;
  ChannelTypeStore* store_ = nullptr;
  CacheInvalidation* invalidation_ = nullptr;
  mutable std::mutex mutex_;
  mutable std::map<std::string, std::shared_ptr<const TypeList>, std::less<>> cache_;
  // Bumped by Invalidate: a load that started before it does not fill the cache.
  mutable std::uint64_t generation_ = 0;
};

}  // namespace eddy::server
