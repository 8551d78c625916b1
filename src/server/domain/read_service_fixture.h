// The world ReadService tests run in: the real SQLite store (in memory) with one app and the
// users alice, bob, carol and dave, a manual clock, helpers that make channels and messages
// straight in the store, and recording fakes for the event ports.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "server/domain/read_service.h"
#include "server/domain/read_test_fakes.h"
#include "server/domain/user_test_fakes.h"
#include "server/storage/sqlite/sqlite_store.h"

namespace eddy::server::testing {

class ReadServiceFixture : public ::testing::Test {
 protected:
  static constexpr Micros kStart = 1'700'000'000'000'000;

  void SetUp() override {
    store_ = OpenSqliteStore(":memory:").value();
    app_.api_key = "key1";
    app_.api_secret = "secret1";
    app_.name = "test";
    app_.created_at = kStart;
    ASSERT_TRUE(store_->apps().CreateApp(app_).ok());
    std::vector<User> users;
    for (const char* id : {"alice", "bob", "carol", "dave"}) {
      User u;
      u.id = id;
      u.created_at = u.updated_at = kStart;
      users.push_back(u);
    }
    ASSERT_TRUE(store_->users().UpsertUsers(app_.api_key, users).ok());
    reads_ = std::make_unique<ReadService>(*store_, types_, channel_events_, events_, views_,
                                           clock_, &presence_);
  }

  Micros Tick() {
    clock_.Advance(1000);
    return clock_.Now();
  }

  Channel MakeChannel(std::string type, std::string id, std::vector<std::string> members,
                      json::object config_overrides = {}) {
    Channel c;
    c.type = std::move(type);
    c.id = std::move(id);
    c.created_by_id = members.empty() ? "" : members.front();
    c.created_at = c.updated_at = Tick();
    c.config_overrides = std::move(config_overrides);
    std::vector<Member> rows;
    for (const std::string& u : members) {
      Member m;
      m.channel_type = c.type;
      m.channel_id = c.id;
      m.user_id = u;
      m.created_at = m.updated_at = c.created_at;
      rows.push_back(m);
    }
    Status st = store_->channels().CreateChannel(app_.api_key, c, rows);
    EXPECT_TRUE(st.ok()) << (st.ok() ? "" : st.error().message);
    return Reload(c);
  }

  Channel Reload(const Channel& c) {
    auto got = store_->channels().GetChannel(app_.api_key, c.type, c.id);
    EXPECT_TRUE(got.ok() && got->has_value());
    return got.ok() && got->has_value() ? **got : c;
  }

  Member GetMember(const Channel& c, std::string_view user) {
    auto got = store_->channels().GetMember(app_.api_key, c.type, c.id, user);
    EXPECT_TRUE(got.ok() && got->has_value()) << user;
    return got.ok() && got->has_value() ? **got : Member{};
  }

  void SetMember(const Channel& c, std::string_view user, const std::function<void(Member&)>& f) {
    Member m = GetMember(c, user);
    f(m);
    ASSERT_TRUE(store_->channels().UpsertMembers(app_.api_key, {m}).ok());
  }

  Message Send(const Channel& c, std::string user, const std::function<void(Message&)>& f = {}) {
    Message m;
    m.id = "m" + std::to_string(++next_id_);
    m.channel_type = c.type;
    m.channel_id = c.id;
    m.user_id = std::move(user);
    m.text = "hello";
    m.created_at = m.updated_at = Tick();
    if (f) f(m);
    Status st = store_->messages().InsertMessage(app_.api_key, m);
    EXPECT_TRUE(st.ok()) << (st.ok() ? "" : st.error().message);
    return m;
  }

  std::int64_t Total(std::string_view user) {
    auto s = reads_->Summary(app_, user);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
    return s.ok() ? s->total_unread_count : -1;
  }

  std::int64_t Unread(const Channel& c, std::string_view user) {
    auto n = reads_->UnreadCount(app_, Reload(c), GetMember(c, user));
    EXPECT_TRUE(n.ok()) << (n.ok() ? "" : n.error().message);
    return n.ok() ? *n : -1;
  }

  static void ExpectError(const Status& s, ErrorCode code) {
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, code) << s.error().message;
  }
  template <typename T>
  static void ExpectError(const Result<T>& r, ErrorCode code) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, code) << r.error().message;
  }

  std::unique_ptr<Store> store_;
  App app_;
  ChannelTypes types_;
  ManualClock clock_{kStart};
  RecordingChannelEvents channel_events_;
  RecordingEventSink events_;
  FakeChannelViews views_;
  FakePresence presence_;
  std::unique_ptr<ReadService> reads_;
  int next_id_ = 0;
};

}  // namespace eddy::server::testing
