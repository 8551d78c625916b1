// WebSocket /connect over real sockets against the real binary (protocol §3).
#include <atomic>
#include <future>
#include <thread>

#include "integration/fixture.h"

namespace eddy::testing {
namespace {

class ConnectTest : public EddyTest {
 protected:
  // Connects and returns the first frame.
  std::optional<json::object> Open(WsClient& ws, const std::string& target) {
    if (!ws.Connect(port(), target)) {
      ADD_FAILURE() << "upgrade refused";
      return std::nullopt;
    }
    return ws.ReadJson();
  }

  // Expects one connection.error frame with `code`, then a close with 1000.
  void ExpectRefused(const std::string& target, int code) {
    WsClient ws;
    auto frame = Open(ws, target);
    ASSERT_TRUE(frame) << "no frame before close";
    EXPECT_EQ(frame->at("type"), "connection.error");
    ASSERT_TRUE(frame->contains("error"));
    const json::object& error = frame->at("error").as_object();
    EXPECT_EQ(error.at("code").as_int64(), code) << json::serialize(*frame);
    EXPECT_EQ(error.at("StatusCode").as_int64(), 401);
    EXPECT_TRUE(error.contains("message"));
    EXPECT_FALSE(ws.Read(std::chrono::seconds(5)));
    EXPECT_EQ(ws.close_code(), 1000);
  }
};

TEST_F(ConnectTest, FirstFrameIsHealthCheckWithMe) {
  // Through the SDK: ConnectUser returns `me` of the first frame, which it also dispatches.
  client::ChatClient sdk_client(BaseUrl(), key());
  std::promise<client::Event> first;
  std::atomic<bool> seen{false};
  client::Subscription sub = sdk_client.On("health.check", [&](const client::Event& e) {
    if (!seen.exchange(true)) first.set_value(e);
  });
  client::User alice = SdkUser("alice", "Alice");
  alice.extra["color"] = "teal";
  json::object me = sdk_client.ConnectUser(alice, UserToken("alice")).ToJson();
  auto frame_future = first.get_future();
  ASSERT_EQ(frame_future.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  client::Event frame = frame_future.get();
  EXPECT_EQ(frame.type, "health.check");
  std::string connection_id = frame.connection_id;
  EXPECT_FALSE(connection_id.empty());
  EXPECT_EQ(sdk_client.connection_id(), connection_id);
  EXPECT_LE(connection_id.size(), 36u);
  EXPECT_EQ(frame.cid, "*");
  EXPECT_FALSE(frame.created_at.empty());
  EXPECT_EQ(json::value(frame.extra.at("me")), json::value(me));
  EXPECT_EQ(me.at("id"), "alice");
  EXPECT_EQ(me.at("name"), "Alice");
  EXPECT_EQ(me.at("color"), "teal");
  EXPECT_EQ(me.at("role"), "user");
  EXPECT_EQ(me.at("online"), true);
  EXPECT_TRUE(me.at("mutes").is_array());
  EXPECT_TRUE(me.at("channel_mutes").is_array());
  EXPECT_TRUE(me.at("devices").is_array());
  EXPECT_EQ(me.at("total_unread_count"), 0);
  EXPECT_EQ(me.at("unread_channels"), 0);
}

TEST_F(ConnectTest, PingIsAnsweredWithoutMe) {
  WsClient ws;
  auto first = Open(ws, ConnectTarget("pinger", UserToken("pinger")));
  ASSERT_TRUE(first);
  ws.Send(
      R"([{"type":"health.check","client_id":"pinger--6a3f0e52-cc0e-4c7c-9d59-21f1c0c3a0a1"}])");
  auto reply = ws.ReadJson();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->at("type"), "health.check");
  EXPECT_EQ(reply->at("connection_id"), first->at("connection_id"));
  EXPECT_FALSE(reply->contains("me"));
}

TEST_F(ConnectTest, ExpiredTokenIsCode40ThenClose1000) {
  ExpectRefused(ConnectTarget("late", UserToken("late", Now() - 60)), 40);
}

TEST_F(ConnectTest, BadSignatureIsCode43) {
  std::string forged = protocol::CreateUserToken("mallory", {}, {}, "not-the-secret");
  ExpectRefused(ConnectTarget("mallory", forged), 43);
}

TEST_F(ConnectTest, UnknownApiKeyIsCode2) {
  ExpectRefused(ConnectTarget("bob", UserToken("bob"), "", "jwt", "no-such-key"), 2);
}

TEST_F(ConnectTest, TokenOfAnotherUserIsRefused) {
  WsClient ws;
  auto frame = Open(ws, ConnectTarget("bob", UserToken("alice")));
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->at("type"), "connection.error");
  EXPECT_EQ(frame->at("error").at("StatusCode"), 401);
  EXPECT_FALSE(ws.Read());
  EXPECT_EQ(ws.close_code(), 1000);
}

TEST_F(ConnectTest, MissingTokenIsCode5) { ExpectRefused(ConnectTarget("nobody", ""), 5); }

TEST_F(ConnectTest, DevTokenRefusedWhenAuthChecksOn) {
  ExpectRefused(
      ConnectTarget("u1", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyX2lkIjoidTEifQ==.devtoken"),
      5);
}

TEST_F(ConnectTest, DevTokenAcceptedOnlyWhenAuthChecksAreOff) {
  const std::string dev = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyX2lkIjoidTEifQ==.devtoken";
  sdk().UpdateAppSettings({{"disable_auth_checks", true}});
  // ConnectUser returns once the first frame is a health.check; checks go back on either way.
  client::ChatClient app(BaseUrl(), key());
  std::optional<client::User> me;
  try {
    me = app.ConnectUser(SdkUser("u1"), dev);
  } catch (const client::ApiError& e) {
    ADD_FAILURE() << "dev token refused: " << e.what();
  }
  sdk().UpdateAppSettings({{"disable_auth_checks", false}});
  ASSERT_TRUE(me);
  EXPECT_EQ(me->id, "u1");
  ExpectRefused(ConnectTarget("u1", dev), 5);
}

TEST_F(ConnectTest, UserDetailsCannotRaisePrivileges) {
  // The SDK sends the user's fields as user_details as given; the server keeps only name & co.
  client::User sneaky = SdkUser("sneaky", "S");
  sneaky.role = "admin";
  sneaky.banned = false;
  client::ChatClient app(BaseUrl(), key());
  client::User me = app.ConnectUser(sneaky, UserToken("sneaky"));
  EXPECT_EQ(me.role, "user");
  EXPECT_EQ(me.name, "S");
}

TEST_F(ConnectTest, AnonymousConnects) {
  WsClient ws;
  auto frame =
      Open(ws, ConnectTarget("0d6c3a5e-4f0a-4d4e-8a77-5c1f1f1f1f1f", "",
                             R"({"id":"0d6c3a5e-4f0a-4d4e-8a77-5c1f1f1f1f1f","anon":true})",
                             "anonymous"));
  ASSERT_TRUE(frame);
  ASSERT_EQ(frame->at("type"), "health.check") << json::serialize(*frame);
  EXPECT_EQ(frame->at("me").at("role"), "anonymous");
}

TEST_F(ConnectTest, SeveralConnectionsPerUserAndPresence) {
  client::ChatClient a(BaseUrl(), key()), b(BaseUrl(), key());
  a.ConnectUser(SdkUser("multi"), UserToken("multi"));
  b.ConnectUser(SdkUser("multi"), UserToken("multi"));
  EXPECT_NE(a.connection_id(), b.connection_id());

  auto multi = [&] { return sdk().QueryUsers({{"id", "multi"}}).at(0); };
  EXPECT_EQ(multi().online, true);
  a.DisconnectUser();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(multi().online, true);  // one connection is still open
  b.DisconnectUser();
  bool went_offline = false;
  for (int i = 0; i < 100 && !went_offline; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    went_offline = multi().online == false;
  }
  EXPECT_TRUE(went_offline);
  EXPECT_FALSE(multi().last_active.empty());
}

TEST_F(ConnectTest, GarbageFrameGetsAnErrorAndTheConnectionStays) {
  WsClient ws;
  auto first = Open(ws, ConnectTarget("garbler", UserToken("garbler")));
  ASSERT_TRUE(first);
  ws.Send("\x01{{{not json");
  auto err = ws.ReadJson();
  ASSERT_TRUE(err);
  EXPECT_EQ(err->at("error").at("code"), 4);
  ws.Send(R"([{"type":"health.check","client_id":"garbler--1"}])");
  auto reply = ws.ReadJson();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->at("type"), "health.check");
}

TEST_F(ConnectTest, MalformedJsonParamIsAnErrorFrame) {
  WsClient ws;
  std::string target = Target("/connect", {{"json", "{nope"},
                                           {"api_key", key()},
                                           {"authorization", UserToken("x")},
                                           {"stream-auth-type", "jwt"}});
  auto frame = Open(ws, target);
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->at("type"), "connection.error");
  EXPECT_EQ(frame->at("error").at("code"), 4);
  EXPECT_FALSE(ws.Read());
  EXPECT_EQ(ws.close_code(), 1000);
}

TEST_F(ConnectTest, BinaryFrameClosesWith1003) {
  WsClient ws;
  ASSERT_TRUE(Open(ws, ConnectTarget("binary", UserToken("binary"))));
  ws.SendBinary(std::string("\x00\x01\x02", 3));
  EXPECT_FALSE(ws.Read());
  EXPECT_EQ(ws.close_code(), 1003);
}

}  // namespace
}  // namespace eddy::testing
