#include "protocol/message_json.h"

#include <gtest/gtest.h>

namespace eddy::protocol {
namespace {

json::object Obj(std::string_view text) { return ParseJsonObject(text).value(); }

server::Message SampleMessage() {
  server::Message m;
  m.id = "m1";
  m.channel_type = "messaging";
  m.channel_id = "general";
  m.user_id = "luke";
  m.text = "a < b & \"c\"";
  m.attachments = json::array{json::object{{"type", "image"}, {"image_url", "http://i"}}};
  m.created_at = 1'000'000;
  m.updated_at = 2'000'000;
  m.reply_count = 2;
  m.custom = Obj(R"({"color":"red","meta":{"a":1}})");
  return m;
}

TEST(MessageJsonTest, ParsesTypedFieldsAndKeepsCustomKeys) {
  auto in = MessageFromJson(Obj(R"({
      "id":"abc-1","text":"hi @u2","type":"regular","parent_id":"p1","show_in_channel":true,
      "quoted_message_id":"q1","mentioned_users":["u2",{"id":"u3"},"u2"],
      "attachments":[{"type":"file"}],"silent":true,"pinned":true,
      "pin_expires":"2030-01-01T00:00:00Z","user":{"id":"admin"},"color":"red",
      "html":"<b>x</b>","reply_count":9,"mentioned_here":true})"));
  ASSERT_TRUE(in.ok()) << in.error().message;
  EXPECT_EQ(*in->id, "abc-1");
  EXPECT_EQ(*in->text, "hi @u2");
  EXPECT_EQ(*in->type, "regular");
  EXPECT_EQ(*in->parent_id, "p1");
  EXPECT_TRUE(*in->show_in_channel);
  EXPECT_EQ(*in->quoted_message_id, "q1");
  EXPECT_EQ(*in->mentioned_users, (std::vector<std::string>{"u2", "u3"}));
  EXPECT_EQ(in->attachments->size(), 1u);
  EXPECT_TRUE(*in->silent);
  EXPECT_TRUE(*in->pinned);
  EXPECT_EQ(**in->pin_expires, *ParseTime("2030-01-01T00:00:00Z"));
  EXPECT_EQ(in->user_id, "admin");
  // Server-computed keys a client echoes back never become custom data.
  EXPECT_EQ(in->custom, Obj(R"({"color":"red"})"));
}

TEST(MessageJsonTest, NullPinExpiresIsPresentButEmpty) {
  auto in = MessageFromJson(Obj(R"({"pin_expires":null,"text":null})"));
  ASSERT_TRUE(in.ok());
  ASSERT_TRUE(in->pin_expires.has_value());
  EXPECT_FALSE(in->pin_expires->has_value());
  EXPECT_FALSE(in->text.has_value());
}

TEST(MessageJsonTest, RefusesBadInputWithCode4) {
  const char* bad[] = {
      R"({"text":5})",
      R"({"id":""})",
      R"({"id":"a/b"})",
      R"({"id":"a,b"})",
      R"({"type":"deleted"})",
      R"({"type":"ephemeral"})",
      R"({"silent":"yes"})",
      R"({"attachments":{}})",
      R"({"attachments":[1]})",
      R"({"mentioned_users":[5]})",
      R"({"mentioned_users":"u1"})",
      R"({"pin_expires":"tomorrow"})",
      R"({"user":{"id":5}})",
      R"({"user_id":"a","user":{"id":"b"}})",
      R"({"a.b":1})",
      R"({"$x":1})",
  };
  for (const char* text : bad) {
    auto in = MessageFromJson(Obj(text));
    ASSERT_FALSE(in.ok()) << text;
    EXPECT_EQ(in.error().code, ErrorCode::kInput) << text;
  }
}

TEST(MessageJsonTest, EnforcesCountLimits) {
  json::array atts, mentions;
  for (int i = 0; i < 31; ++i) atts.push_back(json::object{{"type", "file"}});
  for (int i = 0; i < 101; ++i) mentions.push_back(json::string("u" + std::to_string(i)));
  EXPECT_FALSE(MessageFromJson({{"attachments", atts}}).ok());
  atts.pop_back();
  EXPECT_TRUE(MessageFromJson({{"attachments", atts}}).ok());
  EXPECT_FALSE(MessageFromJson({{"mentioned_users", mentions}}).ok());
  mentions.pop_back();
  EXPECT_TRUE(MessageFromJson({{"mentioned_users", mentions}}).ok());
  EXPECT_FALSE(MessageFromJson({{"id", std::string(256, 'a')}}).ok());
  EXPECT_TRUE(MessageFromJson({{"id", std::string(255, 'a')}}).ok());
  EXPECT_FALSE(MessageFromJson({{"blob", std::string(6000, 'x')}}).ok());
}

TEST(MessageJsonTest, TextLengthCountsCodePointsAndUsesCode20) {
  EXPECT_TRUE(CheckMessageText("héllo", 5).ok());
  Status s = CheckMessageText("héllo!", 5);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kMessageTooLong);
  EXPECT_EQ(s.error().http_status, 400);
}

TEST(MessageJsonTest, HtmlEscapesAndWrapsInOneParagraph) {
  EXPECT_EQ(MessageHtml("Test"), "<p>Test</p>\n");
  EXPECT_EQ(MessageHtml("<a href='x'>&"), "<p>&lt;a href=&#39;x&#39;&gt;&amp;</p>\n");
  EXPECT_EQ(MessageHtml(""), "");
}

TEST(MessageJsonTest, MessageResponseHasEveryFieldAndFlattensCustom) {
  MessageExtras x;
  x.user = {{"id", "luke"}};
  x.latest_reactions.push_back(json::object{{"type", "like"},
                                            {"user_id", "leia"},
                                            {"user", json::object{{"id", "leia"}}},
                                            {"created_at", "t"}});
  server::ReactionGroup g;
  g.type = "like";
  g.count = 1;
  g.sum_scores = 3;
  g.first_reaction_at = 5'000'000;
  g.last_reaction_at = 5'000'000;
  x.reaction_groups.push_back(g);
  json::object o = MessageToJson(SampleMessage(), std::move(x));
  EXPECT_EQ(o.at("id"), "m1");
  EXPECT_EQ(o.at("text"), "a < b & \"c\"");
  EXPECT_EQ(o.at("html"), "<p>a &lt; b &amp; &#34;c&#34;</p>\n");
  EXPECT_EQ(o.at("type"), "regular");
  EXPECT_EQ(o.at("cid"), "messaging:general");
  EXPECT_EQ(o.at("user").at("id"), "luke");
  EXPECT_EQ(o.at("attachments").as_array().size(), 1u);
  EXPECT_EQ(o.at("reaction_counts"), Obj(R"({"like":1})"));
  EXPECT_EQ(o.at("reaction_scores"), Obj(R"({"like":3})"));
  const json::object& group = o.at("reaction_groups").at("like").as_object();
  EXPECT_EQ(group.at("count"), 1);
  EXPECT_EQ(group.at("sum_scores"), 3);
  EXPECT_EQ(group.at("first_reaction_at"), "1970-01-01T00:00:05.000000Z");
  EXPECT_EQ(group.at("latest_reactions_by").as_array().size(), 1u);
  EXPECT_EQ(o.at("reply_count"), 2);
  EXPECT_EQ(o.at("deleted_reply_count"), 0);
  EXPECT_FALSE(o.contains("parent_id"));
  EXPECT_FALSE(o.contains("quoted_message_id"));
  EXPECT_TRUE(o.at("pinned_at").is_null());
  EXPECT_TRUE(o.at("pinned_by").is_null());
  EXPECT_TRUE(o.at("pin_expires").is_null());
  EXPECT_EQ(o.at("mentioned_channel"), false);
  EXPECT_EQ(o.at("mentioned_here"), false);
  EXPECT_EQ(o.at("created_at"), "1970-01-01T00:00:01.000000Z");
  EXPECT_EQ(o.at("updated_at"), "1970-01-01T00:00:02.000000Z");
  EXPECT_FALSE(o.contains("deleted_at"));
  EXPECT_EQ(o.at("color"), "red");
  EXPECT_EQ(o.at("meta").at("a"), 1);
  for (const char* key : {"latest_reactions", "own_reactions", "thread_participants",
                          "mentioned_users", "silent", "shadowed", "pinned", "show_in_channel"}) {
    EXPECT_TRUE(o.contains(key)) << key;
  }
}

TEST(MessageJsonTest, ReservedKeysInStoredCustomNeverOverwriteComputedFields) {
  server::Message m = SampleMessage();
  m.custom["reply_count"] = 99;
  m.custom["text"] = "forged";
  json::object o = MessageToJson(m, {});
  EXPECT_EQ(o.at("reply_count"), 2);
  EXPECT_EQ(o.at("text"), "a < b & \"c\"");
}

TEST(MessageJsonTest, DeletedMessageRendersWithoutContent) {
  server::Message m = SampleMessage();
  m.type = "deleted";
  m.deleted_at = 3'000'000;
  json::object o = MessageToJson(m, {});
  EXPECT_EQ(o.at("type"), "deleted");
  EXPECT_EQ(o.at("text"), "");
  EXPECT_EQ(o.at("html"), "");
  EXPECT_TRUE(o.at("attachments").as_array().empty());
  EXPECT_EQ(o.at("deleted_at"), "1970-01-01T00:00:03.000000Z");
}

TEST(MessageJsonTest, ReplyAndQuoteAndPinFields) {
  server::Message m = SampleMessage();
  m.type = "reply";
  m.parent_id = "p1";
  m.quoted_message_id = "q1";
  m.pinned = true;
  m.pinned_at = 4'000'000;
  MessageExtras x;
  x.quoted_message = json::object{{"id", "q1"}};
  x.pinned_by = json::object{{"id", "leia"}};
  json::object o = MessageToJson(m, std::move(x));
  EXPECT_EQ(o.at("parent_id"), "p1");
  EXPECT_EQ(o.at("quoted_message_id"), "q1");
  EXPECT_EQ(o.at("quoted_message").at("id"), "q1");
  EXPECT_EQ(o.at("pinned_at"), "1970-01-01T00:00:04.000000Z");
  EXPECT_EQ(o.at("pinned_by").at("id"), "leia");
}

TEST(MessageJsonTest, ReactionInputAndResponse) {
  auto in = ReactionFromJson(Obj(R"({"type":"love","score":3,"user_id":"u1","mood":"x",
                                     "created_at":"t"})"));
  ASSERT_TRUE(in.ok()) << in.error().message;
  EXPECT_EQ(in->type, "love");
  EXPECT_EQ(in->score, 3);
  EXPECT_EQ(in->user_id, "u1");
  EXPECT_EQ(in->custom, Obj(R"({"mood":"x"})"));
  EXPECT_EQ(ReactionFromJson(Obj(R"({"type":"like"})"))->score, 1);

  for (const char* text : {R"({})", R"({"type":""})", R"({"type":"a/b"})", R"({"type":"a b"})",
                           R"({"type":"like","score":-1})", R"({"type":"like","score":1.5})",
                           R"({"type":"0123456789012345678901234567890"})"}) {
    EXPECT_FALSE(ReactionFromJson(Obj(text)).ok()) << text;
  }

  server::Reaction r;
  r.message_id = "m1";
  r.user_id = "u1";
  r.type = "love";
  r.score = 3;
  r.created_at = 1'000'000;
  r.updated_at = 1'000'000;
  r.custom = Obj(R"({"mood":"x","type":"forged"})");
  json::object o = ReactionToJson(r, {{"id", "u1"}});
  EXPECT_EQ(o.at("message_id"), "m1");
  EXPECT_EQ(o.at("user_id"), "u1");
  EXPECT_EQ(o.at("user").at("id"), "u1");
  EXPECT_EQ(o.at("type"), "love");
  EXPECT_EQ(o.at("score"), 3);
  EXPECT_EQ(o.at("mood"), "x");
  EXPECT_EQ(o.at("created_at"), "1970-01-01T00:00:01.000000Z");
}

}  // namespace
}  // namespace eddy::protocol
