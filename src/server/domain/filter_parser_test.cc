#include "server/domain/filter_parser.h"

#include <gtest/gtest.h>

#include "common/clock.h"
#include "server/domain/user_query.h"

namespace eddy::server {
namespace {

Result<Filter> Parse(std::string_view text, const QuerySpec& spec = UserQuerySpec()) {
  return ParseFilter(ParseJson(text).value(), spec);
}

Filter MustParse(std::string_view text) {
  auto f = Parse(text);
  EXPECT_TRUE(f.ok()) << text << ": " << (f.ok() ? "" : f.error().message);
  return f.ok() ? std::move(f).value() : Filter{};
}

void ExpectInputError(std::string_view text, std::string_view message_part) {
  auto f = Parse(text);
  ASSERT_FALSE(f.ok()) << text;
  EXPECT_EQ(f.error().code, ErrorCode::kInput) << text;
  EXPECT_NE(f.error().message.find(message_part), std::string::npos)
      << text << " -> " << f.error().message;
}

TEST(FilterParserTest, EmptyAndNullMatchEverything) {
  for (const char* text : {"{}", "null"}) {
    Filter f = MustParse(text);
    EXPECT_EQ(f.kind, Filter::Kind::kAnd);
    EXPECT_TRUE(f.children.empty());
  }
}

TEST(FilterParserTest, BareValueIsEq) {
  Filter f = MustParse(R"({"id":"u1"})");
  EXPECT_EQ(f.kind, Filter::Kind::kCondition);
  EXPECT_EQ(f.field, "id");
  EXPECT_EQ(f.op, FilterOp::kEq);
  EXPECT_EQ(f.value, "u1");
}

struct OpCase {
  const char* filter;
  FilterOp op;
  const char* normalised;  // the expected value as JSON
};

TEST(FilterParserTest, EveryOperatorParsesAndNormalises) {
  const std::string t = std::to_string(*ParseTime("2024-05-01T10:00:00.5Z"));
  const std::string in_t = "[" + t + "]";
  const OpCase cases[] = {
      {R"({"role":{"$eq":"admin"}})", FilterOp::kEq, R"("admin")"},
      {R"({"role":{"$ne":"admin"}})", FilterOp::kNe, R"("admin")"},
      {R"({"created_at":{"$gt":"2024-05-01T10:00:00.5Z"}})", FilterOp::kGt, t.c_str()},
      {R"({"updated_at":{"$gte":"2024-05-01T12:00:00.5+02:00"}})", FilterOp::kGte, t.c_str()},
      {R"({"last_active":{"$lt":"2024-05-01T10:00:00.500Z"}})", FilterOp::kLt, t.c_str()},
      {R"({"age":{"$lte":30}})", FilterOp::kLte, "30"},
      {R"({"id":{"$in":["a","b"]}})", FilterOp::kIn, R"(["a","b"])"},
      {R"({"id":{"$nin":[]}})", FilterOp::kNin, "[]"},
      {R"({"deactivated_at":{"$exists":false}})", FilterOp::kExists, "false"},
      {R"({"teams":{"$contains":"red"}})", FilterOp::kContains, R"("red")"},
      {R"({"name":{"$autocomplete":"tom"}})", FilterOp::kAutocomplete, R"("tom")"},
      {R"({"bio":{"$q":"hello"}})", FilterOp::kQ, R"("hello")"},
      {R"({"banned":true})", FilterOp::kEq, "true"},
      {R"({"teams":{"$eq":["a","b"]}})", FilterOp::kEq, R"(["a","b"])"},
      {R"({"teams":{"$in":["a"]}})", FilterOp::kIn, R"(["a"])"},
      {R"({"created_at":{"$in":["2024-05-01T10:00:00.5Z"]}})", FilterOp::kIn, in_t.c_str()},
  };
  for (const OpCase& c : cases) {
    Filter f = MustParse(c.filter);
    EXPECT_EQ(f.kind, Filter::Kind::kCondition) << c.filter;
    EXPECT_EQ(f.op, c.op) << c.filter;
    EXPECT_EQ(f.value, ParseJson(c.normalised).value()) << c.filter;
  }
}

TEST(FilterParserTest, TimeValuesBecomeMicroseconds) {
  Filter f = MustParse(R"({"created_at":{"$gt":"1970-01-01T00:00:01Z"}})");
  ASSERT_TRUE(f.value.is_int64());
  EXPECT_EQ(f.value.as_int64(), 1'000'000);
}

TEST(FilterParserTest, SeveralKeysAndOperatorsAreAnImplicitAnd) {
  Filter f = MustParse(R"({"role":"user","created_at":{"$gt":"2024-01-01T00:00:00Z",
                           "$lt":"2025-01-01T00:00:00Z"}})");
  EXPECT_EQ(f.kind, Filter::Kind::kAnd);
  ASSERT_EQ(f.children.size(), 3u);
  EXPECT_EQ(f.children[0].field, "role");
  EXPECT_EQ(f.children[1].op, FilterOp::kGt);
  EXPECT_EQ(f.children[2].op, FilterOp::kLt);
}

TEST(FilterParserTest, LogicalOperatorsNest) {
  Filter f = MustParse(R"({"$or":[{"role":"admin"},{"$and":[{"banned":false},{"name":"x"}]}],
                           "$nor":[{"id":"bad"}]})");
  ASSERT_EQ(f.kind, Filter::Kind::kAnd);
  ASSERT_EQ(f.children.size(), 2u);
  const Filter& o = f.children[0];
  EXPECT_EQ(o.kind, Filter::Kind::kOr);
  ASSERT_EQ(o.children.size(), 2u);
  EXPECT_EQ(o.children[1].kind, Filter::Kind::kAnd);
  EXPECT_EQ(o.children[1].children.size(), 2u);
  EXPECT_EQ(f.children[1].kind, Filter::Kind::kNor);
}

TEST(FilterParserTest, OrWithOneElementIsAccepted) {
  Filter f = MustParse(R"({"$or":[{"role":"admin"}]})");
  EXPECT_EQ(f.kind, Filter::Kind::kOr);
  EXPECT_EQ(f.children.size(), 1u);
}

TEST(FilterParserTest, CustomFieldsTakeAnyValueAndDotPaths) {
  Filter f = MustParse(R"({"address.city":{"$eq":"Oslo"}})");
  EXPECT_EQ(f.field, "address.city");
  Filter g = MustParse(R"({"meta":{"a":1}})");
  EXPECT_EQ(g.op, FilterOp::kEq);
  EXPECT_TRUE(g.value.is_object());
}

TEST(FilterParserTest, RejectsBadInput) {
  ExpectInputError(R"([])", "must be a JSON object");
  ExpectInputError(R"({"role":{"$regex":"a"}})", "unknown operator '$regex'");
  ExpectInputError(R"({"$xor":[{"id":"a"}]})", "unknown logical operator");
  ExpectInputError(R"({"$or":[]})", "non-empty array");
  ExpectInputError(R"({"$or":{"id":"a"}})", "non-empty array");
  ExpectInputError(R"({"$and":["id"]})", "filter objects");
  ExpectInputError(R"({"id":{"$in":"a"}})", "must be an array");
  ExpectInputError(R"({"id":{"$in":[1]}})", "each a string");
  ExpectInputError(R"({"banned":"yes"})", "must be a boolean");
  ExpectInputError(R"({"created_at":{"$gt":"yesterday"}})", "RFC 3339");
  ExpectInputError(R"({"created_at":{"$gt":12}})", "RFC 3339");
  ExpectInputError(R"({"last_active":{"$exists":"yes"}})", "boolean");
  ExpectInputError(R"({"role":{"$autocomplete":"adm"}})", "not supported on field 'role'");
  ExpectInputError(R"({"banned":{"$gt":true}})", "not supported");
  ExpectInputError(R"({"name":{"$autocomplete":""}})", "non-empty string");
  ExpectInputError(R"({"teams":{"$contains":1}})", "must be a string");
  ExpectInputError(R"({"role":{"$eq":"a","x":1}})", "mixes operators");
  ExpectInputError(R"({"role":{}})", "no operator");
  ExpectInputError(R"({"na me":"x"})", "invalid field name");
  ExpectInputError(R"({"bio":{"$gt":true}})", "a string or a number");
  ExpectInputError(R"({"bio":{"$in":[{"a":1}]}})", "strings, numbers or booleans");
}

TEST(FilterParserTest, RejectsUnknownFieldsWithoutCustomSpec) {
  QuerySpec spec;
  spec.resource = "reactions";
  spec.fields["type"] = {FieldType::kString, {FilterOp::kEq}, true};
  EXPECT_TRUE(Parse(R"({"type":"like"})", spec).ok());
  auto f = Parse(R"({"color":"red"})", spec);
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.error().message.find("not queryable for reactions"), std::string::npos);
}

TEST(FilterParserTest, LimitsDepthConditionsAndInSize) {
  std::string deep = R"({"id":"a"})";
  for (int i = 0; i < 5; ++i) deep = R"({"$and":[)" + deep + "]}";
  ExpectInputError(deep, "nested deeper");
  std::string many = "{";
  for (int i = 0; i < 101; ++i)
    many += (i ? "," : "") + std::string("\"f") + std::to_string(i) + "\":1";
  ExpectInputError(many + "}", "more than 100 conditions");
  std::string in = R"({"id":{"$in":[)";
  for (int i = 0; i < 1001; ++i) in += (i ? ",\"x\"" : "\"x\"");
  ExpectInputError(in + "]}}", "at most 1000");
}

TEST(SortParserTest, ParsesFieldsAndDirections) {
  auto s = ParseSort(ParseJson(R"([{"field":"last_active","direction":-1},
                                   {"field":"name","direction":1,"type":"string"}])")
                         .value(),
                     UserQuerySpec());
  ASSERT_TRUE(s.ok()) << s.error().message;
  ASSERT_EQ(s->size(), 2u);
  EXPECT_EQ((*s)[0].field, "last_active");
  EXPECT_EQ((*s)[0].direction, -1);
  EXPECT_EQ((*s)[1].field, "name");
  EXPECT_EQ((*s)[1].direction, 1);
  EXPECT_TRUE(ParseSort(json::value(), UserQuerySpec())->empty());
  EXPECT_TRUE(ParseSort(json::array(), UserQuerySpec())->empty());
}

TEST(SortParserTest, RejectsBadSorts) {
  for (
      const char* text : {
          R"({"field":"id"})",
          R"([{"direction":1}])",
          R"([{"field":"id","direction":2}])",
          R"([{"field":"id","direction":"asc"}])",
          R"([{"field":"online","direction":1}])",
          R"([{"field":"teams","direction":1}])",
          R"([{"field":"id","direction":1},{"field":"id","direction":-1}])",
          R"([1])",
          R"([{"field":"a"},{"field":"b"},{"field":"c"},{"field":"d"},{"field":"e"},{"field":"f"}])",
      }) {
    auto s = ParseSort(ParseJson(text).value(), UserQuerySpec());
    ASSERT_FALSE(s.ok()) << text;
    EXPECT_EQ(s.error().code, ErrorCode::kInput) << text;
  }
}

TEST(UserQueryTest, PayloadDefaultsAndBounds) {
  auto q = ParseQueryUsers(json::object());
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->limit, kDefaultUserQueryLimit);
  EXPECT_EQ(q->offset, 0);
  EXPECT_FALSE(q->presence);
  EXPECT_FALSE(q->include_deactivated);
  auto p = ParseQueryUsers(ParseJsonObject(R"({"filter_conditions":{"id":"a"},"limit":100,
      "offset":1000,"presence":true,"include_deactivated_users":true})")
                               .value());
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->limit, 100);
  EXPECT_EQ(p->offset, 1000);
  EXPECT_TRUE(p->presence);
  EXPECT_TRUE(p->include_deactivated);
  for (const char* bad :
       {R"({"limit":101})", R"({"limit":-1})", R"({"offset":1001})", R"({"limit":"5"})",
        R"({"presence":"yes"})", R"({"filter_conditions":[]})", R"({"sort":{"id":1}})"}) {
    EXPECT_FALSE(ParseQueryUsers(ParseJsonObject(bad).value()).ok()) << bad;
  }
}

TEST(UserQueryTest, SplitsOnlineConditions) {
  Filter f = MustParse(R"({"online":true,"role":"user"})");
  auto online = SplitOnlineFilter(f);
  ASSERT_TRUE(online.ok());
  EXPECT_EQ(*online, true);
  ASSERT_EQ(f.children.size(), 1u);
  EXPECT_EQ(f.children[0].field, "role");

  Filter g = MustParse(R"({"online":{"$ne":true}})");
  EXPECT_EQ(*SplitOnlineFilter(g), false);
  EXPECT_TRUE(g.children.empty());

  Filter none = MustParse(R"({"role":"user"})");
  EXPECT_FALSE(SplitOnlineFilter(none)->has_value());

  Filter nested = MustParse(R"({"$or":[{"online":true},{"role":"admin"}]})");
  EXPECT_FALSE(SplitOnlineFilter(nested).ok());
  Filter contradictory = MustParse(R"({"online":{"$eq":true,"$ne":true}})");
  EXPECT_FALSE(SplitOnlineFilter(contradictory).ok());
}

}  // namespace
}  // namespace eddy::server
