// A plain model of read state, unread counts and channel lists for the randomized model test
// (model_test.cc): what the server should answer after any sequence of operations. Users are
// indexes into the test's user list. Not thread-safe; the test is sequential.
//
// Time. The server stamps messages, read marks, truncations and hide_messages_before with its
// clock in microseconds; sequential requests get strictly increasing times. The model keeps a
// logical clock instead that ticks once per operation that stamps a time: comparisons between
// ticks are comparisons between the server's times. Ticks are even, so that "just before a
// message" (mark unread) is a tick of its own.
//
// Rules modelled: protocol §6.7 (unread semantics), §6.3 (hidden channels leave the list),
// §4.7 (a new message shows a hidden channel again), and where the protocol leaves room eddy's
// choices as documented in src/server/domain/read_service.h, channel_service.h and
// message_store.h:
//  R1 A member's unread count in a channel: messages of the channel's main list (top-level
//     messages and show_in_channel replies; thread-only replies never count) that are not the
//     member's own, not silent, not system, not deleted, created after the member's last_read,
//     after the channel's truncated_at and after the member's hide_messages_before.
//  R2 Totals (GET /unread, `me`) add up the user's channels except those they hid; GET /unread
//     lists the channels with unread messages. read[].unread_messages in a channel state is R1
//     whether or not that member hid the channel (read_service.h: "UnreadCount() of a single
//     hidden channel still answers its real count").
//  R3 A message in the main list (silent ones and show_in_channel replies too): its author's
//     last_read advances to it (never back); every member who hid the channel sees it again,
//     except the author when sent with keep_channel_hidden (hide_messages_before stays); the
//     channel's last_message_at becomes its time.
//  R4 A thread-only reply does none of R3.
//  R5 A soft delete stops the message counting; last_message_at does not move back.
//  R6 Mark read: last_read = now, or with message_id that message's time (any message of the
//     channel, thread replies included; it may move last_read back). Hidden stays hidden.
//  R7 Mark unread at a message of the main list: last_read just before it.
//  R8 Mark all read: every channel of the user, hidden ones included, read up to now (the
//     server skips channels with nothing newer than last_read: the same counts). With
//     read_by_channel: each listed channel as R6.
//  R9 Hide: hidden; clear_history also sets hide_messages_before = now (again on a channel
//     already hidden). Show: not hidden. Neither changes last_read.
//  R10 Truncate (soft): truncated_at = now; last_message_at cleared (the channel sorts as
//     its created_at). Its optional system message is stamped just after truncated_at: it
//     sets last_message_at, counts for nobody, shows the channel again to every member who
//     hid it and advances no read state (only POST .../message does, §4.7).
//  R11 A user's channel list: the channels they are a member of and have not hidden, by
//     last_message_at (a channel without messages: its created_at) descending, then cid.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace eddy::testing {

struct ChannelSpec {
  std::string id;
  std::vector<int> members;  // user indexes
};

using Tick = std::int64_t;

struct ModelMessage {
  std::string id;
  int author = 0;
  Tick at = 0;
  std::string parent_id;
  bool show_in_channel = false;
  bool silent = false;
  bool system = false;
  bool deleted = false;

  bool Listed() const { return parent_id.empty() || show_in_channel; }
};

struct ModelMember {
  Tick last_read = 0;
  bool hidden = false;
  Tick hide_before = 0;  // 0: never hidden with clear_history
};

struct ModelChannel {
  std::string id;
  std::string cid;
  Tick created_at = 0;
  std::optional<Tick> last_message_at;
  Tick truncated_at = 0;  // 0: never truncated
  std::vector<ModelMessage> messages;
  std::map<int, ModelMember> members;

  Tick SortKey() const { return last_message_at.value_or(created_at); }
  // Whether `user` still sees `m` (truncation, clear_history).
  bool Visible(const ModelMessage& m, int user) const {
    return m.at > truncated_at && m.at > members.at(user).hide_before;
  }
};

// The expected state (channels with their messages and their members' read state) and the
// answers the server should derive from it.
class Model {
 public:
  explicit Model(std::vector<std::string> users) : users_(std::move(users)) {}

  // Odd ticks stay free: mark unread puts last_read just before a message (R7).
  Tick Now() { return clock_ += 2; }

  void AddChannel(const ChannelSpec& spec) {
    ModelChannel c;
    c.id = spec.id;
    c.cid = "messaging:" + spec.id;
    c.created_at = Now();
    for (int u : spec.members) c.members[u] = ModelMember{};
    channels_.push_back(std::move(c));
  }

  std::vector<ModelChannel>& channels() { return channels_; }
  const std::vector<ModelChannel>& channels() const { return channels_; }

  // R3/R4: a message by `m.author` stamped now.
  void Send(ModelChannel& c, ModelMessage m, bool keep_channel_hidden = false) {
    m.at = Now();
    if (m.Listed()) {
      ModelMember& author = c.members.at(m.author);
      author.last_read = std::max(author.last_read, m.at);
      for (auto& [user, member] : c.members) {
        if (!keep_channel_hidden || user != m.author) member.hidden = false;
      }
      c.last_message_at = m.at;
    }
    c.messages.push_back(std::move(m));
  }

  // R10.
  void Truncate(ModelChannel& c, std::optional<ModelMessage> system) {
    c.truncated_at = Now();
    c.last_message_at.reset();
    if (system) {
      system->at = Now();
      system->system = true;
      c.last_message_at = system->at;
      for (auto& [user, member] : c.members) member.hidden = false;
      c.messages.push_back(std::move(*system));
    }
  }

  // R1.
  static std::int64_t Unread(const ModelChannel& c, int user) {
    const ModelMember& me = c.members.at(user);
    std::int64_t n = 0;
    for (const ModelMessage& m : c.messages) {
      if (!m.Listed() || m.author == user || m.silent || m.system || m.deleted) continue;
      if (m.at > me.last_read && c.Visible(m, user)) ++n;
    }
    return n;
  }

  // R2: the channels GET /unread lists, by cid.
  std::map<std::string, std::int64_t> UnreadChannels(int user) const {
    std::map<std::string, std::int64_t> out;
    for (const ModelChannel& c : channels_) {
      auto it = c.members.find(user);
      if (it == c.members.end() || it->second.hidden) continue;
      if (std::int64_t n = Unread(c, user); n > 0) out[c.cid] = n;
    }
    return out;
  }
  std::int64_t TotalUnread(int user) const {
    std::int64_t total = 0;
    for (const auto& [cid, n] : UnreadChannels(user)) total += n;
    return total;
  }

  // R11.
  std::vector<const ModelChannel*> ChannelList(int user) const {
    std::vector<const ModelChannel*> out;
    for (const ModelChannel& c : channels_) {
      auto it = c.members.find(user);
      if (it != c.members.end() && !it->second.hidden) out.push_back(&c);
    }
    std::sort(out.begin(), out.end(), [](const ModelChannel* a, const ModelChannel* b) {
      if (a->SortKey() != b->SortKey()) return a->SortKey() > b->SortKey();
      return a->cid < b->cid;
    });
    return out;
  }

  std::string Dump() const {
    std::ostringstream out;
    out << "model state (clock " << clock_ << "):\n";
    for (const ModelChannel& c : channels_) {
      out << "  " << c.cid << " created " << c.created_at << " last_message_at "
          << (c.last_message_at ? std::to_string(*c.last_message_at) : "-") << " truncated_at "
          << c.truncated_at << "\n";
      for (const auto& [u, m] : c.members) {
        out << "    " << users_[u] << ": last_read " << m.last_read << (m.hidden ? " hidden" : "")
            << " hide_before " << m.hide_before << " unread " << Unread(c, u) << "\n";
      }
      size_t from = c.messages.size() > 8 ? c.messages.size() - 8 : 0;
      for (size_t i = from; i < c.messages.size(); ++i) {
        const ModelMessage& m = c.messages[i];
        out << "    " << m.id << " @" << m.at << " by " << users_[m.author]
            << (m.parent_id.empty() ? "" : " reply to " + m.parent_id)
            << (m.show_in_channel ? " show_in_channel" : "") << (m.silent ? " silent" : "")
            << (m.system ? " system" : "") << (m.deleted ? " deleted" : "") << "\n";
      }
    }
    return out.str();
  }

 private:
  std::vector<std::string> users_;  // names, for Dump
  Tick clock_ = 0;
  std::vector<ModelChannel> channels_;
};

}  // namespace eddy::testing
