// Moderation scenarios over real sockets (protocol §6.9, issue #4 points 4-6): bans (timeout
// with the test clock, global with connect refusal, channel, shadow), user and channel mutes
// with unread totals, flags and their queries. Every refusal is checked to change nothing
// stored and to emit nothing. The server runs with --test-clock; each test uses its own users
// and channels, and only moves the clock forward, so tests stay independent.
#include "integration/events.h"
#include "integration/fixture.h"
#include "integration/sdk_events.h"

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
    std::vector<client::User> list;
    for (const std::string& u : users) list.push_back(SdkUser(u));
    sdk().UpsertUsers(list);
    if (!channel.empty()) Channel(channel, users);
  }
  void Channel(const std::string& id, const std::vector<std::string>& members) {
    sdk().CreateChannel("messaging", id, members[0], members);
  }
  void MakeAdmin(const std::string& user) {
    EXPECT_EQ(sdk().PartialUpdateUser(user, {{"role", "admin"}}).role, "admin");
  }
  // The SDK's App(user) needs a connection: a user about to be banned connects first (a
  // banned user cannot connect; its token still reaches the REST API).
  client::Message Send(const std::string& user, const std::string& channel, const std::string& id) {
    client::Message m;
    m.id = id;
    m.text = "hello " + id;
    return App(user).GetChannel("messaging", channel).SendMessage(m);
  }
  client::ReactionResult React(const std::string& user, const std::string& channel,
                               const std::string& message) {
    return App(user).GetChannel("messaging", channel).SendReaction(message, "like");
  }
  // Generic calls through the SDK with the body given as JSON text: server-side, or as `user`.
  json::object Server(const std::string& method, const std::string& path,
                      const std::string& body = "", client::QueryParams params = {}) {
    json::object b = body.empty() ? json::object() : json::parse(body).as_object();
    return sdk().Request(method, path, body.empty() ? nullptr : &b, std::move(params));
  }
  json::object AsApp(const std::string& user, const std::string& method, const std::string& path,
                     const std::string& body = "", client::QueryParams params = {}) {
    json::object b = body.empty() ? json::object() : json::parse(body).as_object();
    return App(user).Request(method, path, body.empty() ? nullptr : &b, std::move(params));
  }
  void Advance(int seconds) {
    Server("POST", "/_test/clock", R"({"advance_seconds":)" + std::to_string(seconds) + "}");
  }
  // Ids of the channel's messages as `user` reads them (server-side when user is empty).
  std::vector<std::string> MessageIds(const std::string& user, const std::string& channel) {
    const json::object body{{"state", true}, {"messages", {{"limit", 100}}}};
    std::vector<client::Message> messages =
        user.empty()
            ? client::ChannelState::FromJson(
                  sdk().Request("POST", "/channels/messaging/" + channel + "/query", &body))
                  .messages
            : App(user).GetChannel("messaging", channel).Query(body).messages;
    std::vector<std::string> ids;
    for (const auto& m : messages) ids.push_back(m.id);
    return ids;
  }
  json::array Bans(const json::object& filter) { return sdk().QueryBannedUsers(filter); }
  // Connects `user` and watches `channel` on that connection.
  void ConnectWatching(SdkConn& c, const std::string& user, const std::string& channel) {
    ASSERT_TRUE(c.Connect(user, UserToken(user)));
    c.client().GetChannel("messaging", channel).Watch();
    c.Collect({});
  }
  // The `me` of a fresh connection's health.check.
  json::object Me(const std::string& user) {
    client::ChatClient c(BaseUrl(), key());
    return c.ConnectUser(SdkUser(user), UserToken(user)).ToJson();
  }
  static bool Has(const std::vector<std::string>& ids, const std::string& id) {
    return std::find(ids.begin(), ids.end(), id) != ids.end();
  }
  // Whether `events` hold one of `type` by `user_id`.
  static bool HasEvent(const std::vector<json::object>& events, const std::string& type,
                       const std::string& user_id) {
    return std::any_of(events.begin(), events.end(), [&](const json::object& e) {
      const json::value* user = e.if_contains("user");
      return e.at("type") == type.c_str() && user && user->is_object() &&
             user->as_object().at("id") == user_id.c_str();
    });
  }
};

TEST_F(ModerationTest, BanWithOneMinuteTimeoutExpiresByItself) {
  Setup({"to_a", "to_b"}, "to");
  App("to_b");  // connected before the ban (see Send)
  SdkConn watcher(BaseUrl(), key());
  ConnectWatching(watcher, "to_a", "to");
  client::BanOptions ban;
  ban.banned_by_id = "to_a";
  ban.timeout_minutes = 1;
  ban.reason = "spam";
  sdk().BanUser("to_b", ban);

  client::ApiError e = Refused([&] { Send("to_b", "to", "to-1"); });
  EXPECT_EQ(e.status_code(), 403);
  EXPECT_EQ(e.code(), 17);
  EXPECT_NE(e.message().find("banned"), std::string::npos) << e.message();
  EXPECT_FALSE(Has(MessageIds("", "to"), "to-1"));
  EXPECT_EQ(Find(watcher.Collect({}), "message.new"), nullptr);

  auto bans = Bans({{"user_id", "to_b"}});
  ASSERT_EQ(bans.size(), 1u);
  EXPECT_EQ(bans[0].at("reason"), "spam");
  EXPECT_EQ(bans[0].at("timeout"), 1);
  EXPECT_EQ(bans[0].at("banned_by").at("id"), "to_a");
  EXPECT_TRUE(bans[0].at("expires").is_string());

  Advance(61);
  Send("to_b", "to", "to-2");
  EXPECT_TRUE(HasEvent(watcher.Collect({"message.new"}), "message.new", "to_b"));
  // The expired ban is still listed, unless expired bans are excluded.
  auto r = Server(
      "GET", "/query_banned_users", "",
      {{"payload", R"({"filter_conditions":{"user_id":"to_b"},"exclude_expired_bans":true})"}});
  EXPECT_TRUE(r.at("bans").as_array().empty());
}

TEST_F(ModerationTest, GlobalBanIsAnnouncedEndsTheSessionsAndRefusesConnect) {
  Setup({"gb_a", "gb_b"}, "gb");
  App("gb_b");  // connected before the ban (see Send)
  // Raw: the test checks how the server ends the socket (error frame, then close 1000), which
  // the SDK turns into a local event without the close code.
  EventClient before;
  ASSERT_TRUE(before.Connect(port(), ConnectTarget("gb_b", UserToken("gb_b"))));
  client::BanOptions ban;
  ban.reason = "abuse";
  sdk().BanUser("gb_b", ban);
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

  client::ChatClient refused(BaseUrl(), key());
  EXPECT_EQ(Refused([&] { refused.ConnectUser(SdkUser("gb_b"), UserToken("gb_b")); }).code(), 17);

  EXPECT_EQ(Refused([&] { Send("gb_b", "gb", "gb-1"); }).code(), 17);
  sdk().UnbanUser("gb_b");
  SdkConn after(BaseUrl(), key());
  EXPECT_TRUE(after.Connect("gb_b", UserToken("gb_b")));
  Send("gb_b", "gb", "gb-2");
  EXPECT_TRUE(Bans({{"user_id", "gb_b"}}).empty());
}

TEST_F(ModerationTest, ChannelBanAppliesToThatChannelOnly) {
  Setup({"cb_mod", "cb_b"}, "cb-a");
  Channel("cb-b", {"cb_mod", "cb_b"});
  MakeAdmin("cb_mod");
  Send("cb_mod", "cb-a", "cb-m");
  SdkConn watcher(BaseUrl(), key());
  ConnectWatching(watcher, "cb_mod", "cb-a");
  // The SDK's channel.banUser: type + id; a client-side admin may.
  AsApp("cb_mod", "POST", "/moderation/ban",
        R"({"target_user_id":"cb_b","type":"messaging","id":"cb-a"})");
  auto events = watcher.Collect({"user.banned"});
  const json::object* banned = Find(events, "user.banned");
  ASSERT_TRUE(banned);
  EXPECT_EQ(banned->at("cid"), "messaging:cb-a");
  EXPECT_EQ(banned->at("created_by").at("id"), "cb_mod");

  client::ApiError e = Refused([&] { Send("cb_b", "cb-a", "cb-1"); });
  EXPECT_EQ(e.code(), 17);
  EXPECT_NE(e.message().find("banned from channel 'messaging:cb-a'"), std::string::npos)
      << e.message();
  EXPECT_EQ(Refused([&] { React("cb_b", "cb-a", "cb-m"); }).code(), 17);
  Send("cb_b", "cb-b", "cb-2");
  EXPECT_FALSE(Has(MessageIds("", "cb-a"), "cb-1"));
  EXPECT_TRUE(sdk().GetMessage("cb-m").ToJson().at("latest_reactions").as_array().empty());
  events = watcher.Collect({});
  EXPECT_EQ(Find(events, "message.new"), nullptr);
  EXPECT_EQ(Find(events, "reaction.new"), nullptr);

  auto bans = Bans({{"channel_cid", "messaging:cb-a"}});
  ASSERT_EQ(bans.size(), 1u);
  EXPECT_EQ(bans[0].at("user").at("id"), "cb_b");
  EXPECT_EQ(bans[0].at("channel").at("cid"), "messaging:cb-a");

  AsApp("cb_mod", "DELETE", "/moderation/ban", "",
        {{"target_user_id", "cb_b"}, {"type", "messaging"}, {"id", "cb-a"}});
  events = watcher.Collect({"user.unbanned"});
  const json::object* unbanned = Find(events, "user.unbanned");
  ASSERT_TRUE(unbanned);
  EXPECT_EQ(unbanned->at("cid"), "messaging:cb-a");
  Send("cb_b", "cb-a", "cb-3");
}

TEST_F(ModerationTest, ChannelBanWithTimeoutExpiresByItself) {
  Setup({"ct_a", "ct_b"}, "ct");
  // The channel_cid form of a channel ban (BanOptions sends type + id).
  Server("POST", "/moderation/ban",
         R"({"target_user_id":"ct_b","channel_cid":"messaging:ct","timeout":1})");
  Send("ct_a", "ct", "ct-m");
  EXPECT_EQ(Refused([&] { Send("ct_b", "ct", "ct-1"); }).code(), 17);
  EXPECT_EQ(Refused([&] { React("ct_b", "ct", "ct-m"); }).code(), 17);
  Advance(61);
  EXPECT_EQ(React("ct_b", "ct", "ct-m").reaction.type, "like");
  Send("ct_b", "ct", "ct-2");
  EXPECT_TRUE(Bans({{"user_id", "ct_b"}}).empty());  // lifted once it ran out
}

TEST_F(ModerationTest, BansWithoutRightsChangeNothingAndEmitNothing) {
  Setup({"nr_a", "nr_b"}, "nr");
  SdkConn target(BaseUrl(), key()), watcher(BaseUrl(), key());
  ConnectWatching(target, "nr_b", "nr");
  ConnectWatching(watcher, "nr_a", "nr");
  client::ApiError e =
      Refused([&] { AsApp("nr_a", "POST", "/moderation/ban", R"({"target_user_id":"nr_b"})"); });
  EXPECT_EQ(e.status_code(), 403);
  EXPECT_EQ(e.code(), 17);
  EXPECT_EQ(Refused([&] {
              AsApp("nr_a", "POST", "/moderation/ban",
                    R"({"target_user_id":"nr_b","channel_cid":"messaging:nr"})");
            }).code(),
            17);
  EXPECT_EQ(Refused([&] {
              AsApp("nr_a", "POST", "/moderation/ban",
                    R"({"target_user_id":"nr_b","banned_by_id":"someone_else",
                        "channel_cid":"messaging:nr"})");
            }).code(),
            17);
  EXPECT_EQ(Refused([&] {
              AsApp("nr_a", "GET", "/query_banned_users", "", {{"payload", "{}"}});
            }).code(),
            17);
  // Bad input is refused the same way.
  EXPECT_EQ(Refused([&] { sdk().BanUser("nobody", {}); }).code(), 16);
  EXPECT_EQ(Refused([&] {
              Server("POST", "/moderation/ban", R"({"target_user_id":"nr_b","timeout":-5})");
            }).code(),
            4);
  EXPECT_EQ(Refused([&] {
              Server("POST", "/moderation/ban", R"({"target_user_id":"nr_b","timeout":"x"})");
            }).code(),
            4);
  EXPECT_EQ(Refused([&] {
              Server("POST", "/moderation/ban",
                     R"({"target_user_id":"nr_b","channel_cid":"messaging:missing"})");
            }).code(),
            16);

  EXPECT_TRUE(Bans({{"user_id", "nr_b"}}).empty());
  Send("nr_b", "nr", "nr-1");
  for (SdkConn* c : {&target, &watcher}) {
    EXPECT_EQ(Find(c->Collect({"message.new"}), "user.banned"), nullptr);
  }
}

TEST_F(ModerationTest, ShadowBanHidesMessagesFromEveryoneButTheSender) {
  Setup({"sb_a", "sb_b"}, "sb");
  SdkConn a(BaseUrl(), key()), b(BaseUrl(), key());
  ConnectWatching(a, "sb_a", "sb");
  ConnectWatching(b, "sb_b", "sb");
  client::BanOptions ban;
  ban.shadow = true;
  sdk().BanUser("sb_b", ban);
  EXPECT_EQ(Find(b.Collect({}), "user.banned"), nullptr);  // the user must not learn of it

  client::Message m = Send("sb_b", "sb", "sb-1");
  EXPECT_EQ(m.ToJson().at("shadowed"), true);
  EXPECT_TRUE(HasEvent(b.Collect({"message.new"}), "message.new", "sb_b"));
  EXPECT_EQ(Find(a.Collect({}), "message.new"), nullptr);
  EXPECT_TRUE(Has(MessageIds("sb_b", "sb"), "sb-1"));
  EXPECT_FALSE(Has(MessageIds("sb_a", "sb"), "sb-1"));
  EXPECT_EQ(Refused([&] { AsApp("sb_a", "GET", "/messages/sb-1"); }).code(), 16);
  EXPECT_EQ(Me("sb_a").at("total_unread_count"), 0);

  auto bans = Bans({{"user_id", "sb_b"}});
  ASSERT_EQ(bans.size(), 1u);
  EXPECT_EQ(bans[0].at("shadow"), true);
  // UnbanUser has no shadow option.
  Server("DELETE", "/moderation/ban", "", {{"target_user_id", "sb_b"}, {"shadow", "true"}});
  Send("sb_b", "sb", "sb-2");
  EXPECT_TRUE(HasEvent(a.Collect({"message.new"}), "message.new", "sb_b"));
  EXPECT_TRUE(Has(MessageIds("sb_a", "sb"), "sb-2"));
}

TEST_F(ModerationTest, MuteUserShowsInMeAndNotifiesTheMuter) {
  Setup({"mu_a", "mu_b", "mu_c"}, "mu");
  SdkConn a(BaseUrl(), key());
  ASSERT_TRUE(a.Connect("mu_a", UserToken("mu_a")));
  EXPECT_TRUE(a.hello().at("me").at("mutes").as_array().empty());

  auto r = AsApp("mu_a", "POST", "/moderation/mute", R"({"target_id":"mu_b"})");
  EXPECT_EQ(r.at("mute").at("user").at("id"), "mu_a");
  EXPECT_EQ(r.at("mute").at("target").at("id"), "mu_b");
  EXPECT_EQ(r.at("own_user").at("mutes").as_array().size(), 1u);
  auto events = a.Collect({"notification.mutes_updated"});
  const json::object* n = Find(events, "notification.mutes_updated");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->at("me").at("mutes").as_array()[0].at("target").at("id"), "mu_b");
  auto me = Me("mu_a");
  ASSERT_EQ(me.at("mutes").as_array().size(), 1u);
  EXPECT_EQ(me.at("mutes").as_array()[0].at("target").at("id"), "mu_b");
  // A muted user's messages do not count as unread; others' do.
  Send("mu_b", "mu", "mu-1");
  EXPECT_EQ(Me("mu_a").at("total_unread_count"), 0);
  Send("mu_c", "mu", "mu-2");
  EXPECT_EQ(Me("mu_a").at("total_unread_count"), 1);

  // Refusals: nothing changes, nothing is announced.
  auto mute = [&](const std::string& body) {
    return Refused([&] { AsApp("mu_a", "POST", "/moderation/mute", body); }).code();
  };
  EXPECT_EQ(mute(R"({"target_id":"mu_a"})"), 4);
  EXPECT_EQ(mute(R"({"target_id":"ghost"})"), 16);
  EXPECT_EQ(mute(R"({})"), 4);
  EXPECT_EQ(mute(R"({"target_id":"mu_c","user_id":"mu_b"})"), 17);
  EXPECT_EQ(Refused([&] { Server("POST", "/moderation/mute", R"({"target_id":"mu_c"})"); }).code(),
            4);
  EXPECT_EQ(Find(a.Collect({}), "notification.mutes_updated"), nullptr);
  EXPECT_EQ(Me("mu_a").at("mutes").as_array().size(), 1u);

  AsApp("mu_a", "POST", "/moderation/unmute", R"({"target_id":"mu_b"})");
  events = a.Collect({"notification.mutes_updated"});
  n = Find(events, "notification.mutes_updated");
  ASSERT_TRUE(n);
  EXPECT_TRUE(n->at("me").at("mutes").as_array().empty());
  EXPECT_EQ(n->at("me").at("total_unread_count"), 2);

  // A mute with a timeout ends by itself (MuteUser has no timeout).
  r = Server("POST", "/moderation/mute", R"({"target_ids":["mu_c"],"user_id":"mu_a","timeout":1})");
  EXPECT_TRUE(r.at("mute").at("expires").is_string());
  EXPECT_EQ(Me("mu_a").at("mutes").as_array().size(), 1u);
  Advance(61);
  EXPECT_TRUE(Me("mu_a").at("mutes").as_array().empty());
}

TEST_F(ModerationTest, MutedChannelsStayOutOfUnreadTotals) {
  Setup({"cm_a", "cm_b"}, "cm-1");
  Channel("cm-2", {"cm_a", "cm_b"});
  for (const char* id : {"cm-x1", "cm-x2"}) Send("cm_b", "cm-1", id);
  Send("cm_b", "cm-2", "cm-y1");
  SdkConn a(BaseUrl(), key());
  ASSERT_TRUE(a.Connect("cm_a", UserToken("cm_a")));
  EXPECT_EQ(a.hello().at("me").at("total_unread_count"), 3);
  EXPECT_EQ(a.hello().at("me").at("unread_channels"), 2);

  auto r = AsApp("cm_a", "POST", "/moderation/mute/channel", R"({"channel_cid":"messaging:cm-1"})");
  EXPECT_EQ(r.at("channel_mute").at("channel").at("cid"), "messaging:cm-1");
  EXPECT_EQ(r.at("own_user").at("total_unread_count"), 1);
  auto events = a.Collect({"notification.channel_mutes_updated"});
  const json::object* n = Find(events, "notification.channel_mutes_updated");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->at("me").at("channel_mutes").as_array()[0].at("channel").at("cid"),
            "messaging:cm-1");
  auto me = Me("cm_a");
  EXPECT_EQ(me.at("total_unread_count"), 1);
  EXPECT_EQ(me.at("unread_channels"), 1);
  ASSERT_EQ(me.at("channel_mutes").as_array().size(), 1u);

  // queryChannels: the `muted` filter and the per-reader `muted` flag.
  auto cids = [&](bool muted) {
    std::vector<std::string> out;
    for (const auto& c : App("cm_a").QueryChannels(
             {{"members", {{"$in", json::array{"cm_a"}}}}, {"muted", muted}}, {}, 10, false)) {
      out.push_back(c.channel.cid);
      EXPECT_EQ(c.channel.extra.at("muted"), out.back() == "messaging:cm-1");
    }
    return out;
  };
  EXPECT_EQ(cids(true), (std::vector<std::string>{"messaging:cm-1"}));
  EXPECT_EQ(cids(false), (std::vector<std::string>{"messaging:cm-2"}));

  // A new message in the muted channel does not count either.
  Send("cm_b", "cm-1", "cm-x3");
  EXPECT_EQ(Me("cm_a").at("total_unread_count"), 1);

  // Refused: unknown channel, a channel the user cannot see.
  auto mute = [&](const std::string& body) {
    return Refused([&] { AsApp("cm_a", "POST", "/moderation/mute/channel", body); }).code();
  };
  EXPECT_EQ(mute(R"({"channel_cid":"messaging:nope"})"), 16);
  EXPECT_EQ(mute(R"({"channel_cid":"bad"})"), 4);

  AsApp("cm_a", "POST", "/moderation/unmute/channel", R"({"channel_cid":"messaging:cm-1"})");
  EXPECT_TRUE(Find(a.Collect({"notification.channel_mutes_updated"}),
                   "notification.channel_mutes_updated"));
  EXPECT_EQ(Me("cm_a").at("total_unread_count"), 4);

  // expiration is in milliseconds.
  AsApp("cm_a", "POST", "/moderation/mute/channel",
        R"({"channel_cids":["messaging:cm-2"],"expiration":60000})");
  EXPECT_EQ(Me("cm_a").at("total_unread_count"), 3);
  Advance(61);
  me = Me("cm_a");
  EXPECT_EQ(me.at("total_unread_count"), 4);
  EXPECT_TRUE(me.at("channel_mutes").as_array().empty());
}

TEST_F(ModerationTest, FlagsOfMessagesAndUsersAndTheirQueries) {
  Setup({"fl_a", "fl_b", "fl_admin"}, "fl");
  MakeAdmin("fl_admin");
  Send("fl_b", "fl", "fl-m1");
  Send("fl_a", "fl", "fl-m2");

  auto r =
      AsApp("fl_a", "POST", "/moderation/flag", R"({"target_message_id":"fl-m1","reason":"spam"})");
  EXPECT_EQ(r.at("flag").at("target_message_id"), "fl-m1");
  EXPECT_EQ(r.at("flag").at("user").at("id"), "fl_a");
  EXPECT_EQ(r.at("flag").at("reason"), "spam");
  r = AsApp("fl_a", "POST", "/moderation/flag", R"({"target_user_id":"fl_b"})");
  EXPECT_EQ(r.at("flag").at("target_user").at("id"), "fl_b");

  // Refusals.
  auto flag = [&](const std::string& body) {
    return Refused([&] { AsApp("fl_a", "POST", "/moderation/flag", body); }).code();
  };
  EXPECT_EQ(flag(R"({"target_message_id":"fl-m2"})"), 4);
  EXPECT_EQ(flag(R"({"target_message_id":"nope"})"), 16);
  EXPECT_EQ(flag(R"({"target_user_id":"ghost"})"), 16);
  EXPECT_EQ(flag(R"({})"), 4);
  EXPECT_EQ(Refused([&] {
              AsApp("fl_a", "GET", "/moderation/flags/message", "", {{"payload", "{}"}});
            }).code(),
            17);

  std::string payload = R"({"filter_conditions":{"channel_cid":"messaging:fl"}})";
  r = Server("GET", "/moderation/flags/message", "", {{"payload", payload}});
  auto flags = r.at("flags").as_array();
  ASSERT_EQ(flags.size(), 1u);
  EXPECT_EQ(flags[0].at("message").at("id"), "fl-m1");
  EXPECT_EQ(flags[0].at("target_user").at("id"), "fl_b");

  // The review list: every flag, for admins too.
  std::string review = R"({"filter_conditions":{"user_id":"fl_a"}})";
  r = AsApp("fl_admin", "POST", "/moderation/flags", review);
  EXPECT_EQ(r.at("flags").as_array().size(), 2u);

  AsApp("fl_a", "POST", "/moderation/unflag", R"({"target_message_id":"fl-m1"})");
  r = Server("POST", "/moderation/flags", review);
  ASSERT_EQ(r.at("flags").as_array().size(), 1u);
  EXPECT_FALSE(r.at("flags").as_array()[0].as_object().contains("target_message_id"));
}

TEST_F(ModerationTest, TestClockIsServerSideOnly) {
  Setup({"tc_a"});
  EXPECT_EQ(
      Refused([&] { AsApp("tc_a", "POST", "/_test/clock", R"({"advance_seconds":1})"); }).code(),
      17);
  EXPECT_EQ(Refused([&] { Server("POST", "/_test/clock", R"({"advance_seconds":-1})"); }).code(),
            4);
}

// An IP ban refuses every connection from the banned user's address. Its own server: the
// tests connect from 127.0.0.1, which this test bans for a while.
class IpBanTest : public ModerationTest {
 protected:
  static client::BanOptions IpBan(const std::string& cid = "") {
    client::BanOptions ban;
    ban.ip_ban = true;
    ban.cid = cid;
    return ban;
  }
  // A connection of `user`, expected to be refused by the IP ban (code 17).
  void ExpectConnectRefused(const std::string& user) {
    client::ChatClient c(BaseUrl(), key());
    EXPECT_EQ(Refused([&] { c.ConnectUser(SdkUser(user), UserToken(user)); }).code(), 17) << user;
  }
};

TEST_F(IpBanTest, IpBanRefusesOtherUsersFromTheBannedAddress) {
  Setup({"ip_a", "ip_b"}, "ip");
  SdkConn a(BaseUrl(), key());
  ASSERT_TRUE(a.Connect("ip_a", UserToken("ip_a")));
  sdk().BanUser("ip_a", IpBan());

  // Raw: the refusal frame's type is on the wire only (the SDK reports its error).
  WsClient b;
  ASSERT_TRUE(b.Connect(port(), ConnectTarget("ip_b", UserToken("ip_b"))));
  auto frame = b.ReadJson();
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->at("type"), "connection.error") << json::serialize(*frame);
  EXPECT_EQ(frame->at("error").at("code"), 17);
  ExpectConnectRefused("ip_b");
  // A channel ban never bans an address.
  sdk().UnbanUser("ip_a");
  sdk().BanUser("ip_a", IpBan("messaging:ip"));
  SdkConn after(BaseUrl(), key());
  EXPECT_TRUE(after.Connect("ip_b", UserToken("ip_b")));
}

TEST_F(IpBanTest, AnOfflineUsersAddressIsBannedFromTheirNextAttempt) {
  Setup({"ip_c", "ip_d"});
  sdk().BanUser("ip_c", IpBan());
  SdkConn d(BaseUrl(), key());
  EXPECT_TRUE(d.Connect("ip_d", UserToken("ip_d"))) << "the address is not known yet";
  ExpectConnectRefused("ip_c");
  ExpectConnectRefused("ip_d");  // ip_c's attempt revealed the address
  sdk().UnbanUser("ip_c");
  SdkConn d3(BaseUrl(), key());
  EXPECT_TRUE(d3.Connect("ip_d", UserToken("ip_d")));
}

}  // namespace
}  // namespace eddy::testing
