#include "server/storage/cache/caching_store.h"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "server/storage/cache/caches.h"
#include "server/storage/cache/packed_user.h"

namespace eddy::server {
namespace {

using cache_parts::Caches;
using cache_parts::Key;
using cache_parts::MakeCachingChannelStore;
using cache_parts::MakeCachingMessageStore;

class CachingUserStore final : public UserStore {
 public:
  CachingUserStore(UserStore& inner, Caches& caches) : inner_(inner), caches_(caches) {}

  Status UpsertUsers(std::string_view app_key, const std::vector<User>& users) override {
    std::vector<std::string> keys;
    for (const User& u : users) keys.push_back(Key(app_key, u.id));
    {
      CacheWriteScope scope(caches_.users, keys);
      EDDY_TRY(inner_.UpsertUsers(app_key, users));
    }
    for (const User& u : users) caches_.Publish(CachedData::kUser, app_key, u.id);
    return {};
  }
  Result<std::optional<User>> FindUser(std::string_view app_key, std::string_view id) override {
    return CachedUser(app_key, id, Key(app_key, id));
  }
  // Through the cache when at most a few users are missing from it (a message's author, a
  // page of users seen before); more misses (a cold page of members) are one query, uncached.
  Result<std::vector<User>> FindUsers(std::string_view app_key,
                                      const std::vector<std::string>& ids) override {
    constexpr std::size_t kMaxOneByOneLoads = 4;
    std::vector<std::string> keys;
    keys.reserve(ids.size());
    std::size_t misses = 0;
    for (const std::string& id : ids) {
      keys.push_back(Key(app_key, id));
      if (!caches_.users.Contains(keys.back())) ++misses;
    }
    if (misses > kMaxOneByOneLoads) return inner_.FindUsers(app_key, ids);
    std::vector<User> found;
    std::unordered_set<std::string_view> seen;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (!seen.insert(ids[i]).second) continue;
      EDDY_ASSIGN_OR_RETURN(std::optional<User> user, CachedUser(app_key, ids[i], keys[i]));
      if (user) found.push_back(std::move(*user));
    }
    return found;
  }
  Result<std::vector<User>> QueryUsers(std::string_view app_key, const UserQuery& q) override {
    return inner_.QueryUsers(app_key, q);
  }
  // A hard delete may take the user's member rows, bans and mutes with it.
  Status DeleteUser(std::string_view app_key, std::string_view id) override {
    Status deleted = [&] {
      CacheWriteScope users(caches_.users);
      CacheWriteScope members(caches_.members);
      CacheWriteScope memberships(caches_.memberships);
      CacheWriteScope rosters(caches_.rosters);
      CacheWriteScope app_bans(caches_.app_bans);
      CacheWriteScope channel_bans(caches_.channel_bans);
      CacheWriteScope mutes(caches_.mutes);
      CacheWriteScope channel_mutes(caches_.channel_mutes);
      return inner_.DeleteUser(app_key, id);
    }();
    caches_.Publish(CachedData::kUser, app_key, id);
    caches_.Publish(CachedData::kMembers, app_key, id);
    caches_.Publish(CachedData::kModeration, app_key, id);
    return deleted;
  }
  Status SetLastActive(std::string_view app_key, std::string_view id, Micros when) override {
    {
      CacheWriteScope scope(caches_.users, {Key(app_key, id)});
      EDDY_TRY(inner_.SetLastActive(app_key, id, when));
    }
    caches_.Publish(CachedData::kUser, app_key, id);
    return {};
  }

 private:
  Result<std::optional<User>> CachedUser(std::string_view app_key, std::string_view id,
                                         const std::string& key) {
    EDDY_ASSIGN_OR_RETURN(std::string packed, caches_.users.Get(key, [&]() -> Result<std::string> {
      EDDY_ASSIGN_OR_RETURN(std::optional<User> user, inner_.FindUser(app_key, id));
      return user ? PackUser(*user) : std::string();
    }));
    if (packed.empty()) return std::optional<User>();
    EDDY_ASSIGN_OR_RETURN(User user, UnpackUser(packed));
    return std::optional<User>(std::move(user));
  }

  UserStore& inner_;
  Caches& caches_;
};

class CachingRoleStore final : public RoleStore {
 public:
  CachingRoleStore(RoleStore& inner, Caches& caches) : inner_(inner), caches_(caches) {}

  Status CreateRole(std::string_view app_key, const Role& role) override {
    return Write(app_key, [&] { return inner_.CreateRole(app_key, role); });
  }
  Result<std::vector<Role>> ListRoles(std::string_view app_key) override {
    return caches_.roles.Get(std::string(app_key), [&] { return inner_.ListRoles(app_key); });
  }
  Result<bool> DeleteRole(std::string_view app_key, std::string_view name) override {
    return Write(app_key, [&] { return inner_.DeleteRole(app_key, name); });
  }

 private:
  template <typename F>
  auto Write(std::string_view app_key, F write) -> decltype(write()) {
    auto result = [&] {
      CacheWriteScope scope(caches_.roles, {std::string(app_key)});
      return write();
    }();
    caches_.Publish(CachedData::kRoles, app_key, {});
    return result;
  }

  RoleStore& inner_;
  Caches& caches_;
};

class CachingModerationStore final : public ModerationStore {
 public:
  CachingModerationStore(ModerationStore& inner, Caches& caches) : inner_(inner), caches_(caches) {}

  Status UpsertBan(std::string_view app_key, const Ban& ban) override {
    return WriteBans(app_key, ban.user_id, [&] { return inner_.UpsertBan(app_key, ban); });
  }
  Result<bool> DeleteBan(std::string_view app_key, std::string_view user_id,
                         std::string_view channel_cid) override {
    return WriteBans(app_key, user_id,
                     [&] { return inner_.DeleteBan(app_key, user_id, channel_cid); });
  }
  Result<std::vector<Ban>> BansOf(std::string_view app_key, std::string_view user_id,
                                  std::string_view channel_cid) override {
    auto load = [&] { return inner_.BansOf(app_key, user_id, channel_cid); };
    if (channel_cid.empty()) return caches_.app_bans.Get(Key(app_key, user_id), load);
    return caches_.channel_bans.Get(Key(app_key, user_id, channel_cid), load);
  }
  Result<std::vector<Ban>> QueryBans(std::string_view app_key, const BanQuery& q) override {
    return inner_.QueryBans(app_key, q);
  }
  Result<std::optional<Ban>> FindIpBan(std::string_view app_key, std::string_view ip,
                                       Micros now) override {
    return inner_.FindIpBan(app_key, ip, now);
  }
  Status UpsertMute(std::string_view app_key, const UserMute& mute) override {
    return Write(caches_.mutes, app_key, mute.user_id,
                 [&] { return inner_.UpsertMute(app_key, mute); });
  }
  Result<bool> DeleteMute(std::string_view app_key, std::string_view user_id,
                          std::string_view target_id) override {
    return Write(caches_.mutes, app_key, user_id,
                 [&] { return inner_.DeleteMute(app_key, user_id, target_id); });
  }
  Result<std::vector<UserMute>> MutesOf(std::string_view app_key,
                                        std::string_view user_id) override {
    return caches_.mutes.Get(Key(app_key, user_id),
                             [&] { return inner_.MutesOf(app_key, user_id); });
  }
  Status UpsertChannelMute(std::string_view app_key, const ChannelMute& mute) override {
    return Write(caches_.channel_mutes, app_key, mute.user_id,
                 [&] { return inner_.UpsertChannelMute(app_key, mute); });
  }
  Result<bool> DeleteChannelMute(std::string_view app_key, std::string_view user_id,
                                 std::string_view channel_cid) override {
    return Write(caches_.channel_mutes, app_key, user_id,
                 [&] { return inner_.DeleteChannelMute(app_key, user_id, channel_cid); });
  }
  Result<std::vector<ChannelMute>> ChannelMutesOf(std::string_view app_key,
                                                  std::string_view user_id) override {
    return caches_.channel_mutes.Get(Key(app_key, user_id),
                                     [&] { return inner_.ChannelMutesOf(app_key, user_id); });
  }
  Status UpsertFlag(std::string_view app_key, const Flag& flag) override {
    return inner_.UpsertFlag(app_key, flag);
  }
  Result<bool> DeleteFlag(std::string_view app_key, std::string_view user_id,
                          std::string_view target_message_id,
                          std::string_view target_user_id) override {
    return inner_.DeleteFlag(app_key, user_id, target_message_id, target_user_id);
  }
  Result<std::vector<Flag>> QueryFlags(std::string_view app_key, const FlagQuery& q) override {
    return inner_.QueryFlags(app_key, q);
  }

 private:
  // Moderation writes are rare: each one starts its cache over.
  template <typename Cache, typename F>
  auto Write(Cache& cache, std::string_view app_key, std::string_view user_id, F write)
      -> decltype(write()) {
    auto result = [&] {
      CacheWriteScope scope(cache);
      return write();
    }();
    caches_.Publish(CachedData::kModeration, app_key, user_id);
    return result;
  }
  template <typename F>
  auto WriteBans(std::string_view app_key, std::string_view user_id, F write) -> decltype(write()) {
    return Write(caches_.channel_bans, app_key, user_id, [&] {
      CacheWriteScope app_wide(caches_.app_bans);
      return write();
    });
  }

  ModerationStore& inner_;
  Caches& caches_;
};

class CachingStore final : public Store {
 public:
  CachingStore(std::unique_ptr<Store> inner, CacheInvalidation* invalidation)
      : inner_(std::move(inner)),
        caches_(invalidation),
        users_(inner_->users(), caches_),
        channels_(MakeCachingChannelStore(inner_->channels(), caches_)),
        messages_(MakeCachingMessageStore(inner_->messages(), caches_)),
        roles_(inner_->roles(), caches_),
        moderation_(inner_->moderation(), caches_) {
    if (invalidation != nullptr) {
      invalidation->Listen([this](CachedData what, std::string_view app_key, std::string_view key) {
        caches_.OnChanged(what, app_key, key);
      });
    }
  }

  AppStore& apps() override { return inner_->apps(); }
  UserStore& users() override { return users_; }
  ChannelStore& channels() override { return *channels_; }
  MessageStore& messages() override { return *messages_; }
  BlocklistStore& blocklists() override { return inner_->blocklists(); }
  ChannelTypeStore& channel_types() override { return inner_->channel_types(); }
  RoleStore& roles() override { return roles_; }
  ModerationStore& moderation() override { return moderation_; }
  Status Flush() override { return inner_->Flush(); }

 private:
  std::unique_ptr<Store> inner_;
  Caches caches_;
  CachingUserStore users_;
  std::unique_ptr<ChannelStore> channels_;
  std::unique_ptr<MessageStore> messages_;
  CachingRoleStore roles_;
  CachingModerationStore moderation_;
};

}  // namespace

std::unique_ptr<Store> MakeCachingStore(std::unique_ptr<Store> inner,
                                        CacheInvalidation* invalidation) {
  return std::make_unique<CachingStore>(std::move(inner), invalidation);
}

}  // namespace eddy::server
