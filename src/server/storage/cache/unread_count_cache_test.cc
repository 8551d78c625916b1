#include "server/storage/cache/unread_count_cache.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace eddy::server {
namespace {

UnreadQuery Reader(std::string user, Micros after = 0, std::vector<std::string> muted = {}) {
  UnreadQuery q;
  q.channel_type = "messaging";
  q.channel_id = "general";
  q.user_id = std::move(user);
  q.after = after;
  q.muted_user_ids = std::move(muted);
  return q;
}

Message NewMessage(std::string author, Micros at) {
  Message m;
  m.channel_type = "messaging";
  m.channel_id = "general";
  m.id = author + std::to_string(at);
  m.user_id = std::move(author);
  m.created_at = at;
  return m;
}

// One insert in `group`'s channel, nothing else beside it, that stored `m` (none: it failed).
void Insert(UnreadCountCache& cache, const std::string& group, const Message* m) {
  UnreadInsertScope insert(cache, group);
  if (m != nullptr) insert.Stored(*m);
}

// The "store": every count is `value`, and how often the cache had to ask.
struct Counts {
  std::int64_t value = 1;
  int loads = 0;
  auto Load() {
    return [this]() -> Result<std::int64_t> {
      ++loads;
      return value;
    };
  }
};

// A cache of 100 counts over the "store" `s`.
class UnreadCountCacheTest : public ::testing::Test {
 protected:
  UnreadCountCache cache{100};
  Counts s;
};

TEST_F(UnreadCountCacheTest, AnInsertMovesTheCountsItQualifiesForAndLeavesTheOthers) {
  const UnreadQuery luke = Reader("luke"), han = Reader("han"), leia = Reader("leia", 0, {"han"}),
                    late = Reader("chewie", 500);
  for (const UnreadQuery& q : {luke, han, leia, late}) ASSERT_EQ(*cache.Get("g", q, s.Load()), 1);
  ASSERT_EQ(s.loads, 4);
  const Message by_han = NewMessage("han", 100);
  Insert(cache, "g", &by_han);
  EXPECT_EQ(*cache.Get("g", luke, s.Load()), 2);
  EXPECT_EQ(*cache.Get("g", han, s.Load()), 1);   // own
  EXPECT_EQ(*cache.Get("g", leia, s.Load()), 1);  // muted the author
  EXPECT_EQ(*cache.Get("g", late, s.Load()), 1);  // read past it
  EXPECT_EQ(s.loads, 4);

  Message silent = NewMessage("leia", 200);
  silent.silent = true;
  Insert(cache, "g", &silent);
  EXPECT_EQ(*cache.Get("g", luke, s.Load()), 2);
  EXPECT_EQ(s.loads, 4);
}

TEST_F(UnreadCountCacheTest, AnotherPositionOfAReaderIsAMissAndReplacesTheirCount) {
  ASSERT_EQ(*cache.Get("g", Reader("luke", 0), s.Load()), 1);
  s.value = 7;
  EXPECT_EQ(*cache.Get("g", Reader("luke", 10), s.Load()), 7);
  EXPECT_EQ(*cache.Get("g", Reader("luke", 10, {"han"}), s.Load()), 7);
  EXPECT_EQ(s.loads, 3);
  EXPECT_EQ(*cache.Get("g", Reader("luke", 10, {"han"}), s.Load()), 7);
  EXPECT_EQ(s.loads, 3);
  // One count per reader and channel: the first position is gone, another group is its own.
  s.value = 2;
  EXPECT_EQ(*cache.Get("g", Reader("luke", 0), s.Load()), 2);
  EXPECT_EQ(*cache.Get("h", Reader("luke", 0), s.Load()), 2);
  EXPECT_EQ(s.loads, 5);
}

TEST_F(UnreadCountCacheTest, AFailedOrOverlappedInsertForgetsTheGroup) {
  const UnreadQuery luke = Reader("luke");
  const Message m = NewMessage("han", 100);
  ASSERT_EQ(*cache.Get("g", luke, s.Load()), 1);
  Insert(cache, "g", nullptr);
  EXPECT_EQ(*cache.Get("g", luke, s.Load()), 1);
  EXPECT_EQ(s.loads, 2);

  // Two inserts in the channel at once: neither knows the other's effect.
  {
    UnreadInsertScope first(cache, "g");
    {
      UnreadInsertScope second(cache, "g");
      second.Stored(m);
    }
    first.Stored(m);
  }
  s.value = 3;
  EXPECT_EQ(*cache.Get("g", luke, s.Load()), 3);
  EXPECT_EQ(s.loads, 3);

  // A plain write of the channel, or a change heard from another node, during the insert.
  for (int variant = 0; variant < 2; ++variant) {
    {
      UnreadInsertScope insert(cache, "g");
      if (variant == 0) {
        cache.BeginWrite({"g"});
        cache.EndWrite({"g"});
      } else {
        cache.Forget("g");
      }
      insert.Stored(m);
    }
    s.value = 10 + variant;
    EXPECT_EQ(*cache.Get("g", luke, s.Load()), 10 + variant);
  }
  EXPECT_EQ(s.loads, 5);

  // An insert in another channel changes nothing here.
  Insert(cache, "h", &m);
  EXPECT_EQ(*cache.Get("g", luke, s.Load()), 11);
  EXPECT_EQ(s.loads, 5);
}

TEST_F(UnreadCountCacheTest, DuringAnInsertCountsAnswerAsBeforeItAndLoadsAreNotKept) {
  const UnreadQuery luke = Reader("luke"), leia = Reader("leia");
  const Message m = NewMessage("han", 100);
  ASSERT_EQ(*cache.Get("g", luke, s.Load()), 1);
  {
    UnreadInsertScope insert(cache, "g");
    s.value = 2;  // the store, with the message
    insert.Stored(m);
    EXPECT_EQ(*cache.Get("g", luke, s.Load()), 1);  // not acknowledged yet: as before it
    EXPECT_EQ(*cache.Get("g", leia, s.Load()), 2);  // read from the store, not kept
    EXPECT_EQ(s.loads, 2);
  }
  EXPECT_EQ(*cache.Get("g", luke, s.Load()), 2);  // the count before, moved by one
  EXPECT_EQ(*cache.Get("g", leia, s.Load()), 2);
  EXPECT_EQ(s.loads, 3);
}

// A reader who read past the channel's newest message has a count of zero there: their kept
// count moves to that position, and the next message moves it on.
TEST_F(UnreadCountCacheTest, ReadingUpToTheNewestMessageMovesTheCountToZero) {
  const UnreadQuery before = Reader("luke", 0, {"han"}), after = Reader("luke", 300, {"han"});
  ASSERT_EQ(*cache.Get("g", before, s.Load()), 1);
  cache.ReadUpTo("g", cache.Ticket("g"), "luke", 300, std::nullopt);
  EXPECT_EQ(*cache.Get("g", after, s.Load()), 0);
  EXPECT_EQ(s.loads, 1);
  const Message by_leia = NewMessage("leia", 400);
  Insert(cache, "g", &by_leia);
  EXPECT_EQ(*cache.Get("g", after, s.Load()), 1);
  EXPECT_EQ(s.loads, 1);
  // Nobody else's count appears: a reader without one is read from the store.
  cache.ReadUpTo("g", cache.Ticket("g"), "han", 500, std::nullopt);
  EXPECT_EQ(*cache.Get("g", Reader("han", 500), s.Load()), 1);
  EXPECT_EQ(s.loads, 2);
}

TEST_F(UnreadCountCacheTest, AReadAfterAWriteOfTheChannelOrInsideATruncationMovesNothing) {
  ASSERT_EQ(*cache.Get("g", Reader("luke", 0), s.Load()), 1);
  const UnreadQuery read = Reader("luke", 300);
  // A message stored between the ticket (before the channel's row was read) and the read.
  const WriteTracker::Ticket ticket = cache.Ticket("g");
  const Message by_leia = NewMessage("leia", 350);
  Insert(cache, "g", &by_leia);
  cache.ReadUpTo("g", ticket, "luke", 300, std::nullopt);
  EXPECT_EQ(*cache.Get("g", read, s.Load()), 1);
  EXPECT_EQ(s.loads, 2);

  // Truncated at 400: messages up to it are not in the row's last_message_at, and count for
  // a reader at 300 whose bounds do not leave them out.
  ASSERT_EQ(*cache.Get("g", Reader("han", 0), s.Load()), 1);
  cache.ReadUpTo("g", cache.Ticket("g"), "han", 300, 400);
  EXPECT_EQ(*cache.Get("g", Reader("han", 300), s.Load()), 1);
  EXPECT_EQ(s.loads, 4);
  UnreadQuery bounded = Reader("han", 300);
  bounded.not_before = 400;
  ASSERT_EQ(*cache.Get("g", bounded, s.Load()), 1);
  cache.ReadUpTo("g", cache.Ticket("g"), "han", 300, 400);
  EXPECT_EQ(*cache.Get("g", bounded, s.Load()), 0);
  EXPECT_EQ(s.loads, 5);
}

TEST(UnreadCountCacheBoundTest, StaysWithinItsBound) {
  UnreadCountCache cache(3);
  Counts s;
  for (const char* user : {"a", "b", "c", "d"}) {
    ASSERT_EQ(*cache.Get("g", Reader(user), s.Load()), 1);
  }
  // Past three counts it started over: "d" is the only one left.
  EXPECT_EQ(*cache.Get("g", Reader("d"), s.Load()), 1);
  EXPECT_EQ(s.loads, 4);
  EXPECT_EQ(*cache.Get("g", Reader("a"), s.Load()), 1);
  EXPECT_EQ(s.loads, 5);
}

}  // namespace
}  // namespace eddy::server
