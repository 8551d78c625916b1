#include "server/storage/sql/filter_sql.h"

#include <cstdint>
#include <optional>
#include <set>
#include <utility>

namespace eddy::server::sql {

namespace {

std::string_view OpName(FilterOp op) {
  switch (op) {
    case FilterOp::kEq:
      return "$eq";
    case FilterOp::kNe:
      return "$ne";
    case FilterOp::kGt:
      return "$gt";
    case FilterOp::kGte:
      return "$gte";
    case FilterOp::kLt:
      return "$lt";
    case FilterOp::kLte:
      return "$lte";
    case FilterOp::kIn:
      return "$in";
    case FilterOp::kNin:
      return "$nin";
    case FilterOp::kExists:
      return "$exists";
    case FilterOp::kContains:
      return "$contains";
    case FilterOp::kAutocomplete:
      return "$autocomplete";
    case FilterOp::kQ:
      return "$q";
  }
  return "?";
}

std::string_view Comparison(FilterOp op) {
  switch (op) {
    case FilterOp::kGt:
      return " > ";
    case FilterOp::kGte:
      return " >= ";
    case FilterOp::kLt:
      return " < ";
    case FilterOp::kLte:
      return " <= ";
    default:
      return " = ";
  }
}

Error Unsupported(std::string_view field, FilterOp op) {
  return Error::Input("operator " + std::string(OpName(op)) + " is not supported for field '" +
                      std::string(field) + "'");
}

Error BadValue(std::string_view field, FilterOp op, std::string_view want) {
  return Error::Input("field '" + std::string(field) + "' with " + std::string(OpName(op)) +
                      " needs " + std::string(want));
}

// NULL (an absent value) becomes false, so NOT and $nor see a two-valued result.
std::string NotNull(std::string_view predicate) {
  return "COALESCE(" + std::string(predicate) + ", FALSE)";
}

std::string Not(std::string_view two_valued) { return "NOT " + std::string(two_valued); }

std::string EscapeLike(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    if (ch == '\\' || ch == '%' || ch == '_') out.push_back('\\');
    out.push_back(ch);
  }
  return out;
}

// A JSON scalar as a typed parameter; nullopt for null, arrays and objects.
std::optional<std::pair<JsonKind, SqlParam>> ScalarParam(const json::value& v) {
  if (v.is_string()) return std::pair{JsonKind::kString, SqlParam(std::string(v.get_string()))};
  if (v.is_bool()) return std::pair{JsonKind::kBool, SqlParam(v.get_bool())};
  if (v.is_int64()) return std::pair{JsonKind::kNumber, SqlParam(v.get_int64())};
  if (v.is_uint64()) {
    std::uint64_t u = v.get_uint64();
    if (u <= static_cast<std::uint64_t>(INT64_MAX)) {
      return std::pair{JsonKind::kNumber, SqlParam(static_cast<std::int64_t>(u))};
    }
    return std::pair{JsonKind::kNumber, SqlParam(static_cast<double>(u))};
  }
  if (v.is_double()) return std::pair{JsonKind::kNumber, SqlParam(v.get_double())};
  return std::nullopt;
}

std::optional<std::int64_t> IntValue(const json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    return static_cast<std::int64_t>(v.get_uint64());
  }
  return std::nullopt;
}

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += sep;
    out += parts[i];
  }
  return out;
}

}  // namespace

bool IsValidCustomKey(std::string_view key) {
  if (key.empty() || key.size() > 255) return false;
  for (char ch : key) {
    auto u = static_cast<unsigned char>(ch);
    if (u < 0x20 || u == 0x7f || ch == '"' || ch == '\\') return false;
  }
  return true;
}

std::string FilterTranslator::Bind(SqlParam p) {
  params_->push_back(std::move(p));
  return dialect_.Placeholder(params_->size());
}

const Column* FilterTranslator::FindColumn(std::string_view field) const {
  for (const Column& c : schema_.columns) {
    if (c.field == field) return &c;
  }
  return nullptr;
}

const SetColumn* FilterTranslator::FindSet(std::string_view field) const {
  for (const SetColumn& c : schema_.sets) {
    if (c.field == field) return &c;
  }
  return nullptr;
}

Result<std::string> FilterTranslator::Where(const Filter& filter) { return Condition(filter); }

Result<std::string> FilterTranslator::Condition(const Filter& f) {
  if (f.kind != Filter::Kind::kCondition) return Logical(f);
  if (const SetColumn* set = FindSet(f.field)) return SetCondition(*set, f);
  const Column* c = FindColumn(f.field);
  if (c == nullptr) return CustomCondition(f);
  if (c->type == ColumnType::kStringArray) return ArrayColumnCondition(*c, f);
  return ScalarColumnCondition(*c, f);
}

Result<std::string> FilterTranslator::Logical(const Filter& f) {
  std::vector<std::string> parts;
  for (const Filter& child : f.children) {
    EDDY_ASSIGN_OR_RETURN(std::string sql, Condition(child));
    parts.push_back(std::move(sql));
  }
  switch (f.kind) {
    case Filter::Kind::kAnd:
      return parts.empty() ? std::string("TRUE") : "(" + Join(parts, " AND ") + ")";
    case Filter::Kind::kOr:
      return parts.empty() ? std::string("FALSE") : "(" + Join(parts, " OR ") + ")";
    case Filter::Kind::kNor:
      return parts.empty() ? std::string("TRUE") : "NOT (" + Join(parts, " OR ") + ")";
    case Filter::Kind::kCondition:
      break;
  }
  return Error::Internal("unexpected filter kind");
}

Result<std::string> FilterTranslator::ScalarColumnCondition(const Column& c, const Filter& f) {
  const std::string col(c.name);
  // Binds one operand after checking it has the column's type.
  auto operand = [&](const json::value& v) -> Result<std::string> {
    switch (c.type) {
      case ColumnType::kString:
        if (!v.is_string()) return BadValue(f.field, f.op, "a string");
        return Bind(std::string(v.get_string()));
      case ColumnType::kBool:
        if (!v.is_bool()) return BadValue(f.field, f.op, "a boolean");
        return Bind(v.get_bool());
      case ColumnType::kTime: {
        std::optional<std::int64_t> t = IntValue(v);
        if (!t) return BadValue(f.field, f.op, "a timestamp");
        return Bind(*t);
      }
      case ColumnType::kNumber: {
        auto scalar = ScalarParam(v);
        if (!scalar || scalar->first != JsonKind::kNumber) {
          return BadValue(f.field, f.op, "a number");
        }
        return Bind(std::move(scalar->second));
      }
      case ColumnType::kStringArray:
        break;
    }
    return Error::Internal("array column in scalar condition");
  };
  auto positive = [&](const std::string& p) { return c.nullable ? NotNull(p) : "(" + p + ")"; };

  switch (f.op) {
    case FilterOp::kEq:
    case FilterOp::kNe: {
      EDDY_ASSIGN_OR_RETURN(std::string ph, operand(f.value));
      std::string eq = positive(col + " = " + ph);
      return f.op == FilterOp::kEq ? eq : Not(eq);
    }
    case FilterOp::kGt:
    case FilterOp::kGte:
    case FilterOp::kLt:
    case FilterOp::kLte: {
      if (c.type == ColumnType::kBool) return Unsupported(f.field, f.op);
      EDDY_ASSIGN_OR_RETURN(std::string ph, operand(f.value));
      return positive(col + std::string(Comparison(f.op)) + ph);
    }
    case FilterOp::kIn:
    case FilterOp::kNin: {
      if (!f.value.is_array()) return BadValue(f.field, f.op, "an array");
      const json::array& values = f.value.get_array();
      if (values.empty()) return std::string(f.op == FilterOp::kIn ? "FALSE" : "TRUE");
      std::vector<std::string> phs;
      for (const json::value& v : values) {
        EDDY_ASSIGN_OR_RETURN(std::string ph, operand(v));
        phs.push_back(std::move(ph));
      }
      std::string in = positive(col + " IN (" + Join(phs, ", ") + ")");
      return f.op == FilterOp::kIn ? in : Not(in);
    }
    case FilterOp::kExists: {
      if (!f.value.is_bool()) return BadValue(f.field, f.op, "a boolean");
      std::string present = c.nullable ? "(" + col + " IS NOT NULL)" : std::string("TRUE");
      return f.value.get_bool() ? present : Not(present);
    }
    case FilterOp::kAutocomplete:
    case FilterOp::kQ: {
      if (c.type != ColumnType::kString) return Unsupported(f.field, f.op);
      if (!f.value.is_string()) return BadValue(f.field, f.op, "a string");
      std::string text = EscapeLike(f.value.get_string());
      if (f.op == FilterOp::kQ) {
        return positive(dialect_.CaseInsensitiveLike(col, Bind("%" + text + "%")));
      }
      return positive(dialect_.CaseInsensitiveLike(col, Bind(text + "%")) + " OR " +
                      dialect_.CaseInsensitiveLike(col, Bind("% " + text + "%")));
    }
    case FilterOp::kContains:
      break;
  }
  return Unsupported(f.field, f.op);
}

Result<std::string> FilterTranslator::ArrayColumnCondition(const Column& c, const Filter& f) {
  auto contains = [&](const json::value& v) -> Result<std::string> {
    if (!v.is_string()) return BadValue(f.field, f.op, "strings");
    return NotNull(dialect_.JsonArrayContains(c.name, "", JsonKind::kString,
                                              Bind(std::string(v.get_string()))));
  };
  switch (f.op) {
    case FilterOp::kContains:
      return contains(f.value);
    case FilterOp::kEq:
    case FilterOp::kNe: {
      std::string eq;
      if (f.value.is_array()) {
        // The same elements, in any order.
        const json::array& values = f.value.get_array();
        std::vector<std::string> parts = {NotNull(dialect_.JsonArrayLength(c.name) + " = " +
                                                  Bind(static_cast<std::int64_t>(values.size())))};
        for (const json::value& v : values) {
          EDDY_ASSIGN_OR_RETURN(std::string part, contains(v));
          parts.push_back(std::move(part));
        }
        eq = "(" + Join(parts, " AND ") + ")";
      } else {
        EDDY_ASSIGN_OR_RETURN(eq, contains(f.value));
      }
      return f.op == FilterOp::kEq ? eq : Not(eq);
    }
    case FilterOp::kIn:
    case FilterOp::kNin: {
      if (!f.value.is_array()) return BadValue(f.field, f.op, "an array");
      std::vector<std::string> parts;
      for (const json::value& v : f.value.get_array()) {
        EDDY_ASSIGN_OR_RETURN(std::string part, contains(v));
        parts.push_back(std::move(part));
      }
      std::string any = parts.empty() ? "FALSE" : "(" + Join(parts, " OR ") + ")";
      return f.op == FilterOp::kIn ? any : Not(any);
    }
    case FilterOp::kExists: {
      if (!f.value.is_bool()) return BadValue(f.field, f.op, "a boolean");
      std::string nonempty = NotNull(dialect_.JsonArrayLength(c.name) + " > 0");
      return f.value.get_bool() ? nonempty : Not(nonempty);
    }
    default:
      break;
  }
  return Unsupported(f.field, f.op);
}

Result<std::string> FilterTranslator::SetCondition(const SetColumn& c, const Filter& f) {
  const std::string owner(c.owner), rows(c.rows), row_owner(c.row_owner);
  // Distinct elements, each bound once; nullopt if one is not a string.
  auto elements = [&](const json::value& v) -> Result<std::vector<std::string>> {
    std::vector<std::string> phs;
    std::set<std::string, std::less<>> seen;
    const json::array single = {v};
    for (const json::value& e : v.is_array() ? v.get_array() : single) {
      if (!e.is_string()) return BadValue(f.field, f.op, "strings");
      if (seen.insert(std::string(e.get_string())).second) {
        phs.push_back(Bind(std::string(e.get_string())));
      }
    }
    return phs;
  };
  auto any = [&](const std::vector<std::string>& phs) {
    if (phs.empty()) return std::string("FALSE");
    return NotNull(owner + " IN (SELECT " + row_owner + " " + rows + " AND " +
                   std::string(c.row_value) + " IN (" + Join(phs, ", ") + "))");
  };
  const std::string size = "(SELECT COUNT(*) " + rows + " AND " + row_owner + " = " + owner + ")";
  switch (f.op) {
    case FilterOp::kContains: {
      if (!f.value.is_string()) return BadValue(f.field, f.op, "a string");
      EDDY_ASSIGN_OR_RETURN(std::vector<std::string> phs, elements(f.value));
      return any(phs);
    }
    case FilterOp::kIn:
    case FilterOp::kNin: {
      if (!f.value.is_array()) return BadValue(f.field, f.op, "an array");
      EDDY_ASSIGN_OR_RETURN(std::vector<std::string> phs, elements(f.value));
      return f.op == FilterOp::kIn ? any(phs) : Not(any(phs));
    }
    case FilterOp::kEq:
    case FilterOp::kNe: {
      std::string eq;
      if (f.value.is_array()) {
        // Exactly these elements: the owner holds all of them, and nothing else.
        EDDY_ASSIGN_OR_RETURN(std::vector<std::string> phs, elements(f.value));
        std::string n = phs.empty() ? "" : Bind(static_cast<std::int64_t>(phs.size()));
        eq = phs.empty()
                 ? "(" + size + " = 0)"
                 : NotNull(owner + " IN (SELECT " + row_owner + " " + rows + " AND " +
                           std::string(c.row_value) + " IN (" + Join(phs, ", ") + ") GROUP BY " +
                           row_owner + " HAVING COUNT(*) = " + n + ") AND " + size + " = " + n);
      } else {
        EDDY_ASSIGN_OR_RETURN(std::vector<std::string> phs, elements(f.value));
        eq = any(phs);
      }
      return f.op == FilterOp::kEq ? eq : Not(eq);
    }
    case FilterOp::kExists: {
      if (!f.value.is_bool()) return BadValue(f.field, f.op, "a boolean");
      std::string nonempty = "(" + size + " > 0)";
      return f.value.get_bool() ? nonempty : Not(nonempty);
    }
    default:
      break;
  }
  return Unsupported(f.field, f.op);
}

Result<std::string> FilterTranslator::CustomEquals(std::string_view key_ph, const json::value& v,
                                                   std::string_view field) {
  const std::string_view col = schema_.custom_column;
  if (v.is_null()) return Not(NotNull(dialect_.JsonIsPresent(col, key_ph)));
  auto scalar = ScalarParam(v);
  if (!scalar) return BadValue(field, FilterOp::kEq, "a string, number, boolean or null");
  auto [kind, param] = std::move(*scalar);
  return NotNull(dialect_.JsonHasKind(col, key_ph, kind) + " AND " +
                 dialect_.JsonScalar(col, key_ph, kind) + " = " + Bind(std::move(param)));
}

Result<std::string> FilterTranslator::CustomCondition(const Filter& f) {
  if (!IsValidCustomKey(f.field)) {
    return Error::Input("invalid field name '" + f.field + "' in filter");
  }
  const std::string_view col = schema_.custom_column;
  const std::string key_ph = Bind(dialect_.JsonKeyParam(f.field));

  switch (f.op) {
    case FilterOp::kEq:
    case FilterOp::kNe: {
      EDDY_ASSIGN_OR_RETURN(std::string eq, CustomEquals(key_ph, f.value, f.field));
      return f.op == FilterOp::kEq ? eq : Not(eq);
    }
    case FilterOp::kGt:
    case FilterOp::kGte:
    case FilterOp::kLt:
    case FilterOp::kLte: {
      auto scalar = ScalarParam(f.value);
      if (!scalar || scalar->first == JsonKind::kBool) {
        return BadValue(f.field, f.op, "a string or a number");
      }
      auto [kind, param] = std::move(*scalar);
      return NotNull(dialect_.JsonHasKind(col, key_ph, kind) + " AND " +
                     dialect_.JsonScalar(col, key_ph, kind) + std::string(Comparison(f.op)) +
                     Bind(std::move(param)));
    }
    case FilterOp::kIn:
    case FilterOp::kNin: {
      if (!f.value.is_array()) return BadValue(f.field, f.op, "an array");
      std::vector<std::string> parts;
      for (const json::value& v : f.value.get_array()) {
        EDDY_ASSIGN_OR_RETURN(std::string part, CustomEquals(key_ph, v, f.field));
        parts.push_back(std::move(part));
      }
      std::string any = parts.empty() ? "FALSE" : "(" + Join(parts, " OR ") + ")";
      return f.op == FilterOp::kIn ? any : Not(any);
    }
    case FilterOp::kExists: {
      if (!f.value.is_bool()) return BadValue(f.field, f.op, "a boolean");
      std::string present = NotNull(dialect_.JsonIsPresent(col, key_ph));
      return f.value.get_bool() ? present : Not(present);
    }
    case FilterOp::kContains: {
      auto scalar = ScalarParam(f.value);
      if (!scalar) return BadValue(f.field, f.op, "a string, number or boolean");
      auto [kind, param] = std::move(*scalar);
      return NotNull(dialect_.JsonArrayContains(col, key_ph, kind, Bind(std::move(param))));
    }
    case FilterOp::kAutocomplete:
    case FilterOp::kQ: {
      if (!f.value.is_string()) return BadValue(f.field, f.op, "a string");
      std::string text = EscapeLike(f.value.get_string());
      std::string value = dialect_.JsonScalar(col, key_ph, JsonKind::kString);
      std::string match =
          f.op == FilterOp::kQ
              ? dialect_.CaseInsensitiveLike(value, Bind("%" + text + "%"))
              : "(" + dialect_.CaseInsensitiveLike(value, Bind(text + "%")) + " OR " +
                    dialect_.CaseInsensitiveLike(value, Bind("% " + text + "%")) + ")";
      return NotNull(dialect_.JsonHasKind(col, key_ph, JsonKind::kString) + " AND " + match);
    }
  }
  return Unsupported(f.field, f.op);
}

Result<std::string> FilterTranslator::OrderBy(const std::vector<SortField>& sort) {
  std::vector<SortField> fields = sort;
  if (fields.empty()) fields.push_back({std::string(schema_.default_sort_field), 1});
  std::vector<std::string> parts;
  bool has_tiebreak = false;
  for (const SortField& s : fields) {
    if (s.direction != 1 && s.direction != -1) {
      return Error::Input("sort direction of '" + s.field + "' must be 1 or -1");
    }
    const std::string dir = s.direction == 1 ? " ASC" : " DESC";
    if (FindSet(s.field) != nullptr) {
      return Error::Input("cannot sort by field '" + s.field + "'");
    }
    if (const Column* c = FindColumn(s.field)) {
      if (c->type == ColumnType::kStringArray) {
        return Error::Input("cannot sort by field '" + s.field + "'");
      }
      has_tiebreak = has_tiebreak || c->name == schema_.tiebreak_column;
      if (!c->sort_expr.empty()) {
        parts.push_back(std::string(c->sort_expr) + dir);
        continue;
      }
      // Absent values go last in either direction, as they do for custom fields.
      parts.push_back(std::string(c->name) + dir + (c->nullable ? " NULLS LAST" : ""));
      continue;
    }
    if (!IsValidCustomKey(s.field)) {
      return Error::Input("invalid field name '" + s.field + "' in sort");
    }
    std::string key_ph = Bind(dialect_.JsonKeyParam(s.field));
    parts.push_back(dialect_.JsonSortKey(schema_.custom_column, key_ph) + dir + " NULLS LAST");
  }
  if (!has_tiebreak) parts.push_back(std::string(schema_.tiebreak_column) + " ASC");
  return Join(parts, ", ");
}

}  // namespace eddy::server::sql
