// The permission matrix over real sockets: for every built-in channel type, every role and
// every client action, the call is allowed or refused (403, code 17) exactly as the type's
// grants (read live from GET /channeltypes) say; a refusal changes nothing and emits nothing;
// the same calls server-side always succeed. Then grants changed through PUT /channeltypes,
// a custom role with custom grants, and the server-only endpoints.
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "integration/events.h"
#include "integration/fixture.h"

namespace eddy::testing {
namespace {

using Grants = std::map<std::string, std::set<std::string>>;

// Who acts: an app role, and the channel role it holds in every test channel (none, member,
// moderator; `owner` is also the channel's creator).
struct Persona {
  const char* name;
  const char* user;  // empty: an anonymous connection
  const char* app_role;
  const char* channel_role;
  bool owner;
};

constexpr Persona kPersonas[] = {
    {"admin", "pm_admin", "admin", "", false},
    {"moderator", "pm_mod", "moderator", "", false},
    {"user", "pm_user", "user", "", false},
    {"guest", "pm_guest", "guest", "", false},
    {"anonymous", "", "anonymous", "", false},
    {"channel_member", "pm_member", "user", "channel_member", false},
    {"channel_moderator", "pm_chmod", "user", "channel_moderator", false},
    {"owner", "pm_owner", "user", "channel_member", true},
};

constexpr const char* kTypes[] = {"messaging", "team", "commerce", "livestream", "gaming"};

// One test channel: fresh for every call under test.
struct TestChannel {
  std::string type, id, own_message, other_message, actor;
  std::string path() const { return "/channels/" + type + "/" + id; }
};

struct Request {
  std::string method, path, body;
};

struct Action {
  const char* name;
  std::vector<const char*> needs;  // every permission the call checks
  const char* flag;                // the type's config flag the call needs, or ""
  bool creates;                    // creates a channel: the actor will be its owner
  bool messages;                   // acts on the test channel's messages
  // The request; `server` adds the user_id a server-side call names.
  std::function<Request(const TestChannel&, bool server)> request;
};

std::string As(bool server, const std::string& actor) {
  return server ? R"(,"user_id":")" + actor + "\"" : "";
}

const std::vector<Action>& Actions() {
  static const std::vector<Action> actions = {
      {"query",
       {"read-channel"},
       "",
       false,
       false,
       [](const TestChannel& s, bool) {
         return Request{"POST", s.path() + "/query", "{}"};
       }},
      {"create",
       {"create-channel"},
       "",
       true,
       false,
       [](const TestChannel& s, bool server) {
         std::string data = server ? R"({"data":{"created_by_id":"pm_owner"}})" : "{}";
         return Request{"POST", "/channels/" + s.type + "/new-" + s.id + "/query", data};
       }},
      {"update",
       {"read-channel", "update-channel"},
       "",
       false,
       false,
       [](const TestChannel& s, bool) {
         return Request{"POST", s.path(), R"({"data":{"name":"renamed"}})"};
       }},
      {"add_members",
       {"read-channel", "update-channel-members"},
       "",
       false,
       false,
       [](const TestChannel& s, bool) {
         return Request{"POST", s.path(), R"({"add_members":["pm_extra"]})"};
       }},
      {"remove_members",
       {"read-channel", "update-channel-members"},
       "",
       false,
       false,
       [](const TestChannel& s, bool) {
         return Request{"POST", s.path(), R"({"remove_members":["pm_victim"]})"};
       }},
      {"delete",
       {"delete-channel"},
       "",
       false,
       false,
       [](const TestChannel& s, bool) {
         return Request{"DELETE", s.path(), ""};
       }},
      {"truncate",
       {"truncate-channel"},
       "",
       false,
       false,
       [](const TestChannel& s, bool) {
         return Request{"POST", s.path() + "/truncate", "{}"};
       }},
      {"send_message",
       {"create-message"},
       "",
       false,
       false,
       [](const TestChannel& s, bool server) {
         return Request{"POST", s.path() + "/message",
                        R"({"message":{"text":"hello")" + As(server, s.actor) + "}}"};
       }},
      {"update_own_message",
       {"update-own-message"},
       "",
       false,
       true,
       [](const TestChannel& s, bool server) {
         return Request{"POST", "/messages/" + s.own_message,
                        R"({"message":{"text":"edited")" + As(server, s.actor) + "}}"};
       }},
      {"update_any_message",
       {"update-any-message"},
       "",
       false,
       true,
       [](const TestChannel& s, bool server) {
         return Request{"POST", "/messages/" + s.other_message,
                        R"({"message":{"text":"edited")" + As(server, "pm_other") + "}}"};
       }},
      {"delete_own_message",
       {"delete-own-message"},
       "",
       false,
       true,
       [](const TestChannel& s, bool) {
         return Request{"DELETE", "/messages/" + s.own_message, ""};
       }},
      {"delete_any_message",
       {"delete-any-message"},
       "",
       false,
       true,
       [](const TestChannel& s, bool) {
         return Request{"DELETE", "/messages/" + s.other_message, ""};
       }},
      {"react",
       {"create-reaction"},
       "reactions",
       false,
       true,
       [](const TestChannel& s, bool server) {
         return Request{"POST", "/messages/" + s.other_message + "/reaction",
                        R"({"reaction":{"type":"like")" + As(server, s.actor) + "}}"};
       }},
      {"typing",
       {"send-custom-event"},
       "typing_events",
       false,
       false,
       [](const TestChannel& s, bool server) {
         return Request{"POST", s.path() + "/event",
                        R"({"event":{"type":"typing.start")" + As(server, s.actor) + "}}"};
       }},
      {"custom_event",
       {"send-custom-event"},
       "custom_events",
       false,
       false,
       [](const TestChannel& s, bool server) {
         return Request{"POST", s.path() + "/event",
                        R"({"event":{"type":"my_event")" + As(server, s.actor) + "}}"};
       }},
      {"pin_own_message",
       {"pin-message"},
       "",
       false,
       true,
       [](const TestChannel& s, bool server) {
         return Request{"PUT", "/messages/" + s.own_message,
                        R"({"set":{"pinned":true})" + As(server, s.actor) + "}"};
       }},
      {"mark_read",
       {"read-channel"},
       "read_events",
       false,
       false,
       [](const TestChannel& s, bool server) {
         return Request{"POST", s.path() + "/read",
                        server ? R"({"user_id":")" + s.actor + "\"}" : "{}"};
       }},
  };
  return actions;
}

// Keys that change without any write: timings and presence.
void Scrub(json::value& v) {
  if (v.is_object()) {
    json::object& o = v.as_object();
    for (const char* k : {"duration", "last_active", "online"}) o.erase(k);
    for (auto& kv : o) Scrub(kv.value());
  } else if (v.is_array()) {
    for (json::value& e : v.as_array()) Scrub(e);
  }
}

class PermissionMatrixTest : public EddyTest {
 protected:
  void SetUp() override {
    if (!users_created_) {
      std::string users;
      for (const Persona& p : kPersonas) {
        if (*p.user == '\0') continue;
        users += std::string(users.empty() ? "" : ",") + "\"" + p.user + R"(":{"id":")" + p.user +
                 R"(","role":")" + p.app_role + "\"}";
      }
      for (const char* extra : {"pm_spy", "pm_other", "pm_extra", "pm_victim"}) {
        users += std::string(",\"") + extra + R"(":{"id":")" + extra + "\"}";
      }
      auto r = AsServer("POST", "/users", R"({"users":{)" + users + "}}");
      ASSERT_EQ(r.status, 201) << r.body;
      users_created_ = true;
    }
    ASSERT_TRUE(spy_.Connect(port(), ConnectTarget("pm_spy", UserToken("pm_spy"))));
  }

  // The call as `persona` would make it (anonymous: no token).
  HttpResult Client(const Persona& p, const Request& req) {
    if (*p.user != '\0') return AsUser(p.user, req.method, req.path, req.body);
    return http().Request(req.method, Target(req.path, {{"api_key", key()}}), req.body,
                          {{"stream-auth-type", "anonymous"}});
  }

  Grants GrantsOf(const std::string& type) {
    auto r = AsServer("GET", "/channeltypes/" + type);
    EXPECT_EQ(r.status, 200) << r.body;
    Grants g;
    if (r.status != 200) return g;
    for (const auto& kv : r.obj().at("grants").as_object()) {
      for (const json::value& p : kv.value().as_array()) {
        g[std::string(kv.key())].insert(std::string(p.as_string()));
      }
    }
    return g;
  }

  bool Flag(const std::string& type, const char* flag) {
    if (*flag == '\0') return true;
    auto r = AsServer("GET", "/channeltypes/" + type);
    return r.status == 200 && r.obj().at(flag).as_bool();
  }

  // The roles `p` holds in a test channel (or in the one it creates).
  static std::vector<std::string> RolesOf(const Persona& p, bool creates) {
    std::vector<std::string> roles = {p.app_role};
    if (creates) {
      if (*p.user != '\0') roles.emplace_back("owner");
      return roles;
    }
    if (*p.channel_role != '\0') roles.emplace_back(p.channel_role);
    if (p.owner) roles.emplace_back("owner");
    return roles;
  }

  // What the grants say. Beyond grants only the documented rule that members read their
  // channel.
  static bool Expected(const Grants& g, const Persona& p, const Action& a) {
    const std::vector<std::string> roles = RolesOf(p, a.creates);
    for (const char* need : a.needs) {
      bool granted = std::string(need) == "read-channel" && *p.channel_role != '\0' && !a.creates;
      for (const std::string& role : roles) {
        auto it = g.find(role);
        granted = granted || (it != g.end() && it->second.count(need) > 0);
      }
      if (!granted) return false;
    }
    return true;
  }

  // A fresh channel of `type`, created by pm_owner with every member persona; with
  // `messages` a message by `actor` and one by pm_other; with `spied` the spy watching.
  TestChannel MakeChannel(const std::string& type, const std::string& actor, bool messages,
                          bool spied) {
    TestChannel s;
    s.type = type;
    s.id = "pm" + std::to_string(++counter_);
    s.actor = actor.empty() ? "pm_owner" : actor;
    auto r = AsServer("POST", s.path() + "/query",
                      R"({"data":{"created_by_id":"pm_owner","members":[{"user_id":"pm_owner"},
                          {"user_id":"pm_member"},{"user_id":"pm_spy"},{"user_id":"pm_other"},
                          {"user_id":"pm_victim"},
                          {"user_id":"pm_chmod","channel_role":"channel_moderator"}]}})");
    EXPECT_EQ(r.status / 100, 2) << r.body;
    s.own_message = s.id + "-own";
    s.other_message = s.id + "-other";
    for (const auto& [id, user] :
         {std::pair{s.own_message, s.actor}, std::pair{s.other_message, std::string("pm_other")}}) {
      if (!messages) break;
      r = AsServer("POST", s.path() + "/message",
                   R"({"message":{"id":")" + id + R"(","text":"hi","user_id":")" + user + "\"}}");
      EXPECT_EQ(r.status / 100, 2) << r.body;
    }
    if (spied) {
      r = AsUser("pm_spy", "POST", s.path() + "/query", R"({"watch":true})",
                 {{"connection_id", spy_.connection_id()}});
      EXPECT_EQ(r.status / 100, 2) << r.body;
      SpyEventsUntilSentinel(s);
    }
    return s;
  }

  // Everything stored about the channel, as the server reads it.
  std::string Snapshot(const TestChannel& s) {
    auto r = AsServer("POST", s.path() + "/query",
                      R"({"state":true,"messages":{"limit":100},"members":{"limit":100}})");
    EXPECT_EQ(r.status / 100, 2) << r.body;
    json::value v = r.json;
    Scrub(v);
    auto created = AsServer(
        "POST", "/channels",
        R"({"filter_conditions":{"cid":")" + s.type + ":new-" + s.id + R"("},"state":false})");
    return json::serialize(v) + "|" +
           std::to_string(created.obj().at("channels").as_array().size());
  }

  // Sends a server-side sentinel event to the channel and returns what the spy received
  // before it: the events the calls since the last sentinel emitted.
  std::vector<std::string> SpyEventsUntilSentinel(const TestChannel& s) {
    // A heartbeat, as the SDK sends: the spy lives longer than the idle timeout.
    spy_.ws().Send(R"({"type":"health.check"})");
    std::string sentinel = "sentinel-" + s.id + "-" + std::to_string(++counter_);
    auto r = AsServer("POST", s.path() + "/event",
                      R"({"event":{"type":")" + sentinel + R"(","user_id":"pm_spy"}})");
    EXPECT_EQ(r.status / 100, 2) << r.body;
    std::vector<std::string> before;
    while (auto frame = spy_.ws().ReadJson(std::chrono::seconds(10))) {
      std::string type(frame->at("type").as_string());
      if (type == sentinel) return before;
      if (type != "health.check") before.push_back(type);
    }
    ADD_FAILURE() << "the spy never received " << sentinel;
    return before;
  }

  EventClient spy_;
  static inline bool users_created_ = false;
  static inline int counter_ = 0;
};

// One instance per built-in type: each runs against its own server within the test timeout.
class PermissionMatrixByType : public PermissionMatrixTest,
                               public ::testing::WithParamInterface<const char*> {};

TEST_P(PermissionMatrixByType, ClientCallsFollowTheGrantsAndRefusalsLeaveNoTrace) {
  const std::string type = GetParam();
  const Grants grants = GrantsOf(type);
  ASSERT_FALSE(grants.empty());
  int allowed = 0, refused = 0;
  for (const Action& action : Actions()) {
    if (!Flag(type, action.flag)) continue;
    for (const Persona& p : kPersonas) {
      // Anonymous connections reach only the read endpoints (the others answer 401).
      if (*p.user == '\0' && std::string(action.name) != "query") continue;
      SCOPED_TRACE(type + " / " + action.name + " / " + p.name);
      const bool expected = Expected(grants, p, action);
      TestChannel s = MakeChannel(type, p.user, action.messages, !expected);
      const std::string before = expected ? "" : Snapshot(s);
      HttpResult r = Client(p, action.request(s, false));
      if (expected) {
        ++allowed;
        EXPECT_EQ(r.status / 100, 2) << r.body;
        continue;
      }
      ++refused;
      ASSERT_EQ(r.status, 403) << r.body;
      EXPECT_EQ(r.obj().at("code"), 17) << r.body;
      EXPECT_NE(r.body.find("is not allowed to perform action"), std::string::npos) << r.body;
      EXPECT_NE(r.body.find("in scope '" + type + "'"), std::string::npos) << r.body;
      EXPECT_EQ(Snapshot(s), before) << "a refused call changed the channel";
      EXPECT_EQ(SpyEventsUntilSentinel(s), std::vector<std::string>{})
          << "a refused call emitted events";
    }
  }
  // Both outcomes occur: the matrix is not trivially all-allowed or all-refused.
  EXPECT_GT(allowed, 10);
  EXPECT_GT(refused, 10);
}

TEST_P(PermissionMatrixByType, ServerSideCallsAlwaysSucceed) {
  const std::string type = GetParam();
  for (const Action& action : Actions()) {
    if (!Flag(type, action.flag)) continue;
    SCOPED_TRACE(type + " / " + action.name);
    // The actor named in the bodies is a non-member with no rights of its own.
    TestChannel s = MakeChannel(type, "pm_user", action.messages, false);
    Request req = action.request(s, true);
    HttpResult r = AsServer(req.method, req.path, req.body);
    EXPECT_EQ(r.status / 100, 2) << r.body;
  }
}

INSTANTIATE_TEST_SUITE_P(BuiltinTypes, PermissionMatrixByType, ::testing::ValuesIn(kTypes),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           return std::string(info.param);
                         });

TEST_F(PermissionMatrixTest, ChangedGrantsTakeEffectAtOnce) {
  TestChannel s = MakeChannel("messaging", "pm_user", true, false);
  auto refused = AsUser("pm_user", "POST", s.path() + "/query", "{}");
  ASSERT_EQ(refused.status, 403) << refused.body;
  EXPECT_NE(refused.body.find("User 'pm_user' with role 'user' is not allowed to perform action "
                              "ReadChannel in scope 'messaging'"),
            std::string::npos)
      << refused.body;

  const Grants before = GrantsOf("messaging");
  json::array user_grants;
  for (const std::string& p : before.at("user")) user_grants.emplace_back(p);
  json::array widened = user_grants;
  widened.emplace_back("read-channel");
  widened.emplace_back("delete-any-message");
  auto put = AsServer(
      "PUT", "/channeltypes/messaging",
      json::serialize(json::object{{"grants", {{"user", widened}}}, {"max_message_length", 1234}}));
  ASSERT_EQ(put.status, 200) << put.body;

  auto read = AsUser("pm_user", "POST", s.path() + "/query", "{}");
  ASSERT_EQ(read.status / 100, 2) << read.body;
  const json::array& caps = read.obj().at("channel").at("own_capabilities").as_array();
  EXPECT_NE(std::find(caps.begin(), caps.end(), json::value("delete-any-message")), caps.end());
  EXPECT_EQ(AsUser("pm_user", "DELETE", "/messages/" + s.other_message).status, 200);
  auto app = AsServer("GET", "/app");
  // The config in channel responses and in GET /app follows the stored type.
  EXPECT_EQ(read.obj().at("channel").at("config").at("max_message_length"), 1234);
  EXPECT_EQ(app.obj().at("app").at("channel_configs").at("messaging").at("max_message_length"),
            1234);

  put = AsServer("PUT", "/channeltypes/messaging",
                 json::serialize(json::object{{"grants", {{"user", user_grants}}},
                                              {"max_message_length", 5000}}));
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(AsUser("pm_user", "POST", s.path() + "/query", "{}").status, 403);
  EXPECT_EQ(GrantsOf("messaging"), before);
}

TEST_F(PermissionMatrixTest, DisablePermissionsChecksLetsClientsActAsTheServer) {
  TestChannel s = MakeChannel("messaging", "pm_user", true, false);
  ASSERT_EQ(AsServer("PATCH", "/app", R"({"disable_permissions_checks":true})").status, 200);
  auto r = AsUser("pm_user", "DELETE", "/messages/" + s.other_message);
  ASSERT_EQ(AsServer("PATCH", "/app", R"({"disable_permissions_checks":false})").status, 200);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(AsUser("pm_user", "POST", s.path() + "/query", "{}").status, 403);
}

TEST_F(PermissionMatrixTest, CustomRoleWithCustomGrants) {
  auto r = AsServer("POST", "/roles", R"({"name":"support_agent"})");
  ASSERT_EQ(r.status, 201) << r.body;
  r = AsServer("POST", "/channeltypes",
               R"({"name":"support","grants":{"support_agent":["read-channel","create-message",
                   "delete-any-message"]}})");
  ASSERT_EQ(r.status, 201) << r.body;
  ASSERT_EQ(AsServer("POST", "/users", R"({"users":{"pm_agent":{"id":"pm_agent"}}})").status, 201);
  // Only the backend gives roles, and only defined ones.
  r = AsUser("pm_agent", "PATCH", "/users",
             R"({"users":[{"id":"pm_agent","set":{"role":"support_agent"}}]})");
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(r.obj().at("code"), 17);
  r = AsServer("PATCH", "/users", R"({"users":[{"id":"pm_agent","set":{"role":"wizard"}}]})");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.obj().at("code"), 4);
  r = AsServer("PATCH", "/users",
               R"({"users":[{"id":"pm_agent","set":{"role":"support_agent"}}]})");
  ASSERT_EQ(r.status, 200) << r.body;

  TestChannel s = MakeChannel("support", "pm_agent", true, false);
  r = AsUser("pm_agent", "POST", s.path() + "/query", "{}");
  ASSERT_EQ(r.status / 100, 2) << r.body;
  const json::array& caps = r.obj().at("channel").at("own_capabilities").as_array();
  for (const char* cap : {"send-message", "delete-any-message"}) {
    EXPECT_NE(std::find(caps.begin(), caps.end(), json::value(cap)), caps.end()) << cap;
  }
  EXPECT_EQ(std::find(caps.begin(), caps.end(), json::value("update-channel")), caps.end());
  EXPECT_EQ(AsUser("pm_agent", "POST", s.path() + "/message", R"({"message":{"text":"x"}})").status,
            201);
  EXPECT_EQ(AsUser("pm_agent", "DELETE", "/messages/" + s.other_message).status, 200);
  r = AsUser("pm_agent", "POST", s.path(), R"({"data":{"name":"mine"}})");
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(AsUser("pm_user", "POST", s.path() + "/query", "{}").status, 403);

  // In use: neither the role nor the type can go.
  EXPECT_EQ(AsServer("DELETE", "/roles/support_agent").obj().at("code"), 4);
  EXPECT_EQ(AsServer("DELETE", "/channeltypes/support").obj().at("code"), 4);
}

TEST_F(PermissionMatrixTest, TypesAndRolesAreServerSideOnly) {
  for (const auto& [method, path] :
       std::vector<std::pair<std::string, std::string>>{{"GET", "/channeltypes"},
                                                        {"POST", "/channeltypes"},
                                                        {"GET", "/channeltypes/messaging"},
                                                        {"PUT", "/channeltypes/messaging"},
                                                        {"DELETE", "/channeltypes/messaging"},
                                                        {"GET", "/roles"},
                                                        {"POST", "/roles"},
                                                        {"DELETE", "/roles/admin"}}) {
    auto r = AsUser("pm_admin", method, path, R"({"name":"x"})");
    EXPECT_EQ(r.status, 403) << method << " " << path << ": " << r.body;
    EXPECT_NE(r.body.find("this endpoint can only be called server side"), std::string::npos);
  }
}

}  // namespace
}  // namespace eddy::testing
