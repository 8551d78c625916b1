// The fixture of the ChannelService tests: the real SQLite store (in memory), the channel
// fakes, three users (alice, bob, carol the app admin) and helpers to build requests and read
// what each user received.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "server/domain/channel_service.h"
#include "server/domain/channel_test_fakes.h"
#include "server/domain/user_test_fakes.h"
#include "server/storage/sqlite/sqlite_store.h"

namespace eddy::server::testing {

inline constexpr Micros kStart = 1'700'000'000'000'000;

class ChannelServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenSqliteStore(":memory:").value();
    reads_ = std::make_unique<FakeReadState>(*store_);
    service_ = std::make_unique<ChannelService>(*store_, types_, delivery_, delivery_, watches_,
                                                views_, *reads_, presence_, clock_);
    app_.api_key = "key";
    app_.api_secret = "secret";
    app_.name = "test";
    app_.created_at = kStart;
    ASSERT_TRUE(store_->apps().CreateApp(app_).ok());
    AddUser("alice", "user", "Alice");
    AddUser("bob", "user", "Bob");
    AddUser("carol", "admin", "Carol");
    AddUser("dave", "user", "Dave");
  }

  void AddUser(const std::string& id, const std::string& role, const std::string& name) {
    User u;
    u.id = id;
    u.role = role;
    u.created_at = u.updated_at = kStart;
    u.custom["name"] = name;
    ASSERT_TRUE(store_->users().UpsertUsers(app_.api_key, {u}).ok());
  }

  static json::object Obj(std::string_view text) { return ParseJsonObject(text).value(); }
  static std::string S(const json::value& v) { return std::string(v.as_string()); }

  static GetOrCreateRequest Req(std::string_view data = "{}") {
    GetOrCreateRequest r;
    r.data = protocol::ChannelInputFromJson(Obj(data)).value();
    r.options.messages.limit = kDefaultStateMessageLimit;
    return r;
  }

  // messaging:general by carol with alice, bob and carol, created server-side.
  json::object CreateGeneral() {
    auto r = service_->GetOrCreate(
        Actor::Server(), app_, "messaging", "general",
        Req(R"({"name":"General","created_by_id":"carol","members":["alice","bob","carol"]})"));
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    delivery_.Take();
    return r.ok() ? std::move(r).value() : json::object();
  }

  // `user` opens connection `conn` and watches messaging:<id> with it.
  void Watch(const std::string& user, const std::string& conn, std::string_view id = "general") {
    watches_.Open(conn, user);
    GetOrCreateRequest r = Req();
    r.options.watch = true;
    r.options.connection_id = conn;
    auto s = service_->GetOrCreate(Actor::ForUser(user), app_, "messaging", id, std::move(r));
    ASSERT_TRUE(s.ok()) << s.error().message;
  }

  Message Send(const std::string& user, const std::string& text, std::string_view id = "general") {
    Message m;
    m.id = "m" + std::to_string(++message_seq_);
    m.channel_type = "messaging";
    m.channel_id = std::string(id);
    m.user_id = user;
    m.text = text;
    clock_.Advance(1000);
    m.created_at = m.updated_at = clock_.Now();
    EXPECT_TRUE(store_->messages().InsertMessage(app_.api_key, m).ok());
    clock_.Advance(1000);
    return m;
  }

  // Event types `user` received since the last Take (all users' deliveries are consumed).
  std::map<std::string, std::vector<std::string>> Inboxes() {
    std::map<std::string, std::vector<std::string>> out;
    for (const auto& d : delivery_.Take()) out[d.user_id].push_back(S(d.event.at("type")));
    return out;
  }
  // The single event of `type` that `user` got, from a Take()n log.
  static const json::object* Find(const std::vector<RecordingDelivery::Delivered>& log,
                                  std::string_view user, std::string_view type) {
    for (const auto& d : log) {
      if (d.user_id == user && d.event.at("type").as_string() == type) return &d.event;
    }
    return nullptr;
  }

  static void ExpectError(const Status& s, ErrorCode code, int status, std::string_view part = "") {
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, code) << s.error().message;
    EXPECT_EQ(s.error().http_status, status) << s.error().message;
    EXPECT_NE(s.error().message.find(part), std::string::npos) << s.error().message;
  }
  template <typename T>
  static void ExpectError(const Result<T>& r, ErrorCode code, int status,
                          std::string_view part = "") {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, code) << r.error().message;
    EXPECT_EQ(r.error().http_status, status) << r.error().message;
    EXPECT_NE(r.error().message.find(part), std::string::npos) << r.error().message;
  }

  static std::vector<std::string> Ids(const json::value& list, std::string_view key = "id") {
    std::vector<std::string> out;
    for (const json::value& v : list.as_array()) out.push_back(S(v.at(key)));
    return out;
  }

  std::unique_ptr<Store> store_;
  ManualClock clock_{kStart};
  ChannelTypes types_;
  FakeWatches watches_;
  RecordingDelivery delivery_{watches_};
  FakeMessageViews views_;
  FakePresence presence_;
  std::unique_ptr<FakeReadState> reads_;
  std::unique_ptr<ChannelService> service_;
  App app_;
  int message_seq_ = 0;
};

}  // namespace eddy::server::testing
