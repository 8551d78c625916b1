// Moderation that lives on the channel and the user, over real sockets: freeze, slow mode,
// word blocklists (block and flag) and the user lifecycle (deactivate, reactivate, delete).
// Every refusal is checked to store nothing and to send nothing to the channel's watchers.
#include <chrono>
#include <string>
#include <thread>

#include "integration/events.h"
#include "integration/fixture.h"
#include "integration/sdk_events.h"

namespace eddy::testing {
namespace {

class ChannelModerationTest : public EddyTest {
 protected:
  // Server-side: the users, then `cid` ("messaging:<id>") with them as members, `moderator`
  // (if any) a channel moderator.
  void MakeChannel(const std::string& id, const std::vector<std::string>& members,
                   const std::string& moderator = "") {
    std::vector<client::User> users;
    for (const std::string& m : members) users.push_back(SdkUser(m));
    sdk().UpsertUsers(users);
    sdk().CreateChannel("messaging", id, members.front(), members);
    if (!moderator.empty()) sdk().AddModerators("messaging", id, {moderator});
  }

  // `user` connects and watches messaging:<id>; the events of that are drained.
  void Watch(SdkConn& conn, const std::string& user, const std::string& id) {
    ASSERT_TRUE(conn.Connect(user, UserToken(user)));
    conn.client().GetChannel("messaging", id).Watch();
    conn.Collect({});
  }

  client::ChannelHandle Channel(const std::string& user, const std::string& id) {
    return App(user).GetChannel("messaging", id);
  }
  client::Message Send(const std::string& user, const std::string& id, const std::string& text) {
    return Channel(user, id).SendMessage(text);
  }
  // The server's generic call through the SDK, with a JSON body given as text.
  json::object Server(const std::string& method, const std::string& path,
                      const std::string& body = "", client::QueryParams params = {}) {
    json::object b = body.empty() ? json::object() : json::parse(body).as_object();
    return sdk().Request(method, path, body.empty() ? nullptr : &b, std::move(params));
  }

  // The texts of the channel's stored messages, oldest first, as the server sees them.
  std::vector<std::string> Texts(const std::string& id) {
    auto r = Server("POST", "/channels/messaging/" + id + "/query",
                    R"({"state":true,"messages":{"limit":100}})");
    std::vector<std::string> out;
    for (const auto& m : r.at("messages").as_array()) {
      const auto& o = m.as_object();
      out.push_back(std::string(o.at("type").as_string()) + ":" +
                    std::string(o.at("text").as_string()));
    }
    return out;
  }

  // `call` fails through the SDK with `status` and `code`.
  template <typename F>
  static void ExpectError(F&& call, int status, int code) {
    try {
      call();
      ADD_FAILURE() << "the call succeeded; expected code " << code;
    } catch (const client::ApiError& e) {
      EXPECT_EQ(e.status_code(), status) << e.what();
      EXPECT_EQ(e.code(), code) << e.what();
    }
  }
  static bool HasCapability(const client::ChannelState& state, const std::string& cap) {
    const json::array& caps = state.channel.extra.at("own_capabilities").as_array();
    return std::find(caps.begin(), caps.end(), json::value(cap)) != caps.end();
  }
};

TEST_F(ChannelModerationTest, FrozenChannelTakesMessagesOnlyFromModerators) {
  MakeChannel("ice", {"fa", "fb", "fc"}, "fb");
  EXPECT_EQ(sdk().PartialUpdateUser("fc", {{"role", "admin"}}).role, "admin");
  Send("fa", "ice", "before");
  SdkConn watcher(BaseUrl(), key());
  Watch(watcher, "fb", "ice");

  // A member may not freeze; nothing changes and nothing is sent.
  const json::object freeze = json::parse(R"({"set":{"frozen":true}})").as_object();
  ExpectError([&] { App("fa").Request("PATCH", "/channels/messaging/ice", &freeze); }, 403, 17);
  EXPECT_TRUE(watcher.Collect({}).empty());

  auto r = sdk().Request("PATCH", "/channels/messaging/ice", &freeze);
  EXPECT_EQ(r.at("channel").at("frozen"), true);
  auto events = watcher.Collect({"channel.updated"});
  const json::object* updated = Find(events, "channel.updated");
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->at("channel").at("frozen"), true);

  // A member's message comes back as an unsaved error message.
  client::Message refused = Send("fa", "ice", "while frozen");
  EXPECT_EQ(refused.type, "error");
  ExpectError([&] { Channel("fa", "ice").SendReaction(refused.id, "like"); }, 404, 16);
  EXPECT_TRUE(watcher.Collect({}).empty()) << "a refused message reaches nobody";

  // The channel moderator and the app admin still write.
  Send("fb", "ice", "moderator");
  Send("fc", "ice", "admin");
  EXPECT_EQ(Texts("ice"),
            (std::vector<std::string>{"regular:before", "regular:moderator", "regular:admin"}));
  EXPECT_FALSE(HasCapability(Channel("fa", "ice").Query({}), "send-message"))
      << "frozen: the member's UI must hide the composer";

  // Unfrozen, the member writes again.
  Server("PATCH", "/channels/messaging/ice", R"({"set":{"frozen":false}})");
  EXPECT_EQ(Send("fa", "ice", "thawed").type, "regular");
}

TEST_F(ChannelModerationTest, SlowModeAllowsOneMessagePerCooldown) {
  MakeChannel("slow", {"sa", "sb"}, "sb");
  const json::object cooldown{{"cooldown", 30}};
  ExpectError([&] { App("sa").Request("POST", "/channels/messaging/slow", &cooldown); }, 403, 17);
  auto r = sdk().Request("POST", "/channels/messaging/slow", &cooldown);
  EXPECT_EQ(r.at("channel").at("cooldown"), 30);
  SdkConn watcher(BaseUrl(), key());
  Watch(watcher, "sb", "slow");

  Send("sa", "slow", "first");
  watcher.Collect({"message.new"});
  ExpectError([&] { Send("sa", "slow", "too soon"); }, 403, 60);
  EXPECT_TRUE(watcher.Collect({}).empty());
  EXPECT_EQ(Texts("slow"), (std::vector<std::string>{"regular:first"}));

  // Moderators and the server are exempt.
  Send("sb", "slow", "mod 1");
  Send("sb", "slow", "mod 2");
  client::Message by_server;
  by_server.text = "server for sa";
  EXPECT_EQ(sdk().SendMessage("messaging", "slow", "sa", by_server).type, "regular");
  EXPECT_TRUE(HasCapability(Channel("sb", "slow").Query({}), "skip-slow-mode"));

  // Once the cooldown has passed the member may post again (no test clock here: real time).
  Server("POST", "/channels/messaging/slow", R"({"cooldown":1})");
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_EQ(Send("sa", "slow", "later").type, "regular");
}

TEST_F(ChannelModerationTest, BlocklistsBlockOrFlagWords) {
  // Server-side only, validated.
  const json::object list{{"name", "x"}, {"words", json::array{"a"}}};
  ExpectError([&] { App("ba").Request("POST", "/blocklists", &list); }, 403, 17);
  ExpectError([&] { Server("POST", "/blocklists", R"({"name":"bad name","words":["a"]})"); }, 400,
              4);
  ExpectError([&] { Server("POST", "/blocklists", R"({"name":"w","words":"darn"})"); }, 400, 4);
  ExpectError([&] { Server("POST", "/blocklists", R"({"name":"w","words":["two words"]})"); }, 400,
              4);
  ExpectError([&] { Server("GET", "/blocklists/missing"); }, 404, 16);
  Server("POST", "/blocklists", R"({"name":"swears","words":["darn","Heck"]})");
  ExpectError([&] { Server("POST", "/blocklists", R"({"name":"swears","words":["x"]})"); }, 400, 4);
  EXPECT_EQ(Server("GET", "/blocklists/swears").at("blocklist").at("words"),
            (json::array{"darn", "heck"}));
  EXPECT_EQ(Server("GET", "/blocklists").at("blocklists").as_array().size(), 1u);

  MakeChannel("clean", {"ba", "bb"});
  Server("PATCH", "/channels/messaging/clean",
         R"({"set":{"config_overrides":{"blocklist":"swears","blocklist_behavior":"block"}}})");
  SdkConn watcher(BaseUrl(), key());
  Watch(watcher, "bb", "clean");

  client::Message m = Send("ba", "clean", "oh DARN it");
  EXPECT_EQ(m.type, "error");
  EXPECT_EQ(m.text, "Message was blocked by moderation policies");
  EXPECT_TRUE(watcher.Collect({}).empty());
  m = Send("ba", "clean", "darned heckler");  // whole words only
  EXPECT_EQ(m.type, "regular");
  watcher.Collect({"message.new"});
  client::Message edit;
  edit.id = m.id;
  edit.text = "what the heck";
  ExpectError([&] { Channel("ba", "clean").UpdateMessage(edit); }, 400, 4);
  EXPECT_TRUE(watcher.Collect({}).empty());
  EXPECT_EQ(Texts("clean"), (std::vector<std::string>{"regular:darned heckler"}));

  // New words take effect at once; a list in use cannot be deleted... from a type.
  Server("PUT", "/blocklists/swears", R"({"words":["darned"]})");
  EXPECT_EQ(Send("ba", "clean", "darned again").type, "error");

  // Behaviour flag: the message is stored and delivered.
  Server("PATCH", "/channels/messaging/clean",
         R"({"set":{"config_overrides":{"blocklist":"swears","blocklist_behavior":"flag"}}})");
  const client::Message flagged = Send("ba", "clean", "darned flagged");
  EXPECT_EQ(flagged.type, "regular");
  EXPECT_TRUE(Find(watcher.Collect({"message.new"}), "message.new"));
  auto r = Server("GET", "/moderation/flags/message", "",
                  {{"payload", R"({"filter_conditions":{"channel_cid":"messaging:clean"}})"}});
  ASSERT_EQ(r.at("flags").as_array().size(), 1u) << r;
  const auto& flag = r.at("flags").as_array()[0].as_object();
  EXPECT_EQ(flag.at("target_message_id"), flagged.id.c_str());
  EXPECT_EQ(flag.at("created_by_automod"), true);
  EXPECT_EQ(flag.at("reason"), "blocklist");

  Server("DELETE", "/blocklists/swears");
  ExpectError([&] { Server("GET", "/blocklists/swears"); }, 404, 16);
  EXPECT_EQ(Send("ba", "clean", "darned free").type, "regular");
}

TEST_F(ChannelModerationTest, DeactivatedAndDeletedUsersLoseTheirSessionsAndMessages) {
  MakeChannel("life", {"la", "lb"});
  Send("la", "life", "one");
  Send("la", "life", "two");
  Send("lb", "life", "reply to all");
  // Raw: the test checks how the server ends the socket (error frame, then close 1000), which
  // the SDK turns into a local event without the close code.
  EventClient la;
  ASSERT_TRUE(la.Connect(port(), ConnectTarget("la", UserToken("la"))));
  auto r = AsUser("la", "POST", "/channels/messaging/life/query", R"({"watch":true})",
                  {{"connection_id", la.connection_id()}});
  ASSERT_EQ(r.status / 100, 2) << r.body;
  la.Drain();

  sdk().DeactivateUser("la", /*mark_messages_deleted=*/true);
  auto error = la.WaitFor("connection.error");
  ASSERT_TRUE(error) << "the open session ends";
  EXPECT_EQ(error->at("error").at("code"), 5);
  EXPECT_FALSE(la.ws().Read(std::chrono::seconds(3)));
  EXPECT_EQ(la.ws().close_code(), 1000);
  EXPECT_EQ(Texts("life"),
            (std::vector<std::string>{"deleted:", "deleted:", "regular:reply to all"}));
  // App("la") connected before (Send): its token still reaches REST, and is refused.
  ExpectError([&] { Channel("la", "life").Query({}); }, 401, 5);
  client::ChatClient again(BaseUrl(), key());
  EXPECT_THROW(again.ConnectUser(SdkUser("la"), UserToken("la")), client::ApiError);

  Server("POST", "/users/la/reactivate", R"({"restore_messages":true})");
  EXPECT_EQ(Texts("life"),
            (std::vector<std::string>{"regular:one", "regular:two", "regular:reply to all"}));
  Send("la", "life", "back");

  // Deleted (soft): the token stops working and the messages are marked deleted; then
  // deleted for good, the messages go with the user.
  Server("DELETE", "/users/la", "", {{"mark_messages_deleted", "true"}});
  ExpectError([&] { Channel("la", "life").Query({}); }, 401, 5);
  EXPECT_EQ(Texts("life"),
            (std::vector<std::string>{"deleted:", "deleted:", "regular:reply to all", "deleted:"}));
  Server("DELETE", "/users/la", "", {{"mark_messages_deleted", "true"}, {"hard_delete", "true"}});
  EXPECT_EQ(Texts("life"), (std::vector<std::string>{"regular:reply to all"}));
}

}  // namespace
}  // namespace eddy::testing
