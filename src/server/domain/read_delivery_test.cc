// ReadService delivery receipts (POST /channels/delivered) against the real SQLite store (in
// memory): what the member row records, the message.delivered event, and the refusals.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "protocol/channel_json.h"
#include "server/domain/read_service.h"
#include "server/domain/read_service_fixture.h"

namespace eddy::server {
namespace {

using Sent = testing::RecordingChannelEvents::Sent;
using Entries = std::vector<std::pair<std::string, std::string>>;

class ReadDeliveryTest : public testing::ReadServiceFixture {
 protected:
  Status Deliver(const Actor& actor, const Entries& entries, std::string_view user_id = "") {
    return reads_->MarkDelivered(actor, app_, user_id, entries);
  }
};

TEST_F(ReadDeliveryTest, RecordsTheMessageAndTellsTheWatchers) {
  Channel c = MakeChannel("messaging", "general", {"alice", "bob"});
  Send(c, "bob");
  Message last = Send(c, "bob");
  presence_.SetOnline(app_.api_key, "alice", true);
  Micros now = Tick();

  Status st = Deliver(Actor::ForUser("alice"), {{"messaging:general", last.id}});
  ASSERT_TRUE(st.ok()) << st.error().message;

  Member m = GetMember(c, "alice");
  EXPECT_EQ(m.last_delivered_at, now);
  EXPECT_EQ(m.last_delivered_message_id, last.id);
  EXPECT_EQ(m.last_read, 0);  // delivered is not read
  EXPECT_EQ(GetMember(c, "bob").last_delivered_at, std::nullopt);

  auto sent = channel_events_.Take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].to, Sent::To::kWatchers);
  EXPECT_EQ(sent[0].app_key, app_.api_key);
  EXPECT_EQ(sent[0].cid_or_user, "messaging:general");
  const json::object& e = sent[0].event;
  EXPECT_EQ(e.at("type"), "message.delivered");
  EXPECT_EQ(e.at("created_at"), json::value(FormatTime(now)));
  EXPECT_EQ(e.at("cid"), "messaging:general");
  EXPECT_EQ(e.at("channel_type"), "messaging");
  EXPECT_EQ(e.at("channel_id"), "general");
  EXPECT_EQ(e.at("user").at("id"), "alice");
  EXPECT_EQ(e.at("user").at("online"), true);
  EXPECT_EQ(e.at("last_delivered_at"), json::value(FormatTime(now)));
  EXPECT_EQ(e.at("last_delivered_message_id"), json::value(last.id));
  EXPECT_TRUE(events_.Take().empty());  // no per-user notification

  // The read[] entry of the channel state carries the receipt.
  json::object read = protocol::ReadStateToJson(m, json::object{{"id", "alice"}}, 2);
  EXPECT_EQ(read.at("last_delivered_at"), json::value(FormatTime(now)));
  EXPECT_EQ(read.at("last_delivered_message_id"), json::value(last.id));
}

TEST_F(ReadDeliveryTest, SeveralChannelsAtOnceAndServerSide) {
  Channel a = MakeChannel("messaging", "a", {"alice", "bob"});
  Channel b = MakeChannel("messaging", "b", {"alice", "bob"});
  Message a1 = Send(a, "alice");
  Message b1 = Send(b, "alice");

  ExpectError(Deliver(Actor::Server(), {{"messaging:a", a1.id}}), ErrorCode::kInput);
  ExpectError(Deliver(Actor::Server(), {{"messaging:a", a1.id}}, "nobody"),
              ErrorCode::kDoesNotExist);
  ExpectError(Deliver(Actor::ForUser("alice"), {{"messaging:a", a1.id}}, "bob"),
              ErrorCode::kNotAllowed);
  EXPECT_TRUE(channel_events_.Take().empty());

  Status st = Deliver(Actor::Server(), {{"messaging:a", a1.id}, {"messaging:b", b1.id}}, "bob");
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(GetMember(a, "bob").last_delivered_message_id, a1.id);
  EXPECT_EQ(GetMember(b, "bob").last_delivered_message_id, b1.id);
  auto sent = channel_events_.Take();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].cid_or_user, "messaging:a");
  EXPECT_EQ(sent[1].cid_or_user, "messaging:b");
  EXPECT_EQ(sent[1].event.at("user").at("id"), "bob");

  // Nothing listed: nothing to do.
  EXPECT_TRUE(Deliver(Actor::ForUser("alice"), {}).ok());
  EXPECT_TRUE(channel_events_.Take().empty());
}

TEST_F(ReadDeliveryTest, RefusesBadEntries) {
  Channel c = MakeChannel("messaging", "general", {"alice", "bob"});
  Channel theirs = MakeChannel("messaging", "theirs", {"bob", "carol"});
  Channel elsewhere = MakeChannel("messaging", "elsewhere", {"alice", "bob"});
  Message m = Send(c, "bob");
  Message their = Send(theirs, "bob");
  Message foreign = Send(elsewhere, "bob");
  const Actor alice = Actor::ForUser("alice");

  ExpectError(Deliver(alice, {{"messaging:theirs", their.id}}), ErrorCode::kNotAllowed);
  ExpectError(Deliver(Actor::ForUser("dave"), {{"messaging:general", m.id}}),
              ErrorCode::kNotAllowed);
  ExpectError(Deliver(alice, {{"messaging:missing", m.id}}), ErrorCode::kDoesNotExist);
  ExpectError(Deliver(alice, {{"nope:general", m.id}}), ErrorCode::kDoesNotExist);
  ExpectError(Deliver(alice, {{"messaging:general", foreign.id}}), ErrorCode::kInput);
  ExpectError(Deliver(alice, {{"messaging:general", "no-such-message"}}), ErrorCode::kDoesNotExist);
  ExpectError(Deliver(alice, {{"messaging:general", ""}}), ErrorCode::kInput);
  ExpectError(Deliver(alice, {{"general", m.id}}), ErrorCode::kInput);
  ExpectError(Deliver(alice, {{"messaging:", m.id}}), ErrorCode::kInput);
  Entries too_many(kMaxDeliveredMessages + 1, {"messaging:general", m.id});
  ExpectError(Deliver(alice, too_many), ErrorCode::kInput);
  Entries just_enough(kMaxDeliveredMessages, {"messaging:general", m.id});
  EXPECT_TRUE(Deliver(alice, just_enough).ok());
  EXPECT_EQ(channel_events_.Take().size(), 1u);  // one channel, one event
}

TEST_F(ReadDeliveryTest, OneBadEntryChangesNothing) {
  Channel a = MakeChannel("messaging", "a", {"alice", "bob"});
  Channel b = MakeChannel("messaging", "b", {"alice", "bob"});
  Channel theirs = MakeChannel("messaging", "theirs", {"bob", "carol"});
  Message a1 = Send(a, "bob");
  Message b1 = Send(b, "bob");
  Message their = Send(theirs, "bob");
  const Actor alice = Actor::ForUser("alice");

  ExpectError(Deliver(alice, {{"messaging:a", a1.id}, {"messaging:theirs", their.id}}),
              ErrorCode::kNotAllowed);
  ExpectError(Deliver(alice, {{"messaging:a", a1.id}, {"messaging:b", a1.id}}), ErrorCode::kInput);
  ExpectError(Deliver(alice, {{"messaging:a", a1.id}, {"messaging:gone", b1.id}}),
              ErrorCode::kDoesNotExist);
  EXPECT_EQ(GetMember(a, "alice").last_delivered_at, std::nullopt);
  EXPECT_EQ(GetMember(a, "alice").last_delivered_message_id, "");
  EXPECT_EQ(GetMember(b, "alice").last_delivered_message_id, "");
  EXPECT_TRUE(channel_events_.Take().empty());
}

TEST_F(ReadDeliveryTest, NeverMovesBack) {
  Channel c = MakeChannel("messaging", "general", {"alice", "bob"});
  Message m1 = Send(c, "bob");
  Message m2 = Send(c, "bob");
  Message m3 = Send(c, "bob");
  const Actor alice = Actor::ForUser("alice");
  Micros first = Tick();
  ASSERT_TRUE(Deliver(alice, {{"messaging:general", m2.id}}).ok());
  EXPECT_EQ(channel_events_.Take().size(), 1u);

  // Older, then the same message again: nothing changes, nobody is told.
  Tick();
  ASSERT_TRUE(Deliver(alice, {{"messaging:general", m1.id}}).ok());
  ASSERT_TRUE(Deliver(alice, {{"messaging:general", m2.id}}).ok());
  EXPECT_EQ(GetMember(c, "alice").last_delivered_message_id, m2.id);
  EXPECT_EQ(GetMember(c, "alice").last_delivered_at, first);
  EXPECT_TRUE(channel_events_.Take().empty());

  // A repeated cid keeps its newest message, whatever the order.
  Micros later = Tick();
  ASSERT_TRUE(Deliver(alice, {{"messaging:general", m3.id}, {"messaging:general", m1.id}}).ok());
  EXPECT_EQ(GetMember(c, "alice").last_delivered_message_id, m3.id);
  EXPECT_EQ(GetMember(c, "alice").last_delivered_at, later);
  auto sent = channel_events_.Take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].event.at("last_delivered_message_id"), json::value(m3.id));
}

TEST_F(ReadDeliveryTest, ChannelsWithoutDeliveryEventsAreSkipped) {
  Channel quiet =
      MakeChannel("messaging", "quiet", {"alice", "bob"}, json::object{{"delivery_events", false}});
  Channel shop = MakeChannel("commerce", "shop", {"alice", "bob"});  // off by default
  Channel open = MakeChannel("messaging", "open", {"alice", "bob"});
  Message q = Send(quiet, "bob");
  Message s = Send(shop, "bob");
  Message o = Send(open, "bob");
  const Actor alice = Actor::ForUser("alice");

  Status st = Deliver(
      alice, {{"messaging:quiet", q.id}, {"commerce:shop", s.id}, {"messaging:open", o.id}});
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(GetMember(quiet, "alice").last_delivered_message_id, "");
  EXPECT_EQ(GetMember(shop, "alice").last_delivered_message_id, "");
  EXPECT_EQ(GetMember(open, "alice").last_delivered_message_id, o.id);
  auto sent = channel_events_.Take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].cid_or_user, "messaging:open");

  // Skipped channels are still checked.
  ExpectError(Deliver(Actor::ForUser("carol"), {{"messaging:quiet", q.id}}),
              ErrorCode::kNotAllowed);
  ExpectError(Deliver(alice, {{"messaging:quiet", o.id}}), ErrorCode::kInput);
}

}  // namespace
}  // namespace eddy::server
