// The 30 calls of a minimal real chat app (protocol §10), over real sockets with three users,
// checking each response shape and, after every call, exactly which events each open
// connection receives (so also that the others receive nothing). Uploads (#17-19) and the ban
// (#28) belong to later issues.
#include <functional>
#include <map>

#include "integration/events.h"
#include "integration/fixture.h"
#include "integration/sdk_events.h"

namespace eddy::testing {
namespace {

using Types = std::multiset<std::string>;

class ChatFlowTest : public EddyTest {
 protected:
  // Every open connection, by name, checked after each step.
  void Track(const std::string& name, SdkConn& conn) {
    conns_[name] = [&conn](const Types& want) { return conn.Collect(want); };
  }
  void Track(const std::string& name, EventClient& conn) {
    conns_[name] = [&conn](const Types& want) { return conn.Collect(want); };
  }
  void Untrack(const std::string& name) { conns_.erase(name); }

  // After one call: each tracked connection receives exactly the event types `want` lists
  // for it, and those not listed receive nothing. Returns what each received.
  std::map<std::string, std::vector<json::object>> Step(const std::string& step,
                                                        std::map<std::string, Types> want) {
    std::map<std::string, std::vector<json::object>> got;
    for (auto& [name, conn] : conns_) {
      const Types& expected = want[name];
      got[name] = conn(expected);
      std::string all;
      for (const auto& e : got[name]) all += "  " + json::serialize(e) + "\n";
      EXPECT_EQ(EventClient::Types(got[name]), expected)
          << "step " << step << ": " << name << " received\n"
          << all;
    }
    return got;
  }

  static const json::object& Only(const std::vector<json::object>& events,
                                  const std::string& type) {
    static const json::object kNone;
    const json::object* e = Find(events, type);
    return e ? *e : kNone;
  }

  static void ExpectChannelShape(const json::object& channel) {
    for (const char* key : {"id", "type", "cid", "created_at", "updated_at", "frozen", "disabled",
                            "member_count", "config", "own_capabilities"}) {
      EXPECT_TRUE(channel.contains(key)) << key << " missing in " << json::serialize(channel);
    }
    EXPECT_TRUE(channel.at("config").is_object());
    EXPECT_TRUE(channel.at("config").as_object().contains("typing_events"));
  }

  static void ExpectStateShape(const json::object& state) {
    ASSERT_TRUE(state.contains("channel")) << json::serialize(state);
    ExpectChannelShape(state.at("channel").as_object());
    EXPECT_TRUE(state.at("messages").is_array());
    EXPECT_TRUE(state.at("members").is_array());
    EXPECT_TRUE(state.at("pinned_messages").is_array());
    for (const auto& m : state.at("members").as_array()) {
      EXPECT_TRUE(m.as_object().at("user").as_object().contains("id"));
      EXPECT_TRUE(m.as_object().contains("channel_role"));
    }
    if (state.contains("read")) {
      for (const auto& r : state.at("read").as_array()) {
        EXPECT_TRUE(r.as_object().at("user").as_object().contains("id"));
        EXPECT_TRUE(r.as_object().at("last_read").is_string());
        EXPECT_TRUE(r.as_object().at("unread_messages").is_int64());
      }
    }
  }

  static void ExpectMessageShape(const json::object& m) {
    for (const char* key : {"id", "text", "type", "user", "cid", "attachments", "latest_reactions",
                            "own_reactions", "reaction_counts", "reaction_scores", "reply_count",
                            "created_at", "updated_at", "mentioned_users"}) {
      EXPECT_TRUE(m.contains(key)) << key << " missing in " << json::serialize(m);
    }
  }

  std::map<std::string, std::function<std::vector<json::object>(const Types&)>> conns_;
};

TEST_F(ChatFlowTest, TheThirtyCalls) {
  // 1. The backend upserts the users (through the C++ SDK's ServerClient).
  auto upserted = sdk().UpsertUsers(
      {SdkUser("alice", "Alice"), SdkUser("bob", "Bob"), SdkUser("carol", "Carol")});
  EXPECT_EQ(upserted.size(), 3u);
  // 2. Carol becomes an app admin.
  EXPECT_EQ(sdk().PartialUpdateUser("carol", {{"role", "admin"}}).role, "admin");
  // 3. Tokens are minted locally (UserToken). 4. The backend creates the channel.
  client::ChannelState created = sdk().CreateChannel(
      "messaging", "general", "carol", {"alice", "bob", "carol"}, {{"name", "General"}});
  ExpectChannelShape(created.channel.ToJson());
  EXPECT_EQ(created.channel.cid, "messaging:general");
  EXPECT_EQ(created.channel.name, "General");
  EXPECT_EQ(created.channel.member_count, 3);
  // 5. Bob becomes a channel moderator.
  bool bob_is_moderator = false;
  for (const auto& m : sdk().AddModerators("messaging", "general", {"bob"}).members) {
    if (m.user_id == "bob") bob_is_moderator = m.channel_role == "channel_moderator";
  }
  EXPECT_TRUE(bob_is_moderator);

  // 6. The apps connect (through the C++ SDK's ChatClient).
  SdkConn alice(BaseUrl(), key()), bob(BaseUrl(), key()), carol(BaseUrl(), key());
  ASSERT_TRUE(alice.Connect("alice", UserToken("alice")));
  ASSERT_TRUE(bob.Connect("bob", UserToken("bob")));
  ASSERT_TRUE(carol.Connect("carol", UserToken("carol")));
  EXPECT_EQ(carol.hello().at("me").at("role"), "admin");
  Track("alice", alice);
  Track("bob", bob);
  Track("carol", carol);
  Step("6", {});

  // 7. Alice and Bob list their channels and watch them; Carol does not watch. Each user calls
  // through the SDK client of their connection, so connection_id names that connection.
  client::ChannelHandle alice_general = alice.client().GetChannel("messaging", "general");
  client::ChannelHandle bob_general = bob.client().GetChannel("messaging", "general");
  auto channels = alice.client().QueryChannels(
      {{"type", "messaging"}, {"members", {{"$in", {"alice"}}}}},
      {{{"field", "last_message_at"}, {"direction", -1}}}, 10, /*watch=*/true, /*presence=*/true);
  ASSERT_EQ(channels.size(), 1u);
  ExpectStateShape(channels[0].ToJson());
  EXPECT_EQ(channels[0].members.size(), 3u);
  Step("7 alice watches", {{"alice", {"user.watching.start"}}});
  bob.client().QueryChannels({{"cid", {{"$in", {"messaging:general"}}}}});
  auto got =
      Step("7 bob watches", {{"alice", {"user.watching.start"}}, {"bob", {"user.watching.start"}}});
  const json::object& start = Only(got["alice"], "user.watching.start");
  ASSERT_FALSE(start.empty());
  EXPECT_EQ(start.at("user").at("id"), "bob");
  EXPECT_EQ(start.at("watcher_count"), 2);
  EXPECT_EQ(start.at("cid"), "messaging:general");

  // 9. Alice opens the channel (watch with a message page): she watches already, so nobody
  // hears of it again.
  json::object opened = alice_general.Watch(25).ToJson();
  ExpectStateShape(opened);
  EXPECT_TRUE(opened.at("duration").is_string());
  Step("9", {});

  // 10. Alice marks the channel read.
  EXPECT_EQ(alice_general.MarkRead().type, "message.read");
  got = Step("10",
             {{"alice", {"message.read", "notification.mark_read"}}, {"bob", {"message.read"}}});
  EXPECT_EQ(Only(got["bob"], "message.read").at("user").at("id"), "alice");

  // 11-12. Typing.
  client::Event typing = alice_general.Keystroke();
  ASSERT_TRUE(typing.user.has_value());
  EXPECT_EQ(typing.user->id, "alice");
  got = Step("11", {{"alice", {"typing.start"}}, {"bob", {"typing.start"}}});
  EXPECT_EQ(Only(got["bob"], "typing.start").at("user").at("id"), "alice");
  EXPECT_EQ(Only(got["bob"], "typing.start").at("cid"), "messaging:general");
  alice_general.StopTyping();
  Step("12", {{"alice", {"typing.stop"}}, {"bob", {"typing.stop"}}});

  // 13-14. Alice sends a message mentioning Bob.
  const std::string msg = "3b2f3a52-1111-4c1e-9a0e-000000000001";
  client::Message hi;
  hi.id = msg;
  hi.text = "Hi @bob";
  hi.mentioned_users = {SdkUser("bob")};
  client::Message sent = alice_general.SendMessage(hi);
  ExpectMessageShape(sent.ToJson());
  ASSERT_EQ(sent.mentioned_users.size(), 1u);
  EXPECT_EQ(sent.mentioned_users[0].id, "bob");
  got = Step("13", {{"alice", {"message.new"}},
                    {"bob", {"message.new"}},
                    {"carol", {"notification.message_new"}}});
  const json::object& bob_new = Only(got["bob"], "message.new");
  ASSERT_FALSE(bob_new.empty());
  EXPECT_EQ(bob_new.at("message").at("text"), "Hi @bob");
  EXPECT_EQ(bob_new.at("user").at("id"), "alice");
  EXPECT_EQ(bob_new.at("unread_count"), 1);
  EXPECT_EQ(bob_new.at("total_unread_count"), 1);
  EXPECT_EQ(bob_new.at("watcher_count"), 2);
  EXPECT_EQ(Only(got["alice"], "message.new").at("unread_count"), 0);
  const json::object& carol_note = Only(got["carol"], "notification.message_new");
  ASSERT_FALSE(carol_note.empty()) << "carol is a member who does not watch";
  EXPECT_EQ(carol_note.at("channel").at("cid"), "messaging:general");
  EXPECT_TRUE(carol_note.at("channel").as_object().contains("config"));

  // 15-16. Bob reacts and takes it back.
  client::ReactionResult liked = bob_general.SendReaction(msg, "like");
  EXPECT_EQ(liked.reaction.user_id, "bob");
  EXPECT_EQ(liked.message.reaction_counts["like"], 1);
  got = Step("15", {{"alice", {"reaction.new"}}, {"bob", {"reaction.new"}}});
  EXPECT_EQ(Only(got["alice"], "reaction.new").at("reaction").at("type"), "like");
  bob_general.DeleteReaction(msg, "like");
  Step("16", {{"alice", {"reaction.deleted"}}, {"bob", {"reaction.deleted"}}});

  // 20. Alice edits her message.
  client::Message edit;
  edit.id = msg;
  edit.text = "Hi @bob (edited)";
  edit.extra["pinned"] = false;
  EXPECT_EQ(alice_general.UpdateMessage(edit).text, "Hi @bob (edited)");
  got = Step("20", {{"alice", {"message.updated"}}, {"bob", {"message.updated"}}});
  EXPECT_EQ(Only(got["bob"], "message.updated").at("message").at("text"), "Hi @bob (edited)");

  // 21-22. Bob replies in a thread; Alice reads the thread.
  client::Message reply;
  reply.id = "reply-1";
  reply.text = "reply";
  reply.parent_id = msg;
  EXPECT_EQ(bob_general.SendMessage(reply).type, "reply");
  // The parent's author follows the thread; the parent's reply_count changed for watchers.
  got =
      Step("21", {{"alice", {"message.new", "message.updated", "notification.thread_message_new"}},
                  {"bob", {"message.new", "message.updated"}}});
  const json::object& reply_new = Only(got["alice"], "message.new");
  ASSERT_FALSE(reply_new.empty());
  EXPECT_EQ(reply_new.at("parent_author").at("id"), "alice");
  ASSERT_EQ(reply_new.at("thread_participants").as_array().size(), 1u);
  EXPECT_EQ(reply_new.at("thread_participants").as_array()[0].at("id"), "bob");
  std::vector<client::Message> replies = alice_general.GetReplies(msg, 25);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].id, "reply-1");
  // The user client has no typed GetMessage: the generic call, as alice.
  EXPECT_EQ(alice.client().Request("GET", "/messages/" + msg).at("message").at("reply_count"), 1);
  Step("22", {});

  // 23. Older history.
  json::object older = alice_general
                           .Query({{"data", json::object{}},
                                   {"state", true},
                                   {"messages", {{"limit", 25}, {"id_lt", msg}}}})
                           .ToJson();
  EXPECT_TRUE(older.at("messages").as_array().empty());
  Step("23", {});

  // 24. Alice deletes her message.
  EXPECT_EQ(alice_general.DeleteMessage(msg).type, "deleted");
  got = Step("24", {{"alice", {"message.deleted"}}, {"bob", {"message.deleted"}}});
  EXPECT_EQ(Only(got["bob"], "message.deleted").at("hard_delete"), false);

  // 25. Mention autocomplete.
  std::vector<client::Member> mentionable =
      alice_general.QueryMembers({{"name", {{"$autocomplete", "bo"}}}}, {}, 10);
  ASSERT_EQ(mentionable.size(), 1u);
  ASSERT_TRUE(mentionable[0].user.has_value());
  EXPECT_EQ(mentionable[0].user->id, "bob");
  Step("25", {});

  // 26. Heartbeat: answered on that connection only (a raw socket, to send the ping now).
  EventClient pinger;
  ASSERT_TRUE(pinger.Connect(port(), ConnectTarget("alice", UserToken("alice"))));
  Track("pinger", pinger);
  pinger.ws().Send(R"([{"type":"health.check","client_id":"alice--1"}])");
  Step("26", {{"pinger", {"health.check"}}});
  pinger.ws().Close(1000);
  Untrack("pinger");
  Step("26 closed", {});

  // 27. Alice reconnects and recovers her channels on the new connection.
  SdkConn alice2(BaseUrl(), key());
  ASSERT_TRUE(alice2.Connect("alice", UserToken("alice")));
  Track("alice2", alice2);
  channels = alice2.client().QueryChannels({{"cid", {{"$in", {"messaging:general"}}}}},
                                           {{{"field", "last_message_at"}, {"direction", -1}}}, 30,
                                           /*watch=*/true, /*presence=*/false);
  ASSERT_EQ(channels.size(), 1u);
  Step("27 recover", {});  // alice was watching already: no user.watching.start
  client::Message still;
  still.id = "after-reconnect";
  still.text = "still here?";
  bob_general.SendMessage(still);
  got = Step("27 message", {{"alice", {"message.new"}},
                            {"alice2", {"message.new"}},
                            {"bob", {"message.new"}},
                            {"carol", {"notification.message_new"}}});
  EXPECT_EQ(Only(got["alice2"], "message.new").at("message").at("id"), "after-reconnect");

  // 29. Bob stops watching; the watchers see it.
  bob_general.StopWatching();
  got = Step("29", {{"alice", {"user.watching.stop"}}, {"alice2", {"user.watching.stop"}}});
  EXPECT_EQ(Only(got["alice2"], "user.watching.stop").at("user").at("id"), "bob");

  // 30. Bob logs out: those following his presence see him go offline (alice asked for
  // presence in #7 on her first connection).
  bob.client().DisconnectUser();
  Untrack("bob");
  got = Step("30", {{"alice", {"user.presence.changed"}}});
  const json::object& offline = Only(got["alice"], "user.presence.changed");
  ASSERT_FALSE(offline.empty());
  EXPECT_EQ(offline.at("user").at("id"), "bob");
  EXPECT_EQ(offline.at("user").at("online"), false);
}

}  // namespace
}  // namespace eddy::testing
