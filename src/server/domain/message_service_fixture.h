// The world MessageService tests run in: the real SQLite store (in memory) with one app, the
// users alice, bob, carol (members of messaging:general), dave (a member of nothing) and an
// app admin, the channels messaging:general, messaging:other and commerce:shop (no reactions,
// no replies), and recording fakes for the event and read-state ports.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "server/domain/message_service.h"
#include "server/domain/message_test_fakes.h"
#include "server/domain/user_test_fakes.h"
#include "server/storage/sqlite/sqlite_store.h"

namespace eddy::server::testing {

inline constexpr Micros kStart = 1'700'000'000'000'000;

class MessageServiceFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenSqliteStore(":memory:").value();
    app_.api_key = "key1";
    app_.api_secret = "secret1";
    app_.name = "test";
    app_.created_at = kStart;
    ASSERT_TRUE(store_->apps().CreateApp(app_).ok());
    for (const char* id : {"alice", "bob", "carol", "dave"}) AddUser(id, "user");
    AddUser("admin", "admin");
    AddChannel("messaging", "general", {"alice", "bob", "carol"});
    AddChannel("messaging", "other", {"alice", "bob"});
    AddChannel("commerce", "shop", {"alice", "bob"});
    service_ = std::make_unique<MessageService>(*store_, types_, channel_events_, sink_, watches_,
                                                reads_, views_, presence_, clock_);
  }

  void AddUser(const std::string& id, const std::string& role) {
    User u;
    u.id = id;
    u.role = role;
    u.created_at = u.updated_at = kStart;
    u.custom["name"] = id;
    ASSERT_TRUE(store_->users().UpsertUsers(app_.api_key, {u}).ok());
  }

  void AddChannel(const std::string& type, const std::string& id,
                  const std::vector<std::string>& members) {
    Channel c;
    c.type = type;
    c.id = id;
    c.created_by_id = "alice";
    c.created_at = c.updated_at = kStart;
    c.custom["name"] = id;
    std::vector<Member> rows;
    for (const std::string& u : members) {
      Member m;
      m.channel_type = type;
      m.channel_id = id;
      m.user_id = u;
      m.created_at = m.updated_at = kStart;
      rows.push_back(m);
    }
    ASSERT_TRUE(store_->channels().CreateChannel(app_.api_key, c, rows).ok());
  }

  static protocol::MessageInput Input(std::string_view text) {
    auto in = protocol::MessageFromJson(ParseJsonObject(text).value());
    EXPECT_TRUE(in.ok()) << text << ": " << (in.ok() ? "" : in.error().message);
    return in.ok() ? std::move(in).value() : protocol::MessageInput{};
  }

  // Every send happens a millisecond after the previous one.
  Result<json::object> Send(const Actor& actor, std::string_view json,
                            std::string_view channel = "general",
                            std::string_view type = "messaging") {
    clock_.Advance(1000);
    return service_->SendMessage(actor, app_, type, channel, Input(json));
  }

  json::object MustSend(const Actor& actor, std::string_view json,
                        std::string_view channel = "general", std::string_view type = "messaging") {
    auto r = Send(actor, json, channel, type);
    EXPECT_TRUE(r.ok()) << json << ": " << (r.ok() ? "" : r.error().message);
    return r.ok() ? std::move(r).value() : json::object{};
  }

  std::optional<Message> Stored(std::string_view id) {
    return store_->messages().GetMessage(app_.api_key, id).value();
  }

  Channel StoredChannel(std::string_view type, std::string_view id) {
    return store_->channels().GetChannel(app_.api_key, type, id).value().value();
  }

  Member StoredMember(std::string_view id, std::string_view user) {
    return store_->channels().GetMember(app_.api_key, "messaging", id, user).value().value();
  }

  // The events of `type` the recorder saw (channel and personal deliveries), by recipient.
  std::vector<Received> Events(std::string_view type) {
    std::vector<Received> out;
    for (Received& r : channel_events_.Take()) {
      if (r.event.at("type") == json::value(type)) out.push_back(std::move(r));
    }
    return out;
  }
  // The plain EventSink deliveries of `type`, flattened to one entry per recipient.
  std::vector<Received> SinkEvents(std::string_view type) {
    std::vector<Received> out;
    for (RecordingEventSink::Sent& s : sink_.Take()) {
      if (s.event.at("type") != json::value(type)) continue;
      for (const std::string& u : s.user_ids) out.push_back({u, s.event});
    }
    return out;
  }
  static std::vector<std::string> Recipients(const std::vector<Received>& events) {
    std::vector<std::string> out;
    for (const Received& r : events) out.push_back(r.user_id);
    std::sort(out.begin(), out.end());
    return out;
  }

  std::unique_ptr<Store> store_;
  App app_;
  ChannelTypes types_;
  ManualClock clock_{kStart};
  FakeWatches watches_;
  RecordingChannelEvents channel_events_{watches_};
  RecordingEventSink sink_;
  FakeReadState reads_;
  FakeChannelViews views_;
  FakePresence presence_;
  std::unique_ptr<MessageService> service_;
};

// A timestamp as the wire shows it.
inline json::value Time(Micros t) { return json::value(FormatTime(t)); }

inline Actor As(std::string id) { return Actor::ForUser(std::move(id)); }

inline Actor ServerAs() { return Actor::Server(); }

}  // namespace eddy::server::testing
