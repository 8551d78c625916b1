#include "protocol/channel_json.h"

#include <gtest/gtest.h>

namespace eddy::protocol {
namespace {

constexpr Micros kT = 1'700'000'000'000'000;

json::object Obj(std::string_view text) { return ParseJsonObject(text).value(); }
std::string S(const json::value& v) { return std::string(v.as_string()); }

TEST(ChannelIdsTest, TypeAndIdRules) {
  EXPECT_TRUE(ValidateChannelType("messaging").ok());
  EXPECT_TRUE(ValidateChannelType("my_type-2").ok());
  EXPECT_FALSE(ValidateChannelType("").ok());
  EXPECT_FALSE(ValidateChannelType("a:b").ok());
  EXPECT_FALSE(ValidateChannelType("!x").ok());  // '!' only in ids
  EXPECT_FALSE(ValidateChannelType(std::string(65, 'a')).ok());
  EXPECT_TRUE(ValidateChannelType(std::string(64, 'a')).ok());

  EXPECT_TRUE(ValidateChannelId("general").ok());
  EXPECT_TRUE(ValidateChannelId("!members-abc_D-9").ok());
  EXPECT_FALSE(ValidateChannelId("a:b").ok());
  EXPECT_FALSE(ValidateChannelId("a b").ok());
  EXPECT_FALSE(ValidateChannelId("a.b").ok());
  EXPECT_FALSE(ValidateChannelId(std::string(65, 'a')).ok());
  Result<void> e = ValidateChannelId("é");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code, ErrorCode::kInput);
}

TEST(ChannelIdsTest, ParseCid) {
  auto ok = ParseCid("messaging:general");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->first, "messaging");
  EXPECT_EQ(ok->second, "general");
  EXPECT_FALSE(ParseCid("messaging").ok());
  EXPECT_FALSE(ParseCid("messaging:a:b").ok());
  EXPECT_FALSE(ParseCid(":general").ok());
}

TEST(ChannelIdsTest, DistinctIdIgnoresOrderAndDuplicates) {
  std::string a = DistinctChannelId({"bob", "alice"});
  EXPECT_EQ(a, DistinctChannelId({"alice", "bob", "alice"}));
  EXPECT_NE(a, DistinctChannelId({"alice", "carol"}));
  EXPECT_EQ(a.rfind("!members-", 0), 0u);
  EXPECT_TRUE(ValidateChannelId(a).ok()) << a;
}

TEST(ChannelInputTest, SplitsTypedCreateOnlyReadOnlyAndCustom) {
  auto in = ChannelInputFromJson(Obj(R"({
      "name":"General","image":"http://i","color":{"r":1},
      "members":["alice",{"user_id":"bob","channel_role":"channel_moderator","code":"007"}],
      "created_by_id":"carol","team":"red","frozen":true,"cooldown":30,
      "config_overrides":{"reactions":false,"max_message_length":100},
      "cid":"x:y","member_count":9,"own_capabilities":[],"config":{}})"));
  ASSERT_TRUE(in.ok()) << in.error().message;
  EXPECT_EQ(in->created_by_id, "carol");
  EXPECT_EQ(in->team, "red");
  EXPECT_EQ(in->frozen, true);
  EXPECT_EQ(in->cooldown, 30);
  EXPECT_EQ(in->config_overrides->at("reactions"), false);
  ASSERT_TRUE(in->members.has_value());
  ASSERT_EQ(in->members->size(), 2u);
  EXPECT_EQ((*in->members)[0].user_id, "alice");
  EXPECT_EQ((*in->members)[1].channel_role, "channel_moderator");
  EXPECT_EQ((*in->members)[1].custom.at("code"), "007");
  EXPECT_EQ(in->custom.size(), 3u);
  EXPECT_EQ(in->custom.at("name"), "General");
  EXPECT_FALSE(in->custom.contains("cid"));
  EXPECT_FALSE(in->custom.contains("member_count"));
}

TEST(ChannelInputTest, CreatedByObject) {
  auto in = ChannelInputFromJson(Obj(R"({"created_by":{"id":"carol","name":"C"}})"));
  ASSERT_TRUE(in.ok());
  EXPECT_EQ(in->created_by_id, "carol");
  EXPECT_TRUE(in->custom.empty());
}

TEST(ChannelInputTest, RejectsBadInput) {
  const char* bad[] = {
      R"({"members":"alice"})",
      R"({"members":["alice","alice"]})",
      R"({"members":[{"channel_role":"x"}]})",
      R"({"members":["bad id"]})",
      R"({"members":[{"user_id":"a","channel_role":"Bad Role"}]})",
      R"({"frozen":"yes"})",
      R"({"cooldown":121})",
      R"({"cooldown":-1})",
      R"({"config_overrides":{"read_events":false}})",
      R"({"config_overrides":{"max_message_length":0}})",
      R"({"created_by_id":5})",
      R"({"$bad":1})",
      R"({"a.b":1})",
  };
  for (const char* b : bad) {
    auto in = ChannelInputFromJson(Obj(b));
    ASSERT_FALSE(in.ok()) << b;
    EXPECT_EQ(in.error().code, ErrorCode::kInput) << b;
  }
}

TEST(ChannelInputTest, LimitsMembersAndCustomSize) {
  json::array members;
  for (int i = 0; i < 101; ++i) members.emplace_back("u" + std::to_string(i));
  EXPECT_FALSE(ChannelInputFromJson({{"members", members}}).ok());
  members.pop_back();
  EXPECT_TRUE(ChannelInputFromJson({{"members", members}}).ok());
  EXPECT_FALSE(ChannelInputFromJson({{"blob", std::string(6000, 'x')}}).ok());
}

TEST(ChannelInputTest, UserIdList) {
  auto ids = UserIdListFromJson(json::array{"a", "b", "a"}, "remove_members");
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(*ids, (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(UserIdListFromJson(json::array{1}, "remove_members").ok());
  EXPECT_FALSE(UserIdListFromJson(json::object{}, "remove_members").ok());
}

server::Channel SampleChannel() {
  server::Channel c;
  c.type = "messaging";
  c.id = "general";
  c.created_by_id = "carol";
  c.created_at = kT;
  c.updated_at = kT + 1;
  c.member_count = 3;
  c.custom = Obj(R"({"name":"General","cid":"evil"})");
  return c;
}

TEST(ChannelJsonTest, ChannelResponseShape) {
  server::Channel c = SampleChannel();
  json::object config{{"typing_events", true}};
  ChannelJsonParts parts;
  parts.config = &config;
  parts.created_by = json::object{{"id", "carol"}};
  parts.own_capabilities = json::array{"send-message"};
  parts.hidden = false;
  json::object o = ChannelToJson(c, parts);
  EXPECT_EQ(o.at("cid"), "messaging:general");  // custom never shadows a computed key
  EXPECT_EQ(o.at("name"), "General");
  EXPECT_EQ(o.at("created_by").at("id"), "carol");
  EXPECT_EQ(o.at("config"), config);
  EXPECT_EQ(o.at("member_count"), 3);
  EXPECT_EQ(S(o.at("created_at")), FormatTime(kT));
  EXPECT_EQ(o.at("frozen"), false);
  EXPECT_EQ(o.at("hidden"), false);
  EXPECT_FALSE(o.contains("last_message_at"));
  EXPECT_FALSE(o.contains("truncated_at"));
  EXPECT_FALSE(o.contains("deleted_at"));

  c.last_message_at = kT + 5;
  c.truncated_at = kT + 3;
  ChannelJsonParts shared_parts;
  shared_parts.config = &config;
  json::object shared = ChannelToJson(c, shared_parts);
  EXPECT_EQ(S(shared.at("last_message_at")), FormatTime(kT + 5));
  EXPECT_EQ(S(shared.at("truncated_at")), FormatTime(kT + 3));
  EXPECT_TRUE(shared.at("truncated_by").is_null());
  EXPECT_TRUE(shared.at("created_by").is_null());
  EXPECT_FALSE(shared.contains("own_capabilities"));
  EXPECT_FALSE(shared.contains("hidden"));
}

TEST(ChannelJsonTest, MemberResponseShape) {
  server::Member m;
  m.channel_type = "messaging";
  m.channel_id = "general";
  m.user_id = "bob";
  m.created_at = m.updated_at = kT;
  m.custom = Obj(R"({"code_name":"007"})");
  json::object o = MemberToJson(m, {{"id", "bob"}}, "user");
  EXPECT_EQ(o.at("user_id"), "bob");
  EXPECT_EQ(o.at("user").at("id"), "bob");
  EXPECT_EQ(o.at("channel_role"), "channel_member");
  EXPECT_EQ(o.at("role"), "member");
  EXPECT_EQ(o.at("status"), "member");
  EXPECT_EQ(o.at("is_moderator"), false);
  EXPECT_TRUE(o.at("pinned_at").is_null());
  EXPECT_TRUE(o.at("archived_at").is_null());
  EXPECT_EQ(o.at("code_name"), "007");

  m.channel_role = "channel_moderator";
  EXPECT_EQ(MemberToJson(m, {}, "user").at("role"), "moderator");
  EXPECT_EQ(MemberToJson(m, {}, "user").at("is_moderator"), true);
  EXPECT_EQ(MemberToJson(m, {}, "admin").at("role"), "admin");
  m.is_owner = true;
  EXPECT_EQ(MemberToJson(m, {}, "admin").at("role"), "owner");

  m.invited = true;
  EXPECT_EQ(MemberStatus(m), "pending");
  m.invite_accepted_at = kT;
  EXPECT_EQ(MemberStatus(m), "member");
  EXPECT_EQ(S(MemberToJson(m, {}, "user").at("invite_accepted_at")), FormatTime(kT));
  m.invite_accepted_at.reset();
  m.invite_rejected_at = kT;
  EXPECT_EQ(MemberStatus(m), "rejected");
}

TEST(ChannelJsonTest, ReadStateShape) {
  server::Member m;
  m.user_id = "bob";
  json::object never = ReadStateToJson(m, {{"id", "bob"}}, 4);
  EXPECT_EQ(S(never.at("last_read")), kZeroTime);
  EXPECT_EQ(never.at("unread_messages"), 4);
  EXPECT_EQ(never.at("user").at("id"), "bob");
  EXPECT_FALSE(never.contains("last_read_message_id"));
  m.last_read = kT;
  m.last_read_message_id = "m1";
  json::object read = ReadStateToJson(m, {{"id", "bob"}}, 0);
  EXPECT_EQ(S(read.at("last_read")), FormatTime(kT));
  EXPECT_EQ(read.at("last_read_message_id"), "m1");
}

}  // namespace
}  // namespace eddy::protocol
