// The seed's flow through the SDK against the real eddy binary: a backend (ServerClient) and
// two apps (ChatClient) with tokens from the token_server example; the moderation and
// terminal_chat examples run against the same server.
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <fstream>
#include <thread>

#include "eddy/async.h"
#include "sdk/sdk_fixture.h"

namespace eddy::testing {
namespace {

namespace json = boost::json;

class SdkFlowTest : public SdkTest {};

TEST_F(SdkFlowTest, TheSeedFlow) {
  // Server side: users, an admin, a channel with a moderator.
  auto users = server_->UpsertUsers({U("alice", "Alice"), U("bob", "Bob"), U("carol", "Carol")});
  ASSERT_EQ(users.size(), 3u);
  EXPECT_EQ(users[0].name, "Alice");
  ec::User carol = server_->PartialUpdateUser("carol", {{"role", "admin"}});
  EXPECT_EQ(carol.role, "admin");
  ec::ChannelState created = server_->CreateChannel(
      "messaging", "general", "carol", {"alice", "bob", "carol"}, {{"name", "General"}});
  EXPECT_EQ(created.channel.cid, "messaging:general");
  EXPECT_EQ(created.channel.name, "General");
  EXPECT_EQ(created.channel.member_count, 3);
  ec::ChannelUpdate update = server_->AddModerators("messaging", "general", {"bob"});
  bool bob_moderates = false;
  for (const auto& m : update.members) {
    if (m.user_id == "bob") bob_moderates = m.channel_role == "channel_moderator";
  }
  EXPECT_TRUE(bob_moderates);

  // Client side: tokens from the token server, connect, watch.
  ec::ChatClient alice(url(), eddy_.api_key()), bob(url(), eddy_.api_key());
  EventLog alice_events(alice), bob_events(bob);
  ec::User alice_me = alice.ConnectUser(U("alice", "Alice"), Provider("alice"));
  EXPECT_EQ(alice_me.id, "alice");
  EXPECT_EQ(alice_me.extra.at("total_unread_count"), 0);
  EXPECT_FALSE(alice.connection_id().empty());
  bob.ConnectUser(U("bob"), Provider("bob"));
  ec::ChannelHandle alice_general = alice.GetChannel("messaging", "general");
  ec::ChannelHandle bob_general = bob.GetChannel("messaging", "general");
  ec::ChannelState state = alice_general.Watch();
  EXPECT_EQ(state.channel.name, "General");
  EXPECT_EQ(state.members.size(), 3u);
  auto queried = bob.QueryChannels({{"members", {{"$in", json::array{"bob"}}}}});
  ASSERT_EQ(queried.size(), 1u);
  EXPECT_EQ(queried[0].channel.cid, "messaging:general");
  ASSERT_TRUE(alice_events.WaitFor("user.watching.start", From("bob")));

  // A channel subscription sees only its channel's events.
  std::atomic<int> channel_messages{0};
  ec::Subscription sub =
      alice_general.On("message.new", [&](const ec::Event&) { ++channel_messages; });
  // The subscription's handler may run just after the log's (same event, next listener).
  auto channel_messages_reach = [&](int n) {
    for (int i = 0; i < 500 && channel_messages.load() < n; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return channel_messages.load();
  };

  // Authenticated use: bob writes, alice receives.
  ec::Message sent = bob_general.SendMessage("hello alice");
  EXPECT_FALSE(sent.id.empty());
  EXPECT_EQ(sent.user->id, "bob");
  auto received = alice_events.WaitFor("message.new", From("bob"));
  ASSERT_TRUE(received);
  EXPECT_EQ(received->message->text, "hello alice");
  EXPECT_EQ(received->message->id, sent.id);
  EXPECT_EQ(received->cid, "messaging:general");
  EXPECT_EQ(channel_messages_reach(1), 1);

  // Typing, reactions, read state.
  alice_general.Keystroke();
  EXPECT_TRUE(bob_events.WaitFor("typing.start", From("alice")));
  alice_general.StopTyping();
  EXPECT_TRUE(bob_events.WaitFor("typing.stop", From("alice")));
  ec::ReactionResult liked = alice_general.SendReaction(sent.id, "like");
  EXPECT_EQ(liked.reaction.type, "like");
  EXPECT_EQ(liked.reaction.user_id, "alice");
  EXPECT_EQ(liked.message.reaction_counts.at("like"), 1);
  auto reaction = bob_events.WaitFor("reaction.new", From("alice"));
  ASSERT_TRUE(reaction);
  EXPECT_EQ(reaction->reaction->type, "like");
  ec::Event read = alice_general.MarkRead();
  EXPECT_EQ(read.type, "message.read");
  EXPECT_TRUE(bob_events.WaitFor("message.read", From("alice")));

  // Threads, edits, members.
  ec::Message reply;
  reply.text = "a reply";
  reply.parent_id = sent.id;
  reply.extra["mood"] = "cheerful";  // custom fields travel both ways
  ec::Message got_reply = alice_general.SendMessage(reply);
  EXPECT_EQ(got_reply.type, "reply");
  EXPECT_EQ(got_reply.extra.at("mood"), "cheerful");
  auto replies = bob_general.GetReplies(sent.id);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].text, "a reply");
  sent.text = "hello alice (edited)";
  EXPECT_EQ(bob_general.UpdateMessage(sent).text, "hello alice (edited)");
  auto edited = alice_events.WaitFor("message.updated", [&](const ec::Event& e) {
    return e.message && e.message->id == sent.id && e.message->text == "hello alice (edited)";
  });
  ASSERT_TRUE(edited);
  EXPECT_EQ(edited->message->text, "hello alice (edited)");
  auto members = alice_general.QueryMembers({{"name", {{"$autocomplete", "bo"}}}});
  ASSERT_EQ(members.size(), 1u);
  EXPECT_EQ(members[0].user->id, "bob");
  alice_general.DeleteReaction(sent.id, "like");
  EXPECT_TRUE(bob_events.WaitFor("reaction.deleted", From("alice")));

  // Moderation: a banned user cannot write; after the unban he can.
  ec::BanOptions ban;
  ban.banned_by_id = "carol";
  ban.reason = "spam";
  ban.timeout_minutes = 60;
  server_->BanUser("bob", ban);
  json::array bans = server_->QueryBannedUsers({{"user_id", "bob"}});
  ASSERT_EQ(bans.size(), 1u);
  EXPECT_EQ(bans[0].at("reason"), "spam");
  try {
    bob_general.SendMessage("let me in");
    FAIL() << "a banned user could send";
  } catch (const ec::ApiError& e) {
    EXPECT_EQ(e.code(), 17) << e.what();
    EXPECT_EQ(e.status_code(), 403);
  }
  // A global ban also ends bob's socket, for good: the SDK does not reconnect by itself.
  auto ended = bob_events.WaitFor("connection.error");
  ASSERT_TRUE(ended);
  EXPECT_EQ(ended->extra.at("error").at("code"), 17);
  EXPECT_TRUE(bob.connection_id().empty());
  server_->UnbanUser("bob");
  bob.ConnectUser(U("bob"), Provider("bob"));
  bob_general.Watch();
  EXPECT_EQ(bob_general.SendMessage("back again").text, "back again");
  EXPECT_TRUE(alice_events.WaitFor("message.new", From("bob")));
  EXPECT_EQ(channel_messages_reach(3), 3);

  // Unsubscribed handlers are not called again.
  sub.Unsubscribe();
  bob_general.SendMessage("unheard by the channel handler");
  EXPECT_TRUE(alice_events.WaitFor("message.new", From("bob")));
  EXPECT_EQ(channel_messages.load(), 3);

  ec::Message deleted = bob_general.DeleteMessage(sent.id);
  EXPECT_EQ(deleted.type, "deleted");
  alice_general.StopWatching();
  EXPECT_TRUE(bob_events.WaitFor("user.watching.stop", From("alice")));
  alice.DisconnectUser();
  EXPECT_TRUE(alice.connection_id().empty());
  EXPECT_EQ(alice_events.Count("connection.error"), 0);
}

TEST_F(SdkFlowTest, ServerSideCallsAndErrors) {
  server_->UpsertUsers({U("dan"), U("eve")});
  server_->CreateChannel("messaging", "ops", "dan", {"dan", "eve"});
  ec::Message m;
  m.text = "from the backend";
  ec::Message sent = server_->SendMessage("messaging", "ops", "dan", m);
  EXPECT_EQ(sent.user->id, "dan");
  EXPECT_EQ(server_->GetMessage(sent.id).text, "from the backend");
  auto found = server_->QueryUsers({{"id", {{"$in", json::array{"dan", "eve"}}}}});
  EXPECT_EQ(found.size(), 2u);
  ec::ChannelUpdate updated = server_->UpdateChannel("messaging", "ops", {{"name", "Ops"}});
  EXPECT_EQ(updated.channel.name, "Ops");
  EXPECT_EQ(server_->RemoveMembers("messaging", "ops", {"eve"}).members.size(), 1u);
  server_->MuteUser("eve", "dan");
  server_->UnmuteUser("eve", "dan");
  EXPECT_TRUE(server_->FlagMessage(sent.id, "eve", "rude").contains("flag"));
  EXPECT_TRUE(server_->TruncateChannel("messaging", "ops").extra.contains("truncated_at"));
  EXPECT_TRUE(server_->GetAppSettings().contains("channel_configs"));
  EXPECT_EQ(server_->DeactivateUser("eve").id, "eve");
  EXPECT_EQ(server_->ReactivateUser("eve").id, "eve");
  EXPECT_EQ(server_->DeleteUser("eve").id, "eve");
  EXPECT_EQ(server_->DeleteChannel("messaging", "ops").cid, "messaging:ops");
  try {
    server_->GetMessage("no-such-message");
    FAIL() << "no error";
  } catch (const ec::ApiError& e) {
    EXPECT_EQ(e.code(), 16);
    EXPECT_EQ(e.status_code(), 404);
    EXPECT_FALSE(e.message().empty());
  }
  ec::ServerClient wrong(url(), eddy_.api_key(), "not-the-secret");
  try {
    wrong.GetAppSettings();
    FAIL() << "a forged server token was accepted";
  } catch (const ec::ApiError& e) {
    EXPECT_EQ(e.code(), 43);
    EXPECT_EQ(e.status_code(), 401);
  }
}

TEST_F(SdkFlowTest, TheExamplesRun) {
  server_->UpsertUsers({U("carol"), U("bob"), U("dave"), U("alice")});
  server_->CreateChannel("messaging", "general", "carol", {"alice", "dave"});

  // The token server refuses bad input.
  try {
    ec::FetchToken(token_url(), "bad id with spaces");
    FAIL() << "accepted";
  } catch (const ec::ApiError& e) {
    EXPECT_EQ(e.status_code(), 400);
  }

  ChildProcess moderation({MODERATION_BINARY, "--url", url(), "--key", eddy_.api_key(), "--secret",
                           eddy_.api_secret(), "--admin", "carol", "--target", "bob"});
  EXPECT_EQ(moderation.Wait(), 0) << moderation.output();
  EXPECT_NE(moderation.output().find("promoted carol to admin"), std::string::npos);
  EXPECT_NE(moderation.output().find("banned bob (1 ban)"), std::string::npos);
  EXPECT_NE(moderation.output().find("unbanned bob (0 bans left)"), std::string::npos);
  EXPECT_EQ(server_->QueryUsers({{"id", "carol"}})[0].role, "admin");

  ec::ChatClient alice(url(), eddy_.api_key());
  EventLog events(alice);
  alice.ConnectUser(U("alice"), Provider("alice"));
  alice.GetChannel("messaging", "general").Watch();
  std::string input = ::testing::TempDir() + "/terminal_chat_input.txt";
  std::ofstream(input) << "typed on a terminal\n";
  ChildProcess chat({TERMINAL_CHAT_BINARY, "--url", url(), "--key", eddy_.api_key(), "--user",
                     "dave", "--token-url", token_url(), "--channel", "messaging:general"},
                    input);
  EXPECT_EQ(chat.Wait(), 0) << chat.output();
  EXPECT_NE(chat.output().find("joined messaging:general"), std::string::npos) << chat.output();
  auto typed = events.WaitFor("message.new", From("dave"));
  ASSERT_TRUE(typed);
  EXPECT_EQ(typed->message->text, "typed on a terminal");
  EXPECT_TRUE(events.WaitFor("typing.start", From("dave")));
  EXPECT_TRUE(events.WaitFor("message.read", From("dave")));
}

// From an Asio program: blocking calls run on a pool, results and events arrive on the
// program's own io_context thread.
TEST_F(SdkFlowTest, AsyncCallsAndEventsOnTheCallersIoContext) {
  server_->UpsertUsers({U("ann"), U("ben")});
  server_->CreateChannel("messaging", "async", "ann", {"ann", "ben"});
  ec::ChatClient ann(url(), eddy_.api_key());
  ann.ConnectUser(U("ann"), Provider("ann"));
  ec::ChannelHandle channel = ann.GetChannel("messaging", "async");
  channel.Watch();

  boost::asio::io_context ioc;
  auto guard = boost::asio::make_work_guard(ioc);
  boost::asio::thread_pool pool(1);
  std::thread::id io_thread;
  std::string sent_id, received_id, refused;
  bool received_on_io_thread = false;
  ec::Subscription sub =
      channel.On("message.new", ec::Post(ioc.get_executor(), [&](const ec::Event& e) {
                   received_on_io_thread = std::this_thread::get_id() == io_thread;
                   received_id = e.message->id;
                   if (!refused.empty()) guard.reset();
                 }));
  boost::asio::post(ioc, [&] {
    io_thread = std::this_thread::get_id();
    ec::AsyncCall(
        pool, ioc.get_executor(), [&] { return channel.SendMessage("async hello"); },
        [&](std::exception_ptr error, ec::Message m) {
          EXPECT_FALSE(error);
          sent_id = m.id;
        });
    ec::AsyncCall(
        pool, ioc.get_executor(), [&] { ann.GetChannel("messaging", "nope").SendMessage("x"); },
        [&](std::exception_ptr error) {
          try {
            if (error) std::rethrow_exception(error);
          } catch (const ec::ApiError& e) {
            refused = std::to_string(e.code());
          }
          if (!received_id.empty()) guard.reset();
        });
  });
  ioc.run_for(std::chrono::seconds(10));
  pool.join();
  EXPECT_FALSE(sent_id.empty());
  EXPECT_EQ(received_id, sent_id);
  EXPECT_TRUE(received_on_io_thread);
  EXPECT_EQ(refused, "16");
}

}  // namespace
}  // namespace eddy::testing
