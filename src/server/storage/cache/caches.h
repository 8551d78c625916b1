// The caches CachingStore keeps and the keys they use, shared by its parts
// (caching_store.cc: users, roles, moderation and the store; caching_channel_store.cc:
// channels, members and messages). Internal to the cache library.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "server/domain/cache_invalidation.h"
#include "server/domain/store.h"
#include "server/storage/cache/read_through_cache.h"
#include "server/storage/cache/unread_count_cache.h"

namespace eddy::server::cache_parts {

// Enough for the members, users and moderation state of ~100k active users; beyond it a cache
// starts over rather than grow.
constexpr size_t kMaxEntries = 200'000;

inline void AppendKey(std::string& out, std::string_view a, std::string_view b) {
  out.append(a).push_back('\0');
  out.append(b);
}

inline std::string Key(std::string_view a, std::string_view b) {
  std::string key;
  key.reserve(a.size() + b.size() + 1);
  AppendKey(key, a, b);
  return key;
}

// Built once: a member's key is looked up on every send and fan-out.
inline std::string Key(std::string_view a, std::string_view b, std::string_view c) {
  std::string key;
  key.reserve(a.size() + b.size() + c.size() + 2);
  AppendKey(key, a, b);
  AppendKey(key, {}, c);
  return key;
}

// The key of CachedData::kReadState: the member row whose read state moved.
inline std::string ReadStateKey(std::string_view user_id, std::string_view cid) {
  std::string key(user_id);
  key.push_back(' ');
  key.append(cid);
  return key;
}

inline std::string Cid(std::string_view type, std::string_view id) {
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
      case CachedData::kReadState: {  // every message moves its sender's: rosters stay
        const std::size_t space = key.find(' ');
        const std::string_view user = key.substr(0, space);
        memberships.Forget(Key(app_key, user));
        if (space == std::string_view::npos) {
          members.ForgetAll();  // keyed by channel first: no cheap way to find the user's rows
        } else {
          members.Forget(Key(app_key, key.substr(space + 1), user));
        }
        break;
      }
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
    SharedCachedList<Member> memberships;
    CachedList<UserMute> mutes;
    CachedList<ChannelMute> channel_mutes;
    CachedList<Ban> app_bans;  // BansOf without a channel
    bool empty() const {
      return !memberships.has_value() && !mutes.has_value() && !channel_mutes.has_value() &&
             !app_bans.has_value();
    }
  };
  SharedEntries<PerUser> per_user{kMaxEntries};
  FieldCache<PerUser, ChannelStore::MemberList, &PerUser::memberships> memberships{per_user};
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
  // Grouped by (app, cid): a message insert moves its channel's counts, every other message
  // write forgets them. Within a group each reader's count answers one position (last read,
  // bounds, muted senders): read-state and mute changes need no invalidation.
  UnreadCountCache unread_counts{kMaxEntries};
};

// The channel and message parts of the store, over `inner` and `caches` (both outlive them).
std::unique_ptr<ChannelStore> MakeCachingChannelStore(ChannelStore& inner, Caches& caches);
std::unique_ptr<MessageStore> MakeCachingMessageStore(MessageStore& inner, Caches& caches);

}  // namespace eddy::server::cache_parts
