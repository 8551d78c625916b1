// Hub fan-out: recipients of channel events, per-user fields spliced onto one shared encoding,
// presence and watching-stop announcements.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "server/realtime/hub.h"
#include "server/realtime/recording_socket.h"

namespace eddy::server::realtime {
namespace {

using testing::Open;
using testing::RecordingSocket;

TEST(SpliceFieldsTest, AppendsBeforeTheClosingBrace) {
  EXPECT_EQ(Hub::SpliceFields(R"({"a":1})", json::object{{"b", 2}}), R"({"a":1,"b":2})");
  EXPECT_EQ(Hub::SpliceFields("{}", json::object{{"b", "x"}}), R"({"b":"x"})");
  EXPECT_EQ(Hub::SpliceFields(R"({"a":1})", json::object{}), R"({"a":1})");
  std::string out =
      Hub::SpliceFields(R"({"a":{"n":[1,2]}})", json::object{{"k\"q", "v\n"}, {"n", nullptr}});
  auto parsed = ParseJsonObject(out);
  ASSERT_TRUE(parsed.ok()) << out;
  EXPECT_EQ(parsed->at("k\"q"), "v\n");
  EXPECT_TRUE(parsed->at("n").is_null());
  EXPECT_EQ(parsed->at("a").at("n").as_array().size(), 2u);
}

class FanoutTest : public ::testing::Test {
 protected:
  // The single frame `socket` got; null (and a failure) if it got none or several.
  static std::shared_ptr<const std::string> OnlyFrame(const RecordingSocket& socket) {
    auto frames = socket.Frames();
    EXPECT_EQ(frames.size(), 1u);
    return frames.size() == 1 ? frames[0] : nullptr;
  }

  Hub hub_{10};
  const std::string cid_ = "messaging:general";
};

TEST_F(FanoutTest, ChannelEventsGoToWatchersOnlySenderIncluded) {
  auto alice = Open(hub_, "a1", "app", "alice");
  auto bob = Open(hub_, "b1", "app", "bob");
  auto carol = Open(hub_, "c1", "app", "carol");  // online, not watching
  ASSERT_TRUE(hub_.Watch("app", "a1", cid_));
  ASSERT_TRUE(hub_.Watch("app", "b1", cid_));
  json::object event{{"type", "typing.start"}, {"cid", cid_}};
  hub_.ToWatchers("app", cid_, event);
  auto got = alice->TakeEvents();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], event);
  EXPECT_EQ(bob->TakeEvents().size(), 1u);
  EXPECT_TRUE(carol->TakeEvents().empty());
  hub_.ToWatchers("app", "messaging:other", event);
  EXPECT_TRUE(alice->TakeEvents().empty());
}

// The watcher list fan-outs share follows every change between two messages: a watch, an
// unwatch, a second connection of a user, a departure.
TEST_F(FanoutTest, EachMessageReachesTheWatchersOfItsMoment) {
  auto alice = Open(hub_, "a1", "app", "alice");
  auto bob = Open(hub_, "b1", "app", "bob");
  auto bob2 = Open(hub_, "b2", "app", "bob");
  json::object event{{"type", "typing.start"}, {"cid", cid_}};
  auto counts = [&] {
    return std::vector<size_t>{alice->TakeEvents().size(), bob->TakeEvents().size(),
                               bob2->TakeEvents().size()};
  };
  ASSERT_TRUE(hub_.Watch("app", "a1", cid_));
  hub_.ToWatchers("app", cid_, event);
  hub_.ToWatchers("app", cid_, event);
  EXPECT_EQ(counts(), (std::vector<size_t>{2, 0, 0}));
  ASSERT_TRUE(hub_.Watch("app", "b1", cid_));
  hub_.ToWatchers("app", cid_, event);
  EXPECT_EQ(counts(), (std::vector<size_t>{1, 1, 0}));
  ASSERT_TRUE(hub_.Watch("app", "b2", cid_));
  hub_.ToWatchers("app", cid_, event);
  EXPECT_EQ(counts(), (std::vector<size_t>{1, 1, 1}));
  ASSERT_TRUE(hub_.Unwatch("app", "a1", cid_));
  hub_.ToWatchers("app", cid_, event);
  EXPECT_EQ(counts(), (std::vector<size_t>{0, 1, 1}));
  hub_.Remove("b1");
  hub_.ToWatchers("app", cid_, event);
  EXPECT_EQ(counts(), (std::vector<size_t>{0, 0, 1}));
  hub_.UnwatchUser("app", cid_, "bob");
  hub_.ToWatchers("app", cid_, event);
  EXPECT_EQ(counts(), (std::vector<size_t>{0, 0, 0}));
  ASSERT_TRUE(hub_.Watch("app", "a1", cid_));
  hub_.ToWatchers("app", cid_, event);
  EXPECT_EQ(counts(), (std::vector<size_t>{1, 0, 0}));
}

TEST_F(FanoutTest, PersonalFieldsComputedOncePerUserAndSplicedOntoOneEncoding) {
  auto a1 = Open(hub_, "a1", "app", "alice");
  auto a2 = Open(hub_, "a2", "app", "alice");
  auto bob = Open(hub_, "b1", "app", "bob");
  auto carol = Open(hub_, "c1", "app", "carol");
  for (const char* c : {"a1", "a2", "b1", "c1"}) ASSERT_TRUE(hub_.Watch("app", c, cid_));

  std::map<std::string, int> calls;
  PersonalFields personal = [&](const std::string& user_id) {
    ++calls[user_id];
    if (user_id == "carol") return json::object{};  // nothing personal for carol
    return json::object{{"unread_count", user_id == "alice" ? 3 : 7},
                        {"total_unread_count", user_id == "alice" ? 4 : 9}};
  };
  json::object event{{"type", "message.new"},
                     {"cid", cid_},
                     {"message", json::object{{"id", "m1"}, {"text", "hi }"}}}};
  hub_.ToWatchers("app", cid_, event, personal);

  EXPECT_EQ(calls, (std::map<std::string, int>{{"alice", 1}, {"bob", 1}, {"carol", 1}}));
  auto fa1 = OnlyFrame(*a1);
  auto fa2 = OnlyFrame(*a2);
  auto fb = OnlyFrame(*bob);
  auto fc = OnlyFrame(*carol);
  ASSERT_TRUE(fa1 && fa2 && fb && fc);
  // Both of alice's connections share her frame; carol gets the shared encoding itself.
  EXPECT_EQ(fa1.get(), fa2.get());
  const std::string& shared = *fc;
  EXPECT_EQ(shared, json::serialize(event));
  // The personal frames are the shared bytes plus the fields: no re-encoding of the rest.
  for (const std::string* f : {fa1.get(), fb.get()}) {
    ASSERT_GT(f->size(), shared.size());
    EXPECT_EQ(f->substr(0, shared.size() - 1), shared.substr(0, shared.size() - 1));
  }
  auto alice = a1->TakeEvents()[0];
  auto bobs = bob->TakeEvents()[0];
  EXPECT_EQ(alice.at("unread_count"), 3);
  EXPECT_EQ(alice.at("total_unread_count"), 4);
  EXPECT_EQ(bobs.at("unread_count"), 7);
  EXPECT_EQ(bobs.at("total_unread_count"), 9);
  EXPECT_EQ(alice.at("message").at("text"), "hi }");
  EXPECT_EQ(alice.at("type"), "message.new");
  EXPECT_FALSE(carol->TakeEvents()[0].contains("unread_count"));
}

TEST_F(FanoutTest, UsersWithTheSameFieldsShareOneFrame) {
  auto alice = Open(hub_, "a1", "app", "alice");
  auto bob = Open(hub_, "b1", "app", "bob");
  auto carol = Open(hub_, "c1", "app", "carol");
  for (const char* c : {"a1", "b1", "c1"}) ASSERT_TRUE(hub_.Watch("app", c, cid_));
  PersonalFields personal = [](const std::string& user_id) {
    return json::object{{"total_unread_count", user_id == "carol" ? 1 : 0}};
  };
  hub_.ToWatchers("app", cid_, json::object{{"type", "message.new"}, {"cid", cid_}}, personal);
  auto fa = OnlyFrame(*alice);
  auto fb = OnlyFrame(*bob);
  auto fc = OnlyFrame(*carol);
  ASSERT_TRUE(fa && fb && fc);
  EXPECT_EQ(fa.get(), fb.get());
  EXPECT_NE(fa.get(), fc.get());
  EXPECT_EQ(bob->TakeEvents()[0].at("total_unread_count"), 0);
  EXPECT_EQ(carol->TakeEvents()[0].at("total_unread_count"), 1);
}

// Fields given for all recipients at once: asked once, with each user once in the order of
// the watchers, and each user's connections get the set named for the user.
TEST_F(FanoutTest, FieldsForAllRecipientsAtOnceReachEachUsersConnections) {
  auto a1 = Open(hub_, "a1", "app", "alice");
  auto a2 = Open(hub_, "a2", "app", "alice");
  auto bob = Open(hub_, "b1", "app", "bob");
  auto carol = Open(hub_, "c1", "app", "carol");
  for (const char* c : {"a1", "a2", "b1", "c1"}) ASSERT_TRUE(hub_.Watch("app", c, cid_));
  std::vector<std::vector<std::string>> asked;
  auto one = [](const std::string&) -> json::object {
    ADD_FAILURE() << "asked one user at a time";
    return {};
  };
  auto many = [&](const std::vector<std::string_view>& users) {
    asked.emplace_back(users.begin(), users.end());
    PersonalFieldSets out;
    out.sets = {json::object{{"total_unread_count", 5}}, json::object{}};
    for (std::string_view u : users) out.set_of.push_back(u == "bob" ? 1 : 0);
    return out;
  };
  json::object event{{"type", "message.new"}, {"cid", cid_}};
  hub_.ToWatchers("app", cid_, event, PersonalFields(one, many));
  ASSERT_EQ(asked.size(), 1u);
  std::vector<std::string> users = asked[0];
  std::sort(users.begin(), users.end());
  EXPECT_EQ(users, (std::vector<std::string>{"alice", "bob", "carol"}));
  for (auto* conn : {a1.get(), a2.get(), carol.get()}) {
    auto got = conn->TakeEvents();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].at("total_unread_count"), 5);
  }
  auto bob_frame = OnlyFrame(*bob);
  ASSERT_TRUE(bob_frame);
  EXPECT_EQ(*bob_frame, json::serialize(event));  // bob's set is empty: the shared frame
  bob->TakeEvents();

  // A resolver that answers for the wrong number of users gives nobody fields (never another
  // user's).
  auto short_answer = [](const std::vector<std::string_view>&) {
    return PersonalFieldSets{{json::object{{"total_unread_count", 1}}}, {0}};
  };
  hub_.ToWatchers("app", cid_, event, PersonalFields(one, short_answer));
  for (auto* conn : {a1.get(), a2.get(), bob.get(), carol.get()}) {
    auto got = conn->TakeEvents();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_FALSE(got[0].contains("total_unread_count"));
  }
}

TEST_F(FanoutTest, PersonalKeysOverrideTheSameKeyInTheSharedEvent) {
  auto a = Open(hub_, "a1", "app", "alice");
  auto b = Open(hub_, "b1", "app", "bob");
  json::object event{{"type", "notification.message_new"}, {"unread_count", 99}};
  hub_.ToUsersPersonal("app", {"alice", "bob"}, event, [](const std::string& user) {
    return user == "alice" ? json::object{{"unread_count", 1}} : json::object{};
  });
  std::string alice_frame = *a->Frames().at(0);
  std::string bob_frame = *b->Frames().at(0);
  // alice's key appears once, with her value; bob gets the event without the stripped key.
  EXPECT_EQ(alice_frame, R"({"type":"notification.message_new","unread_count":1})");
  EXPECT_EQ(bob_frame, R"({"type":"notification.message_new"})");
}

TEST_F(FanoutTest, ToUsersPersonalReachesUsersWhetherOrNotWatching) {
  auto a = Open(hub_, "a1", "app", "alice");
  auto b = Open(hub_, "b1", "app", "bob");
  auto other = Open(hub_, "x1", "app2", "alice");
  int calls = 0;
  hub_.ToUsersPersonal("app", {"alice", "dave"}, json::object{{"type", "notification.mark_read"}},
                       [&](const std::string& user) {
                         ++calls;
                         return json::object{{"unread_channels", 0}};
                       });
  EXPECT_EQ(calls, 1);  // dave has no connection: nothing is computed for him
  auto got = a->TakeEvents();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].at("unread_channels"), 0);
  EXPECT_TRUE(b->TakeEvents().empty());
  EXPECT_TRUE(other->TakeEvents().empty());
}

TEST_F(FanoutTest, NoRecipientsMeansNoPersonalCalls) {
  int calls = 0;
  hub_.ToWatchers("app", cid_, json::object{{"type", "x"}}, [&](const std::string&) {
    ++calls;
    return json::object{};
  });
  EXPECT_EQ(calls, 0);
}

TEST_F(FanoutTest, AnnouncePresenceGoesToFollowers) {
  auto a = Open(hub_, "a1", "app", "alice");
  auto b = Open(hub_, "b1", "app", "bob");
  hub_.FollowPresence("app", "a1", {"carol"});
  json::object carol{{"id", "carol"}, {"online", true}, {"last_active", "2026-01-01T00:00:00Z"}};
  hub_.AnnouncePresence("app", carol, 1'000'000);
  auto got = a->TakeEvents();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].at("type"), "user.presence.changed");
  EXPECT_EQ(got[0].at("user"), carol);
  EXPECT_EQ(got[0].at("created_at"), json::value(FormatTime(1'000'000)));
  EXPECT_TRUE(b->TakeEvents().empty());
}

TEST_F(FanoutTest, AnnounceWatchingStoppedTellsRemainingWatchers) {
  auto a = Open(hub_, "a1", "app", "alice");
  auto b = Open(hub_, "b1", "app", "bob");
  auto c = Open(hub_, "c1", "app", "carol");
  ASSERT_TRUE(hub_.Watch("app", "a1", cid_));
  ASSERT_TRUE(hub_.Watch("app", "b1", cid_));
  ASSERT_TRUE(hub_.Watch("app", "c1", cid_));
  ASSERT_TRUE(hub_.Watch("app", "c1", "messaging:other"));

  Hub::Departure d = hub_.Remove("c1");
  json::object user{{"id", "carol"}, {"online", false}};
  hub_.AnnounceWatchingStopped(d, user, 5);
  for (auto& socket : {a, b}) {
    auto got = socket->TakeEvents();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].at("type"), "user.watching.stop");
    EXPECT_EQ(got[0].at("cid"), json::value(cid_));
    EXPECT_EQ(got[0].at("channel_type"), "messaging");
    EXPECT_EQ(got[0].at("channel_id"), "general");
    EXPECT_EQ(got[0].at("watcher_count"), 2);
    EXPECT_EQ(got[0].at("user"), user);
  }
  EXPECT_TRUE(c->TakeEvents().empty());  // the closed connection gets nothing
}

}  // namespace
}  // namespace eddy::server::realtime
