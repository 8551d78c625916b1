// Randomized model test of read state and the channel list (issue #3). Four users in four
// messaging channels with overlapping member sets send messages (some silent), reply in
// threads (some with show_in_channel), soft-delete their own messages, mark channels read
// (some at a message) and unread, mark all read (some with read_by_channel), hide channels
// (some with clear_history) and show them; the backend truncates channels (some with a system
// message). Every operation goes through the C++ SDK: client-side by the acting user's
// ChatClient, truncation by the backend's ServerClient. After every step the server's
// answers must equal those of the plain model of read_model.h (which lists its rules):
//   - GET /unread of every user: total_unread_count and each channel's unread_count
//     (unread_channels is the number of channels listed);
//   - POST /channels {members $in [user]} sorted by last_message_at desc: which channels, in
//     which order, and the read[].unread_messages in each of them (after each step for the
//     acting user with their own entry; every kFullEvery steps for every user with every
//     member's entry, hidden channels included);
//   - the events each user's SDK connection receives (one user's connection watches
//     their channels, the others' watch nothing): exactly the message.new,
//     notification.message_new, notification.mark_read, notification.mark_unread,
//     notification.channel_truncated, channel.hidden and channel.visible the step should send
//     them (§3.7, §4.7), the message.new and notification.* ones with the model's
//     total_unread_count, unread_channels and unread_count;
//   - every kMeEvery steps and at the end, the `me` of a new SDK connection of every user
//     (the first health.check's): total_unread_count and unread_channels.
// The seed is fixed and printed: EDDY_MODEL_SEED overrides it and EDDY_MODEL_STEPS the number of
// steps. The first disagreement stops the test with the step, a diff, the last operations and
// the model's state.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "integration/fixture.h"
#include "integration/read_model.h"
#include "integration/sdk_events.h"

namespace eddy::testing {
namespace {

constexpr std::uint64_t kDefaultSeed = 1;
constexpr int kDefaultSteps = 2000;
// Steps between checks of every user's channel list (the other steps check the acting user's),
// and between checks of the health.check `me` of new connections.
constexpr int kFullEvery = 10;
constexpr int kMeEvery = 100;
constexpr size_t kHistory = 25;

const std::vector<std::string> kUsers = {"ann", "ben", "cat", "dan"};
// Whose connection watches all their channels (the others' watch nothing).
constexpr int kWatcher = 3;

const std::vector<ChannelSpec> kChannels = {
    {"pair", {0, 1}}, {"trio", {0, 1, 2}}, {"team", {1, 2, 3}}, {"everyone", {0, 1, 2, 3}}};

std::uint64_t EnvNumber(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  return std::strtoull(v, nullptr, 10);
}

// Applies random operations to the server and the model and compares them after each step.
// One SDK connection per user (SdkConn queues its events; the SDK keeps it alive with its
// heartbeat, §3.4): the user's ChatClient makes their calls and their events are read in turn.
class ModelTest : public EddyTest {
 protected:
  enum class Op {
    kSend,
    kSendSilent,
    kReply,
    kReplyShown,
    kDelete,
    kMarkRead,
    kMarkAllRead,
    kHide,
    kShow,
    kTruncate,
    kMarkUnread,
  };

  // An event the current step sends to a user; `key` is its message_id (message.new,
  // notification.message_new) or cid.
  struct Expected {
    int user;
    std::string type;
    std::string key;
    const ModelChannel* channel;  // whose unread_count it carries; null: the total
  };

  void SetUpWorld() {
    std::vector<client::User> users;
    for (const std::string& u : kUsers) users.push_back(SdkUser(u, u));
    ASSERT_EQ(sdk().UpsertUsers(users).size(), kUsers.size());
    for (const ChannelSpec& spec : kChannels) {
      std::vector<std::string> members;
      for (int u : spec.members) members.push_back(kUsers[u]);
      sdk().CreateChannel("messaging", spec.id, kUsers[spec.members[0]], members);
      model_.AddChannel(spec);
    }
  }

  // One connection per user; kWatcher's watches every channel of theirs.
  void ConnectUsers() {
    for (const std::string& u : kUsers) {
      conns_.push_back(std::make_unique<SdkConn>(BaseUrl(), key()));
      ASSERT_TRUE(conns_.back()->Connect(u, UserToken(u)));
    }
    json::array cids;
    for (const ModelChannel& c : model_.channels()) {
      if (c.members.count(kWatcher)) cids.emplace_back(c.cid);
    }
    auto watched = Client(kWatcher).QueryChannels(
        json::object{{"cid", json::object{{"$in", cids}}}}, {}, 10, /*watch=*/true);
    ASSERT_EQ(watched.size(), cids.size());
  }

  // The user's app: the ChatClient of their connection (not EddyTest::App, which would add a
  // second connection per user to the ones whose events the model predicts).
  client::ChatClient& Client(int user) { return conns_[user]->client(); }

  template <typename T>
  const T& Pick(const std::vector<T>& from) {
    return from[std::uniform_int_distribution<size_t>(0, from.size() - 1)(rng_)];
  }
  bool Chance(double p) { return std::bernoulli_distribution(p)(rng_); }

  std::vector<ModelChannel*> ChannelsOf(int user) {
    std::vector<ModelChannel*> out;
    for (ModelChannel& c : model_.channels()) {
      if (c.members.count(user)) out.push_back(&c);
    }
    return out;
  }

  ModelMessage NewMessage(int author) {
    ModelMessage m;
    m.id = "msg-" + std::to_string(++messages_);
    m.author = author;
    return m;
  }

  // Runs `op` (or a send when it has nothing to act on); returns what it did, for the history.
  // A request the server refuses throws the SDK's ApiError.
  std::string Apply(Op op) {
    const int user = std::uniform_int_distribution<int>(0, int(kUsers.size()) - 1)(rng_);
    const std::string& name = kUsers[user];
    ModelChannel& c = *Pick(ChannelsOf(user));
    actor_ = user;
    client::ChatClient& app = Client(user);
    client::ChannelHandle channel = app.GetChannel("messaging", c.id);
    const std::string path = "/channels/messaging/" + c.id;
    ++op_counts_[op];
    // Nothing to act on: a send instead (counted as one).
    auto instead = [&] {
      --op_counts_[op];
      return Apply(Op::kSend);
    };

    switch (op) {
      case Op::kSend:
      case Op::kSendSilent: {
        ModelMessage m = NewMessage(user);
        m.silent = op == Op::kSendSilent;
        // Sometimes the author keeps their hidden channel hidden (R3).
        const bool keep_hidden = c.members.at(user).hidden && Chance(0.3);
        client::Message msg;
        msg.id = m.id;
        msg.text = "hello from " + name;
        if (m.silent) msg.extra["silent"] = true;
        if (keep_hidden) {
          // A field of the request beside the message, which SendMessage does not send.
          json::object body{{"message", msg.ToJson()}, {"keep_channel_hidden", true}};
          app.Request("POST", path + "/message", &body);
        } else {
          channel.SendMessage(msg);
        }
        std::string what = name + " sends " + m.id + " in " + c.id + (m.silent ? " (silent)" : "") +
                           (keep_hidden ? " (keep_channel_hidden)" : "");
        ExpectMessageNew(c, m, keep_hidden);
        model_.Send(c, std::move(m), keep_hidden);
        return what;
      }
      case Op::kReply:
      case Op::kReplyShown: {
        std::vector<const ModelMessage*> parents;
        for (const ModelMessage& m : c.messages) {
          if (m.parent_id.empty() && !m.deleted && !m.system && c.Visible(m, user)) {
            parents.push_back(&m);
          }
        }
        if (parents.empty()) return instead();
        ModelMessage m = NewMessage(user);
        m.parent_id = Pick(parents)->id;
        m.show_in_channel = op == Op::kReplyShown;
        m.silent = Chance(0.1);
        client::Message msg;
        msg.id = m.id;
        msg.text = "reply";
        msg.parent_id = m.parent_id;
        if (m.show_in_channel) msg.extra["show_in_channel"] = true;
        if (m.silent) msg.extra["silent"] = true;
        channel.SendMessage(msg);
        std::string what = name + " replies " + m.id + " to " + m.parent_id + " in " + c.id +
                           (m.show_in_channel ? " (show_in_channel)" : "") +
                           (m.silent ? " (silent)" : "");
        ExpectMessageNew(c, m, false);
        model_.Send(c, std::move(m));
        return what;
      }
      case Op::kDelete: {
        std::vector<ModelMessage*> own;
        for (ModelMessage& m : c.messages) {
          if (m.author == user && !m.deleted && !m.system && c.Visible(m, user)) own.push_back(&m);
        }
        if (own.empty()) return instead();
        ModelMessage& m = *Pick(own);
        channel.DeleteMessage(m.id);
        m.deleted = true;  // R5
        return name + " deletes " + m.id + " in " + c.id;
      }
      case Op::kMarkRead: {
        ModelMember& me = c.members.at(user);
        if (!c.messages.empty() && Chance(0.35)) {
          const ModelMessage& m = Pick(c.messages);
          channel.MarkRead(m.id);
          me.last_read = m.at;  // R6
          expect_.push_back({user, "notification.mark_read", c.cid, &c});
          return name + " marks " + c.id + " read at " + m.id;
        }
        channel.MarkRead();
        me.last_read = model_.Now();
        expect_.push_back({user, "notification.mark_read", c.cid, &c});
        return name + " marks " + c.id + " read";
      }
      case Op::kMarkAllRead: {
        if (Chance(0.25)) {
          // R8 with read_by_channel: one or two of the user's channels, at a message or now.
          json::object by_channel;
          std::string what = name + " marks read by channel:";
          std::vector<std::pair<ModelChannel*, const ModelMessage*>> plan;
          for (ModelChannel* ch : ChannelsOf(user)) {
            if (!Chance(0.5) && !(ch == &c)) continue;
            const ModelMessage* at = nullptr;
            if (!ch->messages.empty() && Chance(0.5)) at = &Pick(ch->messages);
            by_channel[ch->cid] = at ? at->id : "";
            plan.emplace_back(ch, at);
            what += " " + ch->id + "@" + (at ? at->id : "now");
          }
          json::object body{{"read_by_channel", by_channel}};
          app.Request("POST", "/channels/read", &body);
          const Tick now = model_.Now();
          for (auto& [ch, at] : plan) ch->members.at(user).last_read = at ? at->at : now;
          expect_.push_back({user, "notification.mark_read", "", nullptr});
          return what;
        }
        const json::object none;
        app.Request("POST", "/channels/read", &none);
        const Tick now = model_.Now();
        for (ModelChannel* ch : ChannelsOf(user)) ch->members.at(user).last_read = now;
        expect_.push_back({user, "notification.mark_read", "", nullptr});
        return name + " marks all read";
      }
      case Op::kHide: {
        const bool clear = Chance(0.5);
        json::object body{{"clear_history", clear}};
        app.Request("POST", path + "/hide", &body);
        ModelMember& me = c.members.at(user);  // R9
        if (!me.hidden) expect_.push_back({user, "channel.hidden", c.cid, nullptr});
        me.hidden = true;
        if (clear) me.hide_before = model_.Now();
        return name + " hides " + c.id + (clear ? " (clear_history)" : "");
      }
      case Op::kShow: {
        // Mostly a channel the user hid, when there is one.
        std::vector<ModelChannel*> hidden;
        for (ModelChannel* ch : ChannelsOf(user)) {
          if (ch->members.at(user).hidden) hidden.push_back(ch);
        }
        ModelChannel& target = !hidden.empty() && Chance(0.8) ? *Pick(hidden) : c;
        const json::object none;
        app.Request("POST", "/channels/messaging/" + target.id + "/show", &none);
        if (target.members.at(user).hidden) {
          expect_.push_back({user, "channel.visible", target.cid, nullptr});
        }
        target.members.at(user).hidden = false;  // R9
        return name + " shows " + target.id;
      }
      case Op::kMarkUnread: {
        std::vector<const ModelMessage*> listed;
        for (const ModelMessage& m : c.messages) {
          if (m.Listed()) listed.push_back(&m);
        }
        if (listed.empty()) return instead();
        const ModelMessage& m = *Pick(listed);
        json::object body{{"message_id", m.id}};
        app.Request("POST", path + "/unread", &body);
        c.members.at(user).last_read = m.at - 1;  // R7
        expect_.push_back({user, "notification.mark_unread", c.cid, &c});
        return name + " marks " + c.id + " unread from " + m.id;
      }
      case Op::kTruncate: {
        std::optional<ModelMessage> system;
        json::object body;
        if (Chance(0.35)) {
          system = NewMessage(user);
          body["message"] =
              json::object{{"id", system->id}, {"text", "Channel truncated"}, {"user_id", name}};
        }
        // TruncateChannel sends no system message.
        if (system) {
          sdk().Request("POST", path + "/truncate", &body);
        } else {
          sdk().TruncateChannel("messaging", c.id);
        }
        std::string what = "server truncates " + c.id +
                           (system ? " with system message " + system->id + " by " + name : "");
        if (system) {
          system->system = true;
          ExpectMessageNew(c, *system, false);
        }
        for (const auto& [member, m] : c.members) {
          expect_.push_back({member, "notification.channel_truncated", c.cid, &c});
        }
        model_.Truncate(c, std::move(system));
        return what;
      }
    }
    return "?";
  }

  // Who learns of message `m` (called before the model applies it): the watcher gets
  // message.new for every message; the other members (no connection of theirs watches the
  // channel) notification.message_new for messages of the main list (§3.7); those whose hidden
  // channel it shows again (R3) channel.visible.
  void ExpectMessageNew(const ModelChannel& c, const ModelMessage& m, bool keep_channel_hidden) {
    for (const auto& [member, state] : c.members) {
      if (member == kWatcher) {
        expect_.push_back({member, "message.new", m.id, &c});
      } else if (m.Listed()) {
        expect_.push_back({member, "notification.message_new", m.id, &c});
      }
      if (m.Listed() && state.hidden && !(keep_channel_hidden && member == m.author)) {
        expect_.push_back({member, "channel.visible", c.cid, nullptr});
      }
    }
  }

  static bool Tracked(const std::string& type) {
    return type == "message.new" || type == "notification.message_new" ||
           type == "notification.mark_read" || type == "notification.mark_unread" ||
           type == "notification.channel_truncated" || type == "channel.hidden" ||
           type == "channel.visible";
  }

  // Reads each user's connection until the events the step sends them have arrived, in any
  // order, and compares their counters with the model's: total_unread_count and
  // unread_channels (R2), and the unread_count of their channel (R1; the total when they have
  // none). An event of a tracked type that was not expected is a difference too. A read takes
  // what the connection has received so far; with `drain`, every connection is read (until
  // it is quiet), so that stray events of steps that expected nothing from a user show up
  // within kFullEvery steps.
  std::string CheckEvents(bool drain) {
    std::ostringstream diff;
    for (int u = 0; u < int(kUsers.size()); ++u) {
      const std::string& name = kUsers[u];
      std::vector<Expected> pending;
      std::multiset<std::string> types;
      for (const Expected& e : expect_) {
        if (e.user != u) continue;
        pending.push_back(e);
        types.insert(e.type);
      }
      if (pending.empty() && !drain) continue;
      using std::chrono::milliseconds;
      for (const json::object& frame :
           conns_[u]->Collect(types, std::chrono::seconds(5), milliseconds(drain ? 1 : 0))) {
        const std::string type(frame.at("type").as_string());
        if (!Tracked(type)) continue;
        const bool by_message = type == "message.new" || type == "notification.message_new";
        const json::value* key = frame.if_contains(by_message ? "message_id" : "cid");
        const std::string k = key && key->is_string() ? std::string(key->as_string()) : "";
        auto it = std::find_if(pending.begin(), pending.end(),
                               [&](const Expected& e) { return e.type == type && e.key == k; });
        if (it == pending.end()) {
          diff << "  " << name << ": unexpected " << type << " '" << k
               << "' (sent since this connection was last read)\n";
          continue;
        }
        ++events_checked_;
        if (it->type != "channel.visible" && it->type != "channel.hidden") {
          const std::int64_t total = model_.TotalUnread(u);
          std::map<std::string, std::int64_t> want{
              {"total_unread_count", total},
              {"unread_channels", std::int64_t(model_.UnreadChannels(u).size())},
              {"unread_count", it->channel ? Model::Unread(*it->channel, u) : total}};
          if (type == "notification.mark_unread") want["unread_messages"] = want["unread_count"];
          std::map<std::string, std::int64_t> have;
          for (const auto& [field, value] : want) {
            const json::value* v = frame.if_contains(field);
            have[field] = v && v->is_int64() ? v->as_int64() : -1;
          }
          if (have != want) {
            diff << "  " << name << " " << type << " '" << k << "': server " << Format(have)
                 << ", model " << Format(want) << "\n";
          }
        }
        pending.erase(it);
      }
      for (const Expected& e : pending) {
        diff << "  " << name << ": no " << e.type << " '" << e.key << "'\n";
      }
    }
    expect_.clear();
    return diff.str();
  }

  // Compares the server's view of every user with the model's; returns the differences.
  // GET /unread is checked for every user. The channel list is checked for the acting user
  // with their own read state only, or with `all` for every user with every member's read
  // state. With `me`, the `me` of a new connection of every user too. A refused request is a
  // difference too (and ends that user's comparison).
  std::string Compare(bool all, bool me) {
    std::ostringstream diff;
    for (int u = 0; u < int(kUsers.size()); ++u) {
      try {
        CompareUser(u, all, me, diff);
      } catch (const client::ApiError& e) {
        diff << "  " << kUsers[u] << ": refused with " << e.status_code() << " code " << e.code()
             << ": " << e.message() << "\n";
      }
    }
    return diff.str();
  }

  void CompareUser(int u, bool all, bool me, std::ostringstream& diff) {
    const std::string& name = kUsers[u];
    // GET /unread (R1, R2).
    const json::object unread = Client(u).Request("GET", "/unread");
    const std::int64_t want_total = model_.TotalUnread(u);
    const std::int64_t got_total = unread.at("total_unread_count").to_number<std::int64_t>();
    if (got_total != want_total) {
      diff << "  " << name << " GET /unread total_unread_count: server " << got_total << ", model "
           << want_total << "\n";
    }
    std::map<std::string, std::int64_t> got_channels;
    for (const json::value& ch : unread.at("channels").as_array()) {
      got_channels[std::string(ch.at("channel_id").as_string())] =
          ch.at("unread_count").to_number<std::int64_t>();
    }
    const std::map<std::string, std::int64_t> want_channels = model_.UnreadChannels(u);
    if (got_channels != want_channels) {
      diff << "  " << name << " GET /unread channels: server " << Format(got_channels) << ", model "
           << Format(want_channels) << "\n";
    }

    if (!all && u != actor_) return;

    // POST /channels (R11, and R1/R2 for the read states).
    json::object query{
        {"filter_conditions",
         json::object{{"type", "messaging"},
                      {"members", json::object{{"$in", json::array{json::value(name)}}}}}},
        {"sort", json::array{json::object{{"field", "last_message_at"}, {"direction", -1}}}},
        {"state", false},
        {"watch", false},
        {"presence", false},
        {"limit", 30},
        {"member_limit", all ? 100 : 0}};
    // The exact body: QueryChannels sends neither member_limit nor state false.
    const json::object channels = Client(u).Request("POST", "/channels", &query);
    std::vector<std::string> got_order, want_order;
    for (const ModelChannel* c : model_.ChannelList(u)) want_order.push_back(c->cid);
    for (const json::value& state : channels.at("channels").as_array()) {
      const std::string cid(state.at("channel").at("cid").as_string());
      got_order.push_back(cid);
      auto it = std::find_if(model_.channels().begin(), model_.channels().end(),
                             [&](const ModelChannel& c) { return c.cid == cid; });
      if (it == model_.channels().end()) continue;
      std::map<std::string, std::int64_t> got_read, want_read;
      for (const json::value& read : state.at("read").as_array()) {
        got_read[std::string(read.at("user").at("id").as_string())] =
            read.at("unread_messages").to_number<std::int64_t>();
      }
      // member_limit 0 leaves only the reader's own entry (§5.4: it is always there).
      for (const auto& [member, m] : it->members) {
        if (all || member == u) want_read[kUsers[member]] = Model::Unread(*it, member);
      }
      if (got_read != want_read) {
        diff << "  " << name << " POST /channels " << cid << " read[].unread_messages: server "
             << Format(got_read) << ", model " << Format(want_read) << "\n";
      }
    }
    if (got_order != want_order) {
      diff << "  " << name << " channel list: server " << Format(got_order) << ", model "
           << Format(want_order) << "\n";
    }

    // The health.check `me` of a new connection (R2).
    if (me) {
      client::ChatClient fresh(BaseUrl(), key());
      const json::object own = fresh.ConnectUser(SdkUser(name), UserToken(name)).ToJson();
      const std::int64_t me_total = own.at("total_unread_count").to_number<std::int64_t>();
      const std::int64_t me_channels = own.at("unread_channels").to_number<std::int64_t>();
      if (me_total != want_total || me_channels != std::int64_t(want_channels.size())) {
        diff << "  " << name << " me: server total_unread_count " << me_total << " unread_channels "
             << me_channels << ", model " << want_total << " and " << want_channels.size() << "\n";
      }
    }
  }

  static std::string Format(const std::map<std::string, std::int64_t>& m) {
    std::string out = "{";
    for (const auto& [k, v] : m) out += (out.size() > 1 ? ", " : "") + k + ": " + std::to_string(v);
    return out + "}";
  }
  static std::string Format(const std::vector<std::string>& v) {
    std::string out = "[";
    for (const std::string& s : v) out += (out.size() > 1 ? ", " : "") + s;
    return out + "]";
  }

  std::string HistoryTail() const {
    std::string out = "last operations:\n";
    for (const std::string& h : history_) out += "  " + h + "\n";
    return out;
  }

  Model model_{kUsers};
  std::mt19937_64 rng_;
  std::deque<std::string> history_;
  std::map<Op, int> op_counts_;
  int actor_ = 0;  // the user who acted in the current step
  std::vector<Expected> expect_;
  int events_checked_ = 0;
  std::vector<std::unique_ptr<SdkConn>> conns_;  // by user; kWatcher's watches
  int messages_ = 0;
};

TEST_F(ModelTest, UnreadCountsAndChannelListFollowTheModel) {
  const std::uint64_t seed = EnvNumber("EDDY_MODEL_SEED", kDefaultSeed);
  const int steps = int(EnvNumber("EDDY_MODEL_STEPS", kDefaultSteps));
  std::cout << "[model] seed " << seed << ", " << steps
            << " steps (override with EDDY_MODEL_SEED, EDDY_MODEL_STEPS)" << std::endl;
  rng_.seed(seed);
  ASSERT_NO_FATAL_FAILURE(SetUpWorld());
  ASSERT_NO_FATAL_FAILURE(ConnectUsers());
  const std::string rerun = " (seed " + std::to_string(seed) +
                            "; rerun with EDDY_MODEL_SEED=" + std::to_string(seed) + ")";
  ASSERT_EQ(Compare(true, true), "") << "before any operation" << rerun;

  const std::vector<std::pair<Op, double>> weights = {
      {Op::kSend, 28},  {Op::kSendSilent, 5}, {Op::kReply, 10},      {Op::kReplyShown, 5},
      {Op::kDelete, 8}, {Op::kMarkRead, 12},  {Op::kMarkAllRead, 4}, {Op::kHide, 6},
      {Op::kShow, 6},   {Op::kTruncate, 2},   {Op::kMarkUnread, 3}};
  std::vector<double> w;
  for (const auto& [op, weight] : weights) w.push_back(weight);
  std::discrete_distribution<size_t> next_op(w.begin(), w.end());

  std::int64_t max_total = 0;
  int steps_with_unread = 0, steps_with_hidden = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int step = 1; step <= steps; ++step) {
    std::string what;
    try {
      what = Apply(weights[next_op(rng_)].first);
    } catch (const client::ApiError& e) {
      FAIL() << "step " << step << rerun << ": request refused with " << e.status_code() << " code "
             << e.code() << ": " << e.message() << "\n"
             << HistoryTail();
    }
    history_.push_back("#" + std::to_string(step) + " " + what);
    if (history_.size() > kHistory) history_.pop_front();
    const bool full = step % kFullEvery == 0 || step == steps;
    const std::string diff =
        Compare(full, step % kMeEvery == 0 || step == steps) + CheckEvents(full);
    if (!diff.empty()) {
      FAIL() << "the server and the model disagree after step " << step << rerun << ":\n"
             << diff << HistoryTail() << model_.Dump();
    }
    // How much the run exercised, printed at the end.
    bool any_unread = false, any_hidden = false;
    for (int u = 0; u < int(kUsers.size()); ++u) {
      max_total = std::max(max_total, model_.TotalUnread(u));
      any_unread = any_unread || model_.TotalUnread(u) > 0;
      for (const ModelChannel& c : model_.channels()) {
        auto it = c.members.find(u);
        any_hidden = any_hidden || (it != c.members.end() && it->second.hidden);
      }
    }
    steps_with_unread += any_unread;
    steps_with_hidden += any_hidden;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "[model] " << steps << " steps in " << seconds << " s; sends "
            << op_counts_[Op::kSend] << ", silent " << op_counts_[Op::kSendSilent] << ", replies "
            << op_counts_[Op::kReply] << ", shown replies " << op_counts_[Op::kReplyShown]
            << ", deletes " << op_counts_[Op::kDelete] << ", reads " << op_counts_[Op::kMarkRead]
            << ", all read " << op_counts_[Op::kMarkAllRead] << ", hides " << op_counts_[Op::kHide]
            << ", shows " << op_counts_[Op::kShow] << ", truncates " << op_counts_[Op::kTruncate]
            << ", unreads " << op_counts_[Op::kMarkUnread] << "; highest total_unread_count "
            << max_total << ", steps with unread messages " << steps_with_unread
            << ", steps with a hidden channel " << steps_with_hidden << ", events checked "
            << events_checked_ << std::endl;
}

}  // namespace
}  // namespace eddy::testing
