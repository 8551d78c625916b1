#include "server/domain/channel_types.h"

#include <gtest/gtest.h>

namespace eddy::server {
namespace {

// Every key of §5.3's ChannelConfigWithInfo that the SDK or UI kits read.
constexpr const char* kRequiredKeys[] = {"name",
                                         "typing_events",
                                         "read_events",
                                         "connect_events",
                                         "delivery_events",
                                         "search",
                                         "reactions",
                                         "replies",
                                         "quotes",
                                         "mutes",
                                         "uploads",
                                         "url_enrichment",
                                         "custom_events",
                                         "push_notifications",
                                         "reminders",
                                         "mark_messages_pending",
                                         "polls",
                                         "user_message_reminders",
                                         "shared_locations",
                                         "count_messages",
                                         "skip_last_msg_update_for_system_msgs",
                                         "message_retention",
                                         "max_message_length",
                                         "automod",
                                         "automod_behavior",
                                         "blocklist_behavior",
                                         "commands",
                                         "created_at",
                                         "updated_at"};

TEST(ChannelTypesTest, BuiltinsHaveTheFullConfig) {
  ChannelTypes types;
  std::vector<ChannelType> all = *types.List("app");
  ASSERT_EQ(all.size(), 5u);
  for (const ChannelType& t : all) {
    for (const char* key : kRequiredKeys) {
      EXPECT_TRUE(t.config.contains(key)) << t.name << " lacks " << key;
    }
    EXPECT_EQ(t.config.at("name"), json::value(t.name));
    EXPECT_EQ(t.MaxMessageLength(), 5000);
    EXPECT_TRUE(t.config.at("commands").is_array());
  }
}

// A channel without overrides uses the shared type itself; overrides give a copy with them,
// and the shared type is left as it was.
TEST(ChannelTypesTest, OverridesCopyOnlyWhenThereAreSome) {
  ChannelTypes types;
  std::shared_ptr<const ChannelType> messaging = types.Find("app", "messaging");
  ASSERT_TRUE(messaging != nullptr);
  EXPECT_EQ(WithOverrides(messaging, json::object()).get(), messaging.get());
  std::shared_ptr<const ChannelType> quiet =
      WithOverrides(messaging, json::object{{"typing_events", false}, {"max_message_length", 10}});
  ASSERT_NE(quiet.get(), messaging.get());
  EXPECT_FALSE(quiet->Flag("typing_events"));
  EXPECT_EQ(quiet->MaxMessageLength(), 10);
  EXPECT_EQ(quiet->grants, messaging->grants);
  EXPECT_TRUE(messaging->Flag("typing_events"));
  EXPECT_EQ(messaging->MaxMessageLength(), 5000);
  EXPECT_EQ(types.Find("app", "messaging")->MaxMessageLength(), 5000);
}

TEST(ChannelTypesTest, Defaults) {
  ChannelTypes types;
  auto messaging = types.Find("app", "messaging");
  ASSERT_TRUE(messaging != nullptr);
  EXPECT_TRUE(messaging->members_only);
  for (const char* f : {"typing_events", "read_events", "connect_events", "reactions", "replies",
                        "uploads", "search", "mutes", "custom_events"}) {
    EXPECT_TRUE(messaging->Flag(f)) << f;
  }
  auto livestream = types.Find("app", "livestream");
  ASSERT_TRUE(livestream != nullptr);
  EXPECT_FALSE(livestream->members_only);
  EXPECT_FALSE(livestream->Flag("typing_events"));
  EXPECT_FALSE(livestream->Flag("read_events"));
  EXPECT_TRUE(livestream->Flag("connect_events"));
  EXPECT_TRUE(livestream->Flag("replies"));
  auto gaming = types.Find("app", "gaming");
  ASSERT_TRUE(gaming != nullptr);
  EXPECT_FALSE(gaming->members_only);
  EXPECT_FALSE(gaming->Flag("replies"));
  auto commerce = types.Find("app", "commerce");
  ASSERT_TRUE(commerce != nullptr);
  EXPECT_TRUE(commerce->members_only);
  EXPECT_FALSE(commerce->Flag("reactions"));
  auto team = types.Find("app", "team");
  ASSERT_TRUE(team != nullptr);
  EXPECT_TRUE(team->Flag("typing_events"));
  EXPECT_FALSE(types.Find("app", "nope") != nullptr);
  EXPECT_FALSE(messaging->Flag("no_such_flag"));
  EXPECT_FALSE(messaging->Flag("name"));  // not a boolean
}

TEST(ChannelTypesTest, OverridesWin) {
  ChannelTypes types;
  ChannelType t = WithOverrides(*types.Find("app", "messaging"),
                                {{"reactions", false}, {"max_message_length", 10}});
  EXPECT_FALSE(t.Flag("reactions"));
  EXPECT_TRUE(t.Flag("replies"));
  EXPECT_EQ(t.MaxMessageLength(), 10);
  EXPECT_TRUE(types.Find("app", "messaging")->Flag("reactions"));  // the type is untouched
}

}  // namespace
}  // namespace eddy::server
