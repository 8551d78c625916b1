// Pagination over real sockets: one channel with 1,000 messages paged in every direction
// (protocol §6.3 `messages`: limit, id_lt/lte/gt/gte/around, created_at_*), a 150-reply thread
// (§6.5 GET /messages/{id}/replies) and a channel with 251 members (`members` limit/offset of
// the channel state and GET /members). Every page must be ascending and contiguous; walks must
// cover the whole list exactly once.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "integration/fixture.h"

namespace eddy::testing {
namespace {

constexpr int kMessages = 1000;
constexpr int kReplies = 150;
constexpr int kCrowd = 250;   // members of messaging:crowd besides alice
constexpr int kParent = 500;  // m0500 carries the thread

std::string Numbered(char prefix, int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%c%04d", prefix, i);
  return buf;
}
std::string MessageId(int i) { return Numbered('m', i); }
std::string ReplyId(int i) { return Numbered('r', i); }
std::string CrowdUser(int i) { return Numbered('u', i); }

// "m0123" -> 123; -1 for anything else.
int IndexOf(const std::string& id, char prefix) {
  if (id.size() != 5 || id[0] != prefix) return -1;
  return std::stoi(id.substr(1));
}

std::string Join(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : ",") + id;
  return out;
}

// Upserts users with these ids through the SDK, at most 100 per request (the protocol's
// maximum).
void SeedUsers(client::ServerClient& seed, const std::vector<std::string>& ids) {
  for (size_t from = 0; from < ids.size(); from += 100) {
    std::vector<client::User> batch;
    for (size_t i = from; i < ids.size() && i < from + 100; ++i) {
      client::User u;
      u.id = ids[i];
      u.name = "User " + ids[i];
      batch.push_back(std::move(u));
    }
    seed.UpsertUsers(batch);
  }
}

// Ids `from`..`to` inclusive.
std::vector<std::string> Range(char prefix, int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i <= to; ++i) out.push_back(Numbered(prefix, i));
  return out;
}

// A page is ascending and contiguous: consecutive indices. Returns the first index, -1 if the
// page is empty or broken.
int ExpectContiguous(const std::vector<std::string>& page, char prefix) {
  if (page.empty()) return -1;
  int first = IndexOf(page.front(), prefix);
  for (size_t i = 0; i < page.size(); ++i) {
    if (IndexOf(page[i], prefix) != first + static_cast<int>(i)) {
      ADD_FAILURE() << "page is not ascending and contiguous: " << Join(page);
      return -1;
    }
  }
  return first;
}

// An around-page of `limit` holds `centre`, is contiguous and as balanced as the list allows.
void ExpectAround(const std::vector<std::string>& page, char prefix, int centre, int limit,
                  int total) {
  SCOPED_TRACE("around " + std::to_string(centre) + " limit " + std::to_string(limit));
  ASSERT_EQ(page.size(), static_cast<size_t>(std::min(limit, total))) << Join(page);
  int first = ExpectContiguous(page, prefix);
  ASSERT_GE(first, 0);
  int last = first + limit - 1;
  EXPECT_LE(first, centre);
  EXPECT_GE(last, centre);
  // Balanced unless one side ran out of messages.
  if (first > 0 && last < total - 1) {
    EXPECT_LE(std::abs((centre - first) - (last - centre)), 1) << Join(page);
  }
}

// messaging:history between alice and bob: m0000..m0999 sent in that order, and r0000..r0149
// replying (thread-only) to m0500. ctest runs each TEST in its own process, so every test of
// this suite pays for the seeding: the suite keeps to a few large tests.
class HistoryPaginationTest : public EddyTest {
 protected:
  static void SetUpTestSuite() {
    EddyTest::SetUpTestSuite();
    if (::testing::Test::HasFatalFailure()) return;
    // The backend's SDK client; sdk() is per test, this runs once per suite.
    client::ServerClient seed(BaseUrl(), key(), secret());
    try {
      SeedUsers(seed, {"alice", "bob"});
      seed.CreateChannel("messaging", "history", "alice", {"alice", "bob"});

      // One request per message, in order: each send is answered after its commit, so the
      // order of the sends is the order of created_at.
      auto start = std::chrono::steady_clock::now();
      for (int i = 0; i < kMessages; ++i) {
        client::Message m;
        m.id = MessageId(i);
        m.text = "message " + std::to_string(i);
        created_.push_back(
            seed.SendMessage("messaging", "history", i % 2 == 0 ? "alice" : "bob", m).created_at);
      }
      auto mid = std::chrono::steady_clock::now();
      for (int i = 0; i < kReplies; ++i) {
        client::Message m;
        m.id = ReplyId(i);
        m.text = "reply " + std::to_string(i);
        m.parent_id = MessageId(kParent);
        reply_created_.push_back(
            seed.SendMessage("messaging", "history", i % 2 == 0 ? "bob" : "alice", m).created_at);
      }
      auto end = std::chrono::steady_clock::now();
      using ms = std::chrono::milliseconds;
      std::printf(
          "[ seeding  ] %d messages in %lld ms, %d replies in %lld ms (one HTTP send each)\n",
          kMessages, static_cast<long long>(std::chrono::duration_cast<ms>(mid - start).count()),
          kReplies, static_cast<long long>(std::chrono::duration_cast<ms>(end - mid).count()));
    } catch (const client::ApiError& e) {
      FAIL() << "seeding: " << e.what();
    }

    // RFC 3339 with a fixed number of fraction digits orders like the instants: the sends got
    // strictly increasing timestamps, so index order is time order.
    for (int i = 1; i < kMessages; ++i) {
      ASSERT_EQ(created_[i].size(), created_[0].size()) << created_[i];
      ASSERT_LT(created_[i - 1], created_[i]) << MessageId(i);
    }
    for (int i = 1; i < kReplies; ++i) ASSERT_LT(reply_created_[i - 1], reply_created_[i]);
  }

  static void TearDownTestSuite() {
    created_.clear();
    reply_created_.clear();
    EddyTest::TearDownTestSuite();
  }

  client::ChannelHandle Channel() { return App("alice").GetChannel("messaging", "history"); }

  // The ids of one page of messaging:history as alice sees it; `messages` is the pagination.
  std::vector<std::string> History(const json::object& messages) {
    std::vector<std::string> ids;
    try {
      client::ChannelState state = Channel().Query({{"state", true}, {"messages", messages}});
      // An empty page stays in `extra` as [].
      EXPECT_TRUE(!state.messages.empty() || state.extra.contains("messages"));
      for (const auto& m : state.messages) ids.push_back(m.id);
    } catch (const client::ApiError& e) {
      ADD_FAILURE() << json::serialize(messages) << " -> " << e.what();
    }
    return ids;
  }

  // The ids of one page of the thread under m0500; `params` are the flat query parameters.
  // A lone limit goes through the typed GetReplies; the other bounds have no typed parameter.
  std::vector<std::string> Replies(const client::QueryParams& params) {
    std::vector<std::string> ids;
    try {
      std::vector<client::Message> page;
      if (params.size() == 1 && params[0].first == "limit") {
        page = Channel().GetReplies(MessageId(kParent), std::stoi(params[0].second));
      } else {
        json::object r = App("alice").Request("GET", "/messages/" + MessageId(kParent) + "/replies",
                                              nullptr, params);
        for (const auto& m : r.at("messages").as_array()) {
          page.push_back(client::Message::FromJson(m.as_object()));
        }
      }
      for (const auto& m : page) {
        EXPECT_EQ(m.parent_id, MessageId(kParent));
        ids.push_back(m.id);
      }
    } catch (const client::ApiError& e) {
      ADD_FAILURE() << e.what();
    }
    return ids;
  }

  // Walks the whole history from the newest page back with `bound` (id_lt or
  // created_at_before) and pages of `limit`, checking each page against the one after it.
  std::vector<std::string> WalkBackwards(int limit, const std::string& bound) {
    std::vector<std::string> page = History({{"limit", limit}});
    std::vector<std::string> all = page;
    for (int guard = 0; guard <= kMessages && !page.empty(); ++guard) {
      int first = IndexOf(page.front(), 'm');
      json::value at = bound == "id_lt" ? json::value(page.front()) : json::value(created_[first]);
      std::vector<std::string> older = History({{"limit", limit}, {bound, at}});
      if (older.empty()) break;
      EXPECT_GE(ExpectContiguous(older, 'm'), 0);
      // No gap and no overlap with the page after it; only the oldest page may be short.
      EXPECT_EQ(IndexOf(older.back(), 'm') + 1, first) << Join(older) << " | " << Join(page);
      if (IndexOf(older.front(), 'm') != 0) {
        EXPECT_EQ(older.size(), static_cast<size_t>(limit));
      }
      all.insert(all.begin(), older.begin(), older.end());
      page = std::move(older);
      if (::testing::Test::HasFailure() || all.size() > static_cast<size_t>(kMessages)) break;
    }
    return all;
  }

  // The same forwards from the oldest page with `bound` (id_gt or created_at_after).
  std::vector<std::string> WalkForwards(int limit, const std::string& bound) {
    std::vector<std::string> page = History({{"limit", limit}, {"id_gte", MessageId(0)}});
    std::vector<std::string> all = page;
    for (int guard = 0; guard <= kMessages && !page.empty(); ++guard) {
      int last = IndexOf(page.back(), 'm');
      json::value at = bound == "id_gt" ? json::value(page.back()) : json::value(created_[last]);
      std::vector<std::string> newer = History({{"limit", limit}, {bound, at}});
      if (newer.empty()) break;
      EXPECT_GE(ExpectContiguous(newer, 'm'), 0);
      EXPECT_EQ(IndexOf(newer.front(), 'm'), last + 1) << Join(page) << " | " << Join(newer);
      if (IndexOf(newer.back(), 'm') != kMessages - 1) {
        EXPECT_EQ(newer.size(), static_cast<size_t>(limit));
      }
      all.insert(all.end(), newer.begin(), newer.end());
      page = std::move(newer);
      if (::testing::Test::HasFailure() || all.size() > static_cast<size_t>(kMessages)) break;
    }
    return all;
  }

  static inline std::vector<std::string> created_;        // created_at of m0000..m0999
  static inline std::vector<std::string> reply_created_;  // created_at of r0000..r0149
};

TEST_F(HistoryPaginationTest, WalksCoverTheWholeHistoryOnce) {
  const std::vector<std::string> everything = Range('m', 0, kMessages - 1);
  {
    SCOPED_TRACE("id_lt, pages of 25");
    std::vector<std::string> all = WalkBackwards(25, "id_lt");
    EXPECT_EQ(all, everything);
    EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), all.size());
    EXPECT_TRUE(History({{"limit", 25}, {"id_lt", MessageId(0)}}).empty());
  }
  {
    SCOPED_TRACE("id_gt, pages of 25");
    std::vector<std::string> all = WalkForwards(25, "id_gt");
    EXPECT_EQ(all, everything);
    EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), all.size());
    EXPECT_TRUE(History({{"limit", 25}, {"id_gt", MessageId(kMessages - 1)}}).empty());
  }
  // 1,000 is not a multiple of 70 or 300: the last page each way is short.
  for (int limit : {70, 300}) {
    SCOPED_TRACE("pages of " + std::to_string(limit));
    EXPECT_EQ(WalkBackwards(limit, "id_lt"), everything);
    EXPECT_EQ(WalkForwards(limit, "id_gt"), everything);
  }
  {
    SCOPED_TRACE("created_at_before / created_at_after, pages of 100");
    EXPECT_EQ(WalkBackwards(100, "created_at_before"), everything);
    EXPECT_EQ(WalkForwards(100, "created_at_after"), everything);
  }
}

TEST_F(HistoryPaginationTest, BoundsAroundAndLimits) {
  // §5.4: without a limit the page is 100 messages, the newest, oldest first.
  client::ChannelState state = Channel().Query({{"state", true}});
  std::vector<std::string> ids;
  for (const auto& m : state.messages) ids.push_back(m.id);
  EXPECT_EQ(ids, Range('m', 900, 999));
  EXPECT_EQ(state.channel.ToJson().at("message_count"), kMessages + kReplies);
  EXPECT_EQ(History({{"limit", 25}}), Range('m', 975, 999));
  EXPECT_EQ(History({{"limit", 1}}), Range('m', 999, 999));
  EXPECT_EQ(History({{"limit", 300}}), Range('m', 700, 999));
  EXPECT_TRUE(History({{"limit", 0}}).empty());

  // Id bounds, strict and inclusive; near the ends the page is short.
  EXPECT_EQ(History({{"limit", 10}, {"id_lt", MessageId(500)}}), Range('m', 490, 499));
  EXPECT_EQ(History({{"limit", 10}, {"id_lte", MessageId(500)}}), Range('m', 491, 500));
  EXPECT_EQ(History({{"limit", 10}, {"id_gt", MessageId(500)}}), Range('m', 501, 510));
  EXPECT_EQ(History({{"limit", 10}, {"id_gte", MessageId(500)}}), Range('m', 500, 509));
  EXPECT_EQ(History({{"limit", 10}, {"id_lt", MessageId(3)}}), Range('m', 0, 2));
  EXPECT_EQ(History({{"limit", 10}, {"id_lte", MessageId(3)}}), Range('m', 0, 3));
  EXPECT_EQ(History({{"limit", 10}, {"id_gt", MessageId(996)}}), Range('m', 997, 999));
  EXPECT_EQ(History({{"limit", 10}, {"id_gte", MessageId(996)}}), Range('m', 996, 999));

  // Around an id: the id, and as many messages on each side as fit.
  for (int limit : {1, 10, 11, 25}) {
    ExpectAround(History({{"limit", limit}, {"id_around", MessageId(500)}}), 'm', 500, limit,
                 kMessages);
  }
  // At the ends the page is still full, from the side that has messages.
  EXPECT_EQ(History({{"limit", 10}, {"id_around", MessageId(0)}}), Range('m', 0, 9));
  EXPECT_EQ(History({{"limit", 10}, {"id_around", MessageId(2)}}), Range('m', 0, 9));
  EXPECT_EQ(History({{"limit", 10}, {"id_around", MessageId(999)}}), Range('m', 990, 999));

  // Time bounds at m0500's own created_at.
  const std::string at = created_[500];
  EXPECT_EQ(History({{"limit", 10}, {"created_at_before", at}}), Range('m', 490, 499));
  EXPECT_EQ(History({{"limit", 10}, {"created_at_before_or_equal", at}}), Range('m', 491, 500));
  EXPECT_EQ(History({{"limit", 10}, {"created_at_after", at}}), Range('m', 501, 510));
  EXPECT_EQ(History({{"limit", 10}, {"created_at_after_or_equal", at}}), Range('m', 500, 509));
  for (int limit : {10, 11}) {
    ExpectAround(History({{"limit", limit}, {"created_at_around", at}}), 'm', 500, limit,
                 kMessages);
  }
  EXPECT_TRUE(History({{"limit", 10}, {"created_at_before", created_[0]}}).empty());
  EXPECT_TRUE(History({{"limit", 10}, {"created_at_after", created_[kMessages - 1]}}).empty());
  EXPECT_EQ(History({{"limit", 10}, {"created_at_after_or_equal", "2000-01-01T00:00:00Z"}}),
            Range('m', 0, 9));
  EXPECT_EQ(History({{"limit", 10}, {"created_at_before", "2999-01-01T00:00:00Z"}}),
            Range('m', 990, 999));
  // The millisecond ISO strings Date.toISOString() sends (§5.0) are bounds as well.
  std::string millis = at.substr(0, 23) + "Z";
  std::vector<std::string> page = History({{"limit", 1}, {"created_at_before_or_equal", millis}});
  ASSERT_EQ(page.size(), 1u);
  EXPECT_LE(IndexOf(page[0], 'm'), 500);
  EXPECT_GE(IndexOf(page[0], 'm'), 400);

  // Bad pagination is an input error (code 4).
  for (
      const char* messages :
      {R"({"limit":301})", R"({"limit":-1})", R"({"limit":"ten"})",
       R"({"limit":10,"id_lt":"m0500","id_gt":"m0100"})",
       R"({"limit":10,"created_at_before":"yesterday"})",
       R"({"limit":10,"created_at_before":"2020-01-01T00:00:00Z","created_at_after":"2019-01-01T00:00:00Z"})",
       R"({"limit":10,"id_lt":"no-such-message"})"}) {
    client::ApiError e = Refused([&] {
      Channel().Query({{"state", true}, {"messages", json::parse(messages)}});
    });
    EXPECT_EQ(e.status_code(), 400) << messages << " -> " << e.what();
    EXPECT_EQ(e.code(), 4) << messages << " -> " << e.what();
  }
}

TEST_F(HistoryPaginationTest, ThreadReplies) {
  // The user client has no typed GetMessage: the generic call, as alice.
  json::object parent = App("alice").Request("GET", "/messages/" + MessageId(kParent));
  EXPECT_EQ(parent.at("message").at("reply_count"), kReplies);
  // Thread-only replies stay out of the channel's pages.
  ExpectAround(History({{"limit", 20}, {"id_around", MessageId(kParent)}}), 'm', kParent, 20,
               kMessages);
  EXPECT_EQ(History({{"limit", 300}, {"id_gte", MessageId(kParent)}}), Range('m', 500, 799));

  // Newest page by default (100), ascending; limits.
  EXPECT_EQ(Replies({}), Range('r', 50, 149));
  EXPECT_EQ(Replies({{"limit", "10"}}), Range('r', 140, 149));
  EXPECT_EQ(Replies({{"limit", "300"}}), Range('r', 0, 149));
  EXPECT_TRUE(Replies({{"limit", "0"}}).empty());
  client::ApiError e = Refused([&] { Channel().GetReplies(MessageId(kParent), 301); });
  EXPECT_EQ(e.status_code(), 400) << e.what();
  EXPECT_EQ(e.code(), 4);

  // The whole thread backwards with id_lt and forwards with id_gt, pages of 25.
  std::vector<std::string> page = Replies({{"limit", "25"}});
  ASSERT_EQ(page, Range('r', 125, 149));
  std::vector<std::string> backwards = page;
  for (int guard = 0; guard < 20; ++guard) {
    std::vector<std::string> older = Replies({{"limit", "25"}, {"id_lt", page.front()}});
    if (older.empty()) break;
    ASSERT_GE(ExpectContiguous(older, 'r'), 0);
    ASSERT_EQ(IndexOf(older.back(), 'r') + 1, IndexOf(page.front(), 'r'));
    backwards.insert(backwards.begin(), older.begin(), older.end());
    page = std::move(older);
  }
  EXPECT_EQ(backwards, Range('r', 0, kReplies - 1));
  page = Replies({{"limit", "25"}, {"id_gte", ReplyId(0)}});
  ASSERT_EQ(page, Range('r', 0, 24));
  std::vector<std::string> forwards = page;
  for (int guard = 0; guard < 20; ++guard) {
    std::vector<std::string> newer = Replies({{"limit", "25"}, {"id_gt", page.back()}});
    if (newer.empty()) break;
    ASSERT_GE(ExpectContiguous(newer, 'r'), 0);
    ASSERT_EQ(IndexOf(page.back(), 'r') + 1, IndexOf(newer.front(), 'r'));
    forwards.insert(forwards.end(), newer.begin(), newer.end());
    page = std::move(newer);
  }
  EXPECT_EQ(forwards, Range('r', 0, kReplies - 1));

  // Bounds and around, by id and by time.
  EXPECT_EQ(Replies({{"limit", "5"}, {"id_lt", ReplyId(70)}}), Range('r', 65, 69));
  EXPECT_EQ(Replies({{"limit", "5"}, {"id_lte", ReplyId(70)}}), Range('r', 66, 70));
  EXPECT_EQ(Replies({{"limit", "5"}, {"id_gt", ReplyId(70)}}), Range('r', 71, 75));
  EXPECT_EQ(Replies({{"limit", "5"}, {"id_gte", ReplyId(70)}}), Range('r', 70, 74));
  ExpectAround(Replies({{"limit", "10"}, {"id_around", ReplyId(70)}}), 'r', 70, 10, kReplies);
  const std::string at = reply_created_[70];
  EXPECT_EQ(Replies({{"limit", "5"}, {"created_at_before", at}}), Range('r', 65, 69));
  EXPECT_EQ(Replies({{"limit", "5"}, {"created_at_before_or_equal", at}}), Range('r', 66, 70));
  EXPECT_EQ(Replies({{"limit", "5"}, {"created_at_after", at}}), Range('r', 71, 75));
  EXPECT_EQ(Replies({{"limit", "5"}, {"created_at_after_or_equal", at}}), Range('r', 70, 74));
  ExpectAround(Replies({{"limit", "10"}, {"created_at_around", at}}), 'r', 70, 10, kReplies);

  // Newest first on request: the same pages, reversed.
  const std::string desc = R"([{"field":"created_at","direction":-1}])";
  EXPECT_EQ(Replies({{"limit", "3"}, {"sort", desc}}),
            (std::vector<std::string>{"r0149", "r0148", "r0147"}));
  EXPECT_EQ(Replies({{"limit", "3"}, {"id_lt", ReplyId(10)}, {"sort", desc}}),
            (std::vector<std::string>{"r0009", "r0008", "r0007"}));
}

// messaging:crowd: alice and u0000..u0249, 251 members.
class MemberPaginationTest : public EddyTest {
 protected:
  static void SetUpTestSuite() {
    EddyTest::SetUpTestSuite();
    if (::testing::Test::HasFatalFailure()) return;
    client::ServerClient seed(BaseUrl(), key(), secret());
    std::vector<std::string> users = {"alice"};
    for (int i = 0; i < kCrowd; ++i) users.push_back(CrowdUser(i));
    try {
      SeedUsers(seed, users);
      // Created with 100 members (the per-request maximum), then the rest added 100 at a time.
      seed.CreateChannel("messaging", "crowd", "alice", {users.begin(), users.begin() + 100});
      for (size_t from = 100; from < users.size(); from += 100) {
        seed.AddMembers("messaging", "crowd",
                        {users.begin() + from, users.begin() + std::min(users.size(), from + 100)});
      }
    } catch (const client::ApiError& e) {
      FAIL() << "seeding: " << e.what();
    }
  }

  client::ChannelHandle Crowd() { return App("alice").GetChannel("messaging", "crowd"); }

  // The member ids of the channel state for `body`.
  std::vector<std::string> StateMembers(const json::object& body) {
    std::vector<std::string> ids;
    try {
      client::ChannelState state = Crowd().Query(body);
      EXPECT_EQ(state.channel.member_count, kCrowd + 1);
      for (const auto& m : state.members) {
        EXPECT_TRUE(m.user && m.user->id == m.user_id) << json::serialize(m.ToJson());
        ids.push_back(m.user_id);
      }
    } catch (const client::ApiError& e) {
      ADD_FAILURE() << json::serialize(body) << " -> " << e.what();
    }
    return ids;
  }

  // GET /members for the crowd. A limit without offset goes through the typed QueryMembers;
  // it has no offset, and always sends a limit, so the rest takes the generic call.
  std::vector<std::string> QueryMembers(const json::array& sort, std::optional<int> limit,
                                        std::optional<int> offset = {}) {
    std::vector<std::string> ids;
    try {
      std::vector<client::Member> members;
      if (limit && !offset) {
        members = Crowd().QueryMembers({}, sort, *limit);
      } else {
        json::object payload{
            {"type", "messaging"}, {"id", "crowd"}, {"filter_conditions", json::object{}}};
        if (!sort.empty()) payload["sort"] = sort;
        if (limit) payload["limit"] = *limit;
        if (offset) payload["offset"] = *offset;
        json::object r = App("alice").Request("GET", "/members", nullptr,
                                              {{"payload", json::serialize(payload)}});
        for (const auto& m : r.at("members").as_array()) {
          members.push_back(client::Member::FromJson(m.as_object()));
        }
      }
      for (const auto& m : members) ids.push_back(m.user_id);
    } catch (const client::ApiError& e) {
      ADD_FAILURE() << e.what();
    }
    return ids;
  }

  static std::vector<std::string> Everyone() {
    std::vector<std::string> out = {"alice"};
    for (int i = 0; i < kCrowd; ++i) out.push_back(CrowdUser(i));
    return out;
  }
};

TEST_F(MemberPaginationTest, StateMembersLimitOffset) {
  std::vector<std::string> all;
  for (int offset = 0; offset < 400; offset += 60) {
    std::vector<std::string> p =
        StateMembers({{"state", true}, {"members", {{"limit", 60}, {"offset", offset}}}});
    EXPECT_EQ(p.size(), static_cast<size_t>(std::max(0, std::min(60, kCrowd + 1 - offset))))
        << "offset " << offset;
    all.insert(all.end(), p.begin(), p.end());
  }
  std::set<std::string> distinct(all.begin(), all.end());
  EXPECT_EQ(distinct.size(), all.size()) << "a member is on two pages";
  std::vector<std::string> everyone = Everyone();
  EXPECT_EQ(distinct, std::set<std::string>(everyone.begin(), everyone.end()));
  // One big page lists them in the order of the small pages.
  EXPECT_EQ(StateMembers({{"state", true}, {"members", {{"limit", 300}}}}), all);
  // Without a `members` page the state has the first 100.
  EXPECT_EQ(StateMembers({{"state", true}}),
            std::vector<std::string>(all.begin(), all.begin() + 100));
  for (const char* members : {R"({"limit":301})", R"({"limit":-1})", R"({"offset":10001})"}) {
    client::ApiError e = Refused([&] {
      Crowd().Query({{"state", true}, {"members", json::parse(members)}});
    });
    EXPECT_EQ(e.status_code(), 400) << members << " -> " << e.what();
    EXPECT_EQ(e.code(), 4) << members;
  }
}

TEST_F(MemberPaginationTest, QueryMembersLimitOffsetAndSort) {
  // Sorted by user id, pages of 40 walk the 251 members in order.
  const json::array asc = {{{"field", "user_id"}, {"direction", 1}}};
  std::vector<std::string> all;
  for (int offset = 0; offset < 300; offset += 40) {
    std::vector<std::string> p = QueryMembers(asc, 40, offset);
    all.insert(all.end(), p.begin(), p.end());
  }
  std::vector<std::string> expected = Everyone();
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(all, expected);

  const json::array desc = {{{"field", "user_id"}, {"direction", -1}}};
  EXPECT_EQ(QueryMembers(desc, 3), (std::vector<std::string>{"u0249", "u0248", "u0247"}));
  EXPECT_EQ(QueryMembers(desc, 3, 249), (std::vector<std::string>{"u0000", "alice"}));
  EXPECT_EQ(QueryMembers({}, {}).size(), 100u);  // the default page
  EXPECT_EQ(QueryMembers({}, 300).size(), static_cast<size_t>(kCrowd + 1));
}

}  // namespace
}  // namespace eddy::testing
