// ReadService against the real SQLite store (in memory): unread counting rules, mark read /
// all read / unread and the events they emit (recorded by fakes).
#include "server/domain/read_service.h"

#include <gtest/gtest.h>

#include "server/domain/read_service_fixture.h"

namespace eddy::server {
namespace {

using ReadServiceTest = testing::ReadServiceFixture;
using Sent = testing::RecordingChannelEvents::Sent;

TEST_F(ReadServiceTest, CountsOnlyOthersVisibleChannelMessages) {
  Channel c = MakeChannel("messaging", "general", {"alice", "bob"});
  Message parent = Send(c, "bob");
  Send(c, "bob");
  Send(c, "alice");                                     // own
  Send(c, "bob", [](Message& m) { m.silent = true; });  // silent
  Send(c, "bob", [&](Message& m) {
    m.parent_id = parent.id;
    m.type = "reply";
  });  // thread only
  Send(c, "bob", [&](Message& m) {
    m.parent_id = parent.id;
    m.show_in_channel = true;
  });
  Send(c, "bob", [&](Message& m) {
    m.deleted_at = m.created_at;
    m.type = "deleted";
  });
  Send(c, "bob", [](Message& m) { m.type = "system"; });
  Send(c, "bob", [](Message& m) { m.shadowed = true; });
  // Each insert moved its author's read state; from nothing read, the rules decide.
  for (const char* user : {"alice", "bob"}) {
    SetMember(c, user, [](Member& m) {
      m.last_read = 0;
      m.last_read_message_id.clear();
    });
  }
  // parent, the second message and the reply shown in the channel.
  EXPECT_EQ(Unread(c, "alice"), 3);
  EXPECT_EQ(Total("alice"), 3);
  EXPECT_EQ(Unread(c, "bob"), 1);  // alice's message
  auto s = reads_->Summary(app_, "alice");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->unread_channels, 1);
  ASSERT_EQ(s->channels.size(), 1u);
  EXPECT_EQ(s->channels[0].cid, "messaging:general");
  EXPECT_EQ(s->channels[0].unread_count, 3);
}

TEST_F(ReadServiceTest, TruncationAndHiddenHistoryBoundTheCount) {
  Channel c = MakeChannel("messaging", "general", {"alice", "bob"});
  Send(c, "bob");
  Send(c, "bob");
  Channel truncated = Reload(c);
  truncated.truncated_at = Tick();
  ASSERT_TRUE(store_->channels().UpdateChannel(app_.api_key, truncated).ok());
  Send(c, "bob");
  EXPECT_EQ(Unread(c, "alice"), 1);
  Send(c, "bob");
  SetMember(c, "alice", [&](Member& m) { m.hide_messages_before = Tick(); });
  Send(c, "bob");
  EXPECT_EQ(Unread(c, "alice"), 1);
  EXPECT_EQ(Total("alice"), 1);
}

TEST_F(ReadServiceTest, HiddenDeletedAndReadEventlessChannelsLeaveTheTotals) {
  Channel hidden = MakeChannel("messaging", "hidden", {"alice", "bob"});
  Channel gone = MakeChannel("messaging", "gone", {"alice", "bob"});
  Channel quiet =
      MakeChannel("messaging", "quiet", {"alice", "bob"}, json::object{{"read_events", false}});
  Channel live = MakeChannel("livestream", "live", {"alice", "bob"});  // read_events off
  Channel open = MakeChannel("messaging", "open", {"alice", "bob"});
  for (const Channel* c : {&hidden, &gone, &quiet, &live, &open}) Send(*c, "bob");
  SetMember(hidden, "alice", [](Member& m) { m.hidden = true; });
  Channel deleted = Reload(gone);
  deleted.deleted_at = Tick();
  ASSERT_TRUE(store_->channels().UpdateChannel(app_.api_key, deleted).ok());

  auto s = reads_->Summary(app_, "alice");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->total_unread_count, 1);
  EXPECT_EQ(s->unread_channels, 1);
  ASSERT_EQ(s->channels.size(), 1u);
  EXPECT_EQ(s->channels[0].cid, "messaging:open");
  // The hidden channel's own count is still there for when it is opened.
  EXPECT_EQ(Unread(hidden, "alice"), 1);
  EXPECT_EQ(Unread(quiet, "alice"), 0);
  // Shown again: it counts.
  SetMember(hidden, "alice", [](Member& m) { m.hidden = false; });
  EXPECT_EQ(Total("alice"), 2);
}

TEST_F(ReadServiceTest, MarkReadReadsUpToNowAndNotifies) {
  Channel c = MakeChannel("messaging", "general", {"alice", "bob"});
  Channel other = MakeChannel("messaging", "other", {"alice", "bob"});
  Send(c, "bob");
  Message last = Send(c, "bob");
  Send(other, "bob");
  ASSERT_EQ(Total("alice"), 3);
  presence_.SetOnline(app_.api_key, "alice", true);
  Micros now = Tick();

  auto r = reads_->MarkRead(Actor::ForUser("alice"), app_, "messaging", "general", "", "");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_TRUE(r->is_object());
  const json::object& event = r->get_object();
  EXPECT_EQ(event.at("type"), "message.read");
  EXPECT_EQ(event.at("cid"), "messaging:general");
  EXPECT_EQ(event.at("channel_type"), "messaging");
  EXPECT_EQ(event.at("channel_id"), "general");
  EXPECT_EQ(event.at("last_read_message_id"), json::value(last.id));
  EXPECT_EQ(event.at("created_at"), json::value(FormatTime(now)));
  EXPECT_EQ(event.at("user").at("id"), "alice");
  EXPECT_EQ(event.at("user").at("online"), true);

  Member m = GetMember(c, "alice");
  EXPECT_EQ(m.last_read, now);
  EXPECT_EQ(m.last_read_message_id, last.id);
  EXPECT_EQ(Unread(c, "alice"), 0);
  EXPECT_EQ(Total("alice"), 1);

  auto watchers = channel_events_.Take();
  ASSERT_EQ(watchers.size(), 1u);
  EXPECT_EQ(watchers[0].to, Sent::To::kWatchers);
  EXPECT_EQ(watchers[0].cid_or_user, "messaging:general");
  EXPECT_EQ(watchers[0].event, event);
  auto notes = events_.Take();
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].user_ids, std::vector<std::string>{"alice"});
  const json::object& n = notes[0].event;
  EXPECT_EQ(n.at("type"), "notification.mark_read");
  EXPECT_EQ(n.at("cid"), "messaging:general");
  EXPECT_EQ(n.at("total_unread_count"), 1);
  EXPECT_EQ(n.at("unread_channels"), 1);
  EXPECT_EQ(n.at("unread_count"), 0);
  EXPECT_EQ(n.at("channel").at("reader"), "alice");
  EXPECT_EQ(n.at("user").at("id"), "alice");
}

TEST_F(ReadServiceTest, MarkReadUpToAMessage) {
  Channel c = MakeChannel("messaging", "general", {"alice", "bob"});
  Message first = Send(c, "bob");
  Send(c, "bob");
  Send(c, "bob");
  auto r = reads_->MarkRead(Actor::ForUser("alice"), app_, "messaging", "general", "", first.id);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->at("created_at"), json::value(FormatTime(first.created_at)));
  EXPECT_EQ(r->at("last_read_message_id"), json::value(first.id));
  EXPECT_EQ(GetMember(c, "alice").last_read, first.created_at);
  EXPECT_EQ(Unread(c, "alice"), 2);
  auto notes = events_.Take();
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].event.at("unread_count"), 2);
  EXPECT_EQ(notes[0].event.at("total_unread_count"), 2);
}

TEST_F(ReadServiceTest, MarkReadOfAHiddenChannelTellsTheChannelsOwnCount) {
  Channel c = MakeChannel("messaging", "general", {"alice", "bob"});
  Message first = Send(c, "bob");
  Send(c, "bob");
  Send(c, "bob");
  SetMember(c, "alice", [](Member& m) { m.hidden = true; });
  auto r = reads_->MarkRead(Actor::ForUser("alice"), app_, "messaging", "general", "", first.id);
  ASSERT_TRUE(r.ok()) << r.error().message;
  auto notes = events_.Take();
  ASSERT_EQ(notes.size(), 1u);
  // The totals leave the hidden channel out; its own count is what it shows once opened.
  EXPECT_EQ(notes[0].event.at("unread_count"), 2);
  EXPECT_EQ(notes[0].event.at("total_unread_count"), 0);
  EXPECT_EQ(notes[0].event.at("unread_channels"), 0);
}

TEST_F(ReadServiceTest, MarkReadRefusesBadInputAndChangesNothing) {
  Channel c = MakeChannel("messaging", "general", {"alice", "bob"});
  Channel elsewhere = MakeChannel("messaging", "elsewhere", {"alice", "bob"});
  Channel quiet =
      MakeChannel("messaging", "quiet", {"alice", "bob"}, json::object{{"read_events", false}});
  Message foreign = Send(elsewhere, "bob");
  Send(c, "bob");
  const Actor alice = Actor::ForUser("alice");
  ExpectError(reads_->MarkRead(alice, app_, "nope", "general", "", ""), ErrorCode::kDoesNotExist);
  ExpectError(reads_->MarkRead(alice, app_, "messaging", "missing", "", ""),
              ErrorCode::kDoesNotExist);
  ExpectError(reads_->MarkRead(alice, app_, "messaging", "general", "", "no-such-message"),
              ErrorCode::kDoesNotExist);
  ExpectError(reads_->MarkRead(alice, app_, "messaging", "general", "", foreign.id),
              ErrorCode::kInput);
  ExpectError(reads_->MarkRead(alice, app_, "messaging", "general", "bob", ""),
              ErrorCode::kNotAllowed);
  ExpectError(reads_->MarkRead(Actor::ForUser("carol"), app_, "messaging", "general", "", ""),
              ErrorCode::kNotAllowed);
  ExpectError(reads_->MarkRead(Actor::Server(), app_, "messaging", "general", "", ""),
              ErrorCode::kInput);
  ExpectError(reads_->MarkRead(Actor::Server(), app_, "messaging", "general", "nobody", ""),
              ErrorCode::kDoesNotExist);
  ExpectError(reads_->MarkRead(alice, app_, "messaging", "quiet", "", ""),
              ErrorCode::kChannelFeatureNotSupported);
  EXPECT_EQ(Unread(c, "alice"), 1);
  EXPECT_EQ(GetMember(c, "alice").last_read, 0);
  EXPECT_TRUE(channel_events_.Take().empty());
  EXPECT_TRUE(events_.Take().empty());
}

TEST_F(ReadServiceTest, ServerSideMarksReadForANamedMember) {
  Channel c = MakeChannel("messaging", "general", {"alice", "bob"});
  Send(c, "alice");
  auto r = reads_->MarkRead(Actor::Server(), app_, "messaging", "general", "bob", "");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->at("user").at("id"), "bob");
  EXPECT_EQ(Unread(c, "bob"), 0);
}

TEST_F(ReadServiceTest, NonMemberOfAPublicChannelGetsANullEvent) {
  Channel c = MakeChannel("livestream", "show", {"alice"}, json::object{{"read_events", true}});
  Send(c, "alice");
  auto r = reads_->MarkRead(Actor::ForUser("carol"), app_, "livestream", "show", "", "");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->is_null());
  EXPECT_TRUE(channel_events_.Take().empty());
  EXPECT_TRUE(events_.Take().empty());
}

TEST_F(ReadServiceTest, MarkUnreadFromAMessage) {
  Channel c = MakeChannel("messaging", "general", {"alice", "bob"});
  Message m1 = Send(c, "bob");
  Message m2 = Send(c, "bob");
  Message m3 = Send(c, "bob");
  Message reply = Send(c, "bob", [&](Message& m) {
    m.parent_id = m1.id;
    m.type = "reply";
  });
  ASSERT_TRUE(reads_->MarkRead(Actor::ForUser("alice"), app_, "messaging", "general", "", "").ok());
  events_.Take();
  channel_events_.Take();

  ASSERT_TRUE(reads_
                  ->MarkUnread(Actor::ForUser("alice"), app_, "messaging", "general", "",
                               UnreadTarget{m2.id, std::nullopt})
                  .ok());
  Member m = GetMember(c, "alice");
  EXPECT_EQ(m.last_read, m2.created_at - 1);
  EXPECT_EQ(m.last_read_message_id, m1.id);
  EXPECT_EQ(Unread(c, "alice"), 2);
  EXPECT_TRUE(channel_events_.Take().empty());  // nothing for the watchers
  auto notes = events_.Take();
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].user_ids, std::vector<std::string>{"alice"});
  const json::object& n = notes[0].event;
  EXPECT_EQ(n.at("type"), "notification.mark_unread");
  EXPECT_EQ(n.at("cid"), "messaging:general");
  EXPECT_EQ(n.at("user").at("id"), "alice");
  EXPECT_EQ(n.at("unread_messages"), 2);
  EXPECT_EQ(n.at("first_unread_message_id"), json::value(m2.id));
  EXPECT_EQ(n.at("last_read_message_id"), json::value(m1.id));
  EXPECT_EQ(n.at("last_read_at"), json::value(FormatTime(m2.created_at - 1)));
  EXPECT_EQ(n.at("total_unread_count"), 2);
  EXPECT_EQ(n.at("unread_channels"), 1);

  // From the first message: nothing before it.
  ASSERT_TRUE(reads_
                  ->MarkUnread(Actor::ForUser("alice"), app_, "messaging", "general", "",
                               UnreadTarget{m1.id, std::nullopt})
                  .ok());
  EXPECT_EQ(GetMember(c, "alice").last_read_message_id, "");
  EXPECT_EQ(Unread(c, "alice"), 3);

  // By time: m3 and later.
  ASSERT_TRUE(reads_
                  ->MarkUnread(Actor::ForUser("alice"), app_, "messaging", "general", "",
                               UnreadTarget{"", m3.created_at})
                  .ok());
  EXPECT_EQ(GetMember(c, "alice").last_read_message_id, m2.id);
  EXPECT_EQ(Unread(c, "alice"), 1);
  EXPECT_EQ(events_.Take().back().event.at("first_unread_message_id"), json::value(m3.id));

  events_.Take();
  ExpectError(reads_->MarkUnread(Actor::ForUser("alice"), app_, "messaging", "general", "",
                                 UnreadTarget{reply.id, std::nullopt}),
              ErrorCode::kInput);
  ExpectError(reads_->MarkUnread(Actor::ForUser("alice"), app_, "messaging", "general", "",
                                 UnreadTarget{"missing", std::nullopt}),
              ErrorCode::kDoesNotExist);
  ExpectError(
      reads_->MarkUnread(Actor::ForUser("alice"), app_, "messaging", "general", "", UnreadTarget{}),
      ErrorCode::kInput);
  ExpectError(reads_->MarkUnread(Actor::ForUser("carol"), app_, "messaging", "general", "",
                                 UnreadTarget{m2.id, std::nullopt}),
              ErrorCode::kNotAllowed);
  EXPECT_EQ(Unread(c, "alice"), 1);
  EXPECT_TRUE(events_.Take().empty());
}

TEST_F(ReadServiceTest, MarkAllReadReadsEveryChannel) {
  Channel a = MakeChannel("messaging", "a", {"alice", "bob"});
  Channel b = MakeChannel("messaging", "b", {"alice", "bob"});
  Channel idle = MakeChannel("messaging", "idle", {"alice", "bob"});
  Send(a, "bob");
  Message b_last = Send(b, "bob");
  Send(idle, "bob");
  ASSERT_TRUE(reads_->MarkRead(Actor::ForUser("alice"), app_, "messaging", "idle", "", "").ok());
  channel_events_.Take();
  events_.Take();
  ASSERT_EQ(Total("alice"), 2);

  ASSERT_TRUE(reads_->MarkAllRead(Actor::ForUser("alice"), app_, "", {}).ok());
  EXPECT_EQ(Total("alice"), 0);
  EXPECT_EQ(GetMember(b, "alice").last_read_message_id, b_last.id);
  auto watchers = channel_events_.Take();
  ASSERT_EQ(watchers.size(), 2u);  // idle had nothing new: no event there
  EXPECT_EQ(watchers[0].cid_or_user, "messaging:a");
  EXPECT_EQ(watchers[1].cid_or_user, "messaging:b");
  EXPECT_EQ(watchers[1].event.at("type"), "message.read");
  auto notes = events_.Take();
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].event.at("type"), "notification.mark_read");
  EXPECT_FALSE(notes[0].event.contains("cid"));
  EXPECT_EQ(notes[0].event.at("total_unread_count"), 0);
  EXPECT_EQ(notes[0].event.at("unread_channels"), 0);
}

TEST_F(ReadServiceTest, MarkAllReadByChannelChecksEverythingFirst) {
  Channel a = MakeChannel("messaging", "a", {"alice", "bob"});
  Channel b = MakeChannel("messaging", "b", {"alice", "bob"});
  Channel theirs = MakeChannel("messaging", "theirs", {"bob", "carol"});
  Message a1 = Send(a, "bob");
  Send(a, "bob");
  Message b1 = Send(b, "bob");
  const Actor alice = Actor::ForUser("alice");
  ExpectError(reads_->MarkAllRead(alice, app_, "", {{"messaging:a", a1.id}, {"nocolon", ""}}),
              ErrorCode::kInput);
  ExpectError(
      reads_->MarkAllRead(alice, app_, "", {{"messaging:a", a1.id}, {"messaging:theirs", ""}}),
      ErrorCode::kNotAllowed);
  ExpectError(
      reads_->MarkAllRead(alice, app_, "", {{"messaging:a", a1.id}, {"messaging:b", a1.id}}),
      ErrorCode::kInput);
  std::vector<std::pair<std::string, std::string>> too_many(kMaxReadByChannel + 1,
                                                            {"messaging:a", ""});
  ExpectError(reads_->MarkAllRead(alice, app_, "", too_many), ErrorCode::kInput);
  EXPECT_EQ(Total("alice"), 3);
  EXPECT_TRUE(channel_events_.Take().empty());

  ASSERT_TRUE(
      reads_->MarkAllRead(alice, app_, "", {{"messaging:a", a1.id}, {"messaging:b", b1.id}}).ok());
  EXPECT_EQ(Unread(a, "alice"), 1);
  EXPECT_EQ(Unread(b, "alice"), 0);
  EXPECT_EQ(channel_events_.Take().size(), 2u);
  (void)theirs;
}

TEST_F(ReadServiceTest, UnreadFieldsPerRecipient) {
  Channel c = MakeChannel("messaging", "general", {"alice", "bob"});
  Channel other = MakeChannel("messaging", "other", {"alice", "carol"});
  Send(c, "bob");
  Send(c, "bob");
  Send(other, "carol");
  PersonalFields fields = reads_->UnreadFields(app_, Reload(c));
  json::object alice = fields("alice");
  EXPECT_EQ(alice.at("unread_count"), 2);
  EXPECT_EQ(alice.at("total_unread_count"), 3);
  EXPECT_EQ(alice.at("unread_channels"), 2);
  json::object bob = fields("bob");
  EXPECT_EQ(bob.at("unread_count"), 0);
  EXPECT_EQ(bob.at("total_unread_count"), 0);
  json::object carol = fields("carol");  // not a member of c
  EXPECT_FALSE(carol.contains("unread_count"));
  EXPECT_EQ(carol.at("total_unread_count"), 0);

  // A deleted channel's members still get its (zero) count; it leaves their totals.
  Channel deleted = Reload(c);
  deleted.deleted_at = Tick();
  ASSERT_TRUE(store_->channels().UpdateChannel(app_.api_key, deleted).ok());
  json::object alice_after = reads_->UnreadFields(app_, deleted)("alice");
  EXPECT_EQ(alice_after.at("unread_count"), 0);
  EXPECT_EQ(alice_after.at("total_unread_count"), 1);
  EXPECT_EQ(alice_after.at("unread_channels"), 1);
}

// The fields of a whole fan-out at once are each user's own fields, whether the user is a
// member with unread messages, a member with none, in no channel at all or unknown; users
// with equal fields share one set, and every user in no channel shares one.
TEST_F(ReadServiceTest, UnreadFieldsForManyUsersAreEachUsersOwn) {
  Channel c = MakeChannel("messaging", "general", {"alice", "bob"});
  Channel other = MakeChannel("messaging", "other", {"alice", "carol"});
  Send(c, "bob");
  Send(other, "carol");
  for (bool deleted : {false, true}) {
    Channel channel = Reload(c);
    if (deleted) {
      channel.deleted_at = Tick();
      ASSERT_TRUE(store_->channels().UpdateChannel(app_.api_key, channel).ok());
    }
    PersonalFields fields = reads_->UnreadFields(app_, channel);
    std::vector<std::string> users = {"alice", "dave", "bob", "erin", "carol", "dave", "zed"};
    std::vector<std::string_view> views(users.begin(), users.end());
    PersonalFieldSets sets = fields.ForUsers(views);
    ASSERT_EQ(sets.set_of.size(), users.size());
    for (std::size_t i = 0; i < users.size(); ++i) {
      ASSERT_LT(sets.set_of[i], sets.sets.size());
      EXPECT_EQ(sets.sets[sets.set_of[i]], fields(users[i])) << users[i] << " deleted " << deleted;
    }
    if (!deleted) {  // dave, erin and zed are in no channel: one set for the three
      EXPECT_EQ(sets.set_of[1], sets.set_of[3]);
      EXPECT_EQ(sets.set_of[1], sets.set_of[6]);
    }
  }
}

TEST_F(ReadServiceTest, OwnUserExtrasAndUnreadCounts) {
  Channel c = MakeChannel("messaging", "general", {"alice", "bob"});
  Send(c, "bob");
  protocol::OwnUserExtras extras;
  extras.mutes.push_back("kept");
  ASSERT_TRUE(reads_->FillOwnUserExtras(app_, "alice", extras).ok());
  EXPECT_EQ(extras.total_unread_count, 1);
  EXPECT_EQ(extras.unread_count, 1);
  EXPECT_EQ(extras.unread_channels, 1);
  EXPECT_EQ(extras.mutes.size(), 1u);

  auto s = reads_->UnreadCounts(Actor::Server(), app_, "alice");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->total_unread_count, 1);
  ExpectError(reads_->UnreadCounts(Actor::Server(), app_, ""), ErrorCode::kInput);
  ExpectError(reads_->UnreadCounts(Actor::Server(), app_, "nobody"), ErrorCode::kDoesNotExist);
  ExpectError(reads_->UnreadCounts(Actor::ForUser("bob"), app_, "alice"), ErrorCode::kNotAllowed);
  EXPECT_TRUE(reads_->UnreadCounts(Actor::ForUser("alice"), app_, "alice").ok());
}

}  // namespace
}  // namespace eddy::server
