// ReadService: unread counting (the ReadState port) and the member-row plumbing the mark
// operations share. The operations themselves are in read_service.cc.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "common/log.h"
#include "server/domain/moderation_checks.h"
#include "server/domain/read_service.h"

namespace eddy::server {

namespace {

// A recipient whose counters could not be read gets none rather than wrong ones.
json::object UnreadFieldsFailed(std::string_view user_id, const Error& e) {
  log::Warn("unread counters failed", {{"user", user_id}, {"error", e.message}});
  return json::object{};
}

}  // namespace

ReadService::ReadService(Store& store, const ChannelTypes& types, ChannelEvents& channel_events,
                         EventSink& events, ChannelViews& channel_views, const Clock& clock,
                         const Presence* presence)
    : store_(store),
      types_(types),
      channel_events_(channel_events),
      events_(events),
      channel_views_(channel_views),
      clock_(clock),
      presence_(presence) {}

std::unique_lock<HandoffMutex> ReadService::LockMember(std::string_view app_key,
                                                       std::string_view cid,
                                                       std::string_view user_id) {
  std::string key;
  key.append(app_key).push_back('\0');
  key.append(cid).push_back('\0');
  key.append(user_id);
  return std::unique_lock<HandoffMutex>(stripes_[std::hash<std::string>{}(key) % stripes_.size()]);
}

bool ReadService::CountsReads(const App& app, const Channel& channel) const {
  std::shared_ptr<const ChannelType> t = types_.Find(app.api_key, channel.type);
  if (!t) return false;
  return WithOverrides(std::move(t), channel.config_overrides)->Flag("read_events");
}

std::optional<Micros> ReadService::NotBefore(const Channel& channel, const Member& member) const {
  std::optional<Micros> nb = channel.truncated_at;
  if (member.hide_messages_before && (!nb || *member.hide_messages_before > *nb)) {
    nb = member.hide_messages_before;
  }
  return nb;
}

Result<std::int64_t> ReadService::UnreadCount(const App& app, const Channel& channel,
                                              const Member& member) {
  if (channel.deleted_at || !CountsReads(app, channel)) return std::int64_t{0};
  std::optional<Micros> not_before = NotBefore(channel, member);
  // last_message_at is the newest message of the main list: nothing newer than both bounds
  // means nothing to count, without asking the store.
  Micros floor = std::max(member.last_read, not_before.value_or(member.last_read));
  if (!channel.last_message_at || *channel.last_message_at <= floor) return std::int64_t{0};
  UnreadQuery q;
  q.channel_type = channel.type;
  q.channel_id = channel.id;
  q.user_id = member.user_id;
  q.after = member.last_read;
  q.not_before = not_before;
  EDDY_ASSIGN_OR_RETURN(q.muted_user_ids, MutedUserIds(store_.moderation(), app.api_key,
                                                       member.user_id, clock_.Now()));
  return store_.messages().CountUnread(app.api_key, q);
}

Result<UnreadSummary> ReadService::Summary(const App& app, std::string_view user_id) {
  EDDY_ASSIGN_OR_RETURN(std::vector<Member> members,
                        store_.channels().MembershipsOf(app.api_key, user_id));
  return SummaryOf(app, user_id, members);
}

Result<UnreadSummary> ReadService::SummaryOf(const App& app, std::string_view user_id,
                                             const std::vector<Member>& memberships,
                                             const KnownChannels& known,
                                             const std::optional<CountedChannel>& counted) {
  std::vector<const Member*> members;  // those that count
  for (const Member& m : memberships) {
    if (!m.hidden && !m.invite_rejected_at) members.push_back(&m);
  }
  UnreadSummary out;
  // A user in no channel (a livestream viewer) costs no more lookups.
  if (members.empty()) return out;
  // Muted channels keep their own unread count but stay out of the totals (#4).
  EDDY_ASSIGN_OR_RETURN(std::set<std::string> muted,
                        MutedChannelCids(store_.moderation(), app.api_key, user_id, clock_.Now()));
  if (!muted.empty()) {
    std::erase_if(members, [&](const Member* m) { return muted.contains(m->cid()); });
    if (members.empty()) return out;
  }
  // Each member's channel row: the known ones as they are, the others read together.
  std::vector<std::string> cids;  // of `members`, in their order
  std::vector<const Channel*> rows;
  std::vector<std::string> unknown;
  for (const Member* m : members) {
    cids.push_back(m->cid());
    auto k = known.find(cids.back());
    rows.push_back(k == known.end() ? nullptr : k->second);
    if (rows.back() == nullptr) unknown.push_back(cids.back());
  }
  std::vector<Channel> read;
  if (!unknown.empty()) {
    EDDY_ASSIGN_OR_RETURN(read, store_.channels().GetChannels(app.api_key, unknown));
    KnownChannels by_cid;
    for (const Channel& c : read) by_cid.emplace(c.cid(), &c);
    for (std::size_t i = 0; i < members.size(); ++i) {
      if (rows[i] != nullptr) continue;
      if (auto r = by_cid.find(cids[i]); r != by_cid.end()) rows[i] = r->second;
    }
  }
  for (std::size_t i = 0; i < members.size(); ++i) {
    const Member& m = *members[i];
    const std::string& cid = cids[i];
    if (rows[i] == nullptr) continue;
    std::int64_t n = 0;
    if (counted && counted->row == rows[i]) {
      n = counted->unread;
    } else {
      EDDY_ASSIGN_OR_RETURN(n, UnreadCount(app, *rows[i], m));
    }
    if (n <= 0) continue;
    out.total_unread_count += n;
    out.channels.push_back({cid, n, m.last_read, m.last_read_message_id});
  }
  out.unread_channels = std::int64_t(out.channels.size());
  std::sort(out.channels.begin(), out.channels.end(),
            [](const ChannelUnread& a, const ChannelUnread& b) { return a.cid < b.cid; });
  return out;
}

PersonalFields ReadService::UnreadFields(const App& app, const Channel& channel) {
  // The functions may outlive the call: they share one copy of the app and the channel.
  auto scope = std::make_shared<const std::pair<App, Channel>>(app, channel);
  auto one = [this, scope](const std::string& user_id) {
    const auto& [app, channel] = *scope;
    const KnownChannels known{{channel.cid(), &channel}};
    Result<std::vector<Member>> members = store_.channels().MembershipsOf(app.api_key, user_id);
    if (!members.ok()) return UnreadFieldsFailed(user_id, members.error());
    return UnreadFieldsOf(app, channel, user_id, *members, known);
  };
  auto many = [this, scope](const std::vector<std::string_view>& user_ids) {
    const auto& [app, channel] = *scope;
    PersonalFieldSets out;
    Result<std::vector<ChannelStore::MemberList>> each =
        store_.channels().MembershipsOfEach(app.api_key, user_ids);
    if (!each.ok()) {
      log::Warn("unread counters failed", {{"error", each.error().message}});
      out.sets.emplace_back();  // nobody gets counters rather than wrong ones
      out.set_of.assign(user_ids.size(), 0);
      return out;
    }
    // The event's channel as it is after the event, and every other channel of the
    // recipients read once for all of them (not once per recipient that is a member).
    KnownChannels known{{channel.cid(), &channel}};
    std::unordered_set<std::string> others;
    for (const ChannelStore::MemberList& members : *each) {
      for (const Member& m : *members) {
        if (m.hidden || m.invite_rejected_at) continue;
        if (std::string cid = m.cid(); !known.contains(cid)) others.insert(std::move(cid));
      }
    }
    std::vector<Channel> rows;
    if (!others.empty()) {
      Result<std::vector<Channel>> read = store_.channels().GetChannels(
          app.api_key, std::vector<std::string>(others.begin(), others.end()));
      if (read.ok()) rows = std::move(*read);  // if not, each summary asks for its own
    }
    for (const Channel& c : rows) known.emplace(c.cid(), &c);
    out.set_of.reserve(user_ids.size());
    std::optional<std::uint32_t> no_channel_set;
    for (std::size_t i = 0; i < user_ids.size(); ++i) {
      const std::vector<Member>& members = *(*each)[i];
      // Users in no channel (a livestream's watchers) all get the same zero totals.
      const bool in_no_channel = members.empty() && !channel.deleted_at;
      if (in_no_channel && no_channel_set) {
        out.set_of.push_back(*no_channel_set);
        continue;
      }
      const std::uint32_t set = out.Add(UnreadFieldsOf(app, channel, user_ids[i], members, known));
      if (in_no_channel) no_channel_set = set;
    }
    return out;
  };
  return PersonalFields(std::move(one), std::move(many));
}

json::object ReadService::UnreadFieldsOf(const App& app, const Channel& channel,
                                         std::string_view user_id,
                                         const std::vector<Member>& members,
                                         const KnownChannels& known) {
  json::object f(3);  // sized once: this runs for every recipient of a message
  // The user's row in `channel` is among their memberships, unless the channel is deleted
  // (memberships leave deleted channels out): then it is asked for.
  std::optional<Member> deleted_channel_row;
  const Member* member = nullptr;
  if (channel.deleted_at) {
    Result<std::optional<Member>> row =
        store_.channels().GetMember(app.api_key, channel.type, channel.id, user_id);
    if (!row.ok()) return UnreadFieldsFailed(user_id, row.error());
    deleted_channel_row = std::move(*row);
    if (deleted_channel_row) member = &*deleted_channel_row;
  } else {
    for (const Member& m : members) {
      if (m.channel_type == channel.type && m.channel_id == channel.id) member = &m;
    }
  }
  std::optional<CountedChannel> counted;
  if (member) {
    Result<std::int64_t> n = UnreadCount(app, channel, *member);
    if (n.ok()) {
      f["unread_count"] = *n;
      counted = CountedChannel{&channel, *n};  // the summary counts the same member row
    }
  }
  Result<UnreadSummary> summary = SummaryOf(app, user_id, members, known, counted);
  if (!summary.ok()) return UnreadFieldsFailed(user_id, summary.error());
  f["total_unread_count"] = summary->total_unread_count;
  f["unread_channels"] = summary->unread_channels;
  return f;
}

Result<bool> ReadService::WriteMark(const App& app, const Channel& channel,
                                    std::string_view user_id, const ReadMark& mark) {
  auto lock = LockMember(app.api_key, channel.cid(), user_id);
  EDDY_ASSIGN_OR_RETURN(
      std::optional<Member> row,
      store_.channels().GetMember(app.api_key, channel.type, channel.id, user_id));
  if (!row) return false;
  row->last_read = mark.last_read;
  row->last_read_message_id = mark.last_read_message_id;
  EDDY_TRY(store_.channels().UpdateReadState(app.api_key, *row));
  return true;
}

Status ReadService::FillOwnUserExtras(const App& app, std::string_view user_id,
                                      protocol::OwnUserExtras& extras) {
  EDDY_ASSIGN_OR_RETURN(UnreadSummary s, Summary(app, user_id));
  extras.unread_count = s.total_unread_count;
  extras.total_unread_count = s.total_unread_count;
  extras.unread_channels = s.unread_channels;
  extras.unread_threads = 0;
  return {};
}

}  // namespace eddy::server
