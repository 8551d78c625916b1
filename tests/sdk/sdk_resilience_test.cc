// What the SDK does by itself: reconnect and re-watch after the server dies and comes back,
// refresh an expired token through the provider (REST and socket), and speak https/wss.
#include <atomic>
#include <ctime>
#include <thread>

#include "sdk/sdk_fixture.h"
#include "sdk/tls_forwarder.h"

namespace eddy::testing {
namespace {

namespace json = boost::json;
using std::chrono::seconds;

class SdkResilienceTest : public SdkTest {
 protected:
  void SetUp() override {
    SdkTest::SetUp();
    server_->UpsertUsers({U("alice"), U("bob")});
    server_->CreateChannel("messaging", "room", "alice", {"alice", "bob"});
  }

  // bob's message, sent by the backend on his behalf.
  void BobSays(const std::string& text) {
    ec::Message m;
    m.text = text;
    server_->SendMessage("messaging", "room", "bob", m);
  }

  // Kills eddy (no goodbye on any socket) and starts it on the same port and data dir.
  void CrashAndRestart() {
    int port = eddy_.port();
    eddy_.Kill();
    ASSERT_TRUE(eddy_.Start({}, port));
  }

  static std::int64_t Now() { return static_cast<std::int64_t>(std::time(nullptr)); }
};

TEST_F(SdkResilienceTest, ReconnectsAndRewatchesAfterTheServerRestarts) {
  ec::ChatClient alice(url(), eddy_.api_key());
  EventLog events(alice);
  alice.ConnectUser(U("alice"), Provider("alice"));
  alice.GetChannel("messaging", "room").Watch();
  const std::string first_connection = alice.connection_id();

  CrashAndRestart();
  auto offline = events.WaitFor("connection.changed",
                                [](const ec::Event& e) { return !e.extra.at("online").as_bool(); });
  ASSERT_TRUE(offline);
  ASSERT_TRUE(events.WaitFor("connection.recovered", nullptr, seconds(40)));
  EXPECT_NE(alice.connection_id(), first_connection);
  EXPECT_FALSE(alice.connection_id().empty());

  // Re-watched: the message arrives as message.new (a member who does not watch would get
  // notification.message_new only).
  BobSays("are you back?");
  auto received = events.WaitFor("message.new", From("bob"));
  ASSERT_TRUE(received);
  EXPECT_EQ(received->message->text, "are you back?");
  EXPECT_EQ(received->cid, "messaging:room");
  EXPECT_EQ(events.Count("connection.error"), 0);
}

// §3.4: after each health.check the client pings when ping_interval passes; the server's
// answer (a health.check without `me`) can only come from such a ping.
TEST_F(SdkResilienceTest, PingsAfterEachPingInterval) {
  ec::ClientOptions fast;
  fast.ping_interval = std::chrono::milliseconds(300);
  ec::ChatClient alice(url(), eddy_.api_key(), fast);
  EventLog events(alice);
  alice.ConnectUser(U("alice"), Provider("alice"));
  auto first = events.WaitFor("health.check");
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->extra.contains("me"));
  for (int i = 0; i < 2; ++i) {
    auto reply = events.WaitFor("health.check");
    ASSERT_TRUE(reply);
    EXPECT_FALSE(reply->extra.contains("me"));
    EXPECT_EQ(reply->connection_id, alice.connection_id());
  }
}

TEST_F(SdkResilienceTest, ExpiredTokensAreRefreshedThroughTheProvider) {
  // Tokens that live two seconds; the very first one is already expired.
  std::atomic<int> calls{0};
  ec::TokenProvider provider = [&] {
    std::int64_t now = Now();
    return ++calls == 1 ? server_->CreateToken("alice", now - 10, now - 20)
                        : server_->CreateToken("alice", now + 2, now);
  };
  ec::ChatClient alice(url(), eddy_.api_key());
  EventLog events(alice);
  // Socket: the handshake answers code 40; the SDK asks the provider and connects.
  ec::User me = alice.ConnectUser(U("alice"), provider);
  EXPECT_EQ(me.id, "alice");
  EXPECT_EQ(calls.load(), 2);
  ec::ChannelHandle room = alice.GetChannel("messaging", "room");
  room.Watch();

  // REST: the token expires during the session; the next call is refreshed and retried.
  std::this_thread::sleep_for(std::chrono::milliseconds(3100));
  EXPECT_EQ(room.SendMessage("still logged in").text, "still logged in");
  EXPECT_EQ(calls.load(), 3);

  // Socket again: after a drop the handshake with the expired token is refreshed too.
  std::this_thread::sleep_for(std::chrono::milliseconds(3100));
  CrashAndRestart();
  ASSERT_TRUE(events.WaitFor("connection.recovered", nullptr, seconds(40)));
  EXPECT_GE(calls.load(), 4);
  BobSays("hello after refresh");
  EXPECT_TRUE(events.WaitFor("message.new", From("bob")));
  EXPECT_EQ(events.Count("connection.error"), 0);
}

TEST_F(SdkResilienceTest, AStaticExpiredTokenIsAnError) {
  ec::ChatClient alice(url(), eddy_.api_key());
  try {
    alice.ConnectUser(U("alice"), server_->CreateToken("alice", Now() - 10));
    FAIL() << "connected with an expired token";
  } catch (const ec::ApiError& e) {
    EXPECT_EQ(e.code(), 40);
    EXPECT_EQ(e.status_code(), 401);
  }
  EXPECT_TRUE(alice.connection_id().empty());
}

TEST_F(SdkResilienceTest, HttpsAndWssThroughATlsForwarder) {
  TlsForwarder tls(eddy_.port(), ::testing::TempDir());
  std::string https = "https://127.0.0.1:" + std::to_string(tls.port());
  ec::ClientOptions trusted;
  trusted.ca_file = tls.cert_file();

  ec::ServerClient backend(https, eddy_.api_key(), eddy_.api_secret(), trusted);
  EXPECT_EQ(backend.UpsertUser(U("carol", "Carol")).name, "Carol");
  backend.AddMembers("messaging", "room", {"carol"});

  ec::ChatClient carol(https, eddy_.api_key(), trusted);
  EventLog events(carol);
  EXPECT_EQ(carol.ConnectUser(U("carol"), Provider("carol")).id, "carol");
  carol.GetChannel("messaging", "room").Watch();
  BobSays("over TLS");
  auto received = events.WaitFor("message.new", From("bob"));
  ASSERT_TRUE(received);
  EXPECT_EQ(received->message->text, "over TLS");

  // Without trusting the certificate, both refuse it.
  ec::ServerClient untrusting(https, eddy_.api_key(), eddy_.api_secret());
  try {
    untrusting.GetAppSettings();
    FAIL() << "an unknown certificate was accepted";
  } catch (const ec::ApiError& e) {
    EXPECT_TRUE(e.network_error()) << e.what();
  }
  ec::ClientOptions quick;
  quick.connect_timeout = seconds(2);
  ec::ChatClient untrusting_chat(https, eddy_.api_key(), quick);
  EXPECT_THROW(untrusting_chat.ConnectUser(U("carol"), Provider("carol")), ec::ApiError);
}

}  // namespace
}  // namespace eddy::testing
