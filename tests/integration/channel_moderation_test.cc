// Moderation that lives on the channel and the user, over real sockets: freeze, slow mode,
// word blocklists (block and flag) and the user lifecycle (deactivate, reactivate, delete).
// Every refusal is checked to store nothing and to send nothing to the channel's watchers.
#include <chrono>
#include <string>
#include <thread>

#include "integration/events.h"
#include "integration/fixture.h"

namespace eddy::testing {
namespace {

class ChannelModerationTest : public EddyTest {
 protected:
  // Server-side: the users, then `cid` ("messaging:<id>") with them as members, `moderator`
  // (if any) a channel moderator.
  void MakeChannel(const std::string& id, const std::vector<std::string>& members,
                   const std::string& moderator = "") {
    json::object users;
    json::array ids;
    for (const std::string& m : members) {
      users[m] = json::object{{"id", m}};
      ids.emplace_back(m);
    }
    ASSERT_EQ(AsServer("POST", "/users", json::serialize(json::object{{"users", users}})).status,
              201);
    json::object data{{"created_by_id", members.front()}, {"members", ids}};
    auto r = AsServer("POST", "/channels/messaging/" + id + "/query",
                      json::serialize(json::object{{"data", data}}));
    ASSERT_EQ(r.status / 100, 2) << r.body;
    if (!moderator.empty()) {
      r = AsServer(
          "POST", "/channels/messaging/" + id,
          json::serialize(json::object{{"add_moderators", json::array{moderator.c_str()}}}));
      ASSERT_EQ(r.status / 100, 2) << r.body;
    }
  }

  // `user` connects and watches messaging:<id>; the events of that are drained.
  void Watch(EventClient& conn, const std::string& user, const std::string& id) {
    ASSERT_TRUE(conn.Connect(port(), ConnectTarget(user, UserToken(user))));
    auto r = AsUser(user, "POST", "/channels/messaging/" + id + "/query", R"({"watch":true})",
                    {{"connection_id", conn.connection_id()}});
    ASSERT_EQ(r.status / 100, 2) << r.body;
    conn.Drain();
  }

  HttpResult Send(const std::string& user, const std::string& id, const std::string& text) {
    return AsUser(user, "POST", "/channels/messaging/" + id + "/message",
                  json::serialize(json::object{{"message", json::object{{"text", text}}}}));
  }

  // The texts of the channel's stored messages, oldest first, as the server sees them.
  std::vector<std::string> Texts(const std::string& id) {
    auto r = AsServer("POST", "/channels/messaging/" + id + "/query",
                      R"({"state":true,"messages":{"limit":100}})");
    std::vector<std::string> out;
    for (const auto& m : r.obj().at("messages").as_array()) {
      const auto& o = m.as_object();
      out.push_back(std::string(o.at("type").as_string()) + ":" +
                    std::string(o.at("text").as_string()));
    }
    return out;
  }

  static void ExpectError(const HttpResult& r, int status, int code) {
    EXPECT_EQ(r.status, status) << r.body;
    ASSERT_TRUE(r.obj().contains("code")) << r.body;
    EXPECT_EQ(r.obj().at("code"), code) << r.body;
    EXPECT_EQ(r.obj().at("StatusCode"), status) << r.body;
  }
};

TEST_F(ChannelModerationTest, FrozenChannelTakesMessagesOnlyFromModerators) {
  MakeChannel("ice", {"fa", "fb", "fc"}, "fb");
  ASSERT_EQ(AsServer("PATCH", "/users", R"({"users":[{"id":"fc","set":{"role":"admin"}}]})").status,
            200);
  ASSERT_EQ(Send("fa", "ice", "before").status, 201);
  EventClient watcher;
  Watch(watcher, "fb", "ice");

  // A member may not freeze; nothing changes and nothing is sent.
  ExpectError(AsUser("fa", "PATCH", "/channels/messaging/ice", R"({"set":{"frozen":true}})"), 403,
              17);
  EXPECT_TRUE(watcher.Drain().empty());

  auto r = AsServer("PATCH", "/channels/messaging/ice", R"({"set":{"frozen":true}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.obj().at("channel").at("frozen"), true);
  auto updated = watcher.WaitFor("channel.updated");
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->at("channel").at("frozen"), true);
  watcher.Drain();

  // A member's message comes back as an unsaved error message.
  r = Send("fa", "ice", "while frozen");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.obj().at("message").at("type"), "error");
  ExpectError(
      AsUser("fa", "POST",
             "/messages/" + std::string(r.obj().at("message").at("id").as_string()) + "/reaction",
             R"({"reaction":{"type":"like"}})"),
      404, 16);
  EXPECT_TRUE(watcher.Drain().empty()) << "a refused message reaches nobody";

  // The channel moderator and the app admin still write.
  ASSERT_EQ(Send("fb", "ice", "moderator").status, 201);
  ASSERT_EQ(Send("fc", "ice", "admin").status, 201);
  EXPECT_EQ(Texts("ice"),
            (std::vector<std::string>{"regular:before", "regular:moderator", "regular:admin"}));
  auto caps = AsUser("fa", "POST", "/channels/messaging/ice/query", "{}");
  for (const auto& c : caps.obj().at("channel").at("own_capabilities").as_array()) {
    EXPECT_NE(c, "send-message") << "frozen: the member's UI must hide the composer";
  }

  // Unfrozen, the member writes again.
  ASSERT_EQ(AsServer("PATCH", "/channels/messaging/ice", R"({"set":{"frozen":false}})").status,
            200);
  r = Send("fa", "ice", "thawed");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.obj().at("message").at("type"), "regular");
}

TEST_F(ChannelModerationTest, SlowModeAllowsOneMessagePerCooldown) {
  MakeChannel("slow", {"sa", "sb"}, "sb");
  ExpectError(AsUser("sa", "POST", "/channels/messaging/slow", R"({"cooldown":30})"), 403, 17);
  auto r = AsServer("POST", "/channels/messaging/slow", R"({"cooldown":30})");
  ASSERT_EQ(r.status / 100, 2) << r.body;
  EXPECT_EQ(r.obj().at("channel").at("cooldown"), 30);
  EventClient watcher;
  Watch(watcher, "sb", "slow");

  ASSERT_EQ(Send("sa", "slow", "first").status, 201);
  watcher.Drain();
  r = Send("sa", "slow", "too soon");
  ExpectError(r, 403, 60);
  EXPECT_TRUE(watcher.Drain().empty());
  EXPECT_EQ(Texts("slow"), (std::vector<std::string>{"regular:first"}));

  // Moderators and the server are exempt.
  ASSERT_EQ(Send("sb", "slow", "mod 1").status, 201);
  ASSERT_EQ(Send("sb", "slow", "mod 2").status, 201);
  r = AsServer("POST", "/channels/messaging/slow/message",
               R"({"message":{"text":"server for sa","user_id":"sa"}})");
  ASSERT_EQ(r.status, 201) << r.body;
  auto caps = AsUser("sb", "POST", "/channels/messaging/slow/query", "{}");
  bool skip = false;
  for (const auto& c : caps.obj().at("channel").at("own_capabilities").as_array()) {
    skip = skip || c == "skip-slow-mode";
  }
  EXPECT_TRUE(skip);

  // Once the cooldown has passed the member may post again.
  ASSERT_EQ(AsServer("POST", "/channels/messaging/slow", R"({"cooldown":1})").status / 100, 2);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_EQ(Send("sa", "slow", "later").status, 201);
}

TEST_F(ChannelModerationTest, BlocklistsBlockOrFlagWords) {
  // Server-side only, validated.
  ExpectError(AsUser("ba", "POST", "/blocklists", R"({"name":"x","words":["a"]})"), 403, 17);
  ExpectError(AsServer("POST", "/blocklists", R"({"name":"bad name","words":["a"]})"), 400, 4);
  ExpectError(AsServer("POST", "/blocklists", R"({"name":"w","words":"darn"})"), 400, 4);
  ExpectError(AsServer("POST", "/blocklists", R"({"name":"w","words":["two words"]})"), 400, 4);
  ExpectError(AsServer("GET", "/blocklists/missing"), 404, 16);
  auto r = AsServer("POST", "/blocklists", R"({"name":"swears","words":["darn","Heck"]})");
  ASSERT_EQ(r.status, 201) << r.body;
  ExpectError(AsServer("POST", "/blocklists", R"({"name":"swears","words":["x"]})"), 400, 4);
  r = AsServer("GET", "/blocklists/swears");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.obj().at("blocklist").at("words"), (json::array{"darn", "heck"}));
  r = AsServer("GET", "/blocklists");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.obj().at("blocklists").as_array().size(), 1u);

  MakeChannel("clean", {"ba", "bb"});
  r = AsServer(
      "PATCH", "/channels/messaging/clean",
      R"({"set":{"config_overrides":{"blocklist":"swears","blocklist_behavior":"block"}}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EventClient watcher;
  Watch(watcher, "bb", "clean");

  r = Send("ba", "clean", "oh DARN it");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.obj().at("message").at("type"), "error");
  EXPECT_EQ(r.obj().at("message").at("text"), "Message was blocked by moderation policies");
  EXPECT_TRUE(watcher.Drain().empty());
  r = Send("ba", "clean", "darned heckler");  // whole words only
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.obj().at("message").at("type"), "regular");
  const std::string id(r.obj().at("message").at("id").as_string());
  watcher.Drain();
  ExpectError(AsUser("ba", "POST", "/messages/" + id, R"({"message":{"text":"what the heck"}})"),
              400, 4);
  EXPECT_TRUE(watcher.Drain().empty());
  EXPECT_EQ(Texts("clean"), (std::vector<std::string>{"regular:darned heckler"}));

  // New words take effect at once; a list in use cannot be deleted... from a type.
  ASSERT_EQ(AsServer("PUT", "/blocklists/swears", R"({"words":["darned"]})").status, 200);
  r = Send("ba", "clean", "darned again");
  EXPECT_EQ(r.obj().at("message").at("type"), "error") << r.body;

  // Behaviour flag: the message is stored and delivered.
  r = AsServer(
      "PATCH", "/channels/messaging/clean",
      R"({"set":{"config_overrides":{"blocklist":"swears","blocklist_behavior":"flag"}}})");
  ASSERT_EQ(r.status, 200) << r.body;
  r = Send("ba", "clean", "darned flagged");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.obj().at("message").at("type"), "regular");
  EXPECT_TRUE(watcher.WaitFor("message.new"));
  const std::string flagged(r.obj().at("message").at("id").as_string());
  r = AsServer("GET", "/moderation/flags/message", "",
               {{"payload", R"({"filter_conditions":{"channel_cid":"messaging:clean"}})"}});
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(r.obj().at("flags").as_array().size(), 1u) << r.body;
  const auto& flag = r.obj().at("flags").as_array()[0].as_object();
  EXPECT_EQ(flag.at("target_message_id"), flagged.c_str());
  EXPECT_EQ(flag.at("created_by_automod"), true);
  EXPECT_EQ(flag.at("reason"), "blocklist");

  ASSERT_EQ(AsServer("DELETE", "/blocklists/swears").status, 200);
  ExpectError(AsServer("GET", "/blocklists/swears"), 404, 16);
  r = Send("ba", "clean", "darned free");
  EXPECT_EQ(r.obj().at("message").at("type"), "regular") << r.body;
}

TEST_F(ChannelModerationTest, DeactivatedAndDeletedUsersLoseTheirSessionsAndMessages) {
  MakeChannel("life", {"la", "lb"});
  ASSERT_EQ(Send("la", "life", "one").status, 201);
  ASSERT_EQ(Send("la", "life", "two").status, 201);
  ASSERT_EQ(Send("lb", "life", "reply to all").status, 201);
  EventClient la;
  Watch(la, "la", "life");

  auto r = AsServer("POST", "/users/la/deactivate", R"({"mark_messages_deleted":true})");
  ASSERT_EQ(r.status / 100, 2) << r.body;
  auto error = la.WaitFor("connection.error");
  ASSERT_TRUE(error) << "the open session ends";
  EXPECT_EQ(error->at("error").at("code"), 5);
  EXPECT_FALSE(la.ws().Read(std::chrono::seconds(3)));
  EXPECT_EQ(la.ws().close_code(), 1000);
  EXPECT_EQ(Texts("life"),
            (std::vector<std::string>{"deleted:", "deleted:", "regular:reply to all"}));
  ExpectError(AsUser("la", "POST", "/channels/messaging/life/query", "{}"), 401, 5);
  EventClient again;
  EXPECT_FALSE(again.Connect(port(), ConnectTarget("la", UserToken("la"))));

  r = AsServer("POST", "/users/la/reactivate", R"({"restore_messages":true})");
  ASSERT_EQ(r.status / 100, 2) << r.body;
  EXPECT_EQ(Texts("life"),
            (std::vector<std::string>{"regular:one", "regular:two", "regular:reply to all"}));
  EXPECT_EQ(Send("la", "life", "back").status, 201);

  // Deleted (soft): the token stops working and the messages are marked deleted; then
  // deleted for good, the messages go with the user.
  r = AsServer("DELETE", "/users/la", "", {{"mark_messages_deleted", "true"}});
  ASSERT_EQ(r.status / 100, 2) << r.body;
  ExpectError(AsUser("la", "POST", "/channels/messaging/life/query", "{}"), 401, 5);
  EXPECT_EQ(Texts("life"),
            (std::vector<std::string>{"deleted:", "deleted:", "regular:reply to all", "deleted:"}));
  r = AsServer("DELETE", "/users/la", "",
               {{"mark_messages_deleted", "true"}, {"hard_delete", "true"}});
  ASSERT_EQ(r.status / 100, 2) << r.body;
  EXPECT_EQ(Texts("life"), (std::vector<std::string>{"regular:reply to all"}));
}

}  // namespace
}  // namespace eddy::testing
