// Conformance suite for MessageStore's reads: pages of a channel's main list and of a thread
// in every direction (over equal timestamps too), who sees what (thread-only replies,
// shadowed and soft-deleted messages, not_before), pinned messages, the last message, and
// unread counting (the store's count and CountsAsUnread's, message by message, agree). Every
// backend must pass it unchanged. Defines tests: include in exactly one .cc of a test binary.
#pragma once

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "server/domain/unread_rule.h"
#include "server/storage/storetest/message_store_suite.h"

namespace eddy::server::storetest {

// SeedHistory() writes 250 messages m000..m249 to messaging:general, three to a timestamp
// (m000-m002 at 1000, m003-m005 at 1010, ...), so their order is (created_at, insertion),
// plus thread-only replies to m010 among them that the main list must never show.
class MessagePageSuite : public MessageStoreSuite {
 protected:
  using IdList = std::vector<std::string>;
  static constexpr int kHistory = 250;

  static Micros TimeOf(int i) { return 1000 + (i / 3) * 10; }
  static std::string IdOf(int i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "m%03d", i);
    return buf;
  }
  // m<first>..m<last>, inclusive.
  static IdList Range(int first, int last) {
    IdList out;
    for (int i = first; i <= last; ++i) out.push_back(IdOf(i));
    return out;
  }

  void SeedHistory() {
    for (int i = 0; i < kHistory; ++i) {
      Insert(Msg(IdOf(i), i % 2 == 0 ? "luke" : "leia", TimeOf(i)));
      // Replies land at every timestamp region, equal ones included.
      if (i > 10 && i % 50 == 0) Insert(Reply("r" + std::to_string(i), "han", TimeOf(i), "m010"));
    }
  }

  IdList Page(const MessagePage& p, std::string_view channel = "general") {
    auto got = messages().ChannelMessages(kApp, "messaging", channel, p);
    EXPECT_TRUE(got.ok()) << got.error().message;
    return got.ok() ? Ids(*got) : IdList{};
  }

  IdList Thread(std::string_view parent, const MessagePage& p) {
    auto got = messages().Replies(kApp, parent, p);
    EXPECT_TRUE(got.ok()) << got.error().message;
    return got.ok() ? Ids(*got) : IdList{};
  }

  static MessagePage Limit(int limit) {
    MessagePage p;
    p.limit = limit;
    return p;
  }
};

TEST_P(MessagePageSuite, LatestPageIsTheNewestInAscendingOrder) {
  SeedHistory();
  EXPECT_EQ(Page(Limit(25)), Range(225, 249));
  EXPECT_EQ(Page(MessagePage{}), Range(150, 249));  // the default limit is 100
  EXPECT_EQ(Page(Limit(1000)), Range(0, 249));      // and never a thread-only reply
  EXPECT_EQ(Page(Limit(1000), "other"), IdList{});
}

TEST_P(MessagePageSuite, WalkingBackwardWithIdLtVisitsEveryMessageOnce) {
  SeedHistory();
  IdList all = Page(Limit(30));
  while (true) {
    MessagePage p = Limit(30);
    p.id_lt = all.front();
    IdList page = Page(p);
    all.insert(all.begin(), page.begin(), page.end());
    if (page.size() < 30) break;
  }
  EXPECT_EQ(all, Range(0, 249));
}

TEST_P(MessagePageSuite, WalkingForwardWithIdGtVisitsEveryMessageOnce) {
  SeedHistory();
  MessagePage first = Limit(30);
  first.created_at_after_or_equal = 0;
  IdList all = Page(first);
  EXPECT_EQ(all, Range(0, 29));
  while (true) {
    MessagePage p = Limit(30);
    p.id_gt = all.back();
    IdList page = Page(p);
    all.insert(all.end(), page.begin(), page.end());
    if (page.size() < 30) break;
  }
  EXPECT_EQ(all, Range(0, 249));
}

TEST_P(MessagePageSuite, IdBoundsSplitEqualTimestampsByInsertion) {
  SeedHistory();
  // m099, m100 and m101 share a timestamp.
  MessagePage p = Limit(2);
  p.id_lt = "m101";
  EXPECT_EQ(Page(p), (IdList{"m099", "m100"}));
  p = Limit(2);
  p.id_gt = "m099";
  EXPECT_EQ(Page(p), (IdList{"m100", "m101"}));
  p = Limit(3);
  p.id_lte = "m100";
  EXPECT_EQ(Page(p), Range(98, 100));
  p = Limit(3);
  p.id_gte = "m100";
  EXPECT_EQ(Page(p), Range(100, 102));
  p = Limit(3);
  p.id_lt = "m000";
  EXPECT_EQ(Page(p), IdList{});
  p = Limit(3);
  p.id_gt = "m249";
  EXPECT_EQ(Page(p), IdList{});
}

TEST_P(MessagePageSuite, CreatedAtBounds) {
  SeedHistory();
  const Micros t = TimeOf(99);  // m099..m101
  MessagePage p = Limit(3);
  p.created_at_before = t;
  EXPECT_EQ(Page(p), Range(96, 98));
  p = Limit(3);
  p.created_at_before_or_equal = t;
  EXPECT_EQ(Page(p), Range(99, 101));
  p = Limit(3);
  p.created_at_after = t;
  EXPECT_EQ(Page(p), Range(102, 104));
  p = Limit(3);
  p.created_at_after_or_equal = t;
  EXPECT_EQ(Page(p), Range(99, 101));
  p = Limit(4);
  p.created_at_after = t + 1;  // between timestamps
  EXPECT_EQ(Page(p), Range(102, 105));
}

TEST_P(MessagePageSuite, AnIdBoundAndATimeBoundTogether) {
  SeedHistory();
  MessagePage p = Limit(5);
  p.id_lt = "m200";
  p.created_at_after = TimeOf(150);  // m150..m152: a lower bound pages forward from it
  EXPECT_EQ(Page(p), Range(153, 157));
  p = Limit(10);
  p.id_lt = "m155";
  p.created_at_after = TimeOf(150);
  EXPECT_EQ(Page(p), Range(153, 154));
  p = Limit(3);
  p.id_gt = "m010";
  p.created_at_before = TimeOf(12);
  EXPECT_EQ(Page(p), Range(11, 11));
}

TEST_P(MessagePageSuite, AroundCentresOnTheMessageOrTime) {
  SeedHistory();
  MessagePage p = Limit(5);
  p.id_around = "m100";
  EXPECT_EQ(Page(p), Range(98, 102));
  p.limit = 4;
  EXPECT_EQ(Page(p), Range(99, 102));
  p.limit = 1;
  EXPECT_EQ(Page(p), (IdList{"m100"}));
  // A short side leaves its share to the other.
  p = Limit(5);
  p.id_around = "m001";
  EXPECT_EQ(Page(p), Range(0, 4));
  p.id_around = "m248";
  EXPECT_EQ(Page(p), Range(245, 249));
  p = Limit(6);
  p.created_at_around = TimeOf(120);  // m120..m122 are at that time
  EXPECT_EQ(Page(p), Range(120, 125));
  p.created_at_around = 0;
  EXPECT_EQ(Page(p), Range(0, 5));
  p.created_at_around = TimeOf(249) + 1;
  EXPECT_EQ(Page(p), Range(244, 249));
}

TEST_P(MessagePageSuite, BadPaginationIsAnInputError) {
  SeedHistory();
  EXPECT_EQ(Page(Limit(0)), IdList{});
  std::vector<MessagePage> bad(6);
  bad[0].limit = -1;
  bad[1].id_lt = "no-such-message";
  bad[2].id_lt = "m001";
  bad[2].id_gt = "m000";
  bad[3].created_at_before = 5;
  bad[3].created_at_after = 1;
  bad[4].id_around = "m100";
  bad[4].created_at_before = 5000;
  bad[5].created_at_around = 5;
  bad[5].id_gt = "m001";
  for (size_t i = 0; i < bad.size(); ++i) {
    auto got = messages().ChannelMessages(kApp, "messaging", "general", bad[i]);
    ASSERT_FALSE(got.ok()) << i;
    EXPECT_EQ(got.error().code, ErrorCode::kInput) << i;
  }
}

TEST_P(MessagePageSuite, NotBeforeHidesWhatCameAtOrBeforeIt) {
  SeedHistory();
  MessagePage p = Limit(100);
  p.not_before = TimeOf(240);  // m240..m242
  EXPECT_EQ(Page(p), Range(243, 249));
  p.id_lt = "m245";
  EXPECT_EQ(Page(p), Range(243, 244));
  p = Limit(5);
  p.not_before = TimeOf(240);
  p.id_around = "m243";
  EXPECT_EQ(Page(p), Range(243, 247));
}

TEST_P(MessagePageSuite, ThreadsAreTheirOwnList) {
  Insert(Msg("p", "luke", 10, "other"));
  Message only_thread = Reply("t", "leia", 11, "p");
  only_thread.channel_id = "other";
  Message shown = Reply("s", "han", 12, "p", true);
  shown.channel_id = "other";
  Insert(only_thread);
  Insert(shown);
  Insert(Msg("q", "luke", 13, "other"));
  EXPECT_EQ(Page(Limit(10), "other"), (IdList{"p", "s", "q"}));
  EXPECT_EQ(Thread("p", Limit(10)), (IdList{"t", "s"}));
  EXPECT_EQ(Thread("q", Limit(10)), IdList{});

  SeedHistory();
  EXPECT_EQ(Thread("m010", Limit(10)), (IdList{"r50", "r100", "r150", "r200"}));
  MessagePage p = Limit(2);
  p.id_lt = "r150";
  EXPECT_EQ(Thread("m010", p), (IdList{"r50", "r100"}));
  p = Limit(3);
  p.id_around = "r100";
  EXPECT_EQ(Thread("m010", p), (IdList{"r50", "r100", "r150"}));
  p = Limit(1);
  EXPECT_EQ(Thread("m010", p), (IdList{"r200"}));
}

TEST_P(MessagePageSuite, ShadowedMessagesAreSeenByTheirAuthorOnly) {
  Insert(Msg("m1", "luke", 1, "other"));
  Message s = Msg("s1", "troll", 2, "other");
  s.shadowed = true;
  Insert(s);
  Insert(Msg("m2", "leia", 3, "other"));
  Message later = Msg("s2", "troll", 4, "other");
  later.shadowed = true;
  Insert(later);
  MessagePage p = Limit(10);
  EXPECT_EQ(Page(p, "other"), (IdList{"m1", "m2"}));
  p.viewer_id = "luke";
  EXPECT_EQ(Page(p, "other"), (IdList{"m1", "m2"}));
  p.viewer_id = "troll";
  EXPECT_EQ(Page(p, "other"), (IdList{"m1", "s1", "m2", "s2"}));
  auto last = messages().LastChannelMessage(kApp, "messaging", "other");
  ASSERT_TRUE(last.ok() && last->has_value());
  EXPECT_EQ((*last)->id, "m2");
}

TEST_P(MessagePageSuite, SoftDeletedMessagesStayUnlessLeftOut) {
  Insert(Msg("m1", "luke", 1, "other"));
  Message d = Msg("d1", "luke", 2, "other");
  d.type = "deleted";
  d.deleted_at = 5;
  Insert(d);
  Insert(Msg("m2", "luke", 3, "other"));
  MessagePage p = Limit(10);
  EXPECT_EQ(Page(p, "other"), (IdList{"m1", "d1", "m2"}));
  p.include_deleted = false;
  EXPECT_EQ(Page(p, "other"), (IdList{"m1", "m2"}));
}

TEST_P(MessagePageSuite, PinnedMessagesNewestPinFirst) {
  auto pin = [&](std::string id, Micros pinned_at, std::optional<Micros> expires = {}) {
    Message m = Msg(std::move(id), "luke", 1, "other");
    m.pinned = true;
    m.pinned_at = pinned_at;
    m.pinned_by_id = "leia";
    m.pin_expires = expires;
    return m;
  };
  Insert(pin("p1", 50));
  Insert(pin("p2", 70, 100));
  Message deleted = pin("p3", 60);
  deleted.deleted_at = 61;
  Insert(deleted);
  Insert(Msg("p4", "luke", 1, "other"));
  Insert(pin("p5", 80, 90));
  Message elsewhere = pin("g1", 99);
  elsewhere.channel_id = "general";
  Insert(elsewhere);
  auto ids = [&](Micros now, int limit) {
    auto got = messages().PinnedMessages(kApp, "messaging", "other", now, limit);
    EXPECT_TRUE(got.ok());
    return got.ok() ? Ids(*got) : IdList{};
  };
  EXPECT_EQ(ids(85, 10), (IdList{"p5", "p2", "p1"}));
  EXPECT_EQ(ids(95, 10), (IdList{"p2", "p1"}));  // p5's pin expired at 90
  EXPECT_EQ(ids(100, 10), (IdList{"p1"}));
  EXPECT_EQ(ids(85, 1), (IdList{"p5"}));
}

TEST_P(MessagePageSuite, LastChannelMessageIsTheNewestOfTheMainList) {
  auto last = [&]() -> std::string {
    auto got = messages().LastChannelMessage(kApp, "messaging", "other");
    EXPECT_TRUE(got.ok());
    return got.ok() && got->has_value() ? (*got)->id : "";
  };
  EXPECT_EQ(last(), "");
  Insert(Msg("a", "luke", 10, "other"));
  Insert(Msg("b", "luke", 10, "other"));  // same time, inserted later
  EXPECT_EQ(last(), "b");
  Message reply = Reply("r", "leia", 20, "a");
  reply.channel_id = "other";
  Insert(reply);
  EXPECT_EQ(last(), "b");
  Message deleted = Msg("d", "luke", 30, "other");
  deleted.deleted_at = 31;
  deleted.type = "deleted";
  Insert(deleted);
  EXPECT_EQ(last(), "d");
  auto stamp = messages().LastChannelMessage(kApp, "messaging", "other");
  ASSERT_TRUE(stamp.ok() && stamp->has_value());
  EXPECT_EQ((*stamp)->created_at, 30);
}

TEST_P(MessagePageSuite, CountUnreadFollowsTheRules) {
  std::vector<Message> stored;
  auto add = [&](std::string id, std::string user, Micros at, auto&& change) {
    Message m = Msg(std::move(id), std::move(user), at, "other");
    change(m);
    stored.push_back(Insert(m));
  };
  auto none = [](Message&) {};
  add("p0", "han", 10, none);
  add("own", "me", 100, none);
  add("silent", "han", 110, [](Message& m) { m.silent = true; });
  add("shadowed", "troll", 120, [](Message& m) { m.shadowed = true; });
  add("deleted", "han", 130, [](Message& m) {
    m.deleted_at = 131;
    m.type = "deleted";
  });
  add("system", "han", 140, [](Message& m) { m.type = "system"; });
  add("error", "han", 150, [](Message& m) { m.type = "error"; });
  add("ephemeral", "han", 155, [](Message& m) { m.type = "ephemeral"; });
  add("from-muted", "muted", 160, none);
  add("thread-only", "han", 170, [](Message& m) { m.parent_id = "p0"; });
  add("shown-reply", "han", 180, [](Message& m) {
    m.parent_id = "p0";
    m.show_in_channel = true;
  });
  add("regular", "han", 190, none);
  add("newest", "leia", 200, none);

  auto count = [&](std::string user, Micros after, std::optional<Micros> not_before = {},
                   std::vector<std::string> muted = {}, std::string_view app = kApp) {
    UnreadQuery q;
    q.channel_type = "messaging";
    q.channel_id = "other";
    q.user_id = std::move(user);
    q.after = after;
    q.not_before = not_before;
    q.muted_user_ids = std::move(muted);
    auto got = messages().CountUnread(app, q);
    EXPECT_TRUE(got.ok()) << got.error().message;
    // The caches' rule for one message (CountsAsUnread) counts the same.
    if (app == kApp) {
      EXPECT_EQ(std::count_if(stored.begin(), stored.end(),
                              [&](const Message& m) { return CountsAsUnread(m, q); }),
                got.ok() ? *got : -1)
          << q.user_id << " after " << q.after;
    }
    return got.ok() ? *got : -1;
  };
  EXPECT_EQ(count("me", 0), 5);   // p0, from-muted, shown-reply, regular, newest
  EXPECT_EQ(count("me", 10), 4);  // strictly newer than last_read
  EXPECT_EQ(count("me", 10, {}, {"muted", "nobody"}), 3);
  EXPECT_EQ(count("me", 185), 2);
  EXPECT_EQ(count("me", 0, 195), 1);
  EXPECT_EQ(count("me", 195, 0), 1);
  EXPECT_EQ(count("han", 0), 3);  // own, from-muted, newest: han's own never count
  EXPECT_EQ(count("me", 200), 0);
  EXPECT_EQ(count("me", 0, {}, {}, kOtherApp), 0);
}

}  // namespace eddy::server::storetest
