// The translation's own guarantees, independent of any engine: nothing from a filter reaches
// the SQL text except through parameters, placeholders continue the caller's numbering, keys
// are checked, LIKE patterns are escaped. Semantics are proven per backend by the storetest
// suites.
#include "server/storage/sql/filter_sql.h"

#include <gtest/gtest.h>

namespace eddy::server::sql {
namespace {

// Renders every hook as a readable token, so the tests can see the shape of the SQL.
class FakeDialect final : public SqlDialect {
 public:
  std::string Placeholder(std::size_t i) const override { return "$" + std::to_string(i); }
  std::string JsonKeyParam(std::string_view key) const override { return "key:" + S(key); }
  std::string JsonHasKind(std::string_view c, std::string_view k, JsonKind kind) const override {
    return "kind(" + S(c) + "," + S(k) + ")=" + std::to_string(static_cast<int>(kind));
  }
  std::string JsonScalar(std::string_view c, std::string_view k, JsonKind) const override {
    return "val(" + S(c) + "," + S(k) + ")";
  }
  std::string JsonIsPresent(std::string_view c, std::string_view k) const override {
    return "present(" + S(c) + "," + S(k) + ")";
  }
  std::string JsonArrayContains(std::string_view c, std::string_view k, JsonKind,
                                std::string_view v) const override {
    return "has(" + S(c) + "," + S(k) + "," + S(v) + ")";
  }
  std::string JsonArrayLength(std::string_view c) const override { return "len(" + S(c) + ")"; }
  std::string JsonSortKey(std::string_view c, std::string_view k) const override {
    return "sortkey(" + S(c) + "," + S(k) + ")";
  }
  std::string CaseInsensitiveLike(std::string_view e, std::string_view p) const override {
    return S(e) + " ILIKE " + S(p);
  }

 private:
  static std::string S(std::string_view s) { return std::string(s); }
};

constexpr Column kColumns[] = {
    {"id", "id", ColumnType::kString, false},
    {"banned", "banned", ColumnType::kBool, false},
    {"created_at", "created_at", ColumnType::kTime, false},
    {"last_active", "last_active", ColumnType::kTime, true},
    {"teams", "teams", ColumnType::kStringArray, false},
};
const TableSchema kSchema = {kColumns, "custom", "created_at", "id"};

Filter Cond(std::string field, FilterOp op, json::value v) {
  Filter f;
  f.kind = Filter::Kind::kCondition;
  f.field = std::move(field);
  f.op = op;
  f.value = std::move(v);
  return f;
}

class FilterSqlTest : public ::testing::Test {
 protected:
  Result<std::string> Where(const Filter& f) {
    FilterTranslator t(kSchema, dialect_, &params_);
    return t.Where(f);
  }
  Result<std::string> OrderBy(const std::vector<SortField>& s) {
    FilterTranslator t(kSchema, dialect_, &params_);
    return t.OrderBy(s);
  }

  FakeDialect dialect_;
  std::vector<SqlParam> params_;
};

TEST_F(FilterSqlTest, ValuesAndKeysOnlyTravelAsParameters) {
  auto sql = Where(Cond("name'--", FilterOp::kEq, "Robert'); DROP TABLE users;--"));
  ASSERT_TRUE(sql.ok()) << sql.error().message;
  EXPECT_EQ(sql->find("Robert"), std::string::npos);
  EXPECT_EQ(sql->find("name'"), std::string::npos);
  ASSERT_EQ(params_.size(), 2u);
  EXPECT_EQ(std::get<std::string>(params_[0]), "key:name'--");
  EXPECT_EQ(std::get<std::string>(params_[1]), "Robert'); DROP TABLE users;--");
}

TEST_F(FilterSqlTest, PlaceholdersContinueTheCallersNumbering) {
  params_.push_back(std::string("app"));
  auto sql = Where(Cond("id", FilterOp::kIn, json::array{"a", "b"}));
  ASSERT_TRUE(sql.ok());
  EXPECT_EQ(*sql, "(id IN ($2, $3))");
}

TEST_F(FilterSqlTest, NullableAndCustomPredicatesAreMadeTwoValued) {
  auto ne = Where(Cond("last_active", FilterOp::kNe, 5));
  ASSERT_TRUE(ne.ok());
  EXPECT_EQ(*ne, "NOT COALESCE(last_active = $1, FALSE)");
  auto custom = Where(Cond("age", FilterOp::kGt, 3));
  ASSERT_TRUE(custom.ok());
  EXPECT_EQ(*custom, "COALESCE(kind(custom,$2)=1 AND val(custom,$2) > $3, FALSE)");
}

TEST_F(FilterSqlTest, EmptyLogicalNodes) {
  EXPECT_EQ(Where(Filter{}).value(), "TRUE");
  Filter any;
  any.kind = Filter::Kind::kOr;
  EXPECT_EQ(Where(any).value(), "FALSE");
  Filter none;
  none.kind = Filter::Kind::kNor;
  EXPECT_EQ(Where(none).value(), "TRUE");
}

TEST_F(FilterSqlTest, LikePatternsAreEscaped) {
  ASSERT_TRUE(Where(Cond("id", FilterOp::kQ, "50%_\\")).ok());
  ASSERT_EQ(params_.size(), 1u);
  EXPECT_EQ(std::get<std::string>(params_[0]), "%50\\%\\_\\\\%");
}

TEST_F(FilterSqlTest, ParametersKeepTheirJsonType) {
  ASSERT_TRUE(Where(Cond("banned", FilterOp::kEq, true)).ok());
  ASSERT_TRUE(Where(Cond("n", FilterOp::kEq, std::uint64_t{18446744073709551615u})).ok());
  ASSERT_TRUE(Where(Cond("n", FilterOp::kEq, 2.5)).ok());
  ASSERT_EQ(params_.size(), 5u);
  EXPECT_TRUE(std::get<bool>(params_[0]));
  EXPECT_EQ(std::get<double>(params_[2]), 18446744073709551615.0);
  EXPECT_EQ(std::get<double>(params_[4]), 2.5);
}

TEST_F(FilterSqlTest, OrderByAddsDefaultAndTiebreak) {
  EXPECT_EQ(OrderBy({}).value(), "created_at ASC, id ASC");
  EXPECT_EQ(OrderBy({{"id", -1}}).value(), "id DESC");
  EXPECT_EQ(OrderBy({{"last_active", -1}}).value(), "last_active DESC NULLS LAST, id ASC");
  EXPECT_EQ(OrderBy({{"name", 1}}).value(), "sortkey(custom,$1) ASC NULLS LAST, id ASC");
  EXPECT_FALSE(OrderBy({{"teams", 1}}).ok());
  EXPECT_FALSE(OrderBy({{"id", 2}}).ok());
}

// A schema with a set held in another table, a counter and a sort expression.
constexpr Column kOwnerColumns[] = {
    {"cid", "o.cid", ColumnType::kString, false},
    {"count", "o.count", ColumnType::kNumber, false},
    {"last_at", "o.last_at", ColumnType::kTime, true, "COALESCE(o.last_at, o.created_at)"},
};
constexpr SetColumn kOwnerSets[] = {
    {"members", "o.cid", "FROM m WHERE m.app = $1", "m.cid", "m.user"},
};
const TableSchema kOwnerSchema = {kOwnerColumns, "o.custom", "cid", "o.cid", kOwnerSets};

class SetColumnTest : public ::testing::Test {
 protected:
  Result<std::string> Where(const Filter& f) {
    FilterTranslator t(kOwnerSchema, dialect_, &params_);
    return t.Where(f);
  }
  Result<std::string> OrderBy(const std::vector<SortField>& s) {
    FilterTranslator t(kOwnerSchema, dialect_, &params_);
    return t.OrderBy(s);
  }

  FakeDialect dialect_;
  std::vector<SqlParam> params_ = {std::string("app")};
};

TEST_F(SetColumnTest, AnyElementIsOneUncorrelatedSubquery) {
  auto sql = Where(Cond("members", FilterOp::kIn, json::array{"a", "b", "a"}));
  ASSERT_TRUE(sql.ok()) << sql.error().message;
  EXPECT_EQ(*sql,
            "COALESCE(o.cid IN (SELECT m.cid FROM m WHERE m.app = $1 AND m.user IN ($2, $3)), "
            "FALSE)");
  ASSERT_EQ(params_.size(), 3u);  // the repeated "a" is bound once
  EXPECT_EQ(Where(Cond("members", FilterOp::kIn, json::array{})).value(), "FALSE");
  EXPECT_EQ(Where(Cond("members", FilterOp::kNin, json::array{})).value(), "NOT FALSE");
}

TEST_F(SetColumnTest, ExactSetChecksMembershipAndSize) {
  auto sql = Where(Cond("members", FilterOp::kEq, json::array{"a", "b"}));
  ASSERT_TRUE(sql.ok()) << sql.error().message;
  EXPECT_EQ(*sql,
            "COALESCE(o.cid IN (SELECT m.cid FROM m WHERE m.app = $1 AND m.user IN ($2, $3) "
            "GROUP BY m.cid HAVING COUNT(*) = $4) AND (SELECT COUNT(*) FROM m WHERE m.app = $1 "
            "AND m.cid = o.cid) = $4, FALSE)");
  params_.resize(1);
  EXPECT_EQ(Where(Cond("members", FilterOp::kEq, json::array{})).value(),
            "((SELECT COUNT(*) FROM m WHERE m.app = $1 AND m.cid = o.cid) = 0)");
  EXPECT_EQ(params_.size(), 1u);  // nothing bound that the SQL does not use
}

TEST_F(SetColumnTest, RejectsWhatASetCannotDo) {
  EXPECT_FALSE(Where(Cond("members", FilterOp::kGt, "a")).ok());
  EXPECT_FALSE(Where(Cond("members", FilterOp::kIn, json::array{1})).ok());
  EXPECT_FALSE(Where(Cond("members", FilterOp::kContains, json::array{"a"})).ok());
  EXPECT_FALSE(OrderBy({{"members", 1}}).ok());
}

TEST_F(SetColumnTest, NumberColumnsTakeNumbersOnly) {
  EXPECT_EQ(Where(Cond("count", FilterOp::kGte, 2)).value(), "(o.count >= $2)");
  EXPECT_TRUE(Where(Cond("count", FilterOp::kLt, 2.5)).ok());
  EXPECT_FALSE(Where(Cond("count", FilterOp::kEq, "2")).ok());
  EXPECT_FALSE(Where(Cond("count", FilterOp::kEq, true)).ok());
}

TEST_F(SetColumnTest, SortExpressionReplacesTheColumnInOrderByOnly) {
  EXPECT_EQ(OrderBy({{"last_at", -1}}).value(),
            "COALESCE(o.last_at, o.created_at) DESC, o.cid ASC");
  EXPECT_EQ(Where(Cond("last_at", FilterOp::kExists, false)).value(),
            "NOT (o.last_at IS NOT NULL)");
}

TEST(CustomKeyTest, Validity) {
  EXPECT_TRUE(IsValidCustomKey("name"));
  EXPECT_TRUE(IsValidCustomKey("a.b c-d_e"));
  EXPECT_TRUE(IsValidCustomKey("名前"));
  EXPECT_TRUE(IsValidCustomKey(std::string(255, 'k')));
  EXPECT_FALSE(IsValidCustomKey(""));
  EXPECT_FALSE(IsValidCustomKey(std::string(256, 'k')));
  EXPECT_FALSE(IsValidCustomKey("a\"b"));
  EXPECT_FALSE(IsValidCustomKey("a\\b"));
  EXPECT_FALSE(IsValidCustomKey("a\nb"));
  EXPECT_FALSE(IsValidCustomKey(std::string("a\0b", 3)));
  EXPECT_FALSE(IsValidCustomKey("a\x7f"));
}

}  // namespace
}  // namespace eddy::server::sql
