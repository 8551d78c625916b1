// CachingStore's channel, member and message parts: channel rows, member rows, memberships,
// rosters and unread counts read through the caches, and the writes that must forget them.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "server/storage/cache/caches.h"

namespace eddy::server::cache_parts {
namespace {

// The channel row after `m` was inserted into it, as MessageStore::InsertMessage describes.
Channel ChannelAfter(Channel c, const Message& m) {
  ++c.message_count;
  if (m.InChannelList() && !m.shadowed &&
      (!c.last_message_at || *c.last_message_at < m.created_at)) {
    c.last_message_at = m.created_at;
  }
  return c;
}

// The author's member row after `m` was inserted: read up to it, never back.
Member MemberAfter(Member mem, const Message& m) {
  if (m.InChannelList() && mem.last_read <= m.created_at) {
    mem.last_read = m.created_at;
    mem.last_read_message_id = m.id;
  }
  return mem;
}

// `row` with the read and delivery state of `state` (ChannelStore::UpdateReadState).
Member WithReadState(Member row, const Member& state) {
  row.last_read = state.last_read;
  row.last_read_message_id = state.last_read_message_id;
  row.last_delivered_at = state.last_delivered_at;
  row.last_delivered_message_id = state.last_delivered_message_id;
  return row;
}

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
  // Only the member's row and memberships hold read state: they are updated in place, and
  // the channel's row and roster stay cached (members of a group chat read after every
  // message, and each message's fan-out reads both).
  Status UpdateReadState(std::string_view app_key, const Member& state) override {
    const std::string cid = state.cid();
    const std::string group = Key(app_key, cid);
    // The channel's row as the message inserts keep it, read after the counts' ticket.
    const WriteTracker::Ticket counts = caches_.unread_counts.Ticket(group);
    const std::optional<std::shared_ptr<const Channel>> channel = caches_.channel_rows.Peek(group);
    {
      CacheUpdateScope row(caches_.members, Key(group, state.user_id));
      CacheUpdateScope memberships(caches_.memberships, Key(app_key, state.user_id));
      EDDY_TRY(inner_.UpdateReadState(app_key, state));
      if (const auto& before = row.before()) {
        // No row (not a member) stays none.
        row.Stored(*before ? std::make_shared<const Member>(WithReadState(**before, state))
                           : *before);
      }
      if (const auto& before = memberships.before()) {
        // A list handed out is never changed: the new one is a copy.
        auto list = std::make_shared<std::vector<Member>>(**before);
        for (Member& m : *list) {
          if (m.channel_type == state.channel_type && m.channel_id == state.channel_id) {
            m = WithReadState(std::move(m), state);
          }
        }
        memberships.Stored(std::move(list));
      }
    }
    if (channel && *channel &&
        (!(*channel)->last_message_at || *(*channel)->last_message_at <= state.last_read)) {
      caches_.unread_counts.ReadUpTo(group, counts, state.user_id, state.last_read,
                                     (*channel)->truncated_at);
    }
    caches_.Publish(CachedData::kReadState, app_key, ReadStateKey(state.user_id, cid));
    return {};
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
    EDDY_ASSIGN_OR_RETURN(MemberList list, caches_.memberships.Get(Key(app_key, user_id), [&] {
      return LoadMemberships(app_key, user_id);
    }));
    return *list;
  }
  Result<std::vector<MemberList>> MembershipsOfEach(
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
        keys, [&](std::size_t i) { return LoadMemberships(app_key, user_ids[i]); });
  }
  Result<std::vector<RosterEntry>> Roster(std::string_view app_key, std::string_view type,
                                          std::string_view id) override {
    return caches_.rosters.Get(Key(app_key, Cid(type, id)),
                               [&] { return inner_.Roster(app_key, type, id); });
  }

 private:
  Result<MemberList> LoadMemberships(std::string_view app_key, std::string_view user_id) {
    EDDY_ASSIGN_OR_RETURN(std::vector<Member> rows, inner_.MembershipsOf(app_key, user_id));
    return std::make_shared<const std::vector<Member>>(std::move(rows));
  }
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

// Messages are not cached; their channel's row and unread counts are: every message write
// but an insert forgets its channel's (all channels' when it does not know which). An insert
// also moves its author's read state (a member row), which the member caches must hear of.
class CachingMessageStore final : public MessageStore {
 public:
  CachingMessageStore(MessageStore& inner, Caches& caches) : inner_(inner), caches_(caches) {}

  // An insert changes its channel's row, its author's member row and the channel's unread
  // counts only as MessageStore says (a count moved by one, times moved up to the
  // message's), so the values cached before it give the values after it, kept unless
  // another write of them overlapped: the next send in the channel reads none of them back
  // from the store.
  Status InsertMessage(std::string_view app_key, Message& m) override {
    const std::string cid = m.cid();
    Status inserted;
    {
      InsertScopes scopes(caches_, app_key, cid, m);
      inserted = inner_.InsertMessage(app_key, m);
      if (inserted.ok()) scopes.Stored(m);
    }
    Announce(app_key, cid, m, inserted);
    return inserted;
  }
  // The scopes end and the news goes out on the thread that calls `stored` (see
  // MessageStore: quick, and no store calls).
  void InsertMessageAsync(std::string_view app_key, std::shared_ptr<Message> m,
                          std::function<void(Status)> stored) override {
    std::string cid = m->cid();
    auto scopes = std::make_shared<InsertScopes>(caches_, app_key, cid, *m);
    inner_.InsertMessageAsync(
        app_key, m,
        [this, app_key = std::string(app_key), cid = std::move(cid), m, scopes = std::move(scopes),
         stored = std::move(stored)](Status inserted) mutable {
          if (inserted.ok()) scopes->Stored(*m);
          scopes.reset();
          Announce(app_key, cid, *m, inserted);
          stored(std::move(inserted));
        });
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
    return caches_.unread_counts.Get(Key(app_key, Cid(q.channel_type, q.channel_id)), q,
                                     [&] { return inner_.CountUnread(app_key, q); });
  }
  Result<std::optional<MessageStamp>> LastChannelMessage(std::string_view app_key,
                                                         std::string_view type,
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
  // The cache side of one insert, from before the store's write to after it: the values
  // cached before it give the values after it, kept unless another write overlapped.
  struct InsertScopes {
    InsertScopes(Caches& caches, std::string_view app_key, const std::string& cid, const Message& m)
        : row(caches.channel_rows, Key(app_key, cid)),
          counts(caches.unread_counts, Key(app_key, cid)) {
      // A thread-only reply leaves its author's read state alone (it still counts in the
      // channel's message_count).
      if (m.InChannelList()) {
        member.emplace(caches.members, Key(app_key, cid, m.user_id));
        memberships.emplace(caches.memberships, std::vector<std::string>{Key(app_key, m.user_id)});
      }
    }
    // `m` as the store wrote it (and outliving the scopes).
    void Stored(const Message& m) {
      counts.Stored(m);
      if (row.before() && *row.before()) {
        row.Stored(std::make_shared<const Channel>(ChannelAfter(**row.before(), m)));
      }
      if (member && member->before()) {
        const std::shared_ptr<const Member>& before = *member->before();
        // No row (a sender who is not a member) stays none.
        member->Stored(before ? std::make_shared<const Member>(MemberAfter(*before, m)) : before);
      }
    }
    CacheUpdateScope<decltype(Caches::channel_rows)> row;
    UnreadInsertScope counts;
    std::optional<CacheUpdateScope<decltype(Caches::members)>> member;
    std::optional<CacheWriteScope<decltype(Caches::memberships)>> memberships;
  };
  void Announce(std::string_view app_key, const std::string& cid, const Message& m,
                const Status& inserted) {
    caches_.Publish(CachedData::kMessages, app_key, cid);
    if (inserted.ok() && m.InChannelList()) {
      caches_.Publish(CachedData::kReadState, app_key, ReadStateKey(m.user_id, cid));
    }
  }

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

}  // namespace

std::unique_ptr<ChannelStore> MakeCachingChannelStore(ChannelStore& inner, Caches& caches) {
  return std::make_unique<CachingChannelStore>(inner, caches);
}

std::unique_ptr<MessageStore> MakeCachingMessageStore(MessageStore& inner, Caches& caches) {
  return std::make_unique<CachingMessageStore>(inner, caches);
}

}  // namespace eddy::server::cache_parts
