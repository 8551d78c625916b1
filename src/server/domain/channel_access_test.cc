#include "server/domain/channel_access.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace eddy::server {
namespace {

using A = ChannelAction;

class ChannelAccessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    channel_.type = "messaging";
    channel_.id = "general";
    channel_.created_by_id = "carol";
    messaging_ = *types_.Find("app", "messaging");
    livestream_ = *types_.Find("app", "livestream");
  }

  Status Check(const Actor& actor, const User* user, const Member* member, A action,
               const ChannelType* type = nullptr) {
    AccessContext ctx{actor, user, channel_, type ? *type : messaging_, member};
    return CheckChannelAccess(ctx, action);
  }
  bool Can(const Actor& actor, const User* user, const Member* member, A action,
           const ChannelType* type = nullptr) {
    return Check(actor, user, member, action, type).ok();
  }
  json::array Caps(const Actor& actor, const User* user, const Member* member,
                   const ChannelType* type = nullptr) {
    AccessContext ctx{actor, user, channel_, type ? *type : messaging_, member};
    return OwnCapabilities(ctx);
  }
  static bool Has(const json::array& caps, std::string_view cap) {
    return std::find(caps.begin(), caps.end(), json::value(cap)) != caps.end();
  }

  static User MakeUser(std::string id, std::string role = "user") {
    User u;
    u.id = std::move(id);
    u.role = std::move(role);
    return u;
  }
  Member MakeMember(std::string user_id, std::string role = "channel_member") {
    Member m;
    m.channel_type = channel_.type;
    m.channel_id = channel_.id;
    m.user_id = std::move(user_id);
    m.channel_role = std::move(role);
    return m;
  }

  ChannelTypes types_;
  ChannelType messaging_, livestream_;
  Channel channel_;
};

TEST_F(ChannelAccessTest, ServerMayDoEverything) {
  for (int a = 0; a <= static_cast<int>(A::kPinMessage); ++a) {
    EXPECT_TRUE(Can(Actor::Server(), nullptr, nullptr, static_cast<A>(a))) << a;
  }
}

TEST_F(ChannelAccessTest, NonMemberCannotReadPrivateTypes) {
  User dave = MakeUser("dave");
  Status s = Check(Actor::ForUser("dave"), &dave, nullptr, A::kReadChannel);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kNotAllowed);
  EXPECT_EQ(s.error().http_status, 403);
  EXPECT_EQ(s.error().message,
            "User 'dave' with role 'user' is not allowed to perform action ReadChannel in scope "
            "'messaging'");
  EXPECT_FALSE(Can(Actor::ForUser("dave"), &dave, nullptr, A::kSendMessage));
  // Public types: anyone reads and writes.
  EXPECT_TRUE(Can(Actor::ForUser("dave"), &dave, nullptr, A::kReadChannel, &livestream_));
  EXPECT_TRUE(Can(Actor::ForUser("dave"), &dave, nullptr, A::kSendMessage, &livestream_));
  Actor anon = Actor::ForUser("anon-1");
  anon.anonymous = true;
  EXPECT_TRUE(Can(anon, nullptr, nullptr, A::kReadChannel, &livestream_));
  EXPECT_FALSE(Can(anon, nullptr, nullptr, A::kSendMessage, &livestream_));
  EXPECT_FALSE(Can(anon, nullptr, nullptr, A::kCreateChannel));
}

TEST_F(ChannelAccessTest, MembersReadAndWriteButDoNotManage) {
  User bob = MakeUser("bob");
  Member m = MakeMember("bob");
  Actor a = Actor::ForUser("bob");
  EXPECT_TRUE(Can(a, &bob, &m, A::kReadChannel));
  EXPECT_TRUE(Can(a, &bob, &m, A::kSendMessage));
  EXPECT_TRUE(Can(a, &bob, &m, A::kSendReaction));
  EXPECT_TRUE(Can(a, &bob, &m, A::kUpdateOwnMessage));
  EXPECT_FALSE(Can(a, &bob, &m, A::kUpdateAnyMessage));
  EXPECT_FALSE(Can(a, &bob, &m, A::kUpdateChannel));
  EXPECT_FALSE(Can(a, &bob, &m, A::kUpdateChannelMembers));
  EXPECT_FALSE(Can(a, &bob, &m, A::kTruncateChannel));
  EXPECT_TRUE(Can(a, &bob, &m, A::kDeleteChannel));  // messaging members, per §5.3
  Member team_member = m;
  ChannelType team = *types_.Find("app", "team");
  EXPECT_FALSE(Can(a, &bob, &team_member, A::kDeleteChannel, &team));
}

TEST_F(ChannelAccessTest, PendingInviteesReadOnlyAndBannedMembersCannotWrite) {
  User bob = MakeUser("bob");
  Member m = MakeMember("bob");
  m.invited = true;
  Actor a = Actor::ForUser("bob");
  EXPECT_TRUE(Can(a, &bob, &m, A::kReadChannel));
  EXPECT_FALSE(Can(a, &bob, &m, A::kSendMessage));
  m.invite_accepted_at = 1;
  EXPECT_TRUE(Can(a, &bob, &m, A::kSendMessage));
  m.banned = true;
  EXPECT_FALSE(Can(a, &bob, &m, A::kSendMessage));
  EXPECT_TRUE(Can(a, &bob, &m, A::kReadChannel));
}

TEST_F(ChannelAccessTest, CreatorAndModeratorsManage) {
  User carol = MakeUser("carol");
  Actor creator = Actor::ForUser("carol");
  EXPECT_TRUE(Can(creator, &carol, nullptr, A::kReadChannel));
  EXPECT_TRUE(Can(creator, &carol, nullptr, A::kUpdateChannel));
  EXPECT_TRUE(Can(creator, &carol, nullptr, A::kUpdateChannelMembers));
  EXPECT_TRUE(Can(creator, &carol, nullptr, A::kTruncateChannel));

  User bob = MakeUser("bob");
  Member mod = MakeMember("bob", "channel_moderator");
  Actor a = Actor::ForUser("bob");
  EXPECT_TRUE(Can(a, &bob, &mod, A::kUpdateChannel));
  EXPECT_TRUE(Can(a, &bob, &mod, A::kDeleteAnyMessage));
  EXPECT_TRUE(Can(a, &bob, &mod, A::kUpdateAnyMessage));
  EXPECT_TRUE(Can(a, &bob, &mod, A::kDeleteChannel));
}

TEST_F(ChannelAccessTest, RolesAreServerSideOnlyEvenForAdmins) {
  User admin = MakeUser("zed", "admin");
  Status s = Check(Actor::ForUser("zed"), &admin, nullptr, A::kUpdateChannelRoles);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kNotAllowed);
  EXPECT_EQ(s.error().message, "changing channel member roles is not allowed client-side");
  EXPECT_TRUE(Can(Actor::ForUser("zed"), &admin, nullptr, A::kUpdateChannel));
  EXPECT_TRUE(Can(Actor::ForUser("zed"), &admin, nullptr, A::kReadChannel));
  EXPECT_TRUE(Can(Actor::ForUser("zed"), &admin, nullptr, A::kDeleteAnyMessage));
}

TEST_F(ChannelAccessTest, CapabilitiesFollowRoleFlagsAndFreeze) {
  User bob = MakeUser("bob");
  Member m = MakeMember("bob");
  json::array member = Caps(Actor::ForUser("bob"), &bob, &m);
  for (const char* c : {"send-message", "send-reaction", "send-reply", "read-events",
                        "typing-events", "send-typing-events", "upload-file", "update-own-message",
                        "delete-own-message", "leave-channel", "connect-events", "quote-message"}) {
    EXPECT_TRUE(Has(member, c)) << c;
  }
  for (const char* c : {"update-channel", "update-channel-members", "delete-any-message",
                        "ban-channel-members", "freeze-channel", "join-channel"}) {
    EXPECT_FALSE(Has(member, c)) << c;
  }
  EXPECT_TRUE(std::is_sorted(
      member.begin(), member.end(),
      [](const json::value& a, const json::value& b) { return a.as_string() < b.as_string(); }));

  channel_.frozen = true;
  json::array frozen = Caps(Actor::ForUser("bob"), &bob, &m);
  EXPECT_FALSE(Has(frozen, "send-message"));
  EXPECT_FALSE(Has(frozen, "send-reaction"));
  EXPECT_TRUE(Has(frozen, "read-events"));
  channel_.frozen = false;

  User dave = MakeUser("dave");
  json::array outsider = Caps(Actor::ForUser("dave"), &dave, nullptr, &livestream_);
  EXPECT_TRUE(Has(outsider, "send-message"));
  EXPECT_FALSE(Has(outsider, "read-events"));    // livestream: read events off
  EXPECT_FALSE(Has(outsider, "typing-events"));  // livestream: typing off
  EXPECT_FALSE(Has(outsider, "leave-channel"));

  json::array server = Caps(Actor::Server(), nullptr, nullptr);
  EXPECT_TRUE(Has(server, "update-channel"));
  EXPECT_TRUE(Has(server, "freeze-channel"));
  EXPECT_TRUE(Has(server, "send-message"));
}

}  // namespace
}  // namespace eddy::server
