// Bad input over real sockets: each bad request is answered with the protocol's error envelope
// (§1.4: code, message, StatusCode, duration) and code (§1.5: 4, 16, 17, 19, 20, 21), and
// changes nothing: after every request a snapshot of the whole app (channels, their state,
// members and read state, messages, threads, reactions, users, unread counts) is compared with
// the one taken before, and a member watching the channel receives no event.
#include <chrono>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "integration/events.h"
#include "integration/fixture.h"

namespace eddy::testing {
namespace {

struct Bad {
  std::string who;  // "" is the backend (server token), anything else a client user
  std::string method;
  std::string path;
  std::string body;
  Params params;
  int status;
  int code;
};

// One bad request: who sends it, what, and the status and Stream code expected.
Bad B(std::string who, std::string method, std::string path, std::string body, int status, int code,
      Params params = {}) {
  return {std::move(who),
          std::move(method),
          std::move(path),
          std::move(body),
          std::move(params),
          status,
          code};
}

std::string LongText(size_t n) { return std::string(n, 'x'); }

// A JSON array of `n` ids "<prefix>000", "<prefix>001", ...
std::string IdList(const std::string& prefix, int n, int first = 0) {
  json::array a;
  for (int i = first; i < first + n; ++i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%03d", i);
    a.emplace_back(prefix + buf);
  }
  return json::serialize(a);
}

// The app, seeded once per test process:
//   users alice, bob, carol, mallory and x000..x100
//   messaging:general  alice, bob, carol   g1 (alice), g2 (bob), gr (bob, reply to g1),
//                                          bob likes g1
//   messaging:other    alice, bob          o1 (alice)
//   commerce:support   alice, bob          s1 (alice)   (no reactions, no replies)
class BadInputTest : public EddyTest {
 protected:
  static void SetUpTestSuite() {
    EddyTest::SetUpTestSuite();
    if (::testing::Test::HasFatalFailure()) return;
    HttpClient client(port());
    auto call = [&](const std::string& method, const std::string& path, const std::string& body) {
      auto r = client.Request(method, Target(path, {{"api_key", key()}}), body,
                              {{"Authorization", ServerToken()}, {"stream-auth-type", "jwt"}});
      EXPECT_EQ(r.status / 100, 2) << method << " " << path << " " << body << " -> " << r.body;
    };
    call("POST", "/users", R"({"users":{"alice":{"id":"alice","name":"Alice"},
        "bob":{"id":"bob","name":"Bob"},"carol":{"id":"carol","name":"Carol"},
        "mallory":{"id":"mallory","name":"Mallory"}}})");
    // x000..x100: 101 users, upserted 100 and 1.
    for (int from : {0, 100}) {
      json::value ids = json::parse(IdList("x", from == 0 ? 100 : 1, from));
      json::object users;
      for (const auto& id : ids.as_array()) users[id.as_string()] = json::object{{"id", id}};
      call("POST", "/users", json::serialize(json::object{{"users", users}}));
    }
    call("POST", "/channels/messaging/general/query",
         R"({"data":{"created_by_id":"alice","members":["alice","bob","carol"]}})");
    call("POST", "/channels/messaging/other/query",
         R"({"data":{"created_by_id":"alice","members":["alice","bob"]}})");
    call("POST", "/channels/commerce/support/query",
         R"({"data":{"created_by_id":"alice","members":["alice","bob"]}})");
    call("POST", "/channels/messaging/general/message",
         R"({"message":{"id":"g1","text":"hello","user_id":"alice"}})");
    call("POST", "/channels/messaging/general/message",
         R"({"message":{"id":"g2","text":"hi alice","user_id":"bob"}})");
    call("POST", "/channels/messaging/general/message",
         R"({"message":{"id":"gr","text":"in thread","parent_id":"g1","user_id":"bob"}})");
    call("POST", "/messages/g1/reaction", R"({"reaction":{"type":"like","user_id":"bob"}})");
    call("POST", "/channels/messaging/other/message",
         R"({"message":{"id":"o1","text":"elsewhere","user_id":"alice"}})");
    call("POST", "/channels/commerce/support/message",
         R"({"message":{"id":"s1","text":"help me","user_id":"alice"}})");
  }

  HttpResult Send(const Bad& b) {
    if (b.who.empty()) return AsServer(b.method, b.path, b.body, b.params);
    for (const auto& [k, v] : b.params) {
      // The SDK's explicit user_id parameter replaces the default one (§1.2): send just it.
      if (k == "user_id") {
        Params params = b.params;
        params.insert(params.begin(), {"api_key", key()});
        return http().Request(b.method, Target(b.path, params), b.body,
                              {{"Authorization", UserToken(b.who)}, {"stream-auth-type", "jwt"}});
      }
    }
    return AsUser(b.who, b.method, b.path, b.body, b.params);
  }

  // Everything a bad request could have changed, as the backend sees it.
  json::array Snapshot() {
    json::array out;
    auto add = [&](const std::string& what, HttpResult r) {
      EXPECT_EQ(r.status / 100, 2) << what << " -> " << r.body;
      if (r.json.is_object()) r.json.as_object().erase("duration");
      out.push_back(json::object{{"what", what}, {"answer", std::move(r.json)}});
    };
    add("channels", AsServer("POST", "/channels",
                             R"({"filter_conditions":{},"sort":[{"field":"cid","direction":1}],
                                 "state":false,"limit":30})"));
    for (const char* cid : {"messaging/general", "messaging/other", "commerce/support"}) {
      add(cid, AsServer("POST", std::string("/channels/") + cid + "/query",
                        R"({"state":true,"messages":{"limit":300},"members":{"limit":300}})"));
    }
    add("thread", AsServer("GET", "/messages/g1/replies"));
    add("reactions", AsServer("GET", "/messages/g1/reactions"));
    for (const char* id : {"g1", "g2", "gr", "o1", "s1"}) {
      add(id, AsServer("GET", std::string("/messages/") + id));
    }
    for (int offset : {0, 100}) {
      add("users", AsServer("GET", "/users", "",
                            {{"payload", R"({"sort":[{"field":"id","direction":1}],"limit":100,
                                            "offset":)" +
                                             std::to_string(offset) + "}"}}));
    }
    for (const char* user : {"alice", "bob", "carol", "mallory"}) {
      add(std::string("unread ") + user, AsServer("GET", "/unread", "", {{"user_id", user}}));
    }
    return out;
  }

  // Sends each request and checks its error envelope, then that the app is as it was.
  // carol, a member of messaging:general, watches it meanwhile: she must hear nothing.
  void Run(const std::vector<Bad>& cases) {
    EventClient carol;
    ASSERT_TRUE(carol.Connect(port(), ConnectTarget("carol", UserToken("carol"))));
    auto watch = AsUser("carol", "POST", "/channels/messaging/general/query", R"({"watch":true})",
                        {{"connection_id", carol.connection_id()}});
    ASSERT_EQ(watch.status / 100, 2) << watch.body;
    ASSERT_TRUE(carol.WaitFor("user.watching.start"));
    carol.Drain();
    json::array before = Snapshot();
    for (const Bad& b : cases) {
      std::string params;
      for (const auto& [k, v] : b.params) params += " " + k + "=" + v.substr(0, 80);
      SCOPED_TRACE((b.who.empty() ? std::string("server") : b.who) + " " + b.method + " " + b.path +
                   params + " " + b.body.substr(0, 200));
      HttpResult r = Send(b);
      EXPECT_EQ(r.status, b.status) << r.body.substr(0, 500);
      EXPECT_EQ(r.code(), b.code) << r.body.substr(0, 500);
      if (r.json.is_object()) {
        const json::object& e = r.obj();
        EXPECT_EQ(e.contains("StatusCode") ? e.at("StatusCode") : json::value(), r.status);
        EXPECT_TRUE(e.contains("message") && e.at("message").is_string() &&
                    std::string(e.at("message").as_string()).find(" failed with error: ") !=
                        std::string::npos)
            << r.body.substr(0, 500);
        EXPECT_TRUE(e.contains("duration") && e.at("duration").is_string());
      } else {
        ADD_FAILURE() << "not a JSON object: " << r.body.substr(0, 500);
      }
      json::array after = Snapshot();
      ASSERT_EQ(before.size(), after.size());
      for (size_t i = 0; i < before.size(); ++i) {
        EXPECT_TRUE(before[i] == after[i])
            << "changed: " << before[i].at("what")
            << "\nbefore: " << json::serialize(before[i]).substr(0, 3000)
            << "\nafter:  " << json::serialize(after[i]).substr(0, 3000);
      }
      before = std::move(after);  // a change is reported once, by the request that made it
      for (const auto& e : carol.Drain(std::chrono::milliseconds(20))) {
        ADD_FAILURE() << "carol received " << json::serialize(e).substr(0, 500);
      }
    }
    for (const auto& e : carol.Drain(std::chrono::milliseconds(500))) {
      ADD_FAILURE() << "carol received " << json::serialize(e).substr(0, 500);
    }
  }
};

TEST_F(BadInputTest, UnknownChannelType) {
  Run({
      B("", "POST", "/channels/nosuch/x/query", R"({"data":{"created_by_id":"alice"}})", 404, 16),
      B("alice", "POST", "/channels/nosuch/x/query", R"({"data":{}})", 404, 16),
      B("alice", "POST", "/channels/nosuch/query", R"({"data":{"members":["alice","bob"]}})", 404,
        16),
      B("alice", "POST", "/channels/nosuch/x/message", R"({"message":{"text":"hi"}})", 404, 16),
      B("alice", "POST", "/channels/nosuch/x", R"({"data":{"name":"n"}})", 404, 16),
      B("alice", "POST", "/channels/nosuch/x/read", "{}", 404, 16),
      B("alice", "POST", "/channels/nosuch/x/event", R"({"event":{"type":"typing.start"}})", 404,
        16),
      B("alice", "GET", "/members", "", 404, 16, {{"payload", R"({"type":"nosuch","id":"x"})"}}),
  });
  // A filter naming an unknown type is no error: it matches nothing.
  auto r = AsUser("alice", "POST", "/channels", R"({"filter_conditions":{"type":"nosuch"}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.obj().at("channels").as_array().empty());
}

TEST_F(BadInputTest, MissingChannel) {
  const std::string nope = "/channels/messaging/nope";
  const Params members = {{"payload", R"({"type":"messaging","id":"nope"})"}};
  Run({
      B("", "POST", nope, R"({"data":{"name":"Nope"}})", 404, 16),
      B("", "POST", nope, R"({"add_members":["alice"]})", 404, 16),
      B("alice", "POST", nope, R"({"data":{"name":"Nope"}})", 404, 16),
      B("", "PATCH", nope, R"({"set":{"name":"Nope"}})", 404, 16),
      B("", "DELETE", nope, "", 404, 16),
      B("", "POST", nope + "/truncate", "{}", 404, 16),
      B("", "POST", nope + "/message", R"({"message":{"text":"hi","user_id":"alice"}})", 404, 16),
      B("alice", "POST", nope + "/message", R"({"message":{"id":"n1","text":"hi"}})", 404, 16),
      B("alice", "GET", nope + "/messages", "", 404, 16, {{"ids", "g1"}}),
      B("alice", "POST", nope + "/read", "{}", 404, 16),
      B("alice", "POST", nope + "/unread", R"({"message_id":"g1"})", 404, 16),
      B("alice", "POST", nope + "/event", R"({"event":{"type":"typing.start"}})", 404, 16),
      B("alice", "POST", nope + "/hide", "{}", 404, 16),
      B("alice", "POST", nope + "/show", "{}", 404, 16),
      B("", "GET", "/members", "", 404, 16, members),
      B("alice", "GET", "/members", "", 404, 16, members),
      B("alice", "POST", "/channels/read", R"({"read_by_channel":{"messaging:nope":"g1"}})", 404,
        16),
  });
}

TEST_F(BadInputTest, MessageIdOfAnotherChannel) {
  const std::string general = "/channels/messaging/general";
  Run({
      B("alice", "POST", general + "/read", R"({"message_id":"o1"})", 400, 4),
      B("", "POST", general + "/read", R"({"message_id":"o1","user_id":"bob"})", 400, 4),
      B("alice", "POST", general + "/unread", R"({"message_id":"o1"})", 400, 4),
      B("alice", "POST", "/channels/read", R"({"read_by_channel":{"messaging:general":"o1"}})", 400,
        4),
      B("alice", "POST", general + "/message",
        R"({"message":{"id":"n1","text":"re","parent_id":"o1"}})", 400, 4),
      B("alice", "POST", general + "/message",
        R"({"message":{"id":"n1","text":"quote","quoted_message_id":"o1"}})", 400, 4),
      // As a pagination bound.
      B("alice", "POST", general + "/query",
        R"({"state":true,"messages":{"limit":10,"id_lt":"o1"}})", 400, 4),
      B("alice", "POST", general + "/query",
        R"({"state":true,"messages":{"limit":10,"id_around":"o1"}})", 400, 4),
      B("alice", "GET", "/messages/g1/replies", "", 400, 4, {{"id_gt", "o1"}}),
      // And ids that exist nowhere.
      B("alice", "POST", general + "/read", R"({"message_id":"nope"})", 404, 16),
      B("alice", "POST", general + "/message",
        R"({"message":{"id":"n1","text":"re","parent_id":"nope"}})", 404, 16),
      B("alice", "POST", general + "/message",
        R"({"message":{"id":"n1","text":"quote","quoted_message_id":"nope"}})", 404, 16),
  });
}

TEST_F(BadInputTest, MessageRules) {
  const std::string general = "/channels/messaging/general";
  const std::string too_long = LongText(5001);
  Run({
      // max_message_length (5000 in every built-in type): code 20, on send and on edit.
      B("alice", "POST", general + "/message",
        R"({"message":{"id":"n1","text":")" + too_long + R"("}})", 400, 20),
      B("", "POST", general + "/message",
        R"({"message":{"id":"n1","user_id":"alice","text":")" + too_long + R"("}})", 400, 20),
      B("alice", "POST", "/messages/g1", R"({"message":{"id":"g1","text":")" + too_long + R"("}})",
        400, 20),
      B("alice", "PUT", "/messages/g1", R"({"set":{"text":")" + too_long + R"("}})", 400, 20),
      // A reply to a reply: code 21.
      B("alice", "POST", general + "/message",
        R"({"message":{"id":"n1","text":"deeper","parent_id":"gr"}})", 400, 21),
      // A message id that exists, here or in another channel: code 4, the stored one unchanged.
      B("alice", "POST", general + "/message", R"({"message":{"id":"g1","text":"again"}})", 400, 4),
      B("bob", "POST", general + "/message", R"({"message":{"id":"g1","text":"mine now"}})", 400,
        4),
      B("alice", "POST", "/channels/messaging/other/message",
        R"({"message":{"id":"g1","text":"moved"}})", 400, 4),
      B("", "POST", general + "/message",
        R"({"message":{"id":"gr","text":"again","user_id":"bob","parent_id":"g1"}})", 400, 4),
      // Replies and reactions disabled by the channel type (commerce): code 19.
      B("alice", "POST", "/channels/commerce/support/message",
        R"({"message":{"id":"n1","text":"re","parent_id":"s1"}})", 400, 19),
      B("bob", "POST", "/messages/s1/reaction", R"({"reaction":{"type":"like"}})", 400, 19),
      B("", "POST", "/messages/s1/reaction", R"({"reaction":{"type":"like","user_id":"bob"}})", 400,
        19),
      // Malformed messages: code 4.
      B("alice", "POST", general + "/message", R"({"message":{"id":"n1"}})", 400, 4),
      B("alice", "POST", general + "/message",
        R"({"message":{"id":")" + LongText(256) + R"(","text":"long id"}})", 400, 4),
      B("alice", "POST", general + "/message", R"({"message":"hi"})", 400, 4),
      B("alice", "POST", general + "/message", R"({"message":{"id":"n1","text":7}})", 400, 4),
      B("alice", "POST", "/messages/g1/reaction",
        R"({"reaction":{"type":")" + LongText(31) + R"("}})", 400, 4),
  });
  // The limit itself is fine.
  auto r = AsUser("alice", "POST", general + "/message",
                  R"({"message":{"id":"n5000","text":")" + LongText(5000) + R"("}})");
  EXPECT_EQ(r.status / 100, 2) << r.body.substr(0, 300);
}

TEST_F(BadInputTest, FiltersWithUnknownOperators) {
  auto payload = [](const std::string& p) { return Params{{"payload", p}}; };
  Run({
      B("alice", "POST", "/channels", R"({"filter_conditions":{"type":{"$regex":"mess"}}})", 400,
        4),
      B("", "POST", "/channels", R"({"filter_conditions":{"members":{"$all":["alice"]}}})", 400, 4),
      B("alice", "POST", "/channels",
        R"({"filter_conditions":{"$xor":[{"type":"messaging"},{"frozen":true}]}})", 400, 4),
      B("alice", "POST", "/channels",
        R"({"filter_conditions":{"$or":[{"type":"messaging"},{"name":{"$like":"g"}}]}})", 400, 4),
      B("alice", "POST", "/channels", R"({"filter_conditions":{"members":{"$contains":"alice"}}})",
        400, 4),
      B("alice", "POST", "/channels", R"({"filter_conditions":["type","messaging"]})", 400, 4),
      B("alice", "GET", "/users", "", 400, 4,
        payload(R"({"filter_conditions":{"name":{"$like":"a"}}})")),
      B("", "GET", "/users", "", 400, 4,
        payload(R"({"filter_conditions":{"$not":{"id":"alice"}}})")),
      B("alice", "GET", "/users", "", 400, 4,
        payload(R"({"filter_conditions":{"banned":{"$gt":true}}})")),
      B("alice", "GET", "/members", "", 400, 4,
        payload(
            R"({"type":"messaging","id":"general","filter_conditions":{"name":{"$starts":"a"}}})")),
  });
}

TEST_F(BadInputTest, MissingMessage) {
  Run({
      B("alice", "POST", "/messages/nope/reaction", R"({"reaction":{"type":"like"}})", 404, 16),
      B("", "POST", "/messages/nope/reaction", R"({"reaction":{"type":"like","user_id":"bob"}})",
        404, 16),
      B("alice", "DELETE", "/messages/nope/reaction/like", "", 404, 16),
      B("alice", "GET", "/messages/nope/reactions", "", 404, 16),
      B("alice", "GET", "/messages/nope", "", 404, 16),
      B("alice", "POST", "/messages/nope", R"({"message":{"id":"nope","text":"x"}})", 404, 16),
      B("alice", "PUT", "/messages/nope", R"({"set":{"text":"x"}})", 404, 16),
      B("alice", "DELETE", "/messages/nope", "", 404, 16),
      B("alice", "GET", "/messages/nope/replies", "", 404, 16),
  });
}

TEST_F(BadInputTest, ClientActingForAnotherUser) {
  const std::string general = "/channels/messaging/general";
  Run({
      // A user named in the body (§2.1: a server-side privilege).
      B("alice", "POST", general + "/message",
        R"({"message":{"id":"n1","text":"hi","user_id":"bob"}})", 403, 17),
      B("alice", "POST", general + "/message",
        R"({"message":{"id":"n1","text":"hi","user":{"id":"bob"}}})", 403, 17),
      B("alice", "POST", "/messages/g2/reaction", R"({"reaction":{"type":"love","user_id":"bob"}})",
        403, 17),
      B("alice", "POST", general + "/read", R"({"user_id":"bob"})", 403, 17),
      B("alice", "POST", general + "/unread", R"({"message_id":"g1","user_id":"bob"})", 403, 17),
      B("alice", "POST", "/channels/read", R"({"user_id":"bob"})", 403, 17),
      B("alice", "POST", general + "/event", R"({"event":{"type":"typing.start","user_id":"bob"}})",
        403, 17),
      B("alice", "POST", general + "/hide", R"({"user_id":"bob"})", 403, 17),
      B("alice", "POST", general + "/show", R"({"user_id":"bob"})", 403, 17),
      B("alice", "POST", general, R"({"data":{"name":"Renamed"},"user_id":"bob"})", 403, 17),
      B("alice", "POST", general,
        R"({"message":{"text":"sys","user_id":"bob"},"add_members":["x000"]})", 403, 17),
      B("alice", "PATCH", general, R"({"set":{"name":"Renamed"},"user_id":"bob"})", 403, 17),
      B("alice", "POST", general + "/truncate", R"({"user_id":"bob"})", 403, 17),
      // A user_id query parameter other than the token's is refused when authenticating
      // (§2.3 step 7: 401, code 5).
      B("alice", "DELETE", "/messages/g1/reaction/like", "", 401, 5, {{"user_id", "bob"}}),
      B("alice", "GET", "/unread", "", 401, 5, {{"user_id", "bob"}}),
      // Another user's message.
      B("alice", "POST", "/messages/g2", R"({"message":{"id":"g2","text":"edited by alice"}})", 403,
        17),
      B("alice", "PUT", "/messages/g2", R"({"set":{"text":"edited by alice"}})", 403, 17),
      B("alice", "DELETE", "/messages/g2", "", 403, 17),
      // Users: a client changes only itself.
      B("alice", "POST", "/users", R"({"users":{"bob":{"id":"bob","name":"Bobby"}}})", 403, 17),
      B("alice", "PATCH", "/users", R"({"users":[{"id":"bob","set":{"name":"Bobby"}}]})", 403, 17),
  });
}

TEST_F(BadInputTest, NonMemberOfAMessagingChannel) {
  const std::string general = "/channels/messaging/general";
  Run({
      B("mallory", "POST", general + "/message", R"({"message":{"id":"n1","text":"let me in"}})",
        403, 17),
      B("mallory", "POST", general + "/message",
        R"({"message":{"id":"n1","text":"re","parent_id":"g1"}})", 403, 17),
      B("mallory", "POST", general + "/query", R"({"state":true})", 403, 17),
      B("mallory", "POST", "/messages/g1/reaction", R"({"reaction":{"type":"like"}})", 403, 17),
      B("mallory", "GET", "/messages/g1", "", 403, 17),
      B("mallory", "GET", "/messages/g1/replies", "", 403, 17),
      B("mallory", "POST", general + "/event", R"({"event":{"type":"typing.start"}})", 403, 17),
      B("mallory", "POST", general + "/read", "{}", 403, 17),
      B("mallory", "POST", general, R"({"add_members":["mallory"]})", 403, 17),
      B("mallory", "POST", general, R"({"data":{"name":"Mine"}})", 403, 17),
      B("mallory", "PATCH", general, R"({"set":{"name":"Mine"}})", 403, 17),
      B("mallory", "DELETE", general, "", 403, 17),
      B("mallory", "GET", "/members", "", 403, 17,
        {{"payload", R"({"type":"messaging","id":"general"})"}}),
  });
}

TEST_F(BadInputTest, OversizedLists) {
  const std::string general = "/channels/messaging/general";
  const std::string users101 = IdList("x", 101);
  const json::value user_ids = json::parse(users101);
  std::string ids101;
  for (int i = 0; i < 101; ++i) ids101 += (i ? ",g" : "g") + std::to_string(i);
  std::string attachments31 = "[";
  for (int i = 0; i < 31; ++i) attachments31 += std::string(i ? "," : "") + R"({"type":"file"})";
  attachments31 += "]";
  std::string in1001 = "[";
  for (int i = 0; i < 1001; ++i) in1001 += (i ? ",\"" : "\"") + std::to_string(i) + "\"";
  in1001 += "]";
  json::object many_users, read_by_channel;
  json::array patches, delivered;
  for (const json::value& id : user_ids.as_array()) {
    many_users[id.as_string()] = json::object{{"id", id}, {"name", "renamed"}};
    patches.push_back(json::object{{"id", id}, {"set", json::object{{"name", "renamed"}}}});
    read_by_channel["messaging:c" + std::string(id.as_string())] = "g1";
    delivered.push_back(json::object{{"cid", "messaging:general"}, {"id", "g1"}});
  }
  Run({
      // Members: at most 100 per request (§8).
      B("", "POST", "/channels/messaging/big/query",
        R"({"data":{"created_by_id":"alice","members":)" + users101 + "}}", 400, 4),
      B("alice", "POST", "/channels/messaging/big/query",
        R"({"data":{"members":)" + users101 + "}}", 400, 4),
      B("alice", "POST", "/channels/messaging/query", R"({"data":{"members":)" + users101 + "}}",
        400, 4),
      B("", "POST", general, R"({"add_members":)" + users101 + "}", 400, 4),
      B("", "POST", general, R"({"invites":)" + users101 + "}", 400, 4),
      B("", "POST", general, R"({"remove_members":)" + users101 + "}", 400, 4),
      B("", "POST", general, R"({"add_moderators":)" + users101 + "}", 400, 4),
      B("", "POST", general, R"({"demote_moderators":)" + users101 + "}", 400, 4),
      // Messages: 100 mentions, 30 attachments; 100 messages by id.
      B("alice", "POST", general + "/message",
        R"({"message":{"id":"n1","text":"hi all","mentioned_users":)" + users101 + "}}", 400, 4),
      B("alice", "POST", general + "/message",
        R"({"message":{"id":"n1","text":"files","attachments":)" + attachments31 + "}}", 400, 4),
      B("alice", "GET", general + "/messages", "", 400, 4, {{"ids", ids101}}),
      // Users: 100 per upsert or partial update.
      B("", "POST", "/users", json::serialize(json::object{{"users", many_users}}), 400, 4),
      B("", "PATCH", "/users", json::serialize(json::object{{"users", patches}}), 400, 4),
      // Reads: 100 channels, 100 delivered messages.
      B("alice", "POST", "/channels/read",
        json::serialize(json::object{{"read_by_channel", read_by_channel}}), 400, 4),
      B("alice", "POST", "/channels/delivered",
        json::serialize(json::object{{"latest_delivered_messages", delivered}}), 400, 4),
      // Queries: $in with more than 1000 values, pages beyond the limits.
      B("alice", "POST", "/channels", R"({"filter_conditions":{"cid":{"$in":)" + in1001 + "}}}",
        400, 4),
      B("alice", "GET", "/users", "", 400, 4,
        {{"payload", R"({"filter_conditions":{"id":{"$in":)" + in1001 + "}}}"}}),
      B("alice", "POST", "/channels", R"({"filter_conditions":{},"limit":31})", 400, 4),
      B("alice", "POST", "/channels", R"({"filter_conditions":{},"member_limit":101})", 400, 4),
      B("alice", "POST", "/channels", R"({"filter_conditions":{},"message_limit":301})", 400, 4),
      B("alice", "GET", "/users", "", 400, 4,
        {{"payload", R"({"filter_conditions":{},"limit":101})"}}),
  });
}

}  // namespace
}  // namespace eddy::testing
