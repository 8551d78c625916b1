// MessageViews: a page of messages renders with a fixed number of store reads, whatever its
// size, and every per-message part (quotes, mentions, own reactions) is right.
#include <gtest/gtest.h>

#include <map>

#include "server/domain/message_service.h"
#include "server/domain/message_service_fixture.h"

namespace eddy::server::testing {
namespace {

// Forwards to the real stores and counts the user and message reads it forwards.
class CountingStore final : public Store, UserStore, MessageStore {
 public:
  explicit CountingStore(Store& inner) : inner_(inner) {}

  std::map<std::string, int> counts;

  AppStore& apps() override { return inner_.apps(); }
  UserStore& users() override { return *this; }
  ChannelStore& channels() override { return inner_.channels(); }
  MessageStore& messages() override { return *this; }
  BlocklistStore& blocklists() override { return inner_.blocklists(); }
  ChannelTypeStore& channel_types() override { return inner_.channel_types(); }
  RoleStore& roles() override { return inner_.roles(); }
  ModerationStore& moderation() override { return inner_.moderation(); }
  Status Flush() override { return inner_.Flush(); }

  // UserStore
  Status UpsertUsers(std::string_view a, const std::vector<User>& u) override {
    return inner_.users().UpsertUsers(a, u);
  }
  Result<std::optional<User>> FindUser(std::string_view a, std::string_view id) override {
    ++counts["FindUser"];
    return inner_.users().FindUser(a, id);
  }
  Result<std::vector<User>> FindUsers(std::string_view a,
                                      const std::vector<std::string>& ids) override {
    ++counts["FindUsers"];
    return inner_.users().FindUsers(a, ids);
  }
  Result<std::vector<User>> QueryUsers(std::string_view a, const UserQuery& q) override {
    return inner_.users().QueryUsers(a, q);
  }
  Status DeleteUser(std::string_view a, std::string_view id) override {
    return inner_.users().DeleteUser(a, id);
  }
  Status SetLastActive(std::string_view a, std::string_view id, Micros t) override {
    return inner_.users().SetLastActive(a, id, t);
  }

  // MessageStore
  MessageStore& m() { return inner_.messages(); }
  Status InsertMessage(std::string_view a, Message& msg) override {
    return m().InsertMessage(a, msg);
  }
  Result<std::optional<Message>> GetMessage(std::string_view a, std::string_view id) override {
    ++counts["GetMessage"];
    return m().GetMessage(a, id);
  }
  Result<std::vector<Message>> GetMessages(std::string_view a,
                                           const std::vector<std::string>& ids) override {
    ++counts["GetMessages"];
    return m().GetMessages(a, ids);
  }
  Status UpdateMessage(std::string_view a, const Message& msg) override {
    return m().UpdateMessage(a, msg);
  }
  Status DeleteMessage(std::string_view a, std::string_view id) override {
    return m().DeleteMessage(a, id);
  }
  Result<std::vector<Message>> ChannelMessages(std::string_view a, std::string_view t,
                                               std::string_view id, const MessagePage& p) override {
    return m().ChannelMessages(a, t, id, p);
  }
  Result<std::vector<Message>> Replies(std::string_view a, std::string_view parent,
                                       const MessagePage& p) override {
    return m().Replies(a, parent, p);
  }
  Result<std::vector<Message>> PinnedMessages(std::string_view a, std::string_view t,
                                              std::string_view id, Micros now, int limit) override {
    return m().PinnedMessages(a, t, id, now, limit);
  }
  Status HardDeleteChannelMessages(std::string_view a, std::string_view t, std::string_view id,
                                   Micros before) override {
    return m().HardDeleteChannelMessages(a, t, id, before);
  }
  Result<std::int64_t> CountUnread(std::string_view a, const UnreadQuery& q) override {
    return m().CountUnread(a, q);
  }
  Result<std::optional<MessageStamp>> LastChannelMessage(std::string_view a, std::string_view t,
                                                         std::string_view id) override {
    return m().LastChannelMessage(a, t, id);
  }
  Result<std::optional<Micros>> LastMessageTimeBy(std::string_view a, std::string_view t,
                                                  std::string_view id,
                                                  std::string_view u) override {
    return m().LastMessageTimeBy(a, t, id, u);
  }
  Result<std::int64_t> SoftDeleteUserMessages(std::string_view a, std::string_view u,
                                              Micros at) override {
    return m().SoftDeleteUserMessages(a, u, at);
  }
  Result<std::int64_t> RestoreUserMessages(std::string_view a, std::string_view u,
                                           Micros at) override {
    return m().RestoreUserMessages(a, u, at);
  }
  Status HardDeleteUserMessages(std::string_view a, std::string_view u) override {
    return m().HardDeleteUserMessages(a, u);
  }
  Status UpsertReaction(std::string_view a, const Reaction& r, bool unique) override {
    return m().UpsertReaction(a, r, unique);
  }
  Result<bool> DeleteReaction(std::string_view a, std::string_view mid, std::string_view uid,
                              std::string_view type) override {
    return m().DeleteReaction(a, mid, uid, type);
  }
  Result<std::vector<Reaction>> Reactions(std::string_view a, std::string_view mid, int limit,
                                          int offset) override {
    return m().Reactions(a, mid, limit, offset);
  }
  Result<std::vector<Reaction>> LatestReactions(std::string_view a,
                                                const std::vector<std::string>& ids,
                                                int per_message, std::string_view uid) override {
    ++counts[uid.empty() ? "LatestReactions" : "OwnReactions"];
    return m().LatestReactions(a, ids, per_message, uid);
  }
  Result<std::vector<ReactionGroup>> ReactionGroups(std::string_view a,
                                                    const std::vector<std::string>& ids) override {
    ++counts["ReactionGroups"];
    return m().ReactionGroups(a, ids);
  }

 private:
  Store& inner_;
};

class MessageViewsTest : public MessageServiceFixture {
 protected:
  // Sends `n` messages that quote m1, mention carol, are pinned by bob and got a reaction from
  // carol and from alice; returns them as stored.
  std::vector<Message> Page(int n) {
    MustSend(As("alice"), R"({"id":"m1","text":"quoted"})");
    std::vector<Message> out;
    for (int i = 0; i < n; ++i) {
      std::string id = "x" + std::to_string(i);
      MustSend(As("bob"), R"({"id":")" + id + R"(","text":"t","quoted_message_id":"m1",
                             "mentioned_users":["carol"],"pinned":true})");
      for (const char* who : {"carol", "alice"}) {
        auto in = protocol::ReactionFromJson({{"type", who[0] == 'c' ? "like" : "love"}});
        EXPECT_TRUE(service_->SendReaction(As(who), app_, id, std::move(in).value(), false).ok());
      }
      out.push_back(*Stored(id));
    }
    return out;
  }
};

TEST_F(MessageViewsTest, APageCostsOneReadOfEachKindWhateverItsSize) {
  for (int n : {1, 25}) {
    SetUp();  // a fresh world for each size
    std::vector<Message> page = Page(n);
    CountingStore counting(*store_);
    MessageService views(counting, types_, channel_events_, sink_, watches_, reads_, views_,
                         presence_, clock_);
    auto rendered = views.Render(app_, "carol", page);
    ASSERT_TRUE(rendered.ok()) << rendered.error().message;
    ASSERT_EQ(rendered->size(), static_cast<std::size_t>(n));
    EXPECT_EQ(counting.counts, (std::map<std::string, int>{{"FindUsers", 1},
                                                           {"GetMessages", 1},
                                                           {"LatestReactions", 1},
                                                           {"OwnReactions", 1},
                                                           {"ReactionGroups", 1}}))
        << "page of " << n;
    for (const json::value& v : *rendered) {
      EXPECT_EQ(v.at("user").at("id"), "bob");
      EXPECT_EQ(v.at("quoted_message").at("id"), "m1");
      EXPECT_EQ(v.at("quoted_message").at("user").at("id"), "alice");
      EXPECT_EQ(v.at("mentioned_users").at(0).at("id"), "carol");
      EXPECT_EQ(v.at("pinned_by").at("id"), "bob");
      EXPECT_EQ(v.at("latest_reactions").as_array().size(), 2u);
      ASSERT_EQ(v.at("own_reactions").as_array().size(), 1u);
      EXPECT_EQ(v.at("own_reactions").at(0).at("type"), "like");
      EXPECT_EQ(v.at("reaction_counts"), ParseJsonObject(R"({"like":1,"love":1})").value());
    }
  }
}

TEST_F(MessageViewsTest, AnEmptyPageReadsNothing) {
  CountingStore counting(*store_);
  MessageService views(counting, types_, channel_events_, sink_, watches_, reads_, views_,
                       presence_, clock_);
  auto rendered = views.Render(app_, "carol", {});
  ASSERT_TRUE(rendered.ok());
  EXPECT_TRUE(rendered->empty());
  EXPECT_TRUE(counting.counts.empty());
}

TEST_F(MessageViewsTest, AServerSideReaderHasNoOwnReactions) {
  std::vector<Message> page = Page(2);
  auto rendered = service_->Render(app_, "", page);
  ASSERT_TRUE(rendered.ok());
  for (const json::value& v : *rendered) EXPECT_TRUE(v.at("own_reactions").as_array().empty());
}

}  // namespace
}  // namespace eddy::server::testing
