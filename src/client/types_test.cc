// Unit tests of the SDK without a server: token vectors (§11) and lossless JSON round-trips.
#include <gtest/gtest.h>

#include "eddy/client.h"
#include "http_transport.h"

namespace eddy::client {
namespace {

namespace json = boost::json;

TEST(CreateTokenTest, MatchesTheProtocolVectors) {
  ServerClient server("http://127.0.0.1:1", "key123", "secret456");
  EXPECT_EQ(server.CreateToken("u1"),
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyX2lkIjoidTEifQ."
            "jDaG-4YV4y3ZcyUHdDXOaMfFs86Un5PgrI_Z1i9jyig");
  // §2.2: createToken('u2', 1795837741, 1795834131) has exactly this payload, in this order.
  std::string token = server.CreateToken("u2", 1795837741, 1795834131);
  std::string payload = token.substr(token.find('.') + 1);
  payload = payload.substr(0, payload.find('.'));
  EXPECT_EQ(payload, "eyJ1c2VyX2lkIjoidTIiLCJleHAiOjE3OTU4Mzc3NDEsImlhdCI6MTc5NTgzNDEzMX0");
}

TEST(CreateTokenTest, DependsOnTheSecret) {
  ServerClient a("http://127.0.0.1:1", "key123", "secret456");
  ServerClient b("http://127.0.0.1:1", "key123", "other");
  EXPECT_NE(a.CreateToken("u1"), b.CreateToken("u1"));
}

template <typename T>
void ExpectRoundTrip(const char* text) {
  json::object in = json::parse(text).as_object();
  EXPECT_EQ(json::value(T::FromJson(in).ToJson()), json::value(in)) << text;
}

TEST(TypesTest, UnknownAndCustomFieldsSurviveARoundTrip) {
  ExpectRoundTrip<User>(
      R"({"id":"u1","name":"Uno","role":"user","online":true,"color":"teal","nested":{"a":[1]},
          "image":"","banned":null,"teams":[],"total_unread_count":3})");
  ExpectRoundTrip<Message>(
      R"({"id":"m1","text":"hi","type":"regular","cid":"messaging:g","user":{"id":"u1","x":1},
          "mentioned_users":[{"id":"u2","mood":"ok"}],"reaction_counts":{"like":2},
          "latest_reactions":[{"type":"like","user_id":"u2","custom":true}],"own_reactions":[],
          "attachments":[{"type":"image"}],"reply_count":0,"priority":"high"})");
  ExpectRoundTrip<ChannelState>(
      R"({"channel":{"id":"g","type":"messaging","cid":"messaging:g","config":{"x":1},
          "member_count":2,"topic":"t"},"messages":[],"members":[{"user_id":"u1",
          "channel_role":"channel_member","user":{"id":"u1"},"notify":true}],
          "read":[{"user":{"id":"u1"},"last_read":"2026-01-01T00:00:00Z","unread_messages":0}],
          "pinned_messages":[],"watcher_count":1,"duration":"1ms"})");
  ExpectRoundTrip<Event>(
      R"({"type":"message.new","cid":"messaging:g","channel_type":"messaging","channel_id":"g",
          "message":{"id":"m1","text":"hi"},"user":{"id":"u1"},"watcher_count":2,
          "unread_count":1,"created_at":"2026-01-01T00:00:00Z"})");
}

TEST(TypesTest, FieldsLandInTheirMembers) {
  Message m = Message::FromJson(json::parse(R"({"id":"m1","text":"hi","user":{"id":"u1",
      "name":"Uno","mood":"ok"},"reaction_counts":{"like":2},"custom":5})")
                                    .as_object());
  EXPECT_EQ(m.id, "m1");
  EXPECT_EQ(m.text, "hi");
  ASSERT_TRUE(m.user);
  EXPECT_EQ(m.user->name, "Uno");
  EXPECT_EQ(m.user->extra.at("mood"), "ok");
  EXPECT_EQ(m.reaction_counts.at("like"), 2);
  EXPECT_EQ(m.extra.at("custom"), 5);
  EXPECT_FALSE(m.extra.contains("text"));
}

TEST(TypesTest, AWrongTypeStaysInExtraInsteadOfFailing) {
  User u = User::FromJson(json::parse(R"({"id":"u1","online":"yes","name":7})").as_object());
  EXPECT_FALSE(u.online);
  EXPECT_TRUE(u.name.empty());
  EXPECT_EQ(u.extra.at("online"), "yes");
  EXPECT_EQ(u.extra.at("name"), 7);
}

TEST(ApiErrorTest, AnUnreachableServerIsANetworkError) {
  // A port nobody listens on: a network error, not a protocol one.
  ServerClient server("http://127.0.0.1:1", "key123", "secret456", {});
  try {
    server.GetAppSettings();
    FAIL() << "no exception";
  } catch (const ApiError& e) {
    EXPECT_TRUE(e.network_error());
    EXPECT_EQ(e.status_code(), 0);
  }
}

TEST(BaseUrlTest, RejectsWhatIsNotHttpOrWs) {
  EXPECT_THROW(ServerClient("ftp://x", "k", "s"), std::invalid_argument);
  EXPECT_THROW(ServerClient("no url", "k", "s"), std::invalid_argument);
}

TEST(DecodeResponseTest, ErrorsCarryTheEnvelopesCodeStatusCodeAndMessage) {
  try {
    DecodeResponse({403, R"({"code":17,"message":"not allowed","StatusCode":403})"});
    ADD_FAILURE() << "no error";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), 17);
    EXPECT_EQ(e.status_code(), 403);
    EXPECT_EQ(e.message(), "not allowed");
  }
  try {
    DecodeResponse({400, R"({"code":4,"message":"bad"})"});  // no StatusCode: the HTTP status
    ADD_FAILURE() << "no error";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), 4);
    EXPECT_EQ(e.status_code(), 400);
  }
  try {
    DecodeResponse({502, "<html>bad gateway</html>"});
    ADD_FAILURE() << "no error";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), ApiError::kNetworkError);
    EXPECT_EQ(e.status_code(), 502);
  }
  EXPECT_EQ(DecodeResponse({201, R"({"duration":"1ms"})"}).at("duration"), "1ms");
}

}  // namespace
}  // namespace eddy::client
