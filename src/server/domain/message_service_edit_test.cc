// MessageService: updates, partial updates, pins and deletes.
#include <gtest/gtest.h>

#include "server/domain/message_service.h"
#include "server/domain/message_service_fixture.h"

namespace eddy::server::testing {
namespace {

class MessageEditTest : public MessageServiceFixture {
 protected:
  void SetUp() override {
    MessageServiceFixture::SetUp();
    MustSend(As("alice"), R"({"id":"m1","text":"hello","color":"red","meta":{"a":1,"b":2}})");
    watches_.SetWatching("carol", "messaging:general", true);
    channel_events_.Take();
  }

  Result<json::object> Update(const Actor& actor, std::string_view json) {
    clock_.Advance(1000);
    return service_->UpdateMessage(actor, app_, "m1", Input(json));
  }
  Result<json::object> Patch(const Actor& actor, std::string_view set,
                             std::vector<std::string> unset = {}, std::string id = "m1") {
    clock_.Advance(1000);
    MessagePatch p;
    p.set = ParseJsonObject(set).value();
    p.unset = std::move(unset);
    return service_->PartialUpdateMessage(actor, app_, id, p);
  }
  Result<json::object> Delete(const Actor& actor, bool hard, std::string id = "m1") {
    clock_.Advance(1000);
    DeleteMessageOptions o;
    o.hard = hard;
    return service_->DeleteMessage(actor, app_, id, o);
  }
};

TEST_F(MessageEditTest, UpdateReplacesTheEditableFieldsAndBroadcasts) {
  auto r = Update(As("alice"), R"({"id":"m1","text":"edited","pinned":false,
                                   "html":"ignored","reply_count":5})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->at("text"), "edited");
  EXPECT_EQ(r->at("message_text_updated_at"), Time(kStart + 2000));
  EXPECT_EQ(r->at("updated_at"), Time(kStart + 2000));
  EXPECT_EQ(r->at("created_at"), Time(kStart + 1000));
  // Full replace: custom keys not sent are gone.
  EXPECT_FALSE(r->contains("color"));
  std::optional<Message> m = Stored("m1");
  EXPECT_EQ(m->text, "edited");
  EXPECT_TRUE(m->custom.empty());
  EXPECT_EQ(m->reply_count, 0);
  std::vector<Received> updated = Events("message.updated");
  ASSERT_EQ(Recipients(updated), (std::vector<std::string>{"carol"}));
  EXPECT_EQ(updated[0].event.at("message").at("text"), "edited");
  EXPECT_EQ(updated[0].event.at("message_id"), "m1");
  EXPECT_EQ(updated[0].event.at("user").at("id"), "alice");
}

TEST_F(MessageEditTest, OnlyTheAuthorOrModeratorsMayEdit) {
  auto r = Update(As("bob"), R"({"text":"hijack"})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kNotAllowed);
  r = Update(As("alice"), R"({"id":"other","text":"x"})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInput);
  r = Update(As("alice"), "{\"text\":\"" + std::string(5001, 'x') + "\"}");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kMessageTooLong);
  EXPECT_EQ(Stored("m1")->text, "hello");
  EXPECT_TRUE(Events("message.updated").empty());

  ASSERT_TRUE(Update(As("admin"), R"({"text":"moderated"})").ok());
  Member bob = StoredMember("general", "bob");
  bob.channel_role = "channel_moderator";
  ASSERT_TRUE(store_->channels().UpsertMembers(app_.api_key, {bob}).ok());
  ASSERT_TRUE(Update(As("bob"), R"({"text":"by a moderator"})").ok());
  ASSERT_TRUE(Update(ServerAs(), R"({"text":"by the server"})").ok());
  EXPECT_EQ(Stored("m1")->text, "by the server");
}

TEST_F(MessageEditTest, PartialUpdateSetsAndUnsetsWithDotPaths) {
  auto r = Patch(As("alice"), R"({"meta.c":3,"size":"xl"})", {"color", "meta.a"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->at("text"), "hello");
  EXPECT_EQ(r->at("meta"), ParseJsonObject(R"({"b":2,"c":3})").value());
  EXPECT_EQ(r->at("size"), "xl");
  EXPECT_FALSE(r->contains("color"));
  EXPECT_FALSE(r->contains("message_text_updated_at"));
  EXPECT_EQ(Events("message.updated").size(), 1u);

  r = Patch(As("alice"), R"({"text":"changed"})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->at("text"), "changed");
  EXPECT_EQ(r->at("size"), "xl");
}

TEST_F(MessageEditTest, PartialUpdateRefusesServerFieldsAndContradictions) {
  for (const char* set : {R"({"reply_count":3})", R"({"id":"x"})", R"({"parent_id":"x"})",
                          R"({"text.a":1})", R"({"type":"system"})", R"({"text":5})"}) {
    auto r = Patch(As("alice"), set);
    ASSERT_FALSE(r.ok()) << set;
    EXPECT_EQ(r.error().code, ErrorCode::kInput) << set;
  }
  auto r = Patch(As("alice"), R"({"color":"blue"})", {"color"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInput);
  r = Patch(As("alice"), R"({"color":"blue"})", {}, "missing");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kDoesNotExist);
  EXPECT_EQ(Stored("m1")->custom.at("color"), "red");
}

TEST_F(MessageEditTest, PinningRecordsWhenAndByWhomAndMembersMayPinOthersMessages) {
  auto r = Patch(As("bob"), R"({"pinned":true,"pin_expires":"2030-01-01T00:00:00Z"})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->at("pinned"), true);
  EXPECT_EQ(r->at("pinned_at"), Time(kStart + 2000));
  EXPECT_EQ(r->at("pinned_by").at("id"), "bob");
  EXPECT_EQ(r->at("pin_expires"), "2030-01-01T00:00:00.000000Z");
  auto pinned = service_->GetPinnedMessages(As("carol"), app_, "messaging", "general", {});
  ASSERT_TRUE(pinned.ok());
  EXPECT_EQ(pinned->size(), 1u);
  // Pinning is not editing: bob still cannot change the text.
  EXPECT_FALSE(Patch(As("bob"), R"({"text":"x"})").ok());

  r = Patch(As("bob"), R"({"pinned":false})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->at("pinned"), false);
  EXPECT_TRUE(r->at("pinned_at").is_null());
  EXPECT_TRUE(r->at("pinned_by").is_null());
  EXPECT_TRUE(r->at("pin_expires").is_null());
  pinned = service_->GetPinnedMessages(As("carol"), app_, "messaging", "general", {});
  ASSERT_TRUE(pinned.ok());
  EXPECT_TRUE(pinned->empty());
  // Outsiders may not pin.
  auto outsider = Patch(As("dave"), R"({"pinned":true})");
  ASSERT_FALSE(outsider.ok());
  EXPECT_EQ(outsider.error().code, ErrorCode::kNotAllowed);
}

TEST_F(MessageEditTest, SoftDeleteKeepsTheMessageAsDeleted) {
  auto r = Delete(As("alice"), false);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->at("type"), "deleted");
  EXPECT_EQ(r->at("deleted_at"), Time(kStart + 2000));
  EXPECT_EQ(r->at("text"), "");
  std::vector<Received> events = Events("message.deleted");
  ASSERT_EQ(Recipients(events), (std::vector<std::string>{"carol"}));
  EXPECT_EQ(events[0].event.at("hard_delete"), false);
  EXPECT_EQ(events[0].event.at("message").at("type"), "deleted");
  EXPECT_EQ(events[0].event.at("user").at("id"), "alice");

  auto got = service_->GetMessage(As("bob"), app_, "m1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->message.at("type"), "deleted");
  EXPECT_EQ(got->channel.at("cid"), "messaging:general");
  // Deleting again changes nothing and says nothing; editing a deleted message is refused.
  ASSERT_TRUE(Delete(As("alice"), false).ok());
  EXPECT_TRUE(Events("message.deleted").empty());
  EXPECT_FALSE(Update(As("alice"), R"({"text":"back"})").ok());
  EXPECT_EQ(StoredChannel("messaging", "general").message_count, 1);
}

TEST_F(MessageEditTest, HardDeleteRemovesTheMessage) {
  auto r = Delete(As("alice"), true);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->at("type"), "deleted");
  EXPECT_FALSE(Stored("m1"));
  std::vector<Received> events = Events("message.deleted");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].event.at("hard_delete"), true);
  auto got = service_->GetMessage(As("bob"), app_, "m1");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kDoesNotExist);
}

TEST_F(MessageEditTest, OnlyTheAuthorOrModeratorsMayDelete) {
  auto r = Delete(As("bob"), false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kNotAllowed);
  EXPECT_EQ(Stored("m1")->type, "regular");
  ASSERT_TRUE(Delete(As("admin"), false).ok());
  EXPECT_EQ(Stored("m1")->type, "deleted");
}

TEST_F(MessageEditTest, DeletingRepliesKeepsTheParentsReplyCountRight) {
  MustSend(As("bob"), R"({"id":"r1","text":"a","parent_id":"m1"})");
  MustSend(As("carol"), R"({"id":"r2","text":"b","parent_id":"m1"})");
  EXPECT_EQ(Stored("m1")->reply_count, 2);
  channel_events_.Take();

  ASSERT_TRUE(Delete(As("bob"), false, "r1").ok());
  EXPECT_EQ(Stored("m1")->reply_count, 2);  // a soft-deleted reply stays in the thread
  EXPECT_EQ(Stored("m1")->deleted_reply_count, 1);
  ASSERT_TRUE(Delete(As("carol"), true, "r2").ok());
  EXPECT_EQ(Stored("m1")->reply_count, 1);
  // The thread's header follows both: the deleted count, then the reply count.
  std::vector<Received> updated = Events("message.updated");
  ASSERT_EQ(updated.size(), 2u);
  EXPECT_EQ(updated[0].event.at("message").at("id"), "m1");
  EXPECT_EQ(updated[0].event.at("message").at("deleted_reply_count"), 1);
  EXPECT_EQ(updated[1].event.at("message").at("reply_count"), 1);

  auto replies = service_->GetReplies(As("alice"), app_, "m1", MessagePage{});
  ASSERT_TRUE(replies.ok());
  ASSERT_EQ(replies->size(), 1u);
  EXPECT_EQ(replies->at(0).at("type"), "deleted");
}

}  // namespace
}  // namespace eddy::server::testing
