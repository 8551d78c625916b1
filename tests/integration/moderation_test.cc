// Moderation scenarios over real sockets (protocol §6.9, issue #4 points 4-6): bans (timeout
// with the test clock, global with connect refusal, channel, shadow), user and channel mutes
// with unread totals, flags and their queries. Every refusal is checked to change nothing
// stored and to emit nothing. The server runs with --test-clock; each test uses its own users
// and channels, and only moves the clock forward, so tests stay independent.
#include "integration/events.h"
#include "integration/fixture.h"

namespace eddy::testing {
namespace {

using namespace std::chrono_literals;

class ModerationTest : public EddyTest {
 protected:
  static void SetUpTestSuite() {
    server_ = new EddyProcess();
    ASSERT_TRUE(server_->Start({"--test-clock"}));
  }

  // Users (ids) and a messaging channel `id` with them as members, made server-side.
  void Setup(const std::vector<std::string>& users, const std::string& channel = "") {
    std::string body = R"({"users":{)";
    for (size_t i = 0; i < users.size(); ++i) {
      body += (i ? "," : "") + ("\"" + users[i] + R"(":{"id":")" + users[i] + "\"}");
    }
    auto r = AsServer("POST", "/users", body + "}}");
    ASSERT_EQ(r.status / 100, 2) << r.body;
    if (!channel.empty()) Channel(channel, users);
  }
  void Channel(const std::string& id, const std::vector<std::string>& members) {
    std::string list;
    for (const std::string& m : members) list += (list.empty() ? "\"" : ",\"") + m + "\"";
    auto r = AsServer("POST", "/channels/messaging/" + id + "/query",
                      R"({"data":{"created_by_id":")" + members[0] + R"(","members":[)" + list +
                          R"(]},"state":false})");
    ASSERT_EQ(r.status / 100, 2) << r.body;
  }
  void MakeAdmin(const std::string& user) {
    auto r = AsServer("PATCH", "/users",
                      R"({"users":[{"id":")" + user + R"(","set":{"role":"admin"}}]})");
    ASSERT_EQ(r.status / 100, 2) << r.body;
  }
  HttpResult Send(const std::string& user, const std::string& channel, const std::string& id) {
    return AsUser(user, "POST", "/channels/messaging/" + channel + "/message",
                  R"({"message":{"id":")" + id + R"(","text":"hello )" + id + R"("}})");
  }
  HttpResult React(const std::string& user, const std::string& message) {
    return AsUser(user, "POST", "/messages/" + message + "/reaction",
                  R"({"reaction":{"type":"like"}})");
  }
  void Advance(int seconds) {
    auto r =
        AsServer("POST", "/_test/clock", R"({"advance_seconds":)" + std::to_string(seconds) + "}");
    ASSERT_EQ(r.status, 200) << r.body;
  }
  // Ids of the channel's messages as `user` reads them (server-side when user is empty).
  std::vector<std::string> MessageIds(const std::string& user, const std::string& channel) {
    std::string path = "/channels/messaging/" + channel + "/query";
    std::string body = R"({"state":true,"messages":{"limit":100}})";
    auto r = user.empty() ? AsServer("POST", path, body) : AsUser(user, "POST", path, body);
    EXPECT_EQ(r.status, 201) << r.body;
    std::vector<std::string> ids;
    if (r.status / 100 != 2) return ids;
    for (const auto& m : r.obj().at("messages").as_array()) {
      ids.emplace_back(m.at("id").as_string());
    }
    return ids;
  }
  json::array Bans(const std::string& filter) {
    auto r = AsServer("GET", "/query_banned_users", "",
                      {{"payload", R"({"filter_conditions":)" + filter + "}"}});
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? r.obj().at("bans").as_array() : json::array();
  }
  // Connects `user` and watches `channel` on that connection.
  void ConnectWatching(EventClient& c, const std::string& user, const std::string& channel) {
    ASSERT_TRUE(c.Connect(port(), ConnectTarget(user, UserToken(user))));
    auto r = AsUser(user, "POST", "/channels/messaging/" + channel + "/query",
                    R"({"state":true,"watch":true})", {{"connection_id", c.connection_id()}});
    ASSERT_EQ(r.status / 100, 2) << r.body;
    c.Drain();
  }
  // The `me` of a fresh connection's health.check.
  json::object Me(const std::string& user) {
    EventClient c;
    EXPECT_TRUE(c.Connect(port(), ConnectTarget(user, UserToken(user))));
    return c.hello().contains("me") ? c.hello().at("me").as_object() : json::object();
  }
  static bool Has(const std::vector<std::string>& ids, const std::string& id) {
    return std::find(ids.begin(), ids.end(), id) != ids.end();
  }
};

TEST_F(ModerationTest, BanWithOneMinuteTimeoutExpiresByItself) {
  Setup({"to_a", "to_b"}, "to");
  EventClient watcher;
  ConnectWatching(watcher, "to_a", "to");
  auto r = AsServer("POST", "/moderation/ban",
                    R"({"target_user_id":"to_b","banned_by_id":"to_a","timeout":1,
                        "reason":"spam"})");
  ASSERT_EQ(r.status, 201) << r.body;

  r = Send("to_b", "to", "to-1");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.code(), 17);
  EXPECT_NE(r.body.find("banned"), std::string::npos) << r.body;
  EXPECT_FALSE(Has(MessageIds("", "to"), "to-1"));
  EXPECT_EQ(Find(watcher.Drain(), "message.new"), nullptr);

  auto bans = Bans(R"({"user_id":"to_b"})");
  ASSERT_EQ(bans.size(), 1u);
  EXPECT_EQ(bans[0].at("reason"), "spam");
  EXPECT_EQ(bans[0].at("timeout"), 1);
  EXPECT_EQ(bans[0].at("banned_by").at("id"), "to_a");
  EXPECT_TRUE(bans[0].at("expires").is_string());

  Advance(61);
  r = Send("to_b", "to", "to-2");
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_TRUE(watcher.WaitFor("message.new", "to_b"));
  // The expired ban is still listed, unless expired bans are excluded.
  r = AsServer(
      "GET", "/query_banned_users", "",
      {{"payload", R"({"filter_conditions":{"user_id":"to_b"},"exclude_expired_bans":true})"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.obj().at("bans").as_array().empty());
}

TEST_F(ModerationTest, GlobalBanIsAnnouncedEndsTheSessionsAndRefusesConnect) {
  Setup({"gb_a", "gb_b"}, "gb");
  EventClient before;
  ASSERT_TRUE(before.Connect(port(), ConnectTarget("gb_b", UserToken("gb_b"))));
  auto r = AsServer("POST", "/moderation/ban", R"({"target_user_id":"gb_b","reason":"abuse"})");
  ASSERT_EQ(r.status, 201) << r.body;
  auto banned = before.WaitFor("user.banned");
  ASSERT_TRUE(banned);
  EXPECT_EQ(banned->at("user").at("id"), "gb_b");
  EXPECT_EQ(banned->at("reason"), "abuse");
  EXPECT_FALSE(banned->contains("cid"));
  auto ended = before.WaitFor("connection.error");
  ASSERT_TRUE(ended) << "the open session ends with the ban";
  EXPECT_EQ(ended->at("error").at("code"), 17);
  EXPECT_FALSE(before.ws().Read(std::chrono::seconds(3)));
  EXPECT_EQ(before.ws().close_code(), 1000);

  WsClient refused;
  ASSERT_TRUE(refused.Connect(port(), ConnectTarget("gb_b", UserToken("gb_b"))));
  auto frame = refused.ReadJson();
  ASSERT_TRUE(frame);
  ASSERT_TRUE(frame->contains("error")) << json::serialize(*frame);
  EXPECT_EQ(frame->at("error").at("code"), 17);

  r = Send("gb_b", "gb", "gb-1");
  EXPECT_EQ(r.code(), 17);
  r = AsServer("DELETE", "/moderation/ban", "", {{"target_user_id", "gb_b"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EventClient after;
  EXPECT_TRUE(after.Connect(port(), ConnectTarget("gb_b", UserToken("gb_b"))));
  EXPECT_EQ(Send("gb_b", "gb", "gb-2").status, 201);
  EXPECT_TRUE(Bans(R"({"user_id":"gb_b"})").empty());
}

TEST_F(ModerationTest, ChannelBanAppliesToThatChannelOnly) {
  Setup({"cb_mod", "cb_b"}, "cb-a");
  Channel("cb-b", {"cb_mod", "cb_b"});
  MakeAdmin("cb_mod");
  ASSERT_EQ(Send("cb_mod", "cb-a", "cb-m").status, 201);
  EventClient watcher;
  ConnectWatching(watcher, "cb_mod", "cb-a");
  // The SDK's channel.banUser: type + id; a client-side admin may.
  auto r = AsUser("cb_mod", "POST", "/moderation/ban",
                  R"({"target_user_id":"cb_b","type":"messaging","id":"cb-a"})");
  ASSERT_EQ(r.status, 201) << r.body;
  auto banned = watcher.WaitFor("user.banned");
  ASSERT_TRUE(banned);
  EXPECT_EQ(banned->at("cid"), "messaging:cb-a");
  EXPECT_EQ(banned->at("created_by").at("id"), "cb_mod");

  r = Send("cb_b", "cb-a", "cb-1");
  EXPECT_EQ(r.code(), 17);
  EXPECT_NE(r.body.find("banned from channel 'messaging:cb-a'"), std::string::npos) << r.body;
  EXPECT_EQ(React("cb_b", "cb-m").code(), 17);
  EXPECT_EQ(Send("cb_b", "cb-b", "cb-2").status, 201);
  EXPECT_FALSE(Has(MessageIds("", "cb-a"), "cb-1"));
  r = AsServer("GET", "/messages/cb-m");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.obj().at("message").at("latest_reactions").as_array().empty());
  auto events = watcher.Drain();
  EXPECT_EQ(Find(events, "message.new"), nullptr);
  EXPECT_EQ(Find(events, "reaction.new"), nullptr);

  auto bans = Bans(R"({"channel_cid":"messaging:cb-a"})");
  ASSERT_EQ(bans.size(), 1u);
  EXPECT_EQ(bans[0].at("user").at("id"), "cb_b");
  EXPECT_EQ(bans[0].at("channel").at("cid"), "messaging:cb-a");

  r = AsUser("cb_mod", "DELETE", "/moderation/ban", "",
             {{"target_user_id", "cb_b"}, {"type", "messaging"}, {"id", "cb-a"}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto unbanned = watcher.WaitFor("user.unbanned");
  ASSERT_TRUE(unbanned);
  EXPECT_EQ(unbanned->at("cid"), "messaging:cb-a");
  EXPECT_EQ(Send("cb_b", "cb-a", "cb-3").status, 201);
}

TEST_F(ModerationTest, ChannelBanWithTimeoutExpiresByItself) {
  Setup({"ct_a", "ct_b"}, "ct");
  auto r = AsServer("POST", "/moderation/ban",
                    R"({"target_user_id":"ct_b","channel_cid":"messaging:ct","timeout":1})");
  ASSERT_EQ(r.status, 201) << r.body;
  ASSERT_EQ(Send("ct_a", "ct", "ct-m").status, 201);
  EXPECT_EQ(Send("ct_b", "ct", "ct-1").code(), 17);
  EXPECT_EQ(React("ct_b", "ct-m").code(), 17);
  Advance(61);
  EXPECT_EQ(React("ct_b", "ct-m").status, 201);
  EXPECT_EQ(Send("ct_b", "ct", "ct-2").status, 201);
  EXPECT_TRUE(Bans(R"({"user_id":"ct_b"})").empty());  // lifted once it ran out
}

TEST_F(ModerationTest, BansWithoutRightsChangeNothingAndEmitNothing) {
  Setup({"nr_a", "nr_b"}, "nr");
  EventClient target, watcher;
  ConnectWatching(target, "nr_b", "nr");
  ConnectWatching(watcher, "nr_a", "nr");
  auto r = AsUser("nr_a", "POST", "/moderation/ban", R"({"target_user_id":"nr_b"})");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.code(), 17);
  r = AsUser("nr_a", "POST", "/moderation/ban",
             R"({"target_user_id":"nr_b","channel_cid":"messaging:nr"})");
  EXPECT_EQ(r.code(), 17);
  r = AsUser(
      "nr_a", "POST", "/moderation/ban",
      R"({"target_user_id":"nr_b","banned_by_id":"someone_else","channel_cid":"messaging:nr"})");
  EXPECT_EQ(r.code(), 17);
  r = AsUser("nr_a", "GET", "/query_banned_users", "", {{"payload", "{}"}});
  EXPECT_EQ(r.code(), 17);
  // Bad input is refused the same way.
  EXPECT_EQ(AsServer("POST", "/moderation/ban", R"({"target_user_id":"nobody"})").code(), 16);
  EXPECT_EQ(AsServer("POST", "/moderation/ban", R"({"target_user_id":"nr_b","timeout":-5})").code(),
            4);
  EXPECT_EQ(
      AsServer("POST", "/moderation/ban", R"({"target_user_id":"nr_b","timeout":"x"})").code(), 4);
  EXPECT_EQ(AsServer("POST", "/moderation/ban",
                     R"({"target_user_id":"nr_b","channel_cid":"messaging:missing"})")
                .code(),
            16);

  EXPECT_TRUE(Bans(R"({"user_id":"nr_b"})").empty());
  EXPECT_EQ(Send("nr_b", "nr", "nr-1").status, 201);
  for (EventClient* c : {&target, &watcher}) {
    auto events = c->Drain();
    EXPECT_EQ(Find(events, "user.banned"), nullptr);
  }
}

TEST_F(ModerationTest, ShadowBanHidesMessagesFromEveryoneButTheSender) {
  Setup({"sb_a", "sb_b"}, "sb");
  EventClient a, b;
  ConnectWatching(a, "sb_a", "sb");
  ConnectWatching(b, "sb_b", "sb");
  auto r = AsServer("POST", "/moderation/ban", R"({"target_user_id":"sb_b","shadow":true})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(Find(b.Drain(), "user.banned"), nullptr);  // the user must not learn of it

  r = Send("sb_b", "sb", "sb-1");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.obj().at("message").at("shadowed"), true);
  EXPECT_TRUE(b.WaitFor("message.new", "sb_b"));
  EXPECT_EQ(Find(a.Drain(), "message.new"), nullptr);
  EXPECT_TRUE(Has(MessageIds("sb_b", "sb"), "sb-1"));
  EXPECT_FALSE(Has(MessageIds("sb_a", "sb"), "sb-1"));
  EXPECT_EQ(AsUser("sb_a", "GET", "/messages/sb-1").code(), 16);
  EXPECT_EQ(Me("sb_a").at("total_unread_count"), 0);

  auto bans = Bans(R"({"user_id":"sb_b"})");
  ASSERT_EQ(bans.size(), 1u);
  EXPECT_EQ(bans[0].at("shadow"), true);
  r = AsServer("DELETE", "/moderation/ban", "", {{"target_user_id", "sb_b"}, {"shadow", "true"}});
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(Send("sb_b", "sb", "sb-2").status, 201);
  EXPECT_TRUE(a.WaitFor("message.new", "sb_b"));
  EXPECT_TRUE(Has(MessageIds("sb_a", "sb"), "sb-2"));
}

TEST_F(ModerationTest, MuteUserShowsInMeAndNotifiesTheMuter) {
  Setup({"mu_a", "mu_b", "mu_c"}, "mu");
  EventClient a;
  ASSERT_TRUE(a.Connect(port(), ConnectTarget("mu_a", UserToken("mu_a"))));
  EXPECT_TRUE(a.hello().at("me").at("mutes").as_array().empty());

  auto r = AsUser("mu_a", "POST", "/moderation/mute", R"({"target_id":"mu_b"})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.obj().at("mute").at("user").at("id"), "mu_a");
  EXPECT_EQ(r.obj().at("mute").at("target").at("id"), "mu_b");
  EXPECT_EQ(r.obj().at("own_user").at("mutes").as_array().size(), 1u);
  auto n = a.WaitFor("notification.mutes_updated");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->at("me").at("mutes").as_array()[0].at("target").at("id"), "mu_b");
  auto me = Me("mu_a");
  ASSERT_EQ(me.at("mutes").as_array().size(), 1u);
  EXPECT_EQ(me.at("mutes").as_array()[0].at("target").at("id"), "mu_b");
  // A muted user's messages do not count as unread; others' do.
  ASSERT_EQ(Send("mu_b", "mu", "mu-1").status, 201);
  EXPECT_EQ(Me("mu_a").at("total_unread_count"), 0);
  ASSERT_EQ(Send("mu_c", "mu", "mu-2").status, 201);
  EXPECT_EQ(Me("mu_a").at("total_unread_count"), 1);

  // Refusals: nothing changes, nothing is announced.
  EXPECT_EQ(AsUser("mu_a", "POST", "/moderation/mute", R"({"target_id":"mu_a"})").code(), 4);
  EXPECT_EQ(AsUser("mu_a", "POST", "/moderation/mute", R"({"target_id":"ghost"})").code(), 16);
  EXPECT_EQ(AsUser("mu_a", "POST", "/moderation/mute", R"({})").code(), 4);
  EXPECT_EQ(
      AsUser("mu_a", "POST", "/moderation/mute", R"({"target_id":"mu_c","user_id":"mu_b"})").code(),
      17);
  EXPECT_EQ(AsServer("POST", "/moderation/mute", R"({"target_id":"mu_c"})").code(), 4);
  EXPECT_EQ(Find(a.Drain(), "notification.mutes_updated"), nullptr);
  EXPECT_EQ(Me("mu_a").at("mutes").as_array().size(), 1u);

  r = AsUser("mu_a", "POST", "/moderation/unmute", R"({"target_id":"mu_b"})");
  ASSERT_EQ(r.status, 200) << r.body;
  n = a.WaitFor("notification.mutes_updated");
  ASSERT_TRUE(n);
  EXPECT_TRUE(n->at("me").at("mutes").as_array().empty());
  EXPECT_EQ(n->at("me").at("total_unread_count"), 2);

  // A mute with a timeout ends by itself.
  r = AsServer("POST", "/moderation/mute",
               R"({"target_ids":["mu_c"],"user_id":"mu_a","timeout":1})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_TRUE(r.obj().at("mute").at("expires").is_string());
  EXPECT_EQ(Me("mu_a").at("mutes").as_array().size(), 1u);
  Advance(61);
  EXPECT_TRUE(Me("mu_a").at("mutes").as_array().empty());
}

TEST_F(ModerationTest, MutedChannelsStayOutOfUnreadTotals) {
  Setup({"cm_a", "cm_b"}, "cm-1");
  Channel("cm-2", {"cm_a", "cm_b"});
  for (const char* id : {"cm-x1", "cm-x2"}) ASSERT_EQ(Send("cm_b", "cm-1", id).status, 201);
  ASSERT_EQ(Send("cm_b", "cm-2", "cm-y1").status, 201);
  EventClient a;
  ASSERT_TRUE(a.Connect(port(), ConnectTarget("cm_a", UserToken("cm_a"))));
  EXPECT_EQ(a.hello().at("me").at("total_unread_count"), 3);
  EXPECT_EQ(a.hello().at("me").at("unread_channels"), 2);

  auto r =
      AsUser("cm_a", "POST", "/moderation/mute/channel", R"({"channel_cid":"messaging:cm-1"})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.obj().at("channel_mute").at("channel").at("cid"), "messaging:cm-1");
  EXPECT_EQ(r.obj().at("own_user").at("total_unread_count"), 1);
  auto n = a.WaitFor("notification.channel_mutes_updated");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->at("me").at("channel_mutes").as_array()[0].at("channel").at("cid"),
            "messaging:cm-1");
  auto me = Me("cm_a");
  EXPECT_EQ(me.at("total_unread_count"), 1);
  EXPECT_EQ(me.at("unread_channels"), 1);
  ASSERT_EQ(me.at("channel_mutes").as_array().size(), 1u);

  // queryChannels: the `muted` filter and the per-reader `muted` flag.
  auto cids = [&](const std::string& filter) {
    auto q = AsUser("cm_a", "POST", "/channels", R"({"filter_conditions":)" + filter + "}");
    EXPECT_EQ(q.status, 200) << q.body;
    std::vector<std::string> out;
    if (q.status / 100 != 2) return out;
    for (const auto& c : q.obj().at("channels").as_array()) {
      out.emplace_back(c.at("channel").at("cid").as_string());
      EXPECT_EQ(c.at("channel").at("muted"), out.back() == "messaging:cm-1");
    }
    return out;
  };
  EXPECT_EQ(cids(R"({"members":{"$in":["cm_a"]},"muted":true})"),
            (std::vector<std::string>{"messaging:cm-1"}));
  EXPECT_EQ(cids(R"({"members":{"$in":["cm_a"]},"muted":false})"),
            (std::vector<std::string>{"messaging:cm-2"}));

  // A new message in the muted channel does not count either.
  ASSERT_EQ(Send("cm_b", "cm-1", "cm-x3").status, 201);
  EXPECT_EQ(Me("cm_a").at("total_unread_count"), 1);

  // Refused: unknown channel, a channel the user cannot see.
  EXPECT_EQ(
      AsUser("cm_a", "POST", "/moderation/mute/channel", R"({"channel_cid":"messaging:nope"})")
          .code(),
      16);
  EXPECT_EQ(AsUser("cm_a", "POST", "/moderation/mute/channel", R"({"channel_cid":"bad"})").code(),
            4);

  r = AsUser("cm_a", "POST", "/moderation/unmute/channel", R"({"channel_cid":"messaging:cm-1"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(a.WaitFor("notification.channel_mutes_updated"));
  EXPECT_EQ(Me("cm_a").at("total_unread_count"), 4);

  // expiration is in milliseconds.
  r = AsUser("cm_a", "POST", "/moderation/mute/channel",
             R"({"channel_cids":["messaging:cm-2"],"expiration":60000})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(Me("cm_a").at("total_unread_count"), 3);
  Advance(61);
  me = Me("cm_a");
  EXPECT_EQ(me.at("total_unread_count"), 4);
  EXPECT_TRUE(me.at("channel_mutes").as_array().empty());
}

TEST_F(ModerationTest, FlagsOfMessagesAndUsersAndTheirQueries) {
  Setup({"fl_a", "fl_b", "fl_admin"}, "fl");
  MakeAdmin("fl_admin");
  ASSERT_EQ(Send("fl_b", "fl", "fl-m1").status, 201);
  ASSERT_EQ(Send("fl_a", "fl", "fl-m2").status, 201);

  auto r = AsUser("fl_a", "POST", "/moderation/flag",
                  R"({"target_message_id":"fl-m1","reason":"spam"})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.obj().at("flag").at("target_message_id"), "fl-m1");
  EXPECT_EQ(r.obj().at("flag").at("user").at("id"), "fl_a");
  EXPECT_EQ(r.obj().at("flag").at("reason"), "spam");
  r = AsUser("fl_a", "POST", "/moderation/flag", R"({"target_user_id":"fl_b"})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.obj().at("flag").at("target_user").at("id"), "fl_b");

  // Refusals.
  EXPECT_EQ(AsUser("fl_a", "POST", "/moderation/flag", R"({"target_message_id":"fl-m2"})").code(),
            4);
  EXPECT_EQ(AsUser("fl_a", "POST", "/moderation/flag", R"({"target_message_id":"nope"})").code(),
            16);
  EXPECT_EQ(AsUser("fl_a", "POST", "/moderation/flag", R"({"target_user_id":"ghost"})").code(), 16);
  EXPECT_EQ(AsUser("fl_a", "POST", "/moderation/flag", R"({})").code(), 4);
  EXPECT_EQ(AsUser("fl_a", "GET", "/moderation/flags/message", "", {{"payload", "{}"}}).code(), 17);

  std::string payload = R"({"filter_conditions":{"channel_cid":"messaging:fl"}})";
  r = AsServer("GET", "/moderation/flags/message", "", {{"payload", payload}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto flags = r.obj().at("flags").as_array();
  ASSERT_EQ(flags.size(), 1u);
  EXPECT_EQ(flags[0].at("message").at("id"), "fl-m1");
  EXPECT_EQ(flags[0].at("target_user").at("id"), "fl_b");

  // The review list: every flag, for admins too.
  std::string review = R"({"filter_conditions":{"user_id":"fl_a"}})";
  r = AsUser("fl_admin", "POST", "/moderation/flags", review);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.obj().at("flags").as_array().size(), 2u);

  r = AsUser("fl_a", "POST", "/moderation/unflag", R"({"target_message_id":"fl-m1"})");
  ASSERT_EQ(r.status, 200) << r.body;
  r = AsServer("POST", "/moderation/flags", review);
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(r.obj().at("flags").as_array().size(), 1u);
  EXPECT_FALSE(r.obj().at("flags").as_array()[0].as_object().contains("target_message_id"));
}

TEST_F(ModerationTest, TestClockIsServerSideOnly) {
  Setup({"tc_a"});
  EXPECT_EQ(AsUser("tc_a", "POST", "/_test/clock", R"({"advance_seconds":1})").code(), 17);
  EXPECT_EQ(AsServer("POST", "/_test/clock", R"({"advance_seconds":-1})").code(), 4);
}

}  // namespace
}  // namespace eddy::testing
