// Conformance suite for ChannelStore::QueryChannels and QueryMembers: channel fields, the
// members set, per-user fields of the querying user's member row, the default order by last
// activity, and member filters on the member's user. Every backend must pass it unchanged.
// Defines tests: include in exactly one .cc of a test binary.
#pragma once

#include <string>
#include <vector>

#include "server/storage/storetest/channel_store_suite.h"

namespace eddy::server::storetest {

// Seeds one population every test queries (app1; times are microseconds):
//   cid           created  last message  members                 notes
//   messaging:a   100      500           luke leia               name Alpha
//   messaging:b   200      300           luke han                name Bravo; archived by luke
//   team:c        300      -             leia                    name Charlie; frozen, team red
//   messaging:d   400      -             luke leia han ghost     hidden + pinned(50) by luke
//   messaging:e    50      -             luke(invited) leia
//   messaging:f   150      -             luke                    soft-deleted
//   messaging:g   250      350           -
// Default order, by last message (else creation) desc, then cid: a d g b c e.
// app2 has its own messaging:a with luke.
class ChannelQuerySuite : public ChannelStoreSuite {
 protected:
  using Cids = std::vector<std::string>;

  void SetUp() override {
    ChannelStoreSuite::SetUp();
    if (HasFatalFailure()) return;
    auto user = [](std::string id, std::string name, Micros last_active) {
      User u;
      u.id = std::move(id);
      u.custom = {{"name", std::move(name)}};
      u.last_active = last_active;
      return u;
    };
    ASSERT_TRUE(
        store()
            .users()
            .UpsertUsers(kApp, {user("luke", "Luke Skywalker", 30), user("leia", "Leia Organa", 10),
                                user("han", "Han Solo", 20)})
            .ok());

    Channel a = MakeChannel("messaging", "a", 100, {{"name", "Alpha"}, {"color", "red"}});
    Channel b = MakeChannel("messaging", "b", 200, {{"name", "Bravo"}});
    Channel c = MakeChannel("team", "c", 300, {{"name", "Charlie"}});
    c.frozen = true;
    c.team = "red";
    Channel d = MakeChannel("messaging", "d", 400);
    Channel e = MakeChannel("messaging", "e", 50);
    Channel f = MakeChannel("messaging", "f", 150);
    f.deleted_at = 160;
    Channel g = MakeChannel("messaging", "g", 250);

    Member b_luke = MakeMember(b, "luke", 1);
    b_luke.archived_at = 70;
    Member d_luke = MakeMember(d, "luke", 3);
    d_luke.hidden = true;
    d_luke.pinned_at = 50;
    Member d_leia = MakeMember(d, "leia", 2);
    d_leia.channel_role = "channel_moderator";
    d_leia.custom = {{"note", "x"}};
    Member d_han = MakeMember(d, "han", 2);
    d_han.banned = true;
    Member d_ghost = MakeMember(d, "ghost", 4);  // a member without a user record
    Member e_luke = MakeMember(e, "luke", 1);
    e_luke.invited = true;
    Member e_leia = MakeMember(e, "leia", 1);
    e_leia.invited = true;
    e_leia.invite_rejected_at = 60;

    ASSERT_NO_FATAL_FAILURE(Create(a, {MakeMember(a, "luke", 1), MakeMember(a, "leia", 1)}));
    ASSERT_NO_FATAL_FAILURE(Create(b, {b_luke, MakeMember(b, "han", 1)}));
    ASSERT_NO_FATAL_FAILURE(Create(c, {MakeMember(c, "leia", 1)}));
    ASSERT_NO_FATAL_FAILURE(Create(d, {d_luke, d_leia, d_han, d_ghost}));
    ASSERT_NO_FATAL_FAILURE(Create(e, {e_luke, e_leia}));
    ASSERT_NO_FATAL_FAILURE(Create(f, {MakeMember(f, "luke", 1)}));
    ASSERT_NO_FATAL_FAILURE(Create(g));
    ASSERT_NO_FATAL_FAILURE(Send(MakeMessage(a, "a1", "luke", 400)));
    ASSERT_NO_FATAL_FAILURE(Send(MakeMessage(a, "a2", "leia", 500)));
    ASSERT_NO_FATAL_FAILURE(Send(MakeMessage(b, "b1", "han", 300)));
    ASSERT_NO_FATAL_FAILURE(Send(MakeMessage(g, "g1", "han", 350)));
    Channel other = MakeChannel("messaging", "a", 1);
    ASSERT_NO_FATAL_FAILURE(Create(other, {MakeMember(other, "luke", 1)}, kOtherApp));
  }

  static Filter Cond(std::string field, FilterOp op, json::value value) {
    Filter f;
    f.kind = Filter::Kind::kCondition;
    f.field = std::move(field);
    f.op = op;
    f.value = std::move(value);
    return f;
  }

  Cids Run(const ChannelQuery& q, std::string_view app = kApp) {
    auto got = channels().QueryChannels(app, q);
    EXPECT_TRUE(got.ok()) << got.error().message;
    Cids out;
    if (got.ok()) {
      for (const Channel& c : *got) out.push_back(c.cid());
    }
    return out;
  }

  Cids Where(Filter f, std::string user_id = "", std::vector<SortField> sort = {}) {
    ChannelQuery q;
    q.filter = std::move(f);
    q.user_id = std::move(user_id);
    q.sort = std::move(sort);
    q.limit = 100;
    return Run(q);
  }

  std::vector<std::string> Members(std::string_view id, Filter f, std::vector<SortField> sort = {},
                                   int limit = 100, int offset = 0) {
    MemberQuery q;
    q.filter = std::move(f);
    q.sort = std::move(sort);
    q.limit = limit;
    q.offset = offset;
    auto got = channels().QueryMembers(kApp, "messaging", id, q);
    EXPECT_TRUE(got.ok()) << got.error().message;
    std::vector<std::string> out;
    if (got.ok()) {
      for (const Member& m : *got) out.push_back(m.user_id);
    }
    return out;
  }
};

TEST_P(ChannelQuerySuite, DefaultOrderIsLastActivityDescThenCid) {
  EXPECT_EQ(Where({}), (Cids{"messaging:a", "messaging:d", "messaging:g", "messaging:b", "team:c",
                             "messaging:e"}));
  auto full = channels().QueryChannels(kApp, ChannelQuery{});
  ASSERT_TRUE(full.ok());
  ASSERT_EQ(full->size(), 6u);  // the default limit is 10
  EXPECT_EQ((*full)[0].last_message_at, 500);
  EXPECT_EQ((*full)[0].message_count, 2);
}

TEST_P(ChannelQuerySuite, SortsByLastMessageAtBothWaysWithNeverMessagedAsCreated) {
  EXPECT_EQ(
      Where({}, "", {{"last_message_at", 1}}),
      (Cids{"messaging:e", "messaging:b", "team:c", "messaging:g", "messaging:d", "messaging:a"}));
  EXPECT_EQ(
      Where({}, "", {{"last_message_at", -1}}),
      (Cids{"messaging:a", "messaging:d", "messaging:g", "messaging:b", "team:c", "messaging:e"}));
}

TEST_P(ChannelQuerySuite, SortsByOtherFields) {
  EXPECT_EQ(Where({}, "", {{"created_at", 1}}), (Cids{"messaging:e", "messaging:a", "messaging:b",
                                                      "messaging:g", "team:c", "messaging:d"}));
  EXPECT_EQ(
      Where({}, "", {{"member_count", -1}, {"cid", -1}}),
      (Cids{"messaging:d", "messaging:e", "messaging:b", "messaging:a", "team:c", "messaging:g"}));
  EXPECT_EQ(
      Where({}, "", {{"message_count", -1}, {"created_at", -1}}),
      (Cids{"messaging:a", "messaging:g", "messaging:b", "messaging:d", "team:c", "messaging:e"}));
  // A custom key: channels without it last, in either direction.
  EXPECT_EQ(Where({}, "", {{"name", -1}}), (Cids{"team:c", "messaging:b", "messaging:a",
                                                 "messaging:d", "messaging:e", "messaging:g"}));
  // The member's pin: pinned first when descending, unpinned after.
  EXPECT_EQ(Where({}, "luke", {{"pinned_at", -1}})[0], "messaging:d");
}

TEST_P(ChannelQuerySuite, ChannelFields) {
  using Op = FilterOp;
  EXPECT_EQ(Where(Cond("type", Op::kEq, "team")), (Cids{"team:c"}));
  EXPECT_EQ(Where(Cond("cid", Op::kIn, json::array{"team:c", "messaging:a", "messaging:f"})),
            (Cids{"messaging:a", "team:c"}));
  EXPECT_EQ(Where(Cond("id", Op::kEq, "b")), (Cids{"messaging:b"}));
  EXPECT_EQ(Where(Cond("frozen", Op::kEq, true)), (Cids{"team:c"}));
  EXPECT_EQ(Where(Cond("team", Op::kEq, "red")), (Cids{"team:c"}));
  EXPECT_EQ(Where(Cond("member_count", Op::kGte, 2)),
            (Cids{"messaging:a", "messaging:d", "messaging:b", "messaging:e"}));
  EXPECT_EQ(Where(Cond("message_count", Op::kGt, 0)),
            (Cids{"messaging:a", "messaging:g", "messaging:b"}));
  EXPECT_EQ(Where(Cond("last_message_at", Op::kExists, false)),
            (Cids{"messaging:d", "team:c", "messaging:e"}));
  EXPECT_EQ(Where(Cond("last_message_at", Op::kLt, 400)), (Cids{"messaging:g", "messaging:b"}));
  EXPECT_EQ(Where(Cond("created_at", Op::kLte, 100)), (Cids{"messaging:a", "messaging:e"}));
  EXPECT_EQ(Where(Cond("name", Op::kAutocomplete, "br")), (Cids{"messaging:b"}));
  EXPECT_EQ(Where(Cond("color", Op::kEq, "red")), (Cids{"messaging:a"}));
  Filter either;
  either.kind = Filter::Kind::kOr;
  either.children = {Cond("members", Op::kIn, json::array{"han"}), Cond("frozen", Op::kEq, true)};
  EXPECT_EQ(Where(either), (Cids{"messaging:d", "messaging:b", "team:c"}));
}

TEST_P(ChannelQuerySuite, MembersAnyOf) {
  using Op = FilterOp;
  EXPECT_EQ(Where(Cond("members", Op::kIn, json::array{"han"})),
            (Cids{"messaging:d", "messaging:b"}));
  EXPECT_EQ(Where(Cond("members", Op::kIn, json::array{"han", "leia"})),
            (Cids{"messaging:a", "messaging:d", "messaging:b", "team:c", "messaging:e"}));
  EXPECT_EQ(Where(Cond("members", Op::kIn, json::array{"nobody"})), Cids{});
  EXPECT_EQ(Where(Cond("members", Op::kContains, "han")), (Cids{"messaging:d", "messaging:b"}));
  EXPECT_EQ(Where(Cond("members", Op::kNin, json::array{"luke"})), (Cids{"messaging:g", "team:c"}));
  EXPECT_EQ(Where(Cond("members", Op::kExists, false)), (Cids{"messaging:g"}));
}

TEST_P(ChannelQuerySuite, MembersExactSet) {
  using Op = FilterOp;
  EXPECT_EQ(Where(Cond("members", Op::kEq, json::array{"leia", "luke"})),
            (Cids{"messaging:a", "messaging:e"}));
  EXPECT_EQ(Where(Cond("members", Op::kEq, json::array{"luke", "leia", "luke"})),
            (Cids{"messaging:a", "messaging:e"}));
  EXPECT_EQ(Where(Cond("members", Op::kEq, json::array{"leia"})), (Cids{"team:c"}));
  EXPECT_EQ(Where(Cond("members", Op::kEq, json::array{"han", "luke", "leia"})), Cids{});
  EXPECT_EQ(Where(Cond("members", Op::kEq, json::array{"han", "luke", "leia", "ghost"})),
            (Cids{"messaging:d"}));
  EXPECT_EQ(Where(Cond("members", Op::kEq, json::array{})), (Cids{"messaging:g"}));
  EXPECT_EQ(Where(Cond("members", Op::kNe, json::array{"leia"})).size(), 5u);
}

TEST_P(ChannelQuerySuite, MemberOnlyIsTheUsersChannels) {
  ChannelQuery q;
  q.user_id = "luke";
  q.member_only = true;
  EXPECT_EQ(Run(q), (Cids{"messaging:a", "messaging:d", "messaging:b", "messaging:e"}));
  q.user_id = "nobody";
  EXPECT_EQ(Run(q), Cids{});
  q.user_id = "luke";
  EXPECT_EQ(Run(q, kOtherApp), (Cids{"messaging:a"}));
}

TEST_P(ChannelQuerySuite, PerUserFieldsReadTheUsersMemberRow) {
  using Op = FilterOp;
  EXPECT_EQ(Where(Cond("hidden", Op::kEq, true), "luke"), (Cids{"messaging:d"}));
  // Non-members read as not hidden.
  EXPECT_EQ(Where(Cond("hidden", Op::kEq, false), "luke"),
            (Cids{"messaging:a", "messaging:g", "messaging:b", "team:c", "messaging:e"}));
  EXPECT_EQ(Where(Cond("hidden", Op::kEq, true), "leia"), Cids{});
  EXPECT_EQ(Where(Cond("pinned", Op::kEq, true), "luke"), (Cids{"messaging:d"}));
  EXPECT_EQ(Where(Cond("archived", Op::kEq, true), "luke"), (Cids{"messaging:b"}));
  EXPECT_EQ(Where(Cond("archived", Op::kEq, false), "luke").size(), 5u);
  EXPECT_EQ(Where(Cond("joined", Op::kEq, true), "luke"),
            (Cids{"messaging:a", "messaging:d", "messaging:b"}));
  EXPECT_EQ(Where(Cond("joined", Op::kEq, true), "leia"),
            (Cids{"messaging:a", "messaging:d", "team:c"}));
  EXPECT_EQ(Where(Cond("invite", Op::kEq, "pending"), "luke"), (Cids{"messaging:e"}));
  EXPECT_EQ(Where(Cond("invite", Op::kEq, "rejected"), "leia"), (Cids{"messaging:e"}));
  EXPECT_EQ(Where(Cond("invite", Op::kEq, "pending"), "leia"), Cids{});
}

TEST_P(ChannelQuerySuite, PerUserFieldsNeedAUser) {
  for (std::string field : {"hidden", "pinned", "archived", "joined"}) {
    ChannelQuery q;
    q.filter = Cond(field, FilterOp::kEq, true);
    auto got = channels().QueryChannels(kApp, q);
    ASSERT_FALSE(got.ok()) << field;
    EXPECT_EQ(got.error().code, ErrorCode::kInput);
  }
  ChannelQuery member_only;
  member_only.member_only = true;
  EXPECT_FALSE(channels().QueryChannels(kApp, member_only).ok());
  ChannelQuery pin_sort;
  pin_sort.sort = {{"pinned_at", -1}};
  EXPECT_FALSE(channels().QueryChannels(kApp, pin_sort).ok());
}

TEST_P(ChannelQuerySuite, DeletedChannelsOnlyWhenAsked) {
  ChannelQuery q;
  q.limit = 100;
  q.include_deleted = true;
  EXPECT_EQ(Run(q).size(), 7u);
  q.filter = Cond("deleted_at", FilterOp::kExists, true);
  EXPECT_EQ(Run(q), (Cids{"messaging:f"}));
  q.include_deleted = false;
  EXPECT_EQ(Run(q), Cids{});
}

TEST_P(ChannelQuerySuite, LimitOffsetAndBadInput) {
  ChannelQuery q;
  q.limit = 2;
  q.offset = 1;
  EXPECT_EQ(Run(q), (Cids{"messaging:d", "messaging:g"}));
  q.offset = 6;
  EXPECT_EQ(Run(q), Cids{});
  q.limit = 0;
  q.offset = 0;
  EXPECT_EQ(Run(q), Cids{});
  q.limit = -1;
  EXPECT_FALSE(channels().QueryChannels(kApp, q).ok());
  ChannelQuery bad_sort;
  bad_sort.sort = {{"members", 1}};
  EXPECT_FALSE(channels().QueryChannels(kApp, bad_sort).ok());
  ChannelQuery bad_value;
  bad_value.filter = Cond("member_count", FilterOp::kEq, "two");
  EXPECT_FALSE(channels().QueryChannels(kApp, bad_value).ok());
}

TEST_P(ChannelQuerySuite, OtherAppSeesOnlyItsOwn) {
  ChannelQuery q;
  EXPECT_EQ(Run(q, kOtherApp), (Cids{"messaging:a"}));
  q.filter = Cond("members", FilterOp::kIn, json::array{"leia"});
  EXPECT_EQ(Run(q, kOtherApp), Cids{});
}

TEST_P(ChannelQuerySuite, MembersDefaultOrderAndPaging) {
  // created_at, then user_id.
  EXPECT_EQ(Members("d", {}), (std::vector<std::string>{"han", "leia", "luke", "ghost"}));
  EXPECT_EQ(Members("d", {}, {}, 2, 1), (std::vector<std::string>{"leia", "luke"}));
  EXPECT_EQ(Members("d", {}, {{"created_at", -1}}),
            (std::vector<std::string>{"ghost", "luke", "han", "leia"}));
  EXPECT_TRUE(Members("nope", {}).empty());
}

TEST_P(ChannelQuerySuite, MembersByTheirUsersName) {
  using Op = FilterOp;
  using Ids = std::vector<std::string>;
  EXPECT_EQ(Members("d", Cond("name", Op::kAutocomplete, "sky")), (Ids{"luke"}));
  EXPECT_EQ(Members("d", Cond("name", Op::kAutocomplete, "o")), (Ids{"leia"}));
  EXPECT_EQ(Members("d", Cond("name", Op::kQ, "an")), (Ids{"han", "leia"}));
  EXPECT_EQ(Members("d", Cond("name", Op::kEq, "Han Solo")), (Ids{"han"}));
  EXPECT_EQ(Members("d", Cond("name", Op::kIn, json::array{"Han Solo", "Leia Organa"})),
            (Ids{"han", "leia"}));
  // Users without a name sort last either way.
  EXPECT_EQ(Members("d", {}, {{"name", 1}}), (Ids{"han", "leia", "luke", "ghost"}));
  EXPECT_EQ(Members("d", {}, {{"name", -1}}), (Ids{"luke", "leia", "han", "ghost"}));
  EXPECT_EQ(Members("d", {}, {{"last_active", -1}}), (Ids{"luke", "han", "leia", "ghost"}));
}

TEST_P(ChannelQuerySuite, MembersByMemberFields) {
  using Op = FilterOp;
  using Ids = std::vector<std::string>;
  EXPECT_EQ(Members("d", Cond("user_id", Op::kIn, json::array{"luke", "han", "x"})),
            (Ids{"han", "luke"}));
  EXPECT_EQ(Members("d", Cond("id", Op::kEq, "leia")), (Ids{"leia"}));
  EXPECT_EQ(Members("d", Cond("channel_role", Op::kEq, "channel_moderator")), (Ids{"leia"}));
  EXPECT_EQ(Members("d", Cond("is_moderator", Op::kEq, true)), (Ids{"leia"}));
  EXPECT_EQ(Members("d", Cond("banned", Op::kEq, true)), (Ids{"han"}));
  EXPECT_EQ(Members("d", Cond("note", Op::kEq, "x")), (Ids{"leia"}));
  EXPECT_EQ(Members("e", Cond("invite", Op::kEq, "pending")), (Ids{"luke"}));
  EXPECT_EQ(Members("e", Cond("invite", Op::kEq, "rejected")), (Ids{"leia"}));
  EXPECT_EQ(Members("e", Cond("joined", Op::kEq, false)), (Ids{"leia", "luke"}));
  EXPECT_EQ(Members("a", Cond("joined", Op::kEq, true)), (Ids{"leia", "luke"}));
  MemberQuery bad;
  bad.offset = -1;
  EXPECT_FALSE(channels().QueryMembers(kApp, "messaging", "d", bad).ok());
}

}  // namespace eddy::server::storetest
