// ChannelService: get-or-create, watch, distinct channels, queryChannels, queryMembers.
#include "server/domain/channel_service.h"

#include "server/domain/channel_service_fixture.h"

namespace eddy::server::testing {
namespace {

TEST_F(ChannelServiceTest, CreateServerSideReturnsTheStateAndNotifiesMembers) {
  auto r = service_->GetOrCreate(Actor::Server(), app_, "messaging", "general",
                                 Req(R"({"name":"General","color":"red","created_by_id":"carol",
              "members":["alice","bob",{"user_id":"carol","code":"7"}]})"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  const json::object& state = *r;
  const json::object& ch = state.at("channel").as_object();
  EXPECT_EQ(ch.at("cid"), "messaging:general");
  EXPECT_EQ(ch.at("name"), "General");
  EXPECT_EQ(ch.at("color"), "red");
  EXPECT_EQ(ch.at("member_count"), 3);
  EXPECT_EQ(ch.at("created_by").at("id"), "carol");
  EXPECT_EQ(ch.at("config").at("name"), "messaging");
  EXPECT_TRUE(ch.at("own_capabilities").is_array());
  EXPECT_FALSE(ch.contains("last_message_at"));
  EXPECT_TRUE(state.at("messages").as_array().empty());
  EXPECT_TRUE(state.at("pinned_messages").as_array().empty());
  EXPECT_EQ(Ids(state.at("members"), "user_id"),
            (std::vector<std::string>{"alice", "bob", "carol"}));
  const json::object& carol = state.at("members").at(2).as_object();
  EXPECT_EQ(carol.at("role"), "owner");
  EXPECT_EQ(carol.at("code"), "7");
  EXPECT_EQ(carol.at("user").at("name"), "Carol");
  EXPECT_EQ(state.at("members").at(0).at("role"), "member");
  EXPECT_EQ(state.at("read").as_array().size(), 3u);
  EXPECT_EQ(state.at("watcher_count"), 0);
  EXPECT_FALSE(state.contains("membership"));  // the server is no member
  EXPECT_FALSE(state.contains("watchers"));

  auto log = delivery_.Take();
  for (const char* u : {"alice", "bob", "carol"}) {
    const json::object* created = Find(log, u, "channel.created");
    ASSERT_NE(created, nullptr) << u;
    EXPECT_EQ(created->at("user").at("id"), "carol");
    EXPECT_EQ(created->at("cid"), "messaging:general");
    EXPECT_FALSE(created->at("channel").as_object().contains("own_capabilities"));
    const json::object* added = Find(log, u, "notification.added_to_channel");
    ASSERT_NE(added, nullptr) << u;
    EXPECT_EQ(added->at("member").at("user_id"), u);
    EXPECT_EQ(added->at("channel").at("members").as_array().size(), 3u);
    EXPECT_TRUE(added->at("channel").as_object().contains("own_capabilities"));
    EXPECT_EQ(added->at("channel_type"), "messaging");
    EXPECT_EQ(added->at("channel_id"), "general");
  }
  EXPECT_EQ(Find(log, "dave", "channel.created"), nullptr);
  EXPECT_EQ(log.size(), 6u);
}

TEST_F(ChannelServiceTest, ExistingChannelDataIsNotApplied) {
  CreateGeneral();
  auto r = service_->GetOrCreate(Actor::ForUser("alice"), app_, "messaging", "general",
                                 Req(R"({"name":"Hijacked","members":["dave"]})"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->at("channel").at("name"), "General");
  EXPECT_EQ(r->at("channel").at("member_count"), 3);
  EXPECT_EQ(r->at("membership").at("user_id"), "alice");
  EXPECT_TRUE(delivery_.Take().empty());
}

TEST_F(ChannelServiceTest, BadInputChangesNothing) {
  ExpectError(service_->GetOrCreate(Actor::Server(), app_, "nope", "general",
                                    Req(R"({"created_by_id":"carol"})")),
              ErrorCode::kDoesNotExist, 404, "channel type 'nope'");
  ExpectError(service_->GetOrCreate(Actor::Server(), app_, "messaging", "a:b",
                                    Req(R"({"created_by_id":"carol"})")),
              ErrorCode::kInput, 400);
  ExpectError(service_->GetOrCreate(Actor::Server(), app_, "messaging", "general",
                                    Req(R"({"members":["alice"]})")),
              ErrorCode::kInput, 400, "created_by");
  ExpectError(service_->GetOrCreate(Actor::Server(), app_, "messaging", "general",
                                    Req(R"({"created_by_id":"carol","members":["alice","zed"]})")),
              ErrorCode::kInput, 400, "zed");
  ExpectError(service_->GetOrCreate(Actor::ForUser("alice"), app_, "messaging", "general",
                                    Req(R"({"config_overrides":{"reactions":false}})")),
              ErrorCode::kNotAllowed, 403);
  ExpectError(service_->GetOrCreate(Actor::ForUser("alice"), app_, "messaging", "general",
                                    Req(R"({"members":[{"user_id":"bob",
                                            "channel_role":"channel_moderator"}]})")),
              ErrorCode::kNotAllowed, 403, "client-side");
  EXPECT_FALSE(store_->channels().GetChannel(app_.api_key, "messaging", "general")->has_value());
  EXPECT_TRUE(delivery_.Take().empty());
}

TEST_F(ChannelServiceTest, ClientCreatesAndOthersCannotRead) {
  auto r = service_->GetOrCreate(Actor::ForUser("alice"), app_, "messaging", "pair",
                                 Req(R"({"members":["alice","bob"]})"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->at("channel").at("created_by").at("id"), "alice");
  EXPECT_EQ(r->at("membership").at("role"), "owner");
  delivery_.Take();
  ExpectError(service_->GetOrCreate(Actor::ForUser("dave"), app_, "messaging", "pair", Req()),
              ErrorCode::kNotAllowed, 403,
              "User 'dave' with role 'user' is not allowed to perform action ReadChannel");
  // Admins and the public types are readable by anyone.
  EXPECT_TRUE(
      service_->GetOrCreate(Actor::ForUser("carol"), app_, "messaging", "pair", Req()).ok());
  ASSERT_TRUE(service_->GetOrCreate(Actor::ForUser("alice"), app_, "livestream", "tv", Req()).ok());
  EXPECT_TRUE(service_->GetOrCreate(Actor::ForUser("dave"), app_, "livestream", "tv", Req()).ok());
}

TEST_F(ChannelServiceTest, WatchSubscribesOwnConnectionsAndAnnouncesTheFirstOne) {
  CreateGeneral();
  Watch("bob", "c-bob");
  EXPECT_EQ(Inboxes()["bob"], (std::vector<std::string>{"user.watching.start"}));

  watches_.Open("c-alice", "alice");
  GetOrCreateRequest r = Req();
  r.options.watch = true;
  r.options.presence = true;
  r.options.watchers = true;
  r.options.connection_id = "c-alice";
  auto s = service_->GetOrCreate(Actor::ForUser("alice"), app_, "messaging", "general", r);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->at("watcher_count"), 2);
  EXPECT_EQ(Ids(s->at("watchers")), (std::vector<std::string>{"alice", "bob"}));
  EXPECT_TRUE(watches_.Follows("c-alice", "bob"));
  auto log = delivery_.Take();
  ASSERT_EQ(log.size(), 2u);  // to bob and to alice herself
  for (const auto& d : log) {
    EXPECT_EQ(d.event.at("type"), "user.watching.start");
    EXPECT_EQ(d.event.at("user").at("id"), "alice");
    EXPECT_EQ(d.event.at("watcher_count"), 2);
  }

  // A second connection of alice: no new announcement.
  watches_.Open("c-alice-2", "alice");
  r.options.connection_id = "c-alice-2";
  ASSERT_TRUE(service_->GetOrCreate(Actor::ForUser("alice"), app_, "messaging", "general", r).ok());
  EXPECT_TRUE(delivery_.Take().empty());
  // Someone else's connection id is not subscribed.
  r.options.connection_id = "c-bob";
  ASSERT_TRUE(service_->GetOrCreate(Actor::ForUser("carol"), app_, "messaging", "general", r).ok());
  EXPECT_EQ(watches_.WatcherSet("messaging:general"), (std::set<std::string>{"alice", "bob"}));

  // Stop watching: only when the user's last connection stops.
  ASSERT_TRUE(
      service_->StopWatching(Actor::ForUser("alice"), app_, "messaging", "general", "c-alice")
          .ok());
  EXPECT_TRUE(delivery_.Take().empty());
  ASSERT_TRUE(
      service_->StopWatching(Actor::ForUser("alice"), app_, "messaging", "general", "c-alice-2")
          .ok());
  auto stop = delivery_.Take();
  ASSERT_EQ(stop.size(), 1u);
  EXPECT_EQ(stop[0].user_id, "bob");
  EXPECT_EQ(stop[0].event.at("type"), "user.watching.stop");
  EXPECT_EQ(stop[0].event.at("watcher_count"), 1);
}

TEST_F(ChannelServiceTest, StateHasMessagesAfterTruncationAndHideAndOwnReadEntry) {
  CreateGeneral();
  Send("alice", "one");
  Send("bob", "two");
  Send("alice", "three");
  auto s = service_->GetOrCreate(Actor::ForUser("bob"), app_, "messaging", "general", Req());
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(Ids(s->at("messages"), "text"), (std::vector<std::string>{"one", "two", "three"}));
  EXPECT_TRUE(s->at("channel").as_object().contains("last_message_at"));
  // Sending reads the channel up to one's own message: bob has "three" unread, alice nothing.
  for (const json::value& r : s->at("read").as_array()) {
    if (r.at("user").at("id") == "bob") {
      EXPECT_EQ(r.at("unread_messages"), 1);
    }
    if (r.at("user").at("id") == "alice") {
      EXPECT_EQ(r.at("unread_messages"), 0);
    }
  }

  GetOrCreateRequest paged = Req();
  paged.options.messages.limit = 1;
  paged.options.member_limit = 1;
  auto p = service_->GetOrCreate(Actor::ForUser("bob"), app_, "messaging", "general", paged);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(Ids(p->at("messages"), "text"), (std::vector<std::string>{"three"}));
  EXPECT_EQ(Ids(p->at("members"), "user_id"), (std::vector<std::string>{"alice"}));
  // bob's own read entry is there although he is not on the page.
  EXPECT_EQ(p->at("read").as_array().size(), 2u);

  GetOrCreateRequest no_state = Req();
  no_state.options.state = false;
  auto n = service_->GetOrCreate(Actor::ForUser("bob"), app_, "messaging", "general", no_state);
  ASSERT_TRUE(n.ok());
  EXPECT_TRUE(n->at("messages").as_array().empty());
  EXPECT_EQ(n->at("members").as_array().size(), 3u);
}

TEST_F(ChannelServiceTest, DistinctChannelsAreFoundByTheirMemberSet) {
  auto a = service_->GetOrCreateDistinct(Actor::ForUser("alice"), app_, "messaging",
                                         Req(R"({"members":["alice","bob"]})"));
  ASSERT_TRUE(a.ok()) << a.error().message;
  const std::string id = S(a->at("channel").at("id"));
  EXPECT_EQ(id.rfind("!members-", 0), 0u);
  auto b = service_->GetOrCreateDistinct(Actor::ForUser("bob"), app_, "messaging",
                                         Req(R"({"members":["bob","alice"]})"));
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ(S(b->at("channel").at("id")), id);
  auto c = service_->GetOrCreateDistinct(Actor::ForUser("alice"), app_, "messaging",
                                         Req(R"({"members":["alice","carol"]})"));
  ASSERT_TRUE(c.ok());
  EXPECT_NE(S(c->at("channel").at("id")), id);
  ExpectError(service_->GetOrCreateDistinct(Actor::ForUser("alice"), app_, "messaging",
                                            Req(R"({"members":["alice"]})")),
              ErrorCode::kInput, 400, "When using member based IDs specify at least 2 members");
}

TEST_F(ChannelServiceTest, QueryChannelsShowsWhatTheUserMayReadInOrder) {
  CreateGeneral();
  ASSERT_TRUE(service_
                  ->GetOrCreate(Actor::ForUser("bob"), app_, "messaging", "bobs",
                                Req(R"({"members":["bob","dave"]})"))
                  .ok());
  ASSERT_TRUE(service_->GetOrCreate(Actor::ForUser("dave"), app_, "livestream", "tv", Req()).ok());
  Send("bob", "hi", "bobs");

  auto all = [&](const Actor& a, std::string_view body) {
    auto options = ParseQueryChannels(Obj(body), false);
    EXPECT_TRUE(options.ok()) << options.error().message;
    auto r = service_->QueryChannels(a, app_, std::move(options).value(), "");
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    std::vector<std::string> cids;
    if (r.ok()) {
      for (const json::value& s : *r) cids.push_back(S(s.at("channel").at("cid")));
    }
    return cids;
  };
  EXPECT_EQ(all(Actor::ForUser("bob"), "{}"),
            (std::vector<std::string>{"messaging:bobs", "livestream:tv", "messaging:general"}));
  EXPECT_EQ(all(Actor::ForUser("alice"), R"({"filter_conditions":{"type":"messaging"}})"),
            (std::vector<std::string>{"messaging:general"}));
  EXPECT_EQ(all(Actor::ForUser("alice"),
                R"({"filter_conditions":{"members":{"$in":["alice"]}},
                    "sort":[{"field":"created_at","direction":1}]})"),
            (std::vector<std::string>{"messaging:general"}));
  EXPECT_EQ(all(Actor::Server(), R"({"filter_conditions":{"type":"messaging"},
                                     "sort":[{"field":"member_count","direction":-1}]})"),
            (std::vector<std::string>{"messaging:general", "messaging:bobs"}));
  EXPECT_EQ(all(Actor::ForUser("bob"), R"({"filter_conditions":{"name":{"$autocomplete":"gen"}}})"),
            (std::vector<std::string>{"messaging:general"}));
  EXPECT_EQ(all(Actor::ForUser("carol"), R"({"filter_conditions":{"type":"messaging"},"limit":1,
                                             "offset":1})"),
            (std::vector<std::string>{"messaging:general"}));

  // No channel is muted yet.
  EXPECT_EQ(all(Actor::ForUser("alice"), R"({"filter_conditions":{"muted":false}})"),
            (std::vector<std::string>{"livestream:tv", "messaging:general"}));
  EXPECT_TRUE(all(Actor::ForUser("alice"), R"({"filter_conditions":{"muted":true}})").empty());

  // Hidden channels are left out unless the filter names `hidden`.
  ASSERT_TRUE(service_->Hide(Actor::ForUser("bob"), app_, "messaging", "bobs", false, "").ok());
  EXPECT_EQ(all(Actor::ForUser("bob"), R"({"filter_conditions":{"type":"messaging"}})"),
            (std::vector<std::string>{"messaging:general"}));
  EXPECT_EQ(all(Actor::ForUser("bob"), R"({"filter_conditions":{"hidden":true}})"),
            (std::vector<std::string>{"messaging:bobs"}));
  EXPECT_EQ(all(Actor::ForUser("dave"), R"({"filter_conditions":{"type":"messaging"}})"),
            (std::vector<std::string>{"messaging:bobs"}));
}

TEST_F(ChannelServiceTest, QueryChannelsStateWatchAndBadInput) {
  CreateGeneral();
  Send("alice", "a");
  Send("alice", "b");
  watches_.Open("c-bob", "bob");
  auto options =
      ParseQueryChannels(Obj(R"({"filter_conditions":{"cid":{"$in":["messaging:general"]}},
      "message_limit":1,"member_limit":2,"presence":true})"),
                         /*has_connection=*/true);
  ASSERT_TRUE(options.ok()) << options.error().message;
  EXPECT_TRUE(options->watch);  // default with a connection
  auto r = service_->QueryChannels(Actor::ForUser("bob"), app_, *options, "c-bob");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ(Ids(r->at(0).at("messages"), "text"), (std::vector<std::string>{"b"}));
  EXPECT_EQ(r->at(0).at("members").as_array().size(), 2u);
  EXPECT_EQ(r->at(0).at("watcher_count"), 1);
  EXPECT_TRUE(watches_.IsWatching("key", "bob", "messaging:general"));
  EXPECT_TRUE(watches_.Follows("c-bob", "alice"));

  for (const char* bad : {R"({"limit":31})", R"({"offset":1001})", R"({"message_limit":301})",
                          R"({"filter_conditions":{"type":{"$regex":"x"}}})",
                          R"({"sort":[{"field":"unread_count","direction":1}]})",
                          R"({"filter_conditions":{"frozen":"yes"}})"}) {
    EXPECT_FALSE(ParseQueryChannels(Obj(bad), false).ok()) << bad;
  }
  // Per-user fields need a user server-side.
  auto hidden = ParseQueryChannels(Obj(R"({"filter_conditions":{"hidden":true}})"), false);
  ASSERT_TRUE(hidden.ok());
  ExpectError(service_->QueryChannels(Actor::Server(), app_, *hidden, ""), ErrorCode::kInput, 400,
              "requires a valid user");
}

TEST_F(ChannelServiceTest, QueryMembers) {
  CreateGeneral();
  auto members = [&](const Actor& a, std::string_view payload) {
    auto options = ParseQueryMembers(Obj(payload));
    EXPECT_TRUE(options.ok()) << options.error().message;
    auto r = service_->QueryMembers(a, app_, *options);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? Ids(*r, "user_id") : std::vector<std::string>{};
  };
  EXPECT_EQ(members(Actor::ForUser("alice"), R"({"type":"messaging","id":"general"})"),
            (std::vector<std::string>{"alice", "bob", "carol"}));
  EXPECT_EQ(members(Actor::ForUser("alice"), R"({"type":"messaging","id":"general",
      "filter_conditions":{"name":{"$autocomplete":"bo"}}})"),
            (std::vector<std::string>{"bob"}));
  EXPECT_EQ(members(Actor::ForUser("alice"), R"({"type":"messaging","id":"general",
      "sort":[{"field":"user_id","direction":-1}],"limit":2})"),
            (std::vector<std::string>{"carol", "bob"}));
  auto denied = ParseQueryMembers(Obj(R"({"type":"messaging","id":"general"})"));
  ExpectError(service_->QueryMembers(Actor::ForUser("dave"), app_, *denied), ErrorCode::kNotAllowed,
              403);
  EXPECT_FALSE(ParseQueryMembers(Obj(R"({"type":"messaging","id":"general",
      "filter_conditions":{"cid":"messaging:general"}})"))
                   .ok());
  EXPECT_FALSE(ParseQueryMembers(Obj(R"({"id":"general"})")).ok());
  auto missing = ParseQueryMembers(Obj(R"({"type":"messaging","id":"nope"})"));
  ExpectError(service_->QueryMembers(Actor::ForUser("alice"), app_, *missing),
              ErrorCode::kDoesNotExist, 404);
  // A member-based channel is named by its members.
  ASSERT_TRUE(service_
                  ->GetOrCreateDistinct(Actor::ForUser("alice"), app_, "messaging",
                                        Req(R"({"members":["alice","bob"]})"))
                  .ok());
  EXPECT_EQ(members(Actor::ForUser("bob"), R"({"type":"messaging","members":["bob","alice"]})"),
            (std::vector<std::string>{"alice", "bob"}));
}

TEST_F(ChannelServiceTest, RenderChannelIsPerReader) {
  CreateGeneral();
  Channel c = store_->channels().GetChannel("key", "messaging", "general").value().value();
  auto bob = service_->RenderChannel(app_, c, "bob");
  ASSERT_TRUE(bob.ok());
  auto caps = bob->at("own_capabilities").as_array();
  EXPECT_NE(std::find(caps.begin(), caps.end(), json::value("send-message")), caps.end());
  EXPECT_EQ(std::find(caps.begin(), caps.end(), json::value("update-channel")), caps.end());
  EXPECT_EQ(bob->at("hidden"), false);
  auto server = service_->RenderChannel(app_, c, "");
  ASSERT_TRUE(server.ok());
  caps = server->at("own_capabilities").as_array();
  EXPECT_NE(std::find(caps.begin(), caps.end(), json::value("update-channel")), caps.end());
}

}  // namespace
}  // namespace eddy::server::testing
