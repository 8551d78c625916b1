// In-process API tests of the moderation routes (protocol §6.9): requests are routed and parsed
// as the dispatcher does and run against the real SQLite store (in memory) with recording
// event ports; the message routes run beside them so bans are seen where they bite.
#include <gtest/gtest.h>

#include <memory>

#include "server/api/messages.h"
#include "server/api/moderation.h"
#include "server/domain/message_service_fixture.h"
#include "server/domain/read_service.h"

namespace eddy::server::api {
namespace {

using Query = std::vector<std::pair<std::string, std::string>>;
constexpr Micros kMinute = 60'000'000;

class ModerationApiTest : public testing::MessageServiceFixture {
 protected:
  void SetUp() override {
    MessageServiceFixture::SetUp();
    read_service_ = std::make_unique<ReadService>(*store_, types_, channel_events_, sink_, views_,
                                                  clock_, &presence_);
    moderation_ =
        std::make_unique<ModerationService>(*store_, types_, channel_events_, sink_, *read_service_,
                                            views_, *service_, presence_, clock_);
    RegisterMessageRoutes(router_, *service_);
    RegisterModerationRoutes(router_, *moderation_);
  }

  Caller User(std::string id) {
    Caller c;
    c.kind = id.empty() ? Caller::Kind::kServer : Caller::Kind::kUser;
    c.app = std::make_shared<const App>(app_);
    c.user_id = std::move(id);
    return c;
  }

  // user empty: server-side.
  Result<ApiResponse> Call(const std::string& method, const std::string& path,
                           const std::string& user, std::string_view body = "", Query query = {}) {
    Router::Match m = router_.Find(method, path);
    if (!m.route) return Error::NotFound("no route for " + method + " " + path);
    http_ = std::make_unique<transport::HttpRequest>();
    http_->method = method;
    http_->path = path;
    http_->query = std::move(query);
    ApiRequest req;
    req.method = method;
    req.path = path;
    req.path_params = m.params;
    req.caller = User(user);
    req.http = http_.get();
    if (!body.empty()) {
      EDDY_ASSIGN_OR_RETURN(req.body, ParseJsonObject(body));
    }
    clock_.Advance(1000);
    return m.route->handler(req);
  }
  ErrorCode Code(const Result<ApiResponse>& r) {
    EXPECT_FALSE(r.ok());
    return r.ok() ? ErrorCode::kInternal : r.error().code;
  }
  json::object Body(Result<ApiResponse> r) {
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? std::move(r->body) : json::object();
  }
  Result<ApiResponse> SendAs(const std::string& user, const std::string& id,
                             const std::string& channel = "general") {
    return Call("POST", "/channels/messaging/" + channel + "/message", user,
                R"({"message":{"id":")" + id + R"(","text":"hi"}})");
  }
  std::size_t BanCount() {
    auto r = Call("GET", "/query_banned_users", "", "", {{"payload", "{}"}});
    return r.ok() ? r->body.at("bans").as_array().size() : 999;
  }

  Router router_;
  std::unique_ptr<transport::HttpRequest> http_;
  std::unique_ptr<ReadService> read_service_;
  std::unique_ptr<ModerationService> moderation_;
};

TEST_F(ModerationApiTest, ChannelBanByAdminRefusesThatChannelOnlyAndIsAnnounced) {
  watches_.SetWatching("carol", "messaging:general", true);
  auto r = Call("POST", "/moderation/ban", "admin",
                R"({"target_user_id":"bob","type":"messaging","id":"general","reason":"x"})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 201);
  std::vector<testing::Received> banned = Events("user.banned");
  ASSERT_EQ(testing::MessageServiceFixture::Recipients(banned),
            (std::vector<std::string>{"carol"}));
  EXPECT_EQ(banned[0].event.at("cid"), "messaging:general");
  EXPECT_EQ(banned[0].event.at("user").at("id"), "bob");
  EXPECT_TRUE(StoredMember("general", "bob").banned);

  EXPECT_EQ(Code(SendAs("bob", "b1")), ErrorCode::kNotAllowed);
  EXPECT_FALSE(Stored("b1").has_value());
  EXPECT_TRUE(Events("message.new").empty());
  EXPECT_TRUE(SendAs("bob", "b2", "other").ok());
  // Server-side sends on the user's behalf are not refused.
  EXPECT_TRUE(Call("POST", "/channels/messaging/general/message", "",
                   R"({"message":{"id":"b3","text":"hi","user_id":"bob"}})")
                  .ok());
}

TEST_F(ModerationApiTest, ClientsWithoutRightsCannotBanAndNothingChanges) {
  EXPECT_EQ(Code(Call("POST", "/moderation/ban", "alice", R"({"target_user_id":"bob"})")),
            ErrorCode::kNotAllowed);
  EXPECT_EQ(Code(Call("POST", "/moderation/ban", "alice",
                      R"({"target_user_id":"bob","channel_cid":"messaging:general"})")),
            ErrorCode::kNotAllowed);
  EXPECT_EQ(Code(Call("POST", "/moderation/ban", "admin", R"({"target_user_id":"admin"})")),
            ErrorCode::kInput);
  EXPECT_EQ(Code(Call("POST", "/moderation/ban", "", R"({"target_user_id":"bob","type":"x"})")),
            ErrorCode::kInput);
  EXPECT_EQ(Code(Call("POST", "/moderation/ban", "", R"({"target_user_id":"bob","timeout":0})")),
            ErrorCode::kInput);
  EXPECT_EQ(Code(Call("GET", "/query_banned_users", "", "",
                      {{"payload", R"({"filter_conditions":{"nope":1}})"}})),
            ErrorCode::kInput);
  EXPECT_EQ(Code(Call("GET", "/query_banned_users", "", "", {{"payload", R"({"limit":301})"}})),
            ErrorCode::kInput);
  EXPECT_EQ(BanCount(), 0u);
  EXPECT_TRUE(channel_events_.Take().empty());
  EXPECT_TRUE(sink_.Take().empty());
  EXPECT_TRUE(SendAs("bob", "ok").ok());
}

TEST_F(ModerationApiTest, TimedGlobalBanEndsWithTheClock) {
  ASSERT_TRUE(Call("POST", "/moderation/ban", "", R"({"target_user_id":"bob","timeout":2})").ok());
  EXPECT_EQ(SinkEvents("user.banned").size(), 1u);
  EXPECT_EQ(moderation_->CheckMayConnect(app_, "bob").error().code, ErrorCode::kNotAllowed);
  EXPECT_EQ(Code(SendAs("bob", "t1")), ErrorCode::kNotAllowed);
  clock_.Advance(2 * kMinute);
  EXPECT_TRUE(moderation_->CheckMayConnect(app_, "bob").ok());
  EXPECT_TRUE(SendAs("bob", "t2").ok());
}

TEST_F(ModerationApiTest, ShadowBanIsSilentAndShadowsMessages) {
  ASSERT_TRUE(
      Call("POST", "/moderation/ban", "", R"({"target_user_id":"bob","shadow":true})").ok());
  EXPECT_TRUE(sink_.Take().empty());
  EXPECT_TRUE(moderation_->CheckMayConnect(app_, "bob").ok());
  auto r = SendAs("bob", "s1");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(Stored("s1")->shadowed);
  ASSERT_TRUE(Call("DELETE", "/moderation/ban", "", "", {{"target_user_id", "bob"}}).ok());
  ASSERT_TRUE(SendAs("bob", "s2").ok());
  EXPECT_FALSE(Stored("s2")->shadowed);
}

TEST_F(ModerationApiTest, MutesNotifyTheMuterAndExpire) {
  auto body = Body(Call("POST", "/moderation/mute", "alice", R"({"target_id":"bob","timeout":1})"));
  EXPECT_EQ(body.at("mute").at("target").at("id"), "bob");
  EXPECT_EQ(body.at("own_user").at("mutes").as_array().size(), 1u);
  auto sent = SinkEvents("notification.mutes_updated");
  ASSERT_EQ(testing::MessageServiceFixture::Recipients(sent), (std::vector<std::string>{"alice"}));
  protocol::OwnUserExtras extras;
  ASSERT_TRUE(moderation_->FillOwnMutes(app_, "alice", extras).ok());
  EXPECT_EQ(extras.mutes.size(), 1u);
  clock_.Advance(kMinute);
  ASSERT_TRUE(moderation_->FillOwnMutes(app_, "alice", extras).ok());
  EXPECT_TRUE(extras.mutes.empty());

  body = Body(Call("POST", "/moderation/mute", "alice", R"({"target_ids":["bob","ghost"]})"));
  EXPECT_EQ(body.at("non_existing_users"), (json::array{"ghost"}));
  EXPECT_EQ(Code(Call("POST", "/moderation/mute", "alice", R"({"target_ids":"bob"})")),
            ErrorCode::kInput);
}

TEST_F(ModerationApiTest, ChannelMuteNeedsAVisibleChannel) {
  auto body = Body(
      Call("POST", "/moderation/mute/channel", "alice", R"({"channel_cid":"messaging:general"})"));
  EXPECT_EQ(body.at("channel_mutes").as_array().size(), 1u);
  EXPECT_EQ(SinkEvents("notification.channel_mutes_updated").size(), 1u);
  EXPECT_EQ(Code(Call("POST", "/moderation/mute/channel", "alice",
                      R"({"channel_cid":"messaging:general","expiration":-1})")),
            ErrorCode::kInput);
  // Not both, not neither: a channel for the muter only.
  EXPECT_EQ(
      Code(Call("POST", "/moderation/mute/channel", "", R"({"channel_cid":"messaging:general"})")),
      ErrorCode::kInput);
}

TEST_F(ModerationApiTest, FlagRules) {
  ASSERT_TRUE(SendAs("bob", "f1").ok());
  EXPECT_EQ(Code(Call("POST", "/moderation/flag", "bob", R"({"target_message_id":"f1"})")),
            ErrorCode::kInput);
  EXPECT_EQ(Code(Call("POST", "/moderation/flag", "alice",
                      R"({"target_message_id":"f1","target_user_id":"bob"})")),
            ErrorCode::kInput);
  // dave is not a member of messaging:general: he cannot see the message to flag it.
  EXPECT_EQ(Code(Call("POST", "/moderation/flag", "dave", R"({"target_message_id":"f1"})")),
            ErrorCode::kNotAllowed);
  auto body = Body(Call("POST", "/moderation/flag", "alice", R"({"target_message_id":"f1"})"));
  EXPECT_EQ(body.at("flag").at("target_message_id"), "f1");
  body = Body(Call("GET", "/moderation/flags/message", "admin", "",
                   {{"payload", R"({"filter_conditions":{"target_message_id":"f1"}})"}}));
  ASSERT_EQ(body.at("flags").as_array().size(), 1u);
  EXPECT_EQ(body.at("flags").at(0).at("message").at("id"), "f1");
}

}  // namespace
}  // namespace eddy::server::api
