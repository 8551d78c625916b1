// MessageService: reactions, their aggregates and own_reactions per reader.
#include <gtest/gtest.h>

#include "server/domain/message_service.h"
#include "server/domain/message_service_fixture.h"

namespace eddy::server::testing {
namespace {

class ReactionTest : public MessageServiceFixture {
 protected:
  void SetUp() override {
    MessageServiceFixture::SetUp();
    MustSend(As("alice"), R"({"id":"m1","text":"hello"})");
    watches_.SetWatching("carol", "messaging:general", true);
    channel_events_.Take();
  }

  Result<ReactionResult> React(const Actor& actor, std::string_view json, bool unique = false,
                               std::string_view message = "m1") {
    clock_.Advance(1000);
    auto in = protocol::ReactionFromJson(ParseJsonObject(json).value());
    EXPECT_TRUE(in.ok()) << json;
    return service_->SendReaction(actor, app_, message, std::move(in).value(), unique);
  }

  json::object Message(const Actor& reader) {
    auto r = service_->GetMessage(reader, app_, "m1");
    EXPECT_TRUE(r.ok());
    return r.ok() ? r->message : json::object{};
  }
};

TEST_F(ReactionTest, SendingAReactionUpdatesTheAggregatesAndBroadcastsReactionNew) {
  auto r = React(As("bob"), R"({"type":"like","mood":"happy"})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->reaction.at("type"), "like");
  EXPECT_EQ(r->reaction.at("user_id"), "bob");
  EXPECT_EQ(r->reaction.at("user").at("id"), "bob");
  EXPECT_EQ(r->reaction.at("message_id"), "m1");
  EXPECT_EQ(r->reaction.at("score"), 1);
  EXPECT_EQ(r->reaction.at("mood"), "happy");
  EXPECT_EQ(r->message.at("reaction_counts"), ParseJsonObject(R"({"like":1})").value());
  EXPECT_EQ(r->message.at("reaction_scores"), ParseJsonObject(R"({"like":1})").value());
  EXPECT_EQ(r->message.at("reaction_groups").at("like").at("count"), 1);
  EXPECT_EQ(r->message.at("latest_reactions").as_array().size(), 1u);
  EXPECT_EQ(r->message.at("own_reactions").as_array().size(), 1u);

  std::vector<Received> events = Events("reaction.new");
  ASSERT_EQ(Recipients(events), (std::vector<std::string>{"carol"}));
  EXPECT_EQ(events[0].event.at("reaction").at("user_id"), "bob");
  EXPECT_EQ(events[0].event.at("user").at("id"), "bob");
  EXPECT_EQ(events[0].event.at("message").at("reaction_counts").at("like"), 1);
  // A broadcast carries nobody's own_reactions.
  EXPECT_TRUE(events[0].event.at("message").at("own_reactions").as_array().empty());
}

TEST_F(ReactionTest, OwnReactionsArePerReader) {
  ASSERT_TRUE(React(As("bob"), R"({"type":"like"})").ok());
  ASSERT_TRUE(React(As("carol"), R"({"type":"love","score":3})").ok());
  json::object for_bob = Message(As("bob"));
  json::object for_carol = Message(As("carol"));
  json::object for_alice = Message(As("alice"));
  ASSERT_EQ(for_bob.at("own_reactions").as_array().size(), 1u);
  EXPECT_EQ(for_bob.at("own_reactions").at(0).at("type"), "like");
  ASSERT_EQ(for_carol.at("own_reactions").as_array().size(), 1u);
  EXPECT_EQ(for_carol.at("own_reactions").at(0).at("type"), "love");
  EXPECT_TRUE(for_alice.at("own_reactions").as_array().empty());
  EXPECT_EQ(for_alice.at("latest_reactions").as_array().size(), 2u);
  EXPECT_EQ(for_alice.at("reaction_scores"), ParseJsonObject(R"({"like":1,"love":3})").value());
}

TEST_F(ReactionTest, EnforceUniqueReplacesTheUsersOtherReactions) {
  ASSERT_TRUE(React(As("bob"), R"({"type":"like"})").ok());
  ASSERT_TRUE(React(As("bob"), R"({"type":"love"})").ok());
  ASSERT_TRUE(React(As("carol"), R"({"type":"like"})").ok());
  channel_events_.Take();
  auto r = React(As("bob"), R"({"type":"wow"})", /*unique=*/true);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->message.at("reaction_counts"), ParseJsonObject(R"({"like":1,"wow":1})").value());
  ASSERT_EQ(r->message.at("own_reactions").as_array().size(), 1u);
  EXPECT_EQ(r->message.at("own_reactions").at(0).at("type"), "wow");
  EXPECT_EQ(Events("reaction.updated").size(), 1u);
  // Re-sending the same type changes its score and keeps when it was first given.
  auto again = React(As("carol"), R"({"type":"like","score":5})");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->reaction.at("created_at"), Time(kStart + 4000));
  EXPECT_EQ(again->message.at("reaction_scores").at("like"), 5);
  // Without enforce_unique it is no replacement: the SDK must keep carol's other reactions.
  EXPECT_EQ(Events("reaction.new").size(), 1u);
  // enforce_unique with nothing to replace is a plain reaction.new too.
  ASSERT_TRUE(React(As("alice"), R"({"type":"like"})", /*unique=*/true).ok());
  EXPECT_EQ(Events("reaction.new").size(), 1u);
}

TEST_F(ReactionTest, DeletingAReaction) {
  ASSERT_TRUE(React(As("bob"), R"({"type":"like"})").ok());
  channel_events_.Take();
  auto r = service_->DeleteReaction(As("bob"), app_, "m1", "like", "");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->reaction.at("type"), "like");
  EXPECT_TRUE(r->message.at("reaction_counts").as_object().empty());
  EXPECT_EQ(Events("reaction.deleted").size(), 1u);
  r = service_->DeleteReaction(As("bob"), app_, "m1", "like", "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kDoesNotExist);
  EXPECT_TRUE(Events("reaction.deleted").empty());
  // Clients cannot delete someone else's reaction; the server must name the user.
  ASSERT_TRUE(React(As("carol"), R"({"type":"like"})").ok());
  r = service_->DeleteReaction(As("bob"), app_, "m1", "like", "carol");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kNotAllowed);
  r = service_->DeleteReaction(ServerAs(), app_, "m1", "like", "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInput);
  EXPECT_TRUE(service_->DeleteReaction(ServerAs(), app_, "m1", "like", "carol").ok());
}

TEST_F(ReactionTest, BadReactionsAreRefusedAndChangeNothing) {
  auto r = React(As("bob"), R"({"type":"like"})", false, "missing");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kDoesNotExist);
  EXPECT_EQ(r.error().http_status, 404);
  r = React(As("dave"), R"({"type":"like"})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kNotAllowed);
  r = React(ServerAs(), R"({"type":"like"})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInput);

  MustSend(As("alice"), R"({"id":"s1","text":"buy"})", "shop", "commerce");
  channel_events_.Take();
  clock_.Advance(1000);
  r = React(As("bob"), R"({"type":"like"})", false, "s1");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kChannelFeatureNotSupported);
  EXPECT_TRUE(Message(As("alice")).at("reaction_counts").as_object().empty());
  EXPECT_TRUE(channel_events_.Take().empty());
}

TEST_F(ReactionTest, ListingReactionsIsPaginatedNewestFirst) {
  ASSERT_TRUE(React(As("bob"), R"({"type":"a"})").ok());
  ASSERT_TRUE(React(As("bob"), R"({"type":"b"})").ok());
  ASSERT_TRUE(React(As("carol"), R"({"type":"c"})").ok());
  auto page = service_->GetReactions(As("alice"), app_, "m1", 2, 0);
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ(page->at(0).at("type"), "c");
  EXPECT_EQ(page->at(1).at("type"), "b");
  page = service_->GetReactions(As("alice"), app_, "m1", 2, 2);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ(page->at(0).at("type"), "a");
  EXPECT_EQ(page->at(0).at("user").at("id"), "bob");
  EXPECT_FALSE(service_->GetReactions(As("alice"), app_, "m1", 301, 0).ok());
  EXPECT_FALSE(service_->GetReactions(As("alice"), app_, "m1", 10, -1).ok());
}

}  // namespace
}  // namespace eddy::server::testing
