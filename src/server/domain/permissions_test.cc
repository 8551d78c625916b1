// Grant evaluation: the permission table, the built-in defaults, parsing grants from the wire,
// and CheckChannelAccess over grants a backend changed.
#include "server/domain/permissions.h"

#include <gtest/gtest.h>

#include <set>

#include "server/domain/channel_access.h"

namespace eddy::server {
namespace {

using A = ChannelAction;

TEST(PermissionsTest, EveryActionHasItsOwnPermission) {
  std::set<std::string_view> seen;
  for (int a = 0; a <= static_cast<int>(A::kSendToFrozenChannel); ++a) {
    std::string_view p = PermissionFor(static_cast<A>(a));
    EXPECT_FALSE(p.empty());
    EXPECT_TRUE(seen.insert(p).second) << p << " guards two actions";
    EXPECT_FALSE(ActionName(static_cast<A>(a)).empty());
  }
  EXPECT_EQ(seen.size(), AllPermissions().size());
  EXPECT_EQ(PermissionFor(A::kSendMessage), "create-message");
  EXPECT_EQ(ActionName(A::kReadChannel), "ReadChannel");
}

TEST(PermissionsTest, GrantedWhenAnyRoleHoldsThePermission) {
  Grants g{{"user", {"read-channel"}}, {"channel_member", {"create-message"}}};
  EXPECT_TRUE(Granted(g, {"user"}, "read-channel"));
  EXPECT_FALSE(Granted(g, {"user"}, "create-message"));
  EXPECT_TRUE(Granted(g, {"user", "channel_member"}, "create-message"));
  EXPECT_FALSE(Granted(g, {"guest", "channel_moderator"}, "read-channel"));
  EXPECT_FALSE(Granted(g, {}, "read-channel"));
}

TEST(PermissionsTest, DefaultsGiveStaffAllButRoleChangesAndMembersTheirOwnThings) {
  Grants g = DefaultGrants(/*members_only=*/true, /*member_deletes=*/false);
  for (std::string_view p : AllPermissions()) {
    EXPECT_EQ(Granted(g, {"admin"}, p), p != "update-channel-member-roles") << p;
    EXPECT_EQ(Granted(g, {"moderator"}, p), p != "update-channel-member-roles") << p;
  }
  EXPECT_FALSE(Granted(g, {"user"}, "read-channel"));
  EXPECT_TRUE(Granted(g, {"user"}, "create-channel"));
  EXPECT_FALSE(Granted(g, {"anonymous"}, "create-channel"));
  EXPECT_TRUE(Granted(g, {"channel_member"}, "update-own-message"));
  EXPECT_FALSE(Granted(g, {"channel_member"}, "update-any-message"));
  EXPECT_FALSE(Granted(g, {"channel_member"}, "delete-channel"));
  EXPECT_TRUE(Granted(g, {"channel_moderator"}, "delete-any-message"));
  EXPECT_TRUE(Granted(g, {"owner"}, "update-channel-members"));
  EXPECT_FALSE(Granted(g, {"owner"}, "create-message"));
  EXPECT_TRUE(Granted(DefaultGrants(true, true), {"channel_member"}, "delete-channel"));

  Grants pub = DefaultGrants(/*members_only=*/false, false);
  EXPECT_TRUE(Granted(pub, {"user"}, "create-message"));
  EXPECT_TRUE(Granted(pub, {"guest"}, "read-channel"));
  EXPECT_TRUE(Granted(pub, {"anonymous"}, "read-channel"));
  EXPECT_FALSE(Granted(pub, {"anonymous"}, "create-message"));
  EXPECT_FALSE(Granted(pub, {"user"}, "delete-any-message"));
}

TEST(PermissionsTest, ParseGrantsTranslatesLegacyNamesAndRefusesTheUnknown) {
  auto g = ParseGrants(json::parse(
      R"({"user":["Create Message","ReadChannel","pin-message"],"support":[],"channel_member":[]})"));
  ASSERT_TRUE(g.ok()) << g.error().message;
  EXPECT_EQ(g->at("user"),
            (std::set<std::string>{"create-message", "read-channel", "pin-message"}));
  EXPECT_TRUE(g->at("support").empty());
  EXPECT_EQ(
      json::serialize(GrantsToJson(*g)),
      R"({"channel_member":[],"support":[],"user":["create-message","pin-message","read-channel"]})");

  for (const char* bad : {R"([])", R"({"user":"read-channel"})", R"({"user":[1]})",
                          R"({"user":["fly"]})", R"({"Bad Role":["read-channel"]})"}) {
    auto r = ParseGrants(json::parse(bad));
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInput) << bad;
  }
  json::object many;
  for (int i = 0; i < 65; ++i) many["role_" + std::to_string(i)] = json::array();
  EXPECT_FALSE(ParseGrants(many).ok());
}

class GrantAccessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    channel_.type = "messaging";
    channel_.id = "general";
    channel_.created_by_id = "carol";
    type_ = *ChannelTypes().Find("app", "messaging");
  }
  Status Check(const std::string& id, const std::string& role, const Member* member, A action) {
    User u;
    u.id = id;
    u.role = role;
    Actor actor = Actor::ForUser(id);
    return CheckChannelAccess({actor, &u, channel_, type_, member}, action);
  }
  Member MemberOf(const std::string& id, const std::string& role) {
    Member m;
    m.user_id = id;
    m.channel_role = role;
    return m;
  }

  Channel channel_;
  ChannelType type_;
};

TEST_F(GrantAccessTest, ChangedGrantsDecide) {
  EXPECT_FALSE(Check("dave", "user", nullptr, A::kReadChannel).ok());
  type_.grants["user"].insert("read-channel");
  EXPECT_TRUE(Check("dave", "user", nullptr, A::kReadChannel).ok());
  // A custom app role holds only what it is granted.
  type_.grants["support"] = {"read-channel", "delete-any-message"};
  EXPECT_TRUE(Check("sam", "support", nullptr, A::kDeleteAnyMessage).ok());
  EXPECT_FALSE(Check("sam", "support", nullptr, A::kSendMessage).ok());
  // Taking a grant away refuses members too.
  type_.grants["channel_member"].erase("create-message");
  Member m = MemberOf("bob", "channel_member");
  EXPECT_FALSE(Check("bob", "user", &m, A::kSendMessage).ok());
  // A custom channel role.
  type_.grants["channel_vip"] = {"create-message"};
  Member vip = MemberOf("vera", "channel_vip");
  EXPECT_TRUE(Check("vera", "user", &vip, A::kSendMessage).ok());
  // Role changes become possible client-side only when granted.
  EXPECT_FALSE(Check("ada", "admin", nullptr, A::kUpdateChannelRoles).ok());
  type_.grants["admin"].insert("update-channel-member-roles");
  EXPECT_TRUE(Check("ada", "admin", nullptr, A::kUpdateChannelRoles).ok());
}

TEST_F(GrantAccessTest, RefusalNamesEveryRoleActionAndScope) {
  Member m = MemberOf("carol", "channel_member");
  Status s = Check("carol", "user", &m, A::kUpdateAnyMessage);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kNotAllowed);
  EXPECT_EQ(s.error().http_status, 403);
  EXPECT_EQ(s.error().message,
            "User 'carol' with roles ['user', 'channel_member', 'owner'] is not allowed to "
            "perform action UpdateAnyMessage in scope 'messaging'");
}

TEST_F(GrantAccessTest, BanTrumpsGrantsForPostingOnly) {
  Member m = MemberOf("bob", "channel_moderator");
  m.banned = true;
  EXPECT_FALSE(Check("bob", "user", &m, A::kSendMessage).ok());
  EXPECT_FALSE(Check("bob", "admin", &m, A::kSendReaction).ok());
  EXPECT_TRUE(Check("bob", "user", &m, A::kReadChannel).ok());
  EXPECT_TRUE(Check("bob", "user", &m, A::kDeleteAnyMessage).ok());
}

}  // namespace
}  // namespace eddy::server
