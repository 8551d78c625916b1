#include "server/domain/user_service.h"

#include <gtest/gtest.h>

#include <thread>

#include "server/domain/user_test_fakes.h"
#include "server/storage/sqlite/sqlite_store.h"

namespace eddy::server {
namespace {

using protocol::UserInput;

constexpr Micros kStart = 1'700'000'000'000'000;

class UserServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenSqliteStore(":memory:").value();
    app_.api_key = "key1";
    app_.api_secret = "secret1";
    app_.name = "test";
    app_.created_at = kStart;
    ASSERT_TRUE(store_->apps().CreateApp(app_).ok());
    service_ = std::make_unique<UserService>(*store_, events_, presence_, clock_);
  }

  static UserInput Input(std::string_view text) {
    auto in = protocol::UserFromJson(ParseJsonObject(text).value());
    EXPECT_TRUE(in.ok()) << text;
    return std::move(in).value();
  }

  std::vector<UserView> Upsert(const Actor& actor, std::initializer_list<std::string_view> users) {
    std::vector<UserInput> inputs;
    for (std::string_view u : users) inputs.push_back(Input(u));
    auto r = service_->UpsertUsers(actor, app_, std::move(inputs));
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? std::move(r).value() : std::vector<UserView>{};
  }

  User Stored(std::string_view id) {
    auto u = store_->users().FindUser(app_.api_key, id);
    EXPECT_TRUE(u.ok() && u->has_value()) << id;
    return u.ok() && u->has_value() ? **u : User{};
  }

  Result<std::vector<UserView>> Patch(const Actor& actor, std::string id, std::string_view set,
                                      std::vector<std::string> unset = {}) {
    UserPatch p{std::move(id), ParseJsonObject(set).value(), std::move(unset)};
    return service_->PartialUpdateUsers(actor, app_, {p});
  }

  std::unique_ptr<Store> store_;
  App app_;
  testing::ManualClock clock_{kStart};
  testing::RecordingEventSink events_;
  testing::FakePresence presence_;
  std::unique_ptr<UserService> service_;
};

TEST_F(UserServiceTest, UpsertCreatesThenReplacesCustomAndKeepsCreatedAt) {
  Upsert(Actor::Server(), {R"({"id":"u1","name":"One","color":"red","role":"admin"})"});
  clock_.Advance(5'000'000);
  auto out = Upsert(Actor::Server(), {R"({"id":"u1","name":"Uno"})"});
  ASSERT_EQ(out.size(), 1u);
  User u = Stored("u1");
  EXPECT_EQ(u.created_at, kStart);
  EXPECT_EQ(u.updated_at, kStart + 5'000'000);
  EXPECT_EQ(u.role, "admin");  // typed fields absent from the input keep their value
  EXPECT_EQ(u.custom, ParseJsonObject(R"({"name":"Uno"})").value());
}

TEST_F(UserServiceTest, UpsertEmitsUserUpdatedToTheUserItself) {
  events_.Take();
  Upsert(Actor::Server(), {R"({"id":"u1","name":"One"})", R"({"id":"u2"})"});
  auto sent = events_.Take();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].app_key, "key1");
  EXPECT_EQ(sent[0].user_ids, std::vector<std::string>{"u1"});
  EXPECT_EQ(sent[0].event.at("type"), "user.updated");
  EXPECT_EQ(sent[0].event.at("created_at").as_string(), FormatTime(kStart));
  EXPECT_EQ(sent[0].event.at("user").at("name"), "One");
  EXPECT_EQ(sent[1].user_ids, std::vector<std::string>{"u2"});
}

TEST_F(UserServiceTest, UpsertRejectsDuplicatesEmptyAndOversizedBatches) {
  std::vector<UserInput> dup = {Input(R"({"id":"a"})"), Input(R"({"id":"a"})")};
  EXPECT_EQ(service_->UpsertUsers(Actor::Server(), app_, dup).error().code, ErrorCode::kInput);
  EXPECT_EQ(service_->UpsertUsers(Actor::Server(), app_, {}).error().code, ErrorCode::kInput);
  std::vector<UserInput> many;
  for (int i = 0; i < 101; ++i) many.push_back(Input(R"({"id":"u)" + std::to_string(i) + "\"}"));
  EXPECT_EQ(service_->UpsertUsers(Actor::Server(), app_, many).error().code, ErrorCode::kInput);
}

TEST_F(UserServiceTest, ClientMayUpsertOnlyItselfAndNotItsRole) {
  Upsert(Actor::Server(), {R"({"id":"u1","name":"One"})", R"({"id":"u2","name":"Two"})"});
  auto other = service_->UpsertUsers(Actor::ForUser("u1"), app_, {Input(R"({"id":"u2"})")});
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, ErrorCode::kNotAllowed);
  EXPECT_EQ(other.error().http_status, 403);
  EXPECT_EQ(other.error().message,
            "User 'u1' with role 'user' is not allowed to perform action UpdateUser on user 'u2'");

  auto raise = service_->UpsertUsers(Actor::ForUser("u1"), app_,
                                     {Input(R"({"id":"u1","role":"admin","name":"X"})")});
  ASSERT_FALSE(raise.ok());
  EXPECT_EQ(raise.error().code, ErrorCode::kNotAllowed);
  EXPECT_NE(raise.error().message.find("'role'"), std::string::npos);
  EXPECT_EQ(Stored("u1").role, "user");
  EXPECT_EQ(Stored("u1").custom.at("name"), "One");

  // Echoing the current role back (a client re-sending its own user object) is fine.
  auto echo = service_->UpsertUsers(
      Actor::ForUser("u1"), app_,
      {Input(R"({"id":"u1","role":"user","banned":false,"online":true,"name":"Uno"})")});
  ASSERT_TRUE(echo.ok()) << echo.error().message;
  EXPECT_EQ(Stored("u1").custom, ParseJsonObject(R"({"name":"Uno"})").value());
}

TEST_F(UserServiceTest, DisabledPermissionChecksLetClientsUpdateOthers) {
  Upsert(Actor::Server(), {R"({"id":"u2"})"});
  app_.settings["disable_permissions_checks"] = true;
  auto r = service_->UpsertUsers(Actor::ForUser("u1"), app_,
                                 {Input(R"({"id":"u2","role":"moderator"})")});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(Stored("u2").role, "moderator");
}

TEST_F(UserServiceTest, PartialUpdateWithDotPaths) {
  Upsert(Actor::Server(),
         {R"({"id":"u1","name":"One","address":{"city":"Oslo","zip":"1"},"tags":["a"]})"});
  auto r = Patch(Actor::Server(), "u1",
                 R"({"address.city":"Bergen","prefs.theme.dark":true,"name":"Uno",
                     "role":"moderator"})",
                 {"address.zip", "tags", "missing.key"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  User u = Stored("u1");
  EXPECT_EQ(u.role, "moderator");
  EXPECT_EQ(u.custom, ParseJsonObject(R"({"name":"Uno","address":{"city":"Bergen"},
                                         "prefs":{"theme":{"dark":true}}})")
                          .value());
  EXPECT_EQ(r->at(0).user.custom.at("name"), "Uno");
}

TEST_F(UserServiceTest, PartialUpdateErrors) {
  Upsert(Actor::Server(), {R"({"id":"u1","name":"One"})"});
  auto code = [&](const Actor& a, std::string id, std::string_view set,
                  std::vector<std::string> unset = {}) {
    auto r = Patch(a, std::move(id), set, std::move(unset));
    return r.ok() ? ErrorCode::kInternal : r.error().code;
  };
  EXPECT_EQ(code(Actor::Server(), "nobody", R"({"name":"x"})"), ErrorCode::kDoesNotExist);
  EXPECT_EQ(code(Actor::Server(), "u1", R"({"name.first":"x"})"), ErrorCode::kInput);
  EXPECT_EQ(code(Actor::Server(), "u1", R"({"role.x":"x"})"), ErrorCode::kInput);
  EXPECT_EQ(code(Actor::Server(), "u1", R"({"id":"u9"})"), ErrorCode::kInput);
  EXPECT_EQ(code(Actor::Server(), "u1", R"({"role":"Not A Role"})"), ErrorCode::kInput);
  EXPECT_EQ(code(Actor::Server(), "u1", R"({"banned":"yes"})"), ErrorCode::kInput);
  EXPECT_EQ(code(Actor::Server(), "u1", R"({"name":"x"})", {"name"}), ErrorCode::kInput);
  EXPECT_EQ(code(Actor::Server(), "u1", R"({"created_at":"2020-01-01T00:00:00Z"})"),
            ErrorCode::kInput);
  EXPECT_EQ(code(Actor::ForUser("u1"), "u1", R"({"created_at":"2020-01-01T00:00:00Z"})"),
            ErrorCode::kNotAllowed);
  EXPECT_EQ(code(Actor::ForUser("u1"), "u1", R"({"banned":true})"), ErrorCode::kNotAllowed);
  EXPECT_EQ(code(Actor::ForUser("u1"), "u1", "{}", {"role"}), ErrorCode::kInternal);  // no-op
  EXPECT_EQ(code(Actor::ForUser("u2"), "u1", R"({"name":"x"})"), ErrorCode::kNotAllowed);
  EXPECT_EQ(Stored("u1").custom.at("name"), "One");
}

TEST_F(UserServiceTest, ClientPartialUpdateOfItself) {
  Upsert(Actor::Server(), {R"({"id":"u1","name":"One","role":"admin"})"});
  auto r = Patch(Actor::ForUser("u1"), "u1",
                 R"({"name":"Uno","language":"nl","privacy_settings.typing_indicators":
                     {"enabled":false}})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  User u = Stored("u1");
  EXPECT_EQ(u.language, "nl");
  EXPECT_EQ(u.custom.at("privacy_settings").at("typing_indicators").at("enabled"), false);
  auto demote = Patch(Actor::ForUser("u1"), "u1", "{}", {"role"});
  ASSERT_FALSE(demote.ok());
  EXPECT_EQ(demote.error().code, ErrorCode::kNotAllowed);
  EXPECT_NE(demote.error().message.find("with role 'admin'"), std::string::npos);
}

TEST_F(UserServiceTest, ServerUnsetRestoresTypedDefaults) {
  Upsert(Actor::Server(), {R"({"id":"u1","role":"admin","banned":true,"teams":["a"],"language":"fr",
              "revoke_tokens_issued_before":"2024-01-01T00:00:00Z"})"});
  auto r = Patch(Actor::Server(), "u1", "{}",
                 {"role", "banned", "teams", "language", "revoke_tokens_issued_before"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  User u = Stored("u1");
  EXPECT_EQ(u.role, "user");
  EXPECT_FALSE(u.banned);
  EXPECT_TRUE(u.teams.empty());
  EXPECT_EQ(u.language, "");
  EXPECT_FALSE(u.revoke_tokens_issued_before.has_value());
}

TEST_F(UserServiceTest, QueryUsesPresenceForOnlineAndHidesInvisibleUsers) {
  Upsert(Actor::Server(),
         {R"({"id":"a"})", R"({"id":"b"})", R"({"id":"c","invisible":true})", R"({"id":"d"})"});
  presence_.SetOnline("key1", "b", true);
  presence_.SetOnline("key1", "c", true);
  presence_.SetOnline("key1", "d", true);
  auto ids = [&](std::string_view payload) {
    auto opts = ParseQueryUsers(ParseJsonObject(payload).value());
    EXPECT_TRUE(opts.ok());
    auto r = service_->QueryUsers(Actor::ForUser("a"), app_, std::move(opts).value());
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    std::vector<std::string> out;
    if (r.ok()) {
      for (const UserView& v : *r) out.push_back(v.user.id + (v.online ? "+" : ""));
    }
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(ids(R"({"sort":[{"field":"id","direction":1}]})"), (V{"a", "b+", "c", "d+"}));
  EXPECT_EQ(ids(R"({"filter_conditions":{"online":true},"sort":[{"field":"id","direction":1}]})"),
            (V{"b+", "d+"}));
  EXPECT_EQ(ids(R"({"filter_conditions":{"online":false},"sort":[{"field":"id","direction":-1}]})"),
            (V{"c", "a"}));
  EXPECT_EQ(ids(R"({"filter_conditions":{"online":true},"limit":1,"offset":1,
                   "sort":[{"field":"id","direction":1}]})"),
            (V{"d+"}));
}

TEST_F(UserServiceTest, DeactivateAndReactivate) {
  Upsert(Actor::Server(), {R"({"id":"u1","name":"One"})"});
  events_.Take();
  EXPECT_EQ(service_->DeactivateUser(Actor::ForUser("u1"), app_, "u1", {}).error().code,
            ErrorCode::kNotAllowed);
  clock_.Advance(1'000'000);
  auto d = service_->DeactivateUser(Actor::Server(), app_, "u1", {true, "admin1"});
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->user.deactivated_at, kStart + 1'000'000);
  auto sent = events_.Take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].event.at("type"), "user.deactivated");
  EXPECT_EQ(sent[0].event.at("created_by_id"), "admin1");
  // Idempotent, silent the second time; hidden from queries; cannot connect.
  EXPECT_TRUE(service_->DeactivateUser(Actor::Server(), app_, "u1", {}).ok());
  EXPECT_TRUE(events_.Take().empty());
  EXPECT_TRUE(service_->QueryUsers(Actor::Server(), app_, {})->empty());
  QueryUsersOptions all;
  all.include_deactivated = true;
  EXPECT_EQ(service_->QueryUsers(Actor::Server(), app_, all)->size(), 1u);
  auto conn = service_->UpsertFromConnect(app_, "u1", {}, false);
  ASSERT_FALSE(conn.ok());
  EXPECT_EQ(conn.error().code, ErrorCode::kNotAllowed);

  ReactivateOptions re;
  re.name = "Back";
  auto r = service_->ReactivateUser(Actor::Server(), app_, "u1", re);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->user.deactivated_at.has_value());
  EXPECT_EQ(Stored("u1").custom.at("name"), "Back");
  EXPECT_EQ(events_.Take().at(0).event.at("type"), "user.reactivated");
  EXPECT_TRUE(service_->UpsertFromConnect(app_, "u1", {}, false).ok());
  EXPECT_EQ(service_->DeactivateUser(Actor::Server(), app_, "ghost", {}).error().code,
            ErrorCode::kDoesNotExist);
}

TEST_F(UserServiceTest, SoftAndHardDelete) {
  Upsert(Actor::Server(), {R"({"id":"soft"})", R"({"id":"hard"})"});
  events_.Take();
  clock_.Advance(7);
  auto s = service_->DeleteUser(Actor::Server(), app_, "soft", {true, false, false});
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->user.deleted_at, kStart + 7);
  EXPECT_EQ(Stored("soft").deleted_at, kStart + 7);
  auto sent = events_.Take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].event.at("type"), "user.deleted");
  EXPECT_EQ(sent[0].event.at("hard_delete"), false);
  EXPECT_EQ(sent[0].event.at("mark_messages_deleted"), true);
  EXPECT_FALSE(service_->UpsertFromConnect(app_, "soft", {}, false).ok());

  DeleteUserOptions hard;
  hard.hard_delete = true;
  auto h = service_->DeleteUser(Actor::Server(), app_, "hard", hard);
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(h->user.deleted_at.has_value());
  EXPECT_FALSE(store_->users().FindUser("key1", "hard")->has_value());
  EXPECT_EQ(events_.Take().at(0).event.at("hard_delete"), true);
  EXPECT_EQ(service_->DeleteUser(Actor::Server(), app_, "hard", hard).error().code,
            ErrorCode::kDoesNotExist);
  EXPECT_EQ(service_->DeleteUser(Actor::ForUser("soft"), app_, "soft", {}).error().code,
            ErrorCode::kNotAllowed);
}

TEST_F(UserServiceTest, GuestsGetAPrefixedIdAndTheGuestRole) {
  auto g = service_->CreateGuest(app_, Input(R"({"id":"bob","name":"Bob","role":"guest"})"));
  ASSERT_TRUE(g.ok()) << g.error().message;
  const std::string& id = g->user.id;
  ASSERT_EQ(id.size(), 6u + 36u + 4u);
  EXPECT_EQ(id.substr(0, 6), "guest-");
  EXPECT_EQ(id.substr(42), "-bob");
  EXPECT_EQ(Stored(id).role, "guest");
  EXPECT_EQ(Stored(id).custom.at("name"), "Bob");
  auto admin = service_->CreateGuest(app_, Input(R"({"id":"eve","role":"admin"})"));
  ASSERT_FALSE(admin.ok());
  EXPECT_EQ(admin.error().code, ErrorCode::kNotAllowed);
  UserInput anon;
  auto noid = service_->CreateGuest(app_, anon);
  ASSERT_TRUE(noid.ok());
  EXPECT_EQ(noid->user.id.size(), 6u + 36u);
}

TEST_F(UserServiceTest, ConnectCreatesMergesAndIgnoresPrivilegedFields) {
  auto details = ParseJsonObject(R"({"id":"c1","name":"Cee","role":"admin","banned":true,
                                     "online":true,"language":"de"})")
                     .value();
  auto u = service_->UpsertFromConnect(app_, "c1", details, false);
  ASSERT_TRUE(u.ok()) << u.error().message;
  EXPECT_EQ(u->role, "user");
  EXPECT_FALSE(u->banned);
  EXPECT_EQ(u->language, "de");
  EXPECT_EQ(u->last_active, kStart);
  EXPECT_EQ(Stored("c1").custom, ParseJsonObject(R"({"name":"Cee"})").value());

  ASSERT_TRUE(Patch(Actor::Server(), "c1", R"({"color":"blue"})").ok());
  events_.Take();
  clock_.Advance(10);
  auto again = service_->UpsertFromConnect(
      app_, "c1", ParseJsonObject(R"({"id":"c1","name":"Cee"})").value(), false);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(Stored("c1").last_active, kStart + 10);
  EXPECT_EQ(Stored("c1").custom.at("color"), "blue");  // keys not sent are kept
  EXPECT_TRUE(events_.Take().empty());                 // nothing but last_active changed

  auto renamed =
      service_->UpsertFromConnect(app_, "c1", ParseJsonObject(R"({"name":"C"})").value(), false);
  ASSERT_TRUE(renamed.ok());
  EXPECT_EQ(events_.Take().at(0).event.at("user").at("name"), "C");

  auto anon = service_->UpsertFromConnect(app_, "0b9e5c1e-2f1a-4c1e-9a3b-1d2e3f4a5b6c",
                                          ParseJsonObject(R"({"anon":true})").value(), true);
  ASSERT_TRUE(anon.ok());
  EXPECT_EQ(anon->role, "anonymous");
  EXPECT_TRUE(anon->custom.empty());

  EXPECT_FALSE(
      service_->UpsertFromConnect(app_, "c1", ParseJsonObject(R"({"id":"x"})").value(), false)
          .ok());
  EXPECT_FALSE(service_->UpsertFromConnect(app_, "bad id", {}, false).ok());
}

TEST_F(UserServiceTest, MarkOfflineRecordsLastActive) {
  Upsert(Actor::Server(), {R"({"id":"u1"})"});
  EXPECT_FALSE(Stored("u1").last_active.has_value());
  clock_.Advance(42);
  service_->MarkOffline("key1", "u1");
  EXPECT_EQ(Stored("u1").last_active, kStart + 42);
  service_->MarkOffline("key1", "nobody");  // logged, not fatal
}

TEST_F(UserServiceTest, ConcurrentPartialUpdatesOfOneUserAreNotLost) {
  Upsert(Actor::Server(), {R"({"id":"u1"})"});
  constexpr int kThreads = 4;
  constexpr int kEach = 10;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        std::string key = "k" + std::to_string(t) + "_" + std::to_string(i);
        EXPECT_TRUE(Patch(Actor::Server(), "u1", "{\"" + key + "\":1}").ok());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(Stored("u1").custom.size(), static_cast<std::size_t>(kThreads * kEach));
}

}  // namespace
}  // namespace eddy::server
