// Conformance suite for the ModerationStore port: bans (keys, replace, channel vs global,
// queries with filters, sort, paging and expiry), user and channel mutes, flags. Every backend
// must pass it unchanged. Defines tests: include in exactly one .cc of a test binary (see
// store_harness.h).
#pragma once

#include <string>
#include <vector>

#include "server/storage/storetest/store_harness.h"

namespace eddy::server::storetest {

class ModerationStoreSuite : public StoreSuiteBase {
 protected:
  static constexpr std::string_view kApp = "app1";
  static constexpr std::string_view kOtherApp = "app2";
  using Ids = std::vector<std::string>;

  ModerationStore& mod() { return store().moderation(); }

  static Ban MakeBan(std::string user, std::string cid, Micros created_at,
                     std::optional<Micros> expires = std::nullopt) {
    Ban b;
    b.user_id = std::move(user);
    b.channel_cid = std::move(cid);
    b.created_by_id = "admin";
    b.reason = "spam";
    b.created_at = created_at;
    b.expires = expires;
    return b;
  }

  static Filter Cond(std::string field, FilterOp op, json::value v) {
    Filter f;
    f.kind = Filter::Kind::kCondition;
    f.field = std::move(field);
    f.op = op;
    f.value = std::move(v);
    return f;
  }

  Ids BanKeys(const BanQuery& q) {
    auto got = mod().QueryBans(kApp, q);
    EXPECT_TRUE(got.ok()) << got.error().message;
    Ids out;
    if (!got.ok()) return out;
    for (const Ban& b : *got) out.push_back(b.user_id + "@" + b.channel_cid);
    return out;
  }
};

TEST_P(ModerationStoreSuite, BanRoundTripsAndSurvivesReopen) {
  Ban b = MakeBan("bob", "", 100, 700);
  b.shadow = true;
  b.ip_ban = true;
  b.ip = "10.0.0.7";
  b.timeout_minutes = 10;
  ASSERT_TRUE(mod().UpsertBan(kApp, b).ok());
  Reopen();
  auto got = mod().BansOf(kApp, "bob", "");
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 1u);
  const Ban& g = got->front();
  EXPECT_EQ(g.user_id, "bob");
  EXPECT_EQ(g.channel_cid, "");
  EXPECT_EQ(g.created_by_id, "admin");
  EXPECT_EQ(g.reason, "spam");
  EXPECT_TRUE(g.shadow);
  EXPECT_TRUE(g.ip_ban);
  EXPECT_EQ(g.ip, "10.0.0.7");
  EXPECT_EQ(g.timeout_minutes, 10);
  EXPECT_EQ(g.created_at, 100);
  EXPECT_EQ(g.expires, 700);
  EXPECT_TRUE(g.Active(699));
  EXPECT_FALSE(g.Active(700));
}

TEST_P(ModerationStoreSuite, FindIpBanFindsGlobalIpBansInForce) {
  Ban ip = MakeBan("bob", "", 100, 700);
  ip.ip_ban = true;
  ip.ip = "10.0.0.7";
  ASSERT_TRUE(mod().UpsertBan(kApp, ip).ok());
  Ban not_ip = MakeBan("carl", "", 100);
  not_ip.ip = "10.0.0.8";  // an address kept without ip_ban bans nothing
  ASSERT_TRUE(mod().UpsertBan(kApp, not_ip).ok());
  Ban channel = MakeBan("dan", "messaging:general", 100);
  channel.ip_ban = true;
  channel.ip = "10.0.0.9";  // channel bans never ban an address
  ASSERT_TRUE(mod().UpsertBan(kApp, channel).ok());
  Ban unknown = MakeBan("eve", "", 100);
  unknown.ip_ban = true;  // address not seen yet
  ASSERT_TRUE(mod().UpsertBan(kApp, unknown).ok());

  auto found = mod().FindIpBan(kApp, "10.0.0.7", 699);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->user_id, "bob");
  EXPECT_FALSE(mod().FindIpBan(kApp, "10.0.0.7", 700)->has_value()) << "expired";
  EXPECT_FALSE(mod().FindIpBan(kOtherApp, "10.0.0.7", 699)->has_value());
  EXPECT_FALSE(mod().FindIpBan(kApp, "10.0.0.8", 699)->has_value());
  EXPECT_FALSE(mod().FindIpBan(kApp, "10.0.0.9", 699)->has_value());
  EXPECT_FALSE(mod().FindIpBan(kApp, "", 699)->has_value());
}

TEST_P(ModerationStoreSuite, BansOfReturnsGlobalAndTheNamedChannelOnly) {
  ASSERT_TRUE(mod().UpsertBan(kApp, MakeBan("bob", "messaging:a", 1)).ok());
  ASSERT_TRUE(mod().UpsertBan(kApp, MakeBan("bob", "messaging:b", 2)).ok());
  ASSERT_TRUE(mod().UpsertBan(kOtherApp, MakeBan("bob", "", 3)).ok());
  auto in_a = mod().BansOf(kApp, "bob", "messaging:a");
  ASSERT_TRUE(in_a.ok());
  ASSERT_EQ(in_a->size(), 1u);
  EXPECT_EQ(in_a->front().channel_cid, "messaging:a");
  EXPECT_TRUE(mod().BansOf(kApp, "bob", "messaging:c")->empty());
  EXPECT_TRUE(mod().BansOf(kApp, "bob", "")->empty());  // the global ban is in the other app

  ASSERT_TRUE(mod().UpsertBan(kApp, MakeBan("bob", "", 4)).ok());
  auto both = mod().BansOf(kApp, "bob", "messaging:b");
  ASSERT_TRUE(both.ok());
  ASSERT_EQ(both->size(), 2u);
  EXPECT_EQ((*both)[0].channel_cid, "");  // global first
  EXPECT_EQ((*both)[1].channel_cid, "messaging:b");
}

TEST_P(ModerationStoreSuite, BanAgainReplacesAndDeleteReportsWhetherItExisted) {
  ASSERT_TRUE(mod().UpsertBan(kApp, MakeBan("bob", "", 1, 50)).ok());
  Ban again = MakeBan("bob", "", 9);
  again.reason = "again";
  ASSERT_TRUE(mod().UpsertBan(kApp, again).ok());
  auto got = mod().BansOf(kApp, "bob", "");
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ(got->front().reason, "again");
  EXPECT_FALSE(got->front().expires.has_value());

  EXPECT_FALSE(*mod().DeleteBan(kApp, "bob", "messaging:a"));
  EXPECT_FALSE(*mod().DeleteBan(kOtherApp, "bob", ""));
  EXPECT_TRUE(*mod().DeleteBan(kApp, "bob", ""));
  EXPECT_FALSE(*mod().DeleteBan(kApp, "bob", ""));
  EXPECT_TRUE(mod().BansOf(kApp, "bob", "")->empty());
}

TEST_P(ModerationStoreSuite, QueryBansFiltersSortsPagesAndDropsExpired) {
  Ban by_carol = MakeBan("dave", "messaging:a", 30);
  by_carol.created_by_id = "carol";
  for (const Ban& b : {MakeBan("bob", "", 10), MakeBan("ann", "messaging:a", 20, 25), by_carol,
                       MakeBan("bob", "messaging:b", 40)}) {
    ASSERT_TRUE(mod().UpsertBan(kApp, b).ok());
  }
  ASSERT_TRUE(mod().UpsertBan(kOtherApp, MakeBan("zed", "", 5)).ok());

  BanQuery q;
  EXPECT_EQ(BanKeys(q), (Ids{"bob@messaging:b", "dave@messaging:a", "ann@messaging:a", "bob@"}));
  q.sort = {{"created_at", 1}};
  EXPECT_EQ(BanKeys(q), (Ids{"bob@", "ann@messaging:a", "dave@messaging:a", "bob@messaging:b"}));
  q.limit = 2;
  q.offset = 1;
  EXPECT_EQ(BanKeys(q), (Ids{"ann@messaging:a", "dave@messaging:a"}));

  BanQuery f;
  f.filter = Cond("user_id", FilterOp::kEq, "bob");
  EXPECT_EQ(BanKeys(f), (Ids{"bob@messaging:b", "bob@"}));
  f.filter = Cond("channel_cid", FilterOp::kEq, "messaging:a");
  EXPECT_EQ(BanKeys(f), (Ids{"dave@messaging:a", "ann@messaging:a"}));
  f.filter = Cond("channel_cid", FilterOp::kExists, false);
  EXPECT_EQ(BanKeys(f), (Ids{"bob@"}));
  f.filter = Cond("banned_by_id", FilterOp::kEq, "carol");
  EXPECT_EQ(BanKeys(f), (Ids{"dave@messaging:a"}));
  f.filter = Cond("created_at", FilterOp::kGte, 30);
  EXPECT_EQ(BanKeys(f), (Ids{"bob@messaging:b", "dave@messaging:a"}));

  BanQuery active;
  active.active_at = 25;  // ann's ban ends at 25
  EXPECT_EQ(BanKeys(active), (Ids{"bob@messaging:b", "dave@messaging:a", "bob@"}));
  active.active_at = 24;
  EXPECT_EQ(BanKeys(active).size(), 4u);

  BanQuery bad;
  bad.limit = -1;
  EXPECT_FALSE(mod().QueryBans(kApp, bad).ok());
}

TEST_P(ModerationStoreSuite, MutesKeepCreatedAtOnRepeatAndDeleteByPair) {
  UserMute m{"alice", "bob", 10, 10, 100};
  ASSERT_TRUE(mod().UpsertMute(kApp, m).ok());
  ASSERT_TRUE(mod().UpsertMute(kApp, UserMute{"alice", "carol", 20, 20, std::nullopt}).ok());
  ASSERT_TRUE(mod().UpsertMute(kApp, UserMute{"bob", "alice", 5, 5, std::nullopt}).ok());
  ASSERT_TRUE(mod().UpsertMute(kApp, UserMute{"alice", "bob", 30, 30, std::nullopt}).ok());
  Reopen();
  auto got = mod().MutesOf(kApp, "alice");
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[0].target_id, "bob");
  EXPECT_EQ((*got)[0].created_at, 10);
  EXPECT_EQ((*got)[0].updated_at, 30);
  EXPECT_FALSE((*got)[0].expires.has_value());
  EXPECT_EQ((*got)[1].target_id, "carol");
  EXPECT_TRUE(mod().MutesOf(kOtherApp, "alice")->empty());

  EXPECT_TRUE(*mod().DeleteMute(kApp, "alice", "bob"));
  EXPECT_FALSE(*mod().DeleteMute(kApp, "alice", "bob"));
  EXPECT_EQ(mod().MutesOf(kApp, "alice")->size(), 1u);
  EXPECT_EQ(mod().MutesOf(kApp, "bob")->size(), 1u);
}

TEST_P(ModerationStoreSuite, ChannelMutesRoundTrip) {
  ASSERT_TRUE(mod().UpsertChannelMute(kApp, {"alice", "messaging:a", 10, 10, 99}).ok());
  ASSERT_TRUE(mod().UpsertChannelMute(kApp, {"alice", "messaging:b", 20, 20, std::nullopt}).ok());
  ASSERT_TRUE(mod().UpsertChannelMute(kApp, {"alice", "messaging:a", 30, 30, std::nullopt}).ok());
  Reopen();
  auto got = mod().ChannelMutesOf(kApp, "alice");
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[0].channel_cid, "messaging:a");
  EXPECT_EQ((*got)[0].created_at, 10);
  EXPECT_EQ((*got)[0].updated_at, 30);
  EXPECT_FALSE((*got)[0].expires.has_value());
  EXPECT_TRUE(mod().ChannelMutesOf(kApp, "bob")->empty());
  EXPECT_TRUE(*mod().DeleteChannelMute(kApp, "alice", "messaging:b"));
  EXPECT_FALSE(*mod().DeleteChannelMute(kApp, "alice", "messaging:b"));
  EXPECT_EQ(mod().ChannelMutesOf(kApp, "alice")->size(), 1u);
}

TEST_P(ModerationStoreSuite, FlagsUpsertQueryAndDelete) {
  Flag msg{"alice", "m1", "bob", "messaging:a", "spam", 10, 10};
  Flag user{"alice", "", "bob", "", "rude", 20, 20};
  Flag other{"carol", "m2", "bob", "messaging:b", "", 30, 30};
  for (const Flag& f : {msg, user, other}) ASSERT_TRUE(mod().UpsertFlag(kApp, f).ok());
  Flag again = msg;
  again.reason = "scam";
  again.created_at = again.updated_at = 40;
  ASSERT_TRUE(mod().UpsertFlag(kApp, again).ok());
  Reopen();

  auto keys = [&](const FlagQuery& q) {
    auto got = mod().QueryFlags(kApp, q);
    EXPECT_TRUE(got.ok()) << got.error().message;
    Ids out;
    if (got.ok()) {
      for (const Flag& f : *got) out.push_back(f.user_id + ">" + f.target_message_id);
    }
    return out;
  };
  FlagQuery all;
  EXPECT_EQ(keys(all), (Ids{"carol>m2", "alice>", "alice>m1"}));  // newest first
  FlagQuery messages;
  messages.messages_only = true;
  EXPECT_EQ(keys(messages), (Ids{"carol>m2", "alice>m1"}));
  messages.filter = Cond("channel_cid", FilterOp::kEq, "messaging:a");
  EXPECT_EQ(keys(messages), (Ids{"alice>m1"}));
  FlagQuery by_user;
  by_user.filter = Cond("user_id", FilterOp::kEq, "alice");
  by_user.limit = 1;
  EXPECT_EQ(keys(by_user), (Ids{"alice>"}));

  auto m1 = mod().QueryFlags(kApp, [] {
    FlagQuery q;
    q.filter = Cond("target_message_id", FilterOp::kEq, "m1");
    return q;
  }());
  ASSERT_EQ(m1->size(), 1u);
  EXPECT_EQ(m1->front().reason, "scam");
  EXPECT_EQ(m1->front().created_at, 10);
  EXPECT_EQ(m1->front().updated_at, 40);
  EXPECT_EQ(m1->front().target_user_id, "bob");

  EXPECT_TRUE(*mod().DeleteFlag(kApp, "alice", "m1", "bob"));
  EXPECT_FALSE(*mod().DeleteFlag(kApp, "alice", "m1", "bob"));
  EXPECT_EQ(keys(all), (Ids{"carol>m2", "alice>"}));
  EXPECT_TRUE(mod().QueryFlags(kOtherApp, all)->empty());
}

}  // namespace eddy::server::storetest
