#include "protocol/user_json.h"

#include <gtest/gtest.h>

namespace eddy::protocol {
namespace {

json::object Obj(std::string_view text) { return ParseJsonObject(text).value(); }

server::User SampleUser() {
  server::User u;
  u.id = "luke";
  u.role = "admin";
  u.language = "en";
  u.teams = json::array{"red"};
  u.created_at = 1'000'000;
  u.updated_at = 2'000'000;
  u.last_active = 3'000'000;
  u.custom = Obj(R"({"name":"Luke","image":"http://i","meta":{"a":1},
                     "privacy_settings":{"typing_indicators":{"enabled":false}}})");
  return u;
}

TEST(UserJsonTest, UserResponseHasEveryRequiredKeyAndFlattensCustom) {
  json::object o = UserToJson(SampleUser(), true);
  EXPECT_EQ(o.at("id"), "luke");
  EXPECT_EQ(o.at("role"), "admin");
  EXPECT_EQ(o.at("language"), "en");
  EXPECT_EQ(o.at("teams"), (json::array{"red"}));
  EXPECT_EQ(o.at("created_at"), "1970-01-01T00:00:01.000000Z");
  EXPECT_EQ(o.at("updated_at"), "1970-01-01T00:00:02.000000Z");
  EXPECT_EQ(o.at("last_active"), "1970-01-01T00:00:03.000000Z");
  EXPECT_EQ(o.at("online"), true);
  EXPECT_EQ(o.at("banned"), false);
  EXPECT_EQ(o.at("shadow_banned"), false);
  EXPECT_EQ(o.at("invisible"), false);
  EXPECT_TRUE(o.at("blocked_user_ids").as_array().empty());
  EXPECT_EQ(o.at("name"), "Luke");
  EXPECT_EQ(o.at("image"), "http://i");
  EXPECT_EQ(o.at("meta").at("a"), 1);
  EXPECT_FALSE(o.contains("deactivated_at"));
  EXPECT_FALSE(o.contains("deleted_at"));
  EXPECT_FALSE(o.contains("revoke_tokens_issued_before"));
  EXPECT_FALSE(o.contains("custom"));
}

TEST(UserJsonTest, PrivacySettingsDefaultToEnabledAndHonourOverrides) {
  json::object o = UserToJson(SampleUser(), false);
  const json::object& p = o.at("privacy_settings").as_object();
  EXPECT_EQ(p.at("typing_indicators").at("enabled"), false);
  EXPECT_EQ(p.at("read_receipts").at("enabled"), true);
  EXPECT_EQ(p.at("delivery_receipts").at("enabled"), true);
}

TEST(UserJsonTest, OptionalTimestampsAppearWhenSet) {
  server::User u = SampleUser();
  u.deactivated_at = 5'000'000;
  u.deleted_at = 6'000'000;
  u.revoke_tokens_issued_before = 7'000'000;
  u.last_active.reset();
  json::object o = UserToJson(u, false);
  EXPECT_EQ(o.at("deactivated_at"), "1970-01-01T00:00:05.000000Z");
  EXPECT_EQ(o.at("deleted_at"), "1970-01-01T00:00:06.000000Z");
  EXPECT_EQ(o.at("revoke_tokens_issued_before"), "1970-01-01T00:00:07.000000Z");
  EXPECT_FALSE(o.contains("last_active"));
}

TEST(UserJsonTest, CustomKeysNeverOverrideServerFields) {
  server::User u = SampleUser();
  u.custom["online"] = "forged";
  u.custom["role"] = "forged";
  json::object o = UserToJson(u, false);
  EXPECT_EQ(o.at("online"), false);
  EXPECT_EQ(o.at("role"), "admin");
}

TEST(UserJsonTest, OwnUserAddsArraysAndCounters) {
  OwnUserExtras extras;
  extras.unread_count = 3;
  extras.total_unread_count = 4;
  json::object o = OwnUserToJson(SampleUser(), true, extras);
  EXPECT_TRUE(o.at("devices").is_array());
  EXPECT_TRUE(o.at("mutes").is_array());
  EXPECT_TRUE(o.at("channel_mutes").is_array());
  EXPECT_EQ(o.at("unread_count"), 3);
  EXPECT_EQ(o.at("total_unread_count"), 4);
  EXPECT_EQ(o.at("unread_channels"), 0);
  EXPECT_EQ(o.at("unread_threads"), 0);
  EXPECT_EQ(o.at("roles"), (json::array{"admin"}));
  EXPECT_EQ(o.at("name"), "Luke");
}

TEST(UserJsonTest, ParsesTypedFieldsAndSeparatesCustom) {
  auto in = UserFromJson(Obj(R"({"id":"u1","name":"One","role":"moderator","banned":true,
      "teams":["a"],"language":"fr","invisible":true,"color":"red",
      "revoke_tokens_issued_before":"2024-01-01T00:00:00Z","created_at":"x","online":true})"));
  ASSERT_TRUE(in.ok()) << in.error().message;
  EXPECT_EQ(in->id, "u1");
  EXPECT_EQ(in->role, "moderator");
  EXPECT_EQ(in->banned, true);
  EXPECT_EQ(in->invisible, true);
  EXPECT_EQ(in->language, "fr");
  EXPECT_EQ(*in->teams, (json::array{"a"}));
  ASSERT_TRUE(in->revoke_tokens_issued_before.has_value());
  EXPECT_EQ(**in->revoke_tokens_issued_before, ParseTime("2024-01-01T00:00:00Z"));
  EXPECT_EQ(in->custom, Obj(R"({"name":"One","color":"red"})"));
  EXPECT_EQ(in->read_only_keys, (std::vector<std::string>{"created_at", "online"}));
  EXPECT_TRUE(in->HasPrivilegedField());
}

TEST(UserJsonTest, NullRevocationMeansClear) {
  auto in = UserFromJson(Obj(R"({"id":"u1","revoke_tokens_issued_before":null})"));
  ASSERT_TRUE(in.ok());
  ASSERT_TRUE(in->revoke_tokens_issued_before.has_value());
  EXPECT_FALSE(in->revoke_tokens_issued_before->has_value());
}

TEST(UserJsonTest, RejectsWrongTypesWithCode4) {
  for (const char* text : {
           R"({"id":5})",
           R"({"id":"u1","role":1})",
           R"({"id":"u1","banned":"yes"})",
           R"({"id":"u1","teams":"red"})",
           R"({"id":"u1","teams":[1]})",
           R"({"id":"u1","language":false})",
           R"({"id":"u1","revoke_tokens_issued_before":"yesterday"})",
           R"({"id":"u1","privacy_settings":true})",
       }) {
    auto in = UserFromJson(Obj(text));
    ASSERT_FALSE(in.ok()) << text;
    EXPECT_EQ(in.error().code, ErrorCode::kInput) << text;
    EXPECT_EQ(in.error().http_status, 400) << text;
  }
}

TEST(UserJsonTest, ValidatesIds) {
  EXPECT_TRUE(ValidateUserId("user-1_a@b.c").ok());
  EXPECT_TRUE(ValidateUserId(std::string(255, 'a')).ok());
  EXPECT_FALSE(ValidateUserId("").ok());
  EXPECT_FALSE(ValidateUserId(std::string(256, 'a')).ok());
  EXPECT_FALSE(ValidateUserId("   ").ok());
  EXPECT_FALSE(ValidateUserId("a b").ok());
  EXPECT_FALSE(ValidateUserId("a:b").ok());
  EXPECT_FALSE(ValidateUserId("a|b").ok());
  EXPECT_FALSE(ValidateUserId("a/b").ok());
  EXPECT_FALSE(ValidateUserId("caf\xc3\xa9").ok());
  EXPECT_FALSE(UserFromJson(Obj(R"({"name":"no id"})")).ok());
  EXPECT_TRUE(UserFromJson(Obj(R"({"name":"no id"})"), /*require_id=*/false).ok());
}

TEST(UserJsonTest, ValidatesRoles) {
  for (const char* ok : {"admin", "user", "guest", "anonymous", "moderator", "vip_2"}) {
    EXPECT_TRUE(ValidateRole(ok).ok()) << ok;
  }
  for (const char* bad : {"", "Admin", "2vip", "super admin", "a-b"}) {
    EXPECT_FALSE(ValidateRole(bad).ok()) << bad;
  }
  EXPECT_FALSE(ValidateRole(std::string(65, 'a')).ok());
}

TEST(UserJsonTest, LimitsCustomDataSizeAndKeys) {
  json::object o{{"id", "u1"}, {"bio", std::string(kMaxUserCustomBytes, 'x')}};
  auto big = UserFromJson(o);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code, ErrorCode::kInput);
  EXPECT_NE(big.error().message.find("bytes"), std::string::npos);
  o["bio"] = std::string(kMaxUserCustomBytes - 100, 'x');
  EXPECT_TRUE(UserFromJson(o).ok());
  EXPECT_FALSE(UserFromJson(Obj(R"({"id":"u1","a.b":1})")).ok());
  EXPECT_FALSE(UserFromJson(Obj(R"({"id":"u1","$where":1})")).ok());
}

TEST(UserJsonTest, ClassifiesKeys) {
  EXPECT_EQ(ClassifyUserKey("id"), UserKey::kId);
  EXPECT_EQ(ClassifyUserKey("name"), UserKey::kCustom);
  EXPECT_EQ(ClassifyUserKey("privacy_settings"), UserKey::kCustom);
  EXPECT_EQ(ClassifyUserKey("language"), UserKey::kProfile);
  EXPECT_EQ(ClassifyUserKey("role"), UserKey::kPrivileged);
  EXPECT_EQ(ClassifyUserKey("teams"), UserKey::kPrivileged);
  EXPECT_EQ(ClassifyUserKey("deactivated_at"), UserKey::kReadOnly);
  EXPECT_EQ(ClassifyUserKey("total_unread_count"), UserKey::kReadOnly);
}

}  // namespace
}  // namespace eddy::protocol
