// ChannelService: update (data, members, roles, invites, message), partial update, delete,
// truncate, hide and show.
#include "server/domain/channel_service.h"
#include "server/domain/channel_service_fixture.h"

namespace eddy::server::testing {
namespace {

class ChannelUpdateTest : public ChannelServiceTest {
 protected:
  void SetUp() override {
    ChannelServiceTest::SetUp();
    CreateGeneral();
    Watch("alice", "c-alice");
    Watch("bob", "c-bob");
    delivery_.Take();
  }

  static UpdateChannelRequest Upd(std::string_view body) {
    json::object b = Obj(body);
    UpdateChannelRequest r;
    if (const json::value* d = b.if_contains("data")) {
      r.data = protocol::ChannelInputFromJson(d->as_object()).value();
    }
    auto list = [&](const char* key) {
      return b.contains(key) ? protocol::UserIdListFromJson(b.at(key), key).value()
                             : std::vector<std::string>{};
    };
    if (b.contains("add_members")) {
      r.add_members = protocol::MemberListFromJson(b.at("add_members"), "add_members").value();
    }
    if (b.contains("invites")) {
      r.invites = protocol::MemberListFromJson(b.at("invites"), "invites").value();
    }
    r.remove_members = list("remove_members");
    r.add_moderators = list("add_moderators");
    r.demote_moderators = list("demote_moderators");
    if (b.contains("message")) r.message = b.at("message").as_object();
    if (b.contains("user_id")) r.user_id = S(b.at("user_id"));
    if (b.contains("cooldown")) r.cooldown = b.at("cooldown").as_int64();
    r.accept_invite = b.contains("accept_invite");
    r.reject_invite = b.contains("reject_invite");
    r.hide_history = b.contains("hide_history");
    return r;
  }

  Result<ChannelChange> Update(const Actor& a, std::string_view body) {
    return service_->Update(a, app_, "messaging", "general", Upd(body));
  }

  Channel Stored() {
    return store_->channels().GetChannel("key", "messaging", "general").value().value();
  }
};

TEST_F(ChannelUpdateTest, DataOverwritesCustomAndEmitsChannelUpdated) {
  clock_.Advance(10);
  auto r = Update(Actor::ForUser("carol"), R"({"data":{"name":"General 2","topic":"x"}})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->channel.at("name"), "General 2");
  EXPECT_EQ(r->channel.at("topic"), "x");
  EXPECT_EQ(r->members.size(), 3u);
  EXPECT_EQ(Stored().custom, Obj(R"({"name":"General 2","topic":"x"})"));
  EXPECT_GT(Stored().updated_at, kStart);
  auto log = delivery_.Take();
  ASSERT_EQ(log.size(), 2u);  // the two watchers
  for (const char* u : {"alice", "bob"}) {
    const json::object* e = Find(log, u, "channel.updated");
    ASSERT_NE(e, nullptr) << u;
    EXPECT_EQ(e->at("channel").at("name"), "General 2");
    EXPECT_EQ(e->at("user").at("id"), "carol");
    EXPECT_FALSE(e->at("channel").as_object().contains("own_capabilities"));
  }
  // A full overwrite: keys not sent are gone.
  ASSERT_TRUE(Update(Actor::ForUser("carol"), R"({"data":{"name":"G"}})").ok());
  EXPECT_EQ(Stored().custom, Obj(R"({"name":"G"})"));
}

TEST_F(ChannelUpdateTest, MembersCannotUpdateAndNothingChanges) {
  ExpectError(Update(Actor::ForUser("dave"), "{}"), ErrorCode::kNotAllowed, 403, "ReadChannel");
  ExpectError(Update(Actor::ForUser("alice"), R"({"data":{"name":"x"}})"), ErrorCode::kNotAllowed,
              403, "UpdateChannel");
  ExpectError(Update(Actor::ForUser("alice"), R"({"add_members":["dave"]})"),
              ErrorCode::kNotAllowed, 403, "UpdateChannelMembers");
  ExpectError(Update(Actor::ForUser("carol"), R"({"add_moderators":["bob"]})"),
              ErrorCode::kNotAllowed, 403, "not allowed client-side");
  ExpectError(Update(Actor::ForUser("carol"), R"({"add_members":["zed"]})"), ErrorCode::kInput, 400,
              "zed");
  ExpectError(Update(Actor::Server(), R"({"add_moderators":["dave"]})"), ErrorCode::kInput, 400,
              "not a member");
  ExpectError(Update(Actor::Server(), R"({"add_members":["dave"],"remove_members":["dave"]})"),
              ErrorCode::kInput, 400, "listed in both");
  ExpectError(Update(Actor::ForUser("alice"), R"({"accept_invite":true})"), ErrorCode::kInput, 400,
              "no pending invite");
  ExpectError(Update(Actor::Server(), R"({"data":{"name":"x"},"message":{"text":"hi"}})"),
              ErrorCode::kInput, 400, "needs a user");
  ExpectError(service_->Update(Actor::Server(), app_, "messaging", "nope", Upd("{}")),
              ErrorCode::kDoesNotExist, 404, "Can't find channel");
  EXPECT_EQ(Stored().custom, Obj(R"({"name":"General"})"));
  EXPECT_EQ(Stored().member_count, 3);
  EXPECT_TRUE(delivery_.Take().empty());
}

TEST_F(ChannelUpdateTest, AddAndRemoveMembers) {
  auto r = Update(Actor::ForUser("carol"), R"({"add_members":["dave","alice"]})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->members.size(), 4u);
  EXPECT_EQ(Stored().member_count, 4);
  auto log = delivery_.Take();
  const json::object* added = Find(log, "alice", "member.added");
  ASSERT_NE(added, nullptr);
  EXPECT_EQ(added->at("member").at("user_id"), "dave");
  EXPECT_EQ(added->at("member").at("user").at("name"), "Dave");
  EXPECT_EQ(added->at("channel_member_count"), 4);
  const json::object* n = Find(log, "dave", "notification.added_to_channel");
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->at("member").at("user_id"), "dave");
  EXPECT_EQ(n->at("channel").at("members").as_array().size(), 4u);
  EXPECT_NE(Find(log, "bob", "channel.updated"), nullptr);
  EXPECT_EQ(Find(log, "alice", "notification.added_to_channel"), nullptr);  // already a member

  watches_.Open("c-dave", "dave");
  Watch("dave", "c-dave");
  delivery_.Take();
  ASSERT_TRUE(Update(Actor::ForUser("carol"), R"({"remove_members":["dave"]})").ok());
  log = delivery_.Take();
  const json::object* removed = Find(log, "dave", "member.removed");
  ASSERT_NE(removed, nullptr) << "the removed watcher hears of it";
  EXPECT_EQ(removed->at("user").at("id"), "dave");  // the removed user (§4.5)
  EXPECT_NE(Find(log, "dave", "notification.removed_from_channel"), nullptr);
  EXPECT_EQ(Stored().member_count, 3);
  EXPECT_FALSE(watches_.IsWatching("key", "dave", "messaging:general"));

  // A member may leave on their own.
  ASSERT_TRUE(Update(Actor::ForUser("bob"), R"({"remove_members":["bob"]})").ok());
  EXPECT_EQ(Stored().member_count, 2);
  ExpectError(Update(Actor::ForUser("alice"), R"({"remove_members":["carol"]})"),
              ErrorCode::kNotAllowed, 403);
}

TEST_F(ChannelUpdateTest, ModeratorsServerSide) {
  auto r = Update(Actor::Server(), R"({"add_moderators":["bob"]})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  auto log = delivery_.Take();
  const json::object* e = Find(log, "alice", "member.updated");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->at("member").at("channel_role"), "channel_moderator");
  EXPECT_EQ(e->at("member").at("is_moderator"), true);
  EXPECT_NE(Find(log, "alice", "channel.updated"), nullptr);
  // Now bob may update the channel.
  EXPECT_TRUE(Update(Actor::ForUser("bob"), R"({"data":{"name":"by bob"}})").ok());
  ASSERT_TRUE(Update(Actor::Server(), R"({"demote_moderators":["bob"]})").ok());
  ExpectError(Update(Actor::ForUser("bob"), R"({"data":{"name":"again"}})"), ErrorCode::kNotAllowed,
              403);
}

TEST_F(ChannelUpdateTest, InviteThenAccept) {
  ASSERT_TRUE(Update(Actor::ForUser("carol"), R"({"invites":["dave"]})").ok());
  auto log = delivery_.Take();
  const json::object* invited = Find(log, "dave", "notification.invited");
  ASSERT_NE(invited, nullptr);
  EXPECT_EQ(invited->at("member").at("status"), "pending");
  EXPECT_EQ(invited->at("member").at("invited"), true);
  ASSERT_NE(Find(log, "alice", "member.added"), nullptr);
  // Invitees can read but not write until they accept.
  EXPECT_TRUE(
      service_->GetOrCreate(Actor::ForUser("dave"), app_, "messaging", "general", Req()).ok());
  auto r = Update(Actor::ForUser("dave"), R"({"accept_invite":true})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  log = delivery_.Take();
  const json::object* accepted = Find(log, "dave", "notification.invite_accepted");
  ASSERT_NE(accepted, nullptr);
  EXPECT_EQ(accepted->at("member").at("status"), "member");
  const json::object* updated = Find(log, "bob", "member.updated");
  ASSERT_NE(updated, nullptr);
  EXPECT_TRUE(updated->at("member").as_object().contains("invite_accepted_at"));
  ExpectError(Update(Actor::ForUser("dave"), R"({"reject_invite":true})"), ErrorCode::kInput, 400,
              "no pending invite");
}

TEST_F(ChannelUpdateTest, SystemMessageAndCooldown) {
  auto r = Update(Actor::Server(),
                  R"({"add_members":["dave"],"message":{"text":"dave joined","user_id":"carol"}})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_TRUE(r->message.has_value());
  EXPECT_EQ(r->message->at("type"), "system");
  EXPECT_EQ(r->message->at("text"), "dave joined");
  auto log = delivery_.Take();
  const json::object* e = Find(log, "alice", "message.new");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->at("user").at("id"), "carol");
  EXPECT_EQ(e->at("message").at("text"), "dave joined");
  EXPECT_EQ(e->at("unread_count"), 0);  // personal fields from ReadState
  const json::object* away = Find(log, "dave", "notification.message_new");
  ASSERT_NE(away, nullptr) << "members not watching get the notification";
  EXPECT_TRUE(away->at("channel").as_object().contains("last_message_at"));
  EXPECT_EQ(Find(log, "alice", "notification.message_new"), nullptr);

  ExpectError(Update(Actor::ForUser("alice"), R"({"cooldown":10})"), ErrorCode::kNotAllowed, 403);
  ASSERT_TRUE(Update(Actor::ForUser("carol"), R"({"cooldown":10})").ok());
  EXPECT_EQ(Stored().cooldown, 10);
}

TEST_F(ChannelUpdateTest, PartialUpdateWithDotPaths) {
  ChannelPatch p;
  p.set = Obj(R"({"topic":"t","meta.color":"red","meta.size":2,"team":"blue"})");
  auto r = service_->PartialUpdate(Actor::ForUser("carol"), app_, "messaging", "general", p);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->channel.at("meta"), Obj(R"({"color":"red","size":2})"));
  EXPECT_EQ(r->channel.at("team"), "blue");
  EXPECT_EQ(r->channel.at("name"), "General");  // untouched
  ASSERT_NE(Find(delivery_.Take(), "bob", "channel.updated"), nullptr);

  ChannelPatch u;
  u.unset = {"meta.size", "topic"};
  ASSERT_TRUE(
      service_->PartialUpdate(Actor::ForUser("carol"), app_, "messaging", "general", u).ok());
  EXPECT_EQ(Stored().custom, Obj(R"({"name":"General","meta":{"color":"red"}})"));

  for (const char* bad : {R"({"member_count":5})", R"({"cid":"x"})", R"({"members":["x"]})",
                          R"({"name.x":1})", R"({"frozen":"yes"})", R"({"a..b":1})"}) {
    ChannelPatch b;
    b.set = Obj(bad);
    ExpectError(service_->PartialUpdate(Actor::Server(), app_, "messaging", "general", b),
                ErrorCode::kInput, 400);
  }
  ChannelPatch freeze;
  freeze.set = Obj(R"({"frozen":true})");
  ExpectError(
      service_->PartialUpdate(Actor::ForUser("alice"), app_, "messaging", "general", freeze),
      ErrorCode::kNotAllowed, 403);
  ChannelPatch overrides;
  overrides.set = Obj(R"({"config_overrides":{"reactions":false}})");
  ExpectError(
      service_->PartialUpdate(Actor::ForUser("carol"), app_, "messaging", "general", overrides),
      ErrorCode::kNotAllowed, 403);
  auto o = service_->PartialUpdate(Actor::Server(), app_, "messaging", "general", overrides);
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_EQ(o->channel.at("config").at("reactions"), false);
  EXPECT_EQ(Stored().custom, Obj(R"({"name":"General","meta":{"color":"red"}})"));
}

TEST_F(ChannelUpdateTest, SoftDeleteThenRecreate) {
  Send("alice", "old");
  ExpectError(service_->Delete(Actor::ForUser("dave"), app_, "messaging", "general", false),
              ErrorCode::kNotAllowed, 403);
  auto d = service_->Delete(Actor::ForUser("carol"), app_, "messaging", "general", false);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_TRUE(d->contains("deleted_at"));
  auto log = delivery_.Take();
  ASSERT_NE(Find(log, "alice", "channel.deleted"), nullptr);
  const json::object* n = Find(log, "carol", "notification.channel_deleted");
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->at("cid"), "messaging:general");
  EXPECT_TRUE(n->at("channel").as_object().contains("deleted_at"));
  EXPECT_TRUE(watches_.WatcherSet("messaging:general").empty());
  ExpectError(Update(Actor::Server(), R"({"data":{}})"), ErrorCode::kDoesNotExist, 404);
  ExpectError(service_->Truncate(Actor::Server(), app_, "messaging", "general", {}),
              ErrorCode::kDoesNotExist, 404);
  auto q = ParseQueryMembers(Obj(R"({"type":"messaging","id":"general"})"));
  ExpectError(service_->QueryMembers(Actor::Server(), app_, *q), ErrorCode::kDoesNotExist, 404);
  // Get-or-create brings it back as a new channel.

  auto again = service_->GetOrCreate(Actor::ForUser("alice"), app_, "messaging", "general",
                                     Req(R"({"name":"New","members":["alice","dave"]})"));
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->at("channel").at("name"), "New");
  EXPECT_EQ(again->at("channel").at("member_count"), 2);
  EXPECT_TRUE(again->at("messages").as_array().empty()) << "old messages stay hidden";
  EXPECT_FALSE(again->at("channel").as_object().contains("deleted_at"));
}

TEST_F(ChannelUpdateTest, HardDelete) {
  Send("alice", "old");
  ASSERT_TRUE(service_->Delete(Actor::Server(), app_, "messaging", "general", true).ok());
  EXPECT_FALSE(store_->channels().GetChannel("key", "messaging", "general")->has_value());
  EXPECT_FALSE(store_->messages().GetMessage("key", "m1")->has_value());
}

TEST_F(ChannelUpdateTest, TruncateHidesEarlierMessagesAndKeepsItsOwn) {
  Send("alice", "one");
  Send("bob", "two");
  ExpectError(service_->Truncate(Actor::ForUser("alice"), app_, "messaging", "general", {}),
              ErrorCode::kNotAllowed, 403);
  TruncateRequest t;
  t.message = Obj(R"({"text":"cleared"})");
  auto r = service_->Truncate(Actor::ForUser("carol"), app_, "messaging", "general", t);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->channel.contains("truncated_at"));
  EXPECT_EQ(r->channel.at("truncated_by").at("id"), "carol");
  ASSERT_TRUE(r->message.has_value());
  auto log = delivery_.Take();
  const json::object* e = Find(log, "bob", "channel.truncated");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->at("message").at("text"), "cleared");
  ASSERT_NE(Find(log, "alice", "notification.channel_truncated"), nullptr);

  auto s = service_->GetOrCreate(Actor::ForUser("bob"), app_, "messaging", "general", Req());
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(Ids(s->at("messages"), "text"), (std::vector<std::string>{"cleared"}));
  EXPECT_TRUE(store_->messages().GetMessage("key", "m1")->has_value()) << "soft by default";

  clock_.Advance(10);
  TruncateRequest hard;
  hard.hard_delete = true;
  ASSERT_TRUE(service_->Truncate(Actor::Server(), app_, "messaging", "general", hard).ok());
  EXPECT_FALSE(store_->messages().GetMessage("key", "m1")->has_value());
  EXPECT_FALSE(Stored().last_message_at.has_value()) << "no message left";
}

TEST_F(ChannelUpdateTest, HideAndShow) {
  Send("alice", "before");
  ExpectError(service_->Hide(Actor::ForUser("dave"), app_, "messaging", "general", false, ""),
              ErrorCode::kInput, 400, "not a member");
  ASSERT_TRUE(service_->Hide(Actor::ForUser("bob"), app_, "messaging", "general", true, "").ok());
  auto log = delivery_.Take();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].user_id, "bob");
  EXPECT_EQ(log[0].event.at("type"), "channel.hidden");
  EXPECT_EQ(log[0].event.at("clear_history"), true);
  EXPECT_EQ(log[0].event.at("channel").at("hidden"), true);

  auto s = service_->GetOrCreate(Actor::ForUser("bob"), app_, "messaging", "general", Req());
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->at("messages").as_array().empty()) << "clear_history hides earlier messages";
  EXPECT_EQ(s->at("hidden"), true);
  auto a = service_->GetOrCreate(Actor::ForUser("alice"), app_, "messaging", "general", Req());
  EXPECT_EQ(a->at("messages").as_array().size(), 1u) << "only for bob";

  // Hiding again changes nothing visible.
  ASSERT_TRUE(service_->Hide(Actor::ForUser("bob"), app_, "messaging", "general", false, "").ok());
  EXPECT_TRUE(delivery_.Take().empty());
  ASSERT_TRUE(service_->Show(Actor::Server(), app_, "messaging", "general", "bob").ok());
  log = delivery_.Take();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].event.at("type"), "channel.visible");
  EXPECT_EQ(log[0].event.at("channel").at("hidden"), false);
  ExpectError(service_->Show(Actor::Server(), app_, "messaging", "general", ""), ErrorCode::kInput,
              400);
}

}  // namespace
}  // namespace eddy::server::testing
