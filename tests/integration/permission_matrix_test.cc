// The permission matrix over real sockets: for every built-in channel type, every role and
// every client action, the call is allowed or refused (403, code 17) exactly as the type's
// grants (read live from GET /channeltypes) say; a refusal changes nothing and emits nothing;
// the same calls server-side always succeed. Then grants changed through PUT /channeltypes,
// a custom role with custom grants, and the server-only endpoints.
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "integration/events.h"
#include "integration/fixture.h"
#include "integration/sdk_events.h"

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

json::object Body(const std::string& text) { return json::parse(text).as_object(); }

client::Message Text(const std::string& id, const std::string& text) {
  client::Message m;
  m.id = id;
  m.text = text;
  return m;
}

std::string What(const std::optional<client::ApiError>& e) {
  return e ? std::string(e->what()) : "no error";
}

struct Action {
  const char* name;
  std::vector<const char*> needs;  // every permission the call checks
  const char* flag;                // the type's config flag the call needs, or ""
  bool creates;                    // creates a channel: the actor will be its owner
  bool messages;                   // acts on the test channel's messages
  // The call through the SDK: as the connected user, and server-side (on behalf of the
  // channel's actor where the call names a user).
  std::function<void(client::ChatClient&, const TestChannel&)> client;
  std::function<void(client::ServerClient&, const TestChannel&)> server;
};

// A call without a typed SDK method: `body` as JSON text, through the SDK's generic Request.
template <typename Client>
void Call(Client& c, const std::string& method, const std::string& path,
          const std::string& body = "") {
  json::object b = body.empty() ? json::object() : Body(body);
  c.Request(method, path, body.empty() ? nullptr : &b);
}

client::ChannelHandle Channel(client::ChatClient& app, const TestChannel& s) {
  return app.GetChannel(s.type, s.id);
}

const std::vector<Action>& Actions() {
  using Chat = client::ChatClient;
  using Backend = client::ServerClient;
  static const std::vector<Action> actions = {
      {"query",
       {"read-channel"},
       "",
       false,
       false,
       [](Chat& app, const TestChannel& s) { Channel(app, s).Query({}); },
       [](Backend& server, const TestChannel& s) {
         Call(server, "POST", s.path() + "/query", "{}");
       }},
      {"create",
       {"create-channel"},
       "",
       true,
       false,
       [](Chat& app, const TestChannel& s) { app.GetChannel(s.type, "new-" + s.id).Query({}); },
       [](Backend& server, const TestChannel& s) {
         server.CreateChannel(s.type, "new-" + s.id, "pm_owner", {});
       }},
      {"update",
       {"read-channel", "update-channel"},
       "",
       false,
       false,
       [](Chat& app, const TestChannel& s) {
         Call(app, "POST", s.path(), R"({"data":{"name":"renamed"}})");
       },
       [](Backend& server, const TestChannel& s) {
         server.UpdateChannel(s.type, s.id, {{"name", "renamed"}});
       }},
      {"add_members",
       {"read-channel", "update-channel-members"},
       "",
       false,
       false,
       [](Chat& app, const TestChannel& s) {
         Call(app, "POST", s.path(), R"({"add_members":["pm_extra"]})");
       },
       [](Backend& server, const TestChannel& s) {
         server.AddMembers(s.type, s.id, {"pm_extra"});
       }},
      {"remove_members",
       {"read-channel", "update-channel-members"},
       "",
       false,
       false,
       [](Chat& app, const TestChannel& s) {
         Call(app, "POST", s.path(), R"({"remove_members":["pm_victim"]})");
       },
       [](Backend& server, const TestChannel& s) {
         server.RemoveMembers(s.type, s.id, {"pm_victim"});
       }},
      {"delete",
       {"delete-channel"},
       "",
       false,
       false,
       [](Chat& app, const TestChannel& s) { Call(app, "DELETE", s.path()); },
       [](Backend& server, const TestChannel& s) { server.DeleteChannel(s.type, s.id); }},
      {"truncate",
       {"truncate-channel"},
       "",
       false,
       false,
       [](Chat& app, const TestChannel& s) { Call(app, "POST", s.path() + "/truncate", "{}"); },
       [](Backend& server, const TestChannel& s) { server.TruncateChannel(s.type, s.id); }},
      {"send_message",
       {"create-message"},
       "",
       false,
       false,
       [](Chat& app, const TestChannel& s) { Channel(app, s).SendMessage("hello"); },
       [](Backend& server, const TestChannel& s) {
         server.SendMessage(s.type, s.id, s.actor, Text("", "hello"));
       }},
      {"update_own_message",
       {"update-own-message"},
       "",
       false,
       true,
       [](Chat& app, const TestChannel& s) {
         Channel(app, s).UpdateMessage(Text(s.own_message, "edited"));
       },
       [](Backend& server, const TestChannel& s) {
         server.UpdateMessage(Text(s.own_message, "edited"), s.actor);
       }},
      {"update_any_message",
       {"update-any-message"},
       "",
       false,
       true,
       [](Chat& app, const TestChannel& s) {
         Channel(app, s).UpdateMessage(Text(s.other_message, "edited"));
       },
       [](Backend& server, const TestChannel& s) {
         server.UpdateMessage(Text(s.other_message, "edited"), "pm_other");
       }},
      {"delete_own_message",
       {"delete-own-message"},
       "",
       false,
       true,
       [](Chat& app, const TestChannel& s) { Channel(app, s).DeleteMessage(s.own_message); },
       [](Backend& server, const TestChannel& s) { server.DeleteMessage(s.own_message); }},
      {"delete_any_message",
       {"delete-any-message"},
       "",
       false,
       true,
       [](Chat& app, const TestChannel& s) { Channel(app, s).DeleteMessage(s.other_message); },
       [](Backend& server, const TestChannel& s) { server.DeleteMessage(s.other_message); }},
      {"react",
       {"create-reaction"},
       "reactions",
       false,
       true,
       [](Chat& app, const TestChannel& s) {
         Channel(app, s).SendReaction(s.other_message, "like");
       },
       [](Backend& server, const TestChannel& s) {
         Call(server, "POST", "/messages/" + s.other_message + "/reaction",
              R"({"reaction":{"type":"like","user_id":")" + s.actor + "\"}}");
       }},
      {"typing",
       {"send-custom-event"},
       "typing_events",
       false,
       false,
       [](Chat& app, const TestChannel& s) { Channel(app, s).Keystroke(); },
       [](Backend& server, const TestChannel& s) {
         Call(server, "POST", s.path() + "/event",
              R"({"event":{"type":"typing.start","user_id":")" + s.actor + "\"}}");
       }},
      {"custom_event",
       {"send-custom-event"},
       "custom_events",
       false,
       false,
       [](Chat& app, const TestChannel& s) {
         Channel(app, s).SendEvent({{"type", "my_event"}});
       },
       [](Backend& server, const TestChannel& s) {
         Call(server, "POST", s.path() + "/event",
              R"({"event":{"type":"my_event","user_id":")" + s.actor + "\"}}");
       }},
      {"pin_own_message",
       {"pin-message"},
       "",
       false,
       true,
       [](Chat& app, const TestChannel& s) {
         Call(app, "PUT", "/messages/" + s.own_message, R"({"set":{"pinned":true}})");
       },
       [](Backend& server, const TestChannel& s) {
         Call(server, "PUT", "/messages/" + s.own_message,
              R"({"set":{"pinned":true},"user_id":")" + s.actor + "\"}");
       }},
      {"mark_read",
       {"read-channel"},
       "read_events",
       false,
       false,
       [](Chat& app, const TestChannel& s) { Channel(app, s).MarkRead(); },
       [](Backend& server, const TestChannel& s) {
         Call(server, "POST", s.path() + "/read", R"({"user_id":")" + s.actor + "\"}");
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
  static void SetUpTestSuite() {
    EddyTest::SetUpTestSuite();
    users_created_ = false;  // a new server per suite
  }
  void SetUp() override {
    if (!users_created_) {
      std::vector<client::User> users;
      for (const Persona& p : kPersonas) {
        if (*p.user == '\0') continue;
        users.push_back(SdkUser(p.user));
        users.back().role = p.app_role;
      }
      for (const char* extra : {"pm_spy", "pm_other", "pm_extra", "pm_victim"}) {
        users.push_back(SdkUser(extra));
      }
      sdk().UpsertUsers(users);
      users_created_ = true;
    }
    ASSERT_TRUE(spy_.Connect("pm_spy", UserToken("pm_spy")));
  }

  // The call as `p` makes it, through its SDK `app`; the error it failed with, if any.
  // Anonymous (no app; only "query" runs anonymous): raw, the SDK has no anonymous connection.
  std::optional<client::ApiError> Client(const Persona& p, client::ChatClient* app, const Action& a,
                                         const TestChannel& s) {
    if (app) return ApiErrorOf([&] { a.client(*app, s); });
    HttpResult r = http().Request("POST", Target(s.path() + "/query", {{"api_key", key()}}), "{}",
                                  {{"stream-auth-type", "anonymous"}});
    if (r.status / 100 == 2) return std::nullopt;
    return client::ApiError(r.code(), r.status, r.body);
  }

  json::object ChannelType(const std::string& type) {
    return sdk().Request("GET", "/channeltypes/" + type);
  }

  Grants GrantsOf(const std::string& type) {
    Grants g;
    const json::object channel_type = ChannelType(type);
    for (const auto& kv : channel_type.at("grants").as_object()) {
      for (const json::value& p : kv.value().as_array()) {
        g[std::string(kv.key())].insert(std::string(p.as_string()));
      }
    }
    return g;
  }

  bool Flag(const std::string& type, const char* flag) {
    return *flag == '\0' || ChannelType(type).at(flag).as_bool();
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
    sdk().CreateChannel(type, s.id, "pm_owner", {},
                        Body(R"({"members":[{"user_id":"pm_owner"},{"user_id":"pm_member"},
                            {"user_id":"pm_spy"},{"user_id":"pm_other"},{"user_id":"pm_victim"},
                            {"user_id":"pm_chmod","channel_role":"channel_moderator"}]})"));
    s.own_message = s.id + "-own";
    s.other_message = s.id + "-other";
    if (messages) {
      sdk().SendMessage(type, s.id, s.actor, Text(s.own_message, "hi"));
      sdk().SendMessage(type, s.id, "pm_other", Text(s.other_message, "hi"));
    }
    if (spied) {
      spy_.client().GetChannel(type, s.id).Watch();
      SpyEventsUntilSentinel(s);
    }
    return s;
  }

  // Everything stored about the channel, as the server reads it.
  std::string Snapshot(const TestChannel& s) {
    const json::object query =
        Body(R"({"state":true,"messages":{"limit":100},"members":{"limit":100}})");
    json::value v = sdk().Request("POST", s.path() + "/query", &query);
    Scrub(v);
    auto created = sdk().QueryChannels({{"cid", s.type + ":new-" + s.id}}, "");
    return json::serialize(v) + "|" + std::to_string(created.size());
  }

  // Sends a server-side sentinel event to the channel and returns what the spy received
  // before it: the events the calls since the last sentinel emitted.
  std::vector<std::string> SpyEventsUntilSentinel(const TestChannel& s) {
    std::string sentinel = "sentinel-" + s.id + "-" + std::to_string(++counter_);
    Call(sdk(), "POST", s.path() + "/event",
         R"({"event":{"type":")" + sentinel + R"(","user_id":"pm_spy"}})");
    std::vector<std::string> before;
    for (const json::object& e :
         spy_.Collect({sentinel}, std::chrono::seconds(10), std::chrono::milliseconds(0))) {
      std::string type(e.at("type").as_string());
      if (type == sentinel) return before;
      if (type != "health.check") before.push_back(type);
    }
    ADD_FAILURE() << "the spy never received " << sentinel;
    return before;
  }

  SdkConn spy_{BaseUrl(), key()};
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
  std::vector<const Action*> actions;
  for (const Action& action : Actions()) {
    if (Flag(type, action.flag)) actions.push_back(&action);
  }
  int allowed = 0, refused = 0;
  for (const Persona& p : kPersonas) {
    // One persona's app online at a time: the server notifies every online member of each of
    // the many test channels, which would double the test's time.
    std::unique_ptr<client::ChatClient> app;
    if (*p.user != '\0') {
      app = std::make_unique<client::ChatClient>(BaseUrl(), key());
      app->ConnectUser(SdkUser(p.user), UserToken(p.user));
    }
    for (const Action* a : actions) {
      const Action& action = *a;
      // Anonymous connections reach only the read endpoints (the others answer 401).
      if (*p.user == '\0' && std::string(action.name) != "query") continue;
      SCOPED_TRACE(type + " / " + action.name + " / " + p.name);
      const bool expected = Expected(grants, p, action);
      TestChannel s = MakeChannel(type, p.user, action.messages, !expected);
      const std::string before = expected ? "" : Snapshot(s);
      std::optional<client::ApiError> error = Client(p, app.get(), action, s);
      if (expected) {
        ++allowed;
        EXPECT_FALSE(error) << What(error);
        continue;
      }
      ++refused;
      ASSERT_TRUE(error) << "a refused call succeeded";
      ASSERT_EQ(error->status_code(), 403) << error->what();
      EXPECT_EQ(error->code(), 17) << error->what();
      EXPECT_NE(error->message().find("is not allowed to perform action"), std::string::npos)
          << error->what();
      EXPECT_NE(error->message().find("in scope '" + type + "'"), std::string::npos)
          << error->what();
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
    std::optional<client::ApiError> error = ApiErrorOf([&] { action.server(sdk(), s); });
    EXPECT_FALSE(error) << What(error);
  }
}

INSTANTIATE_TEST_SUITE_P(BuiltinTypes, PermissionMatrixByType, ::testing::ValuesIn(kTypes),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           return std::string(info.param);
                         });

TEST_F(PermissionMatrixTest, ChangedGrantsTakeEffectAtOnce) {
  TestChannel s = MakeChannel("messaging", "pm_user", true, false);
  client::ChannelHandle channel = App("pm_user").GetChannel(s.type, s.id);
  auto refused = ApiErrorOf([&] { channel.Query({}); });
  ASSERT_TRUE(refused);
  ASSERT_EQ(refused->status_code(), 403) << refused->what();
  EXPECT_NE(refused->message().find("User 'pm_user' with role 'user' is not allowed to perform "
                                    "action ReadChannel in scope 'messaging'"),
            std::string::npos)
      << refused->what();

  const Grants before = GrantsOf("messaging");
  json::array user_grants;
  for (const std::string& p : before.at("user")) user_grants.emplace_back(p);
  json::array widened = user_grants;
  widened.emplace_back("read-channel");
  widened.emplace_back("delete-any-message");
  json::object put{{"grants", {{"user", widened}}}, {"max_message_length", 1234}};
  sdk().Request("PUT", "/channeltypes/messaging", &put);

  client::ChannelState read = channel.Query({});
  const json::array& caps = read.channel.extra.at("own_capabilities").as_array();
  EXPECT_NE(std::find(caps.begin(), caps.end(), json::value("delete-any-message")), caps.end());
  EXPECT_NO_THROW(channel.DeleteMessage(s.other_message));
  // The config in channel responses and in GET /app follows the stored type.
  EXPECT_EQ(read.channel.extra.at("config").at("max_message_length"), 1234);
  EXPECT_EQ(sdk().GetAppSettings().at("channel_configs").at("messaging").at("max_message_length"),
            1234);

  put = {{"grants", {{"user", user_grants}}}, {"max_message_length", 5000}};
  sdk().Request("PUT", "/channeltypes/messaging", &put);
  refused = ApiErrorOf([&] { channel.Query({}); });
  EXPECT_EQ(refused ? refused->status_code() : 200, 403) << What(refused);
  EXPECT_EQ(GrantsOf("messaging"), before);
}

TEST_F(PermissionMatrixTest, DisablePermissionsChecksLetsClientsActAsTheServer) {
  TestChannel s = MakeChannel("messaging", "pm_user", true, false);
  client::ChannelHandle channel = App("pm_user").GetChannel(s.type, s.id);
  sdk().UpdateAppSettings({{"disable_permissions_checks", true}});
  auto error = ApiErrorOf([&] { channel.DeleteMessage(s.other_message); });
  sdk().UpdateAppSettings({{"disable_permissions_checks", false}});
  EXPECT_FALSE(error) << What(error);
  auto refused = ApiErrorOf([&] { channel.Query({}); });
  EXPECT_EQ(refused ? refused->status_code() : 200, 403) << What(refused);
}

TEST_F(PermissionMatrixTest, CustomRoleWithCustomGrants) {
  Call(sdk(), "POST", "/roles", R"({"name":"support_agent"})");
  Call(sdk(), "POST", "/channeltypes",
       R"({"name":"support","grants":{"support_agent":["read-channel","create-message",
           "delete-any-message"]}})");
  sdk().UpsertUsers({SdkUser("pm_agent")});
  // Only the backend gives roles, and only defined ones.
  auto error = ApiErrorOf([&] {
    Call(App("pm_agent"), "PATCH", "/users",
         R"({"users":[{"id":"pm_agent","set":{"role":"support_agent"}}]})");
  });
  ASSERT_TRUE(error);
  EXPECT_EQ(error->status_code(), 403) << error->what();
  EXPECT_EQ(error->code(), 17);
  error = ApiErrorOf([&] { sdk().PartialUpdateUser("pm_agent", {{"role", "wizard"}}); });
  ASSERT_TRUE(error);
  EXPECT_EQ(error->status_code(), 400) << error->what();
  EXPECT_EQ(error->code(), 4);
  EXPECT_EQ(sdk().PartialUpdateUser("pm_agent", {{"role", "support_agent"}}).role, "support_agent");

  TestChannel s = MakeChannel("support", "pm_agent", true, false);
  client::ChannelHandle channel = App("pm_agent").GetChannel(s.type, s.id);
  client::ChannelState state = channel.Query({});
  const json::array& caps = state.channel.extra.at("own_capabilities").as_array();
  for (const char* cap : {"send-message", "delete-any-message"}) {
    EXPECT_NE(std::find(caps.begin(), caps.end(), json::value(cap)), caps.end()) << cap;
  }
  EXPECT_EQ(std::find(caps.begin(), caps.end(), json::value("update-channel")), caps.end());
  EXPECT_NO_THROW(channel.SendMessage("x"));
  EXPECT_NO_THROW(channel.DeleteMessage(s.other_message));
  error = ApiErrorOf([&] { Call(App("pm_agent"), "POST", s.path(), R"({"data":{"name":"mine"}})"); });
  EXPECT_EQ(error ? error->status_code() : 200, 403) << What(error);
  error = ApiErrorOf([&] { App("pm_user").GetChannel(s.type, s.id).Query({}); });
  EXPECT_EQ(error ? error->status_code() : 200, 403) << What(error);

  // In use: neither the role nor the type can go.
  error = ApiErrorOf([&] { Call(sdk(), "DELETE", "/roles/support_agent"); });
  EXPECT_EQ(error ? error->code() : 0, 4) << What(error);
  error = ApiErrorOf([&] { Call(sdk(), "DELETE", "/channeltypes/support"); });
  EXPECT_EQ(error ? error->code() : 0, 4) << What(error);
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
    auto error = ApiErrorOf([&] { Call(App("pm_admin"), method, path, R"({"name":"x"})"); });
    ASSERT_TRUE(error) << method << " " << path;
    EXPECT_EQ(error->status_code(), 403) << method << " " << path << ": " << error->what();
    EXPECT_NE(error->message().find("this endpoint can only be called server side"),
              std::string::npos)
        << error->what();
  }
}

}  // namespace
}  // namespace eddy::testing
