#include "server/storage/cache/caching_store.h"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "server/storage/cache/packed_user.h"
#include "server/storage/cache/read_through_cache.h"

namespace eddy::server {
namespace {

// Enough for the members, users and moderation state of ~100k active users; beyond it a cache
// starts over rather than grow.
constexpr size_t kMaxEntries = 200'000;

void AppendKey(std::string& out, std::string_view a, std::string_view b) {
  out.append(a).push_back('\0');
  out.append(b);
}

std::string Key(std::string_view a, std::string_view b) {
  std::string key;
  key.reserve(a.size() + b.size() + 1);
  AppendKey(key, a, b);
  return key;
}

std::string Key(std::string_view a, std::string_view b, std::string_view c) {
  return Key(Key(a, b), c);
}

std::string Cid(std::string_view type, std::string_view id) {
  std::string cid(type);
  cid.push_back(':');
  cid.append(id);
  return cid;
}

struct Caches {
  explicit Caches(CacheInvalidation* invalidation) : invalidation(invalidation) {}

  // A change heard from another node (this store's own writes are announced, not notified).
  void OnChanged(CachedData what, std::string_view app_key, std::string_view key) {
    if (app_key.empty()) return ForgetEverything();
    switch (what) {
      case CachedData::kUser:
        users.Forget(Key(app_key, key));
        break;
      case CachedData::kMembers:
        channel_rows.ForgetAll();  // the member counts of the user's channels
        memberships.Forget(Key(app_key, key));
        members.ForgetAll();  // keyed by channel first: no cheap way to find the user's rows
        rosters.ForgetAll();
        break;
      case CachedData::kReadState:  // every message moves its sender's: rosters stay
        memberships.Forget(Key(app_key, key));
        members.ForgetAll();
        break;
      case CachedData::kChannel:
        channel_rows.Forget(Key(app_key, key));
        unread_counts.Forget(Key(app_key, key));  // a deleted channel's messages are gone
        memberships.ForgetAll();
        members.ForgetAll();
        rosters.ForgetAll();
        break;
      case CachedData::kModeration:
        app_bans.ForgetAll();
        channel_bans.ForgetAll();
        mutes.ForgetAll();
        channel_mutes.ForgetAll();
        break;
      case CachedData::kMessages:
        if (key.empty()) {
          channel_rows.ForgetAll();
          unread_counts.ForgetAll();
          break;
        }
        channel_rows.Forget(Key(app_key, key));
        unread_counts.Forget(Key(app_key, key));
        break;
      case CachedData::kRoles:
        roles.Forget(std::string(app_key));
        break;
      default:
        break;
    }
  }

  void ForgetEverything() {
    members.ForgetAll();
    rosters.ForgetAll();
    memberships.ForgetAll();
    users.ForgetAll();
    roles.ForgetAll();
    app_bans.ForgetAll();
    channel_bans.ForgetAll();
    mutes.ForgetAll();
    channel_mutes.ForgetAll();
    channel_rows.ForgetAll();
    unread_counts.ForgetAll();
  }

  void Publish(CachedData what, std::string_view app_key, std::string_view key) {
    if (invalidation != nullptr) invalidation->Announce(what, app_key, key);
  }

  CacheInvalidation* invalidation;
  // Shared rows: an absent one (a watcher of a public channel) costs a null pointer, not the
  // ~400 bytes of an empty optional<Member>.
  ReadThroughCache<std::shared_ptr<const Member>> members{kMaxEntries};  // app, cid, user
  // Per user (app, user): a value, mostly empty, for nearly every connected user.
  struct PerUser {
    CachedList<Member> memberships;
    CachedList<UserMute> mutes;
    CachedList<ChannelMute> channel_mutes;
    CachedList<Ban> app_bans;  // BansOf without a channel
    bool empty() const {
      return !memberships.has_value() && !mutes.has_value() && !channel_mutes.has_value() &&
             !app_bans.has_value();
    }
  };
  SharedEntries<PerUser> per_user{kMaxEntries};
  FieldCache<PerUser, std::vector<Member>, &PerUser::memberships> memberships{per_user};
  FieldCache<PerUser, std::vector<UserMute>, &PerUser::mutes> mutes{per_user};
  FieldCache<PerUser, std::vector<ChannelMute>, &PerUser::channel_mutes> channel_mutes{per_user};
  FieldCache<PerUser, std::vector<Ban>, &PerUser::app_bans> app_bans{per_user};
  // Read-state writes leave rosters alone: a roster has no read state.
  ReadThroughCache<std::vector<RosterEntry>> rosters{kMaxEntries};  // app, cid
  // PackUser bytes; empty: no such user.
  ReadThroughCache<std::string> users{kMaxEntries};              // app, user
  ReadThroughCache<std::vector<Role>> roles{kMaxEntries};        // app
  ReadThroughCache<std::vector<Ban>> channel_bans{kMaxEntries};  // app, user, cid
  // Channel rows (null: none) are forgotten by every write of the channel row, its members
  // (member_count) or its messages (message_count, last_message_at).
  ReadThroughCache<std::shared_ptr<const Channel>> channel_rows{kMaxEntries};  // app, cid
  // Grouped by (app, cid): every message write forgets its channel's counts. Within a group
  // the key is the whole query (reader, last read, bounds, muted senders), so read-state and
  // mute changes need no invalidation: they make another key.
  GroupedReadThroughCache<std::int64_t> unread_counts{kMaxEntries};
};

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

class CachingChannelStore final : public ChannelStore {
 public:
  CachingChannelStore(ChannelStore& inner, Caches& caches) : inner_(inner), caches_(caches) {}

  Status CreateChannel(std::string_view app_key, const Channel& channel,
                       const std::vector<Member>& members) override {
    std::vector<Member> rows = members;
    for (Member& m : rows) {
      m.channel_type = channel.type;
      m.channel_id = channel.id;
    }
    EDDY_TRY(WriteMembers(app_key, channel.cid(), rows,
                          [&] { return inner_.CreateChannel(app_key, channel, members); }));
    // Other nodes may remember that there was no such channel.
    caches_.Publish(CachedData::kChannel, app_key, channel.cid());
    return {};
  }
  Result<std::optional<Channel>> GetChannel(std::string_view app_key, std::string_view type,
                                            std::string_view id) override {
    auto load = [&]() -> Result<std::shared_ptr<const Channel>> {
      EDDY_ASSIGN_OR_RETURN(std::optional<Channel> row, inner_.GetChannel(app_key, type, id));
      if (!row) return std::shared_ptr<const Channel>();
      return std::make_shared<const Channel>(std::move(*row));
    };
    EDDY_ASSIGN_OR_RETURN(std::shared_ptr<const Channel> row,
                          caches_.channel_rows.Get(Key(app_key, Cid(type, id)), load));
    if (!row) return std::optional<Channel>();
    return std::optional<Channel>(*row);
  }
  // The missing rows in one query (a user's memberships after their channels moved).
  Result<std::vector<Channel>> GetChannels(std::string_view app_key,
                                           const std::vector<std::string>& cids) override {
    std::vector<std::string> keys;
    keys.reserve(cids.size());
    for (const std::string& cid : cids) keys.push_back(Key(app_key, cid));
    auto load = [&](const std::vector<std::string>& missing)
        -> Result<std::vector<std::shared_ptr<const Channel>>> {
      std::vector<std::string> missing_cids;
      for (const std::string& key : missing) missing_cids.push_back(key.substr(app_key.size() + 1));
      EDDY_ASSIGN_OR_RETURN(std::vector<Channel> found, inner_.GetChannels(app_key, missing_cids));
      std::unordered_map<std::string, std::shared_ptr<const Channel>> by_cid;
      for (Channel& c : found) {
        std::string cid = c.cid();
        by_cid.emplace(std::move(cid), std::make_shared<const Channel>(std::move(c)));
      }
      std::vector<std::shared_ptr<const Channel>> rows;
      for (const std::string& cid : missing_cids) {
        auto it = by_cid.find(cid);
        rows.push_back(it == by_cid.end() ? nullptr : it->second);
      }
      return rows;
    };
    EDDY_ASSIGN_OR_RETURN(std::vector<std::shared_ptr<const Channel>> rows,
                          caches_.channel_rows.GetMany(keys, load));
    std::vector<Channel> out;
    for (const auto& row : rows) {
      if (row) out.push_back(*row);
    }
    return out;
  }
  // Soft deletion takes the channel out of every member's memberships.
  Status UpdateChannel(std::string_view app_key, const Channel& channel) override {
    {
      CacheWriteScope row(caches_.channel_rows, {Key(app_key, channel.cid())});
      CacheWriteScope scope(caches_.memberships);
      EDDY_TRY(inner_.UpdateChannel(app_key, channel));
    }
    caches_.Publish(CachedData::kChannel, app_key, channel.cid());
    return {};
  }
  Status DeleteChannel(std::string_view app_key, std::string_view type,
                       std::string_view id) override {
    {
      CacheWriteScope all_memberships(caches_.memberships);
      CacheWriteScope all_members(caches_.members);
      CacheWriteScope all_rosters(caches_.rosters);
      CacheWriteScope row(caches_.channel_rows, {Key(app_key, Cid(type, id))});
      CacheWriteScope counts(caches_.unread_counts, {Key(app_key, Cid(type, id))});
      EDDY_TRY(inner_.DeleteChannel(app_key, type, id));
    }
    caches_.Publish(CachedData::kChannel, app_key, Cid(type, id));
    return {};
  }
  Result<std::vector<Channel>> QueryChannels(std::string_view app_key,
                                             const ChannelQuery& query) override {
    return inner_.QueryChannels(app_key, query);
  }
  Status UpsertMembers(std::string_view app_key, const std::vector<Member>& members) override {
    if (members.empty()) return inner_.UpsertMembers(app_key, members);
    return WriteMembers(app_key, members.front().cid(), members,
                        [&] { return inner_.UpsertMembers(app_key, members); });
  }
  Status RemoveMembers(std::string_view app_key, std::string_view type, std::string_view id,
                       const std::vector<std::string>& user_ids) override {
    std::vector<Member> rows(user_ids.size());
    for (size_t i = 0; i < rows.size(); ++i) {
      rows[i].channel_type = type;
      rows[i].channel_id = id;
      rows[i].user_id = user_ids[i];
    }
    return WriteMembers(app_key, Cid(type, id), rows,
                        [&] { return inner_.RemoveMembers(app_key, type, id, user_ids); });
  }
  Result<std::optional<Member>> GetMember(std::string_view app_key, std::string_view type,
                                          std::string_view id, std::string_view user_id) override {
    auto load = [&]() -> Result<std::shared_ptr<const Member>> {
      EDDY_ASSIGN_OR_RETURN(std::optional<Member> row,
                            inner_.GetMember(app_key, type, id, user_id));
      if (!row) return std::shared_ptr<const Member>();
      return std::make_shared<const Member>(std::move(*row));
    };
    EDDY_ASSIGN_OR_RETURN(std::shared_ptr<const Member> row,
                          caches_.members.Get(Key(app_key, Cid(type, id), user_id), load));
    if (!row) return std::optional<Member>();
    return std::optional<Member>(*row);
  }
  Result<std::vector<Member>> QueryMembers(std::string_view app_key, std::string_view type,
                                           std::string_view id, const MemberQuery& q) override {
    return inner_.QueryMembers(app_key, type, id, q);
  }
  Result<std::vector<Member>> MembershipsOf(std::string_view app_key,
                                            std::string_view user_id) override {
    return caches_.memberships.Get(Key(app_key, user_id),
                                   [&] { return inner_.MembershipsOf(app_key, user_id); });
  }
  Result<std::vector<std::vector<Member>>> MembershipsOfEach(
      std::string_view app_key, const std::vector<std::string_view>& user_ids) override {
    // The keys in one buffer: one allocation per fan-out, not one per recipient.
    std::string buffer;
    buffer.reserve(user_ids.size() * (app_key.size() + 1 + 32));
    std::vector<std::size_t> ends;
    ends.reserve(user_ids.size());
    for (std::string_view user_id : user_ids) {
      AppendKey(buffer, app_key, user_id);
      ends.push_back(buffer.size());
    }
    std::vector<std::string_view> keys;
    keys.reserve(user_ids.size());
    for (std::size_t i = 0; i < ends.size(); ++i) {
      const std::size_t begin = i == 0 ? 0 : ends[i - 1];
      keys.push_back(std::string_view(buffer).substr(begin, ends[i] - begin));
    }
    return caches_.memberships.GetMany(
        keys, [&](std::size_t i) { return inner_.MembershipsOf(app_key, user_ids[i]); });
  }
  Result<std::vector<RosterEntry>> Roster(std::string_view app_key, std::string_view type,
                                          std::string_view id) override {
    return caches_.rosters.Get(Key(app_key, Cid(type, id)),
                               [&] { return inner_.Roster(app_key, type, id); });
  }

 private:
  // A write of the member rows `rows` (each may name its own channel; `fallback_cid` is for
  // rows that do not).
  template <typename Write>
  Status WriteMembers(std::string_view app_key, std::string_view fallback_cid,
                      const std::vector<Member>& rows, Write write) {
    // A channel's row too: its member_count moves (and CreateChannel makes the row).
    std::vector<std::string> member_keys, user_keys, roster_keys{Key(app_key, fallback_cid)};
    for (const Member& m : rows) {
      std::string cid = m.channel_type.empty() ? std::string(fallback_cid) : m.cid();
      member_keys.push_back(Key(app_key, cid, m.user_id));
      user_keys.push_back(Key(app_key, m.user_id));
      roster_keys.push_back(Key(app_key, cid));
    }
    {
      CacheWriteScope members(caches_.members, member_keys);
      CacheWriteScope memberships(caches_.memberships, user_keys);
      CacheWriteScope rosters(caches_.rosters, roster_keys);
      CacheWriteScope channel_rows(caches_.channel_rows, roster_keys);
      EDDY_TRY(write());
    }
    for (const Member& m : rows) caches_.Publish(CachedData::kMembers, app_key, m.user_id);
    return {};
  }

  ChannelStore& inner_;
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

// Messages are not cached; their channel's row and unread counts are: every message write
// forgets its channel's (all channels' when it does not know which). An insert also moves
// its author's read state (a member row), which the member caches must hear of.
class CachingMessageStore final : public MessageStore {
 public:
  CachingMessageStore(MessageStore& inner, Caches& caches) : inner_(inner), caches_(caches) {}

  Status InsertMessage(std::string_view app_key, Message& m) override {
    const std::string cid = m.cid();
    // A thread-only reply leaves its author's read state alone (it still counts in the
    // channel's message_count).
    if (!m.InChannelList()) {
      return InChannel(app_key, cid, [&] { return inner_.InsertMessage(app_key, m); });
    }
    EDDY_TRY(InChannel(app_key, cid, [&] {
      CacheWriteScope members(caches_.members, {Key(app_key, cid, m.user_id)});
      CacheWriteScope memberships(caches_.memberships, {Key(app_key, m.user_id)});
      return inner_.InsertMessage(app_key, m);
    }));
    caches_.Publish(CachedData::kReadState, app_key, m.user_id);
    return {};
  }
  Result<std::optional<Message>> GetMessage(std::string_view app_key,
                                            std::string_view id) override {
    return inner_.GetMessage(app_key, id);
  }
  Result<std::vector<Message>> GetMessages(std::string_view app_key,
                                           const std::vector<std::string>& ids) override {
    return inner_.GetMessages(app_key, ids);
  }
  Status UpdateMessage(std::string_view app_key, const Message& m) override {
    return InChannel(app_key, m.cid(), [&] { return inner_.UpdateMessage(app_key, m); });
  }
  Status DeleteMessage(std::string_view app_key, std::string_view id) override {
    return InAnyChannel(app_key, [&] { return inner_.DeleteMessage(app_key, id); });
  }
  Result<std::vector<Message>> ChannelMessages(std::string_view app_key, std::string_view type,
                                               std::string_view id,
                                               const MessagePage& page) override {
    return inner_.ChannelMessages(app_key, type, id, page);
  }
  Result<std::vector<Message>> Replies(std::string_view app_key, std::string_view parent_id,
                                       const MessagePage& page) override {
    return inner_.Replies(app_key, parent_id, page);
  }
  Result<std::vector<Message>> PinnedMessages(std::string_view app_key, std::string_view type,
                                              std::string_view id, Micros now, int limit) override {
    return inner_.PinnedMessages(app_key, type, id, now, limit);
  }
  Status HardDeleteChannelMessages(std::string_view app_key, std::string_view type,
                                   std::string_view id, Micros before) override {
    return InChannel(app_key, Cid(type, id),
                     [&] { return inner_.HardDeleteChannelMessages(app_key, type, id, before); });
  }
  Result<std::int64_t> CountUnread(std::string_view app_key, const UnreadQuery& q) override {
    // The key within the channel: everything of the query but the channel.
    std::string key = Key(q.user_id, std::to_string(q.after),
                          q.not_before ? std::to_string(*q.not_before) : std::string("-"));
    for (const std::string& muted : q.muted_user_ids) key.append(1, '\0').append(muted);
    return caches_.unread_counts.Get(Key(app_key, Cid(q.channel_type, q.channel_id)), key,
                                     [&] { return inner_.CountUnread(app_key, q); });
  }
  Result<std::optional<Message>> LastChannelMessage(std::string_view app_key, std::string_view type,
                                                    std::string_view id) override {
    return inner_.LastChannelMessage(app_key, type, id);
  }
  Result<std::optional<Micros>> LastMessageTimeBy(std::string_view app_key, std::string_view type,
                                                  std::string_view id,
                                                  std::string_view user_id) override {
    return inner_.LastMessageTimeBy(app_key, type, id, user_id);
  }
  Result<std::int64_t> SoftDeleteUserMessages(std::string_view app_key, std::string_view user_id,
                                              Micros at) override {
    return InAnyChannel(app_key,
                        [&] { return inner_.SoftDeleteUserMessages(app_key, user_id, at); });
  }
  Result<std::int64_t> RestoreUserMessages(std::string_view app_key, std::string_view user_id,
                                           Micros at) override {
    return InAnyChannel(app_key, [&] { return inner_.RestoreUserMessages(app_key, user_id, at); });
  }
  Status HardDeleteUserMessages(std::string_view app_key, std::string_view user_id) override {
    return InAnyChannel(app_key, [&] { return inner_.HardDeleteUserMessages(app_key, user_id); });
  }
  Status UpsertReaction(std::string_view app_key, const Reaction& reaction,
                        bool enforce_unique) override {
    return inner_.UpsertReaction(app_key, reaction, enforce_unique);
  }
  Result<bool> DeleteReaction(std::string_view app_key, std::string_view message_id,
                              std::string_view user_id, std::string_view type) override {
    return inner_.DeleteReaction(app_key, message_id, user_id, type);
  }
  Result<std::vector<Reaction>> Reactions(std::string_view app_key, std::string_view message_id,
                                          int limit, int offset) override {
    return inner_.Reactions(app_key, message_id, limit, offset);
  }
  Result<std::vector<Reaction>> LatestReactions(std::string_view app_key,
                                                const std::vector<std::string>& message_ids,
                                                int per_message,
                                                std::string_view user_id) override {
    return inner_.LatestReactions(app_key, message_ids, per_message, user_id);
  }
  Result<std::vector<ReactionGroup>> ReactionGroups(
      std::string_view app_key, const std::vector<std::string>& message_ids) override {
    return inner_.ReactionGroups(app_key, message_ids);
  }

 private:
  // A write that may change channel `cid`'s row (its message count and time) and what counts
  // as unread there; or, below, any channel's.
  template <typename Write>
  auto InChannel(std::string_view app_key, const std::string& cid, Write write)
      -> decltype(write()) {
    auto result = [&] {
      CacheWriteScope row(caches_.channel_rows, {Key(app_key, cid)});
      CacheWriteScope counts(caches_.unread_counts, {Key(app_key, cid)});
      return write();
    }();
    caches_.Publish(CachedData::kMessages, app_key, cid);
    return result;
  }
  template <typename Write>
  auto InAnyChannel(std::string_view app_key, Write write) -> decltype(write()) {
    auto result = [&] {
      CacheWriteScope rows(caches_.channel_rows);
      CacheWriteScope counts(caches_.unread_counts);
      return write();
    }();
    caches_.Publish(CachedData::kMessages, app_key, "");
    return result;
  }

  MessageStore& inner_;
  Caches& caches_;
};

class CachingStore final : public Store {
 public:
  CachingStore(std::unique_ptr<Store> inner, CacheInvalidation* invalidation)
      : inner_(std::move(inner)),
        caches_(invalidation),
        users_(inner_->users(), caches_),
        channels_(inner_->channels(), caches_),
        messages_(inner_->messages(), caches_),
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
  ChannelStore& channels() override { return channels_; }
  MessageStore& messages() override { return messages_; }
  BlocklistStore& blocklists() override { return inner_->blocklists(); }
  ChannelTypeStore& channel_types() override { return inner_->channel_types(); }
  RoleStore& roles() override { return roles_; }
  ModerationStore& moderation() override { return moderation_; }
  Status Flush() override { return inner_->Flush(); }

 private:
  std::unique_ptr<Store> inner_;
  Caches caches_;
  CachingUserStore users_;
  CachingChannelStore channels_;
  CachingMessageStore messages_;
  CachingRoleStore roles_;
  CachingModerationStore moderation_;
};

}  // namespace

std::unique_ptr<Store> MakeCachingStore(std::unique_ptr<Store> inner,
                                        CacheInvalidation* invalidation) {
  return std::make_unique<CachingStore>(std::move(inner), invalidation);
}

}  // namespace eddy::server
