#include "server/domain/filter_parser.h"

#include <algorithm>
#include <array>
#include <utility>

#include "common/clock.h"

namespace eddy::server {

namespace {

struct OpName {
  FilterOp op;
  std::string_view name;
};

constexpr std::array<OpName, 12> kOps = {{
    {FilterOp::kEq, "$eq"},
    {FilterOp::kNe, "$ne"},
    {FilterOp::kGt, "$gt"},
    {FilterOp::kGte, "$gte"},
    {FilterOp::kLt, "$lt"},
    {FilterOp::kLte, "$lte"},
    {FilterOp::kIn, "$in"},
    {FilterOp::kNin, "$nin"},
    {FilterOp::kExists, "$exists"},
    {FilterOp::kContains, "$contains"},
    {FilterOp::kAutocomplete, "$autocomplete"},
    {FilterOp::kQ, "$q"},
}};

std::optional<FilterOp> OpFromName(std::string_view name) {
  for (const OpName& o : kOps) {
    if (o.name == name) return o.op;
  }
  return std::nullopt;
}

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

bool ValidFieldName(std::string_view f) {
  if (f.empty() || f.size() > 255 || f.front() == '.' || f.back() == '.') return false;
  return std::all_of(f.begin(), f.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.' || c == '@';
  });
}

const char* TypeName(FieldType t) {
  switch (t) {
    case FieldType::kString:
      return "a string";
    case FieldType::kBool:
      return "a boolean";
    case FieldType::kNumber:
      return "a number";
    case FieldType::kTime:
      return "an RFC 3339 timestamp";
    case FieldType::kStringArray:
      return "an array of strings";
    case FieldType::kAny:
      return "a JSON value";
  }
  return "a value";
}

class Parser {
 public:
  explicit Parser(const QuerySpec& spec) : spec_(spec) {}

  Result<Filter> ParseObject(const json::object& o, int depth) {
    if (depth > spec_.max_depth) {
      return Error::Input("filter is nested deeper than " + std::to_string(spec_.max_depth) +
                          " levels");
    }
    Filter all;
    for (const auto& kv : o) {
      std::string_view key = kv.key();
      if (!key.empty() && key.front() == '$') {
        EDDY_ASSIGN_OR_RETURN(Filter node, ParseLogical(key, kv.value(), depth));
        all.children.push_back(std::move(node));
      } else {
        EDDY_TRY(ParseField(key, kv.value(), all.children));
      }
    }
    if (all.children.size() == 1) return std::move(all.children.front());
    return all;
  }

 private:
  Result<Filter> ParseLogical(std::string_view key, const json::value& v, int depth) {
    Filter node;
    if (key == "$and") {
      node.kind = Filter::Kind::kAnd;
    } else if (key == "$or") {
      node.kind = Filter::Kind::kOr;
    } else if (key == "$nor") {
      node.kind = Filter::Kind::kNor;
    } else {
      return Error::Input("unknown logical operator " + Quote(key) +
                          " in filter (use $and, $or, $nor or a field name)");
    }
    if (!v.is_array() || v.get_array().empty()) {
      return Error::Input(std::string(key) + " must be a non-empty array of filter objects");
    }
    for (const json::value& item : v.get_array()) {
      if (!item.is_object()) {
        return Error::Input(std::string(key) + " must be a non-empty array of filter objects");
      }
      EDDY_ASSIGN_OR_RETURN(Filter child, ParseObject(item.get_object(), depth + 1));
      node.children.push_back(std::move(child));
    }
    return node;
  }

  Result<const FieldSpec*> Lookup(std::string_view field) {
    if (!ValidFieldName(field)) {
      return Error::Input("invalid field name " + Quote(field) + " in " + spec_.resource +
                          " filter");
    }
    auto it = spec_.fields.find(field);
    if (it != spec_.fields.end()) return &it->second;
    if (spec_.custom) return &*spec_.custom;
    return Error::Input("field " + Quote(field) + " is not queryable for " + spec_.resource);
  }

  Status ParseField(std::string_view field, const json::value& v, std::vector<Filter>& out) {
    EDDY_ASSIGN_OR_RETURN(const FieldSpec* fs, Lookup(field));
    bool is_op_object = false;
    if (v.is_object() && !v.get_object().empty()) {
      const json::object& o = v.get_object();
      std::size_t ops = std::count_if(o.begin(), o.end(), [](const auto& kv) {
        return !kv.key().empty() && kv.key().front() == '$';
      });
      if (ops != 0 && ops != o.size()) {
        return Error::Input("filter on " + Quote(field) + " mixes operators and plain keys");
      }
      is_op_object = ops != 0;
    } else if (v.is_object() && fs->type != FieldType::kAny) {
      return Error::Input("filter on " + Quote(field) + " has no operator");
    }
    if (!is_op_object) return AddCondition(field, *fs, FilterOp::kEq, "$eq", v, out);
    for (const auto& kv : v.get_object()) {
      std::optional<FilterOp> op = OpFromName(kv.key());
      if (!op) {
        return Error::Input("unknown operator " + Quote(kv.key()) + " on field " + Quote(field));
      }
      EDDY_TRY(AddCondition(field, *fs, *op, kv.key(), kv.value(), out));
    }
    return {};
  }

  Status AddCondition(std::string_view field, const FieldSpec& fs, FilterOp op,
                      std::string_view op_name, const json::value& v, std::vector<Filter>& out) {
    if (std::find(fs.ops.begin(), fs.ops.end(), op) == fs.ops.end()) {
      return Error::Input("operator " + std::string(op_name) + " is not supported on field " +
                          Quote(field) + " of " + spec_.resource);
    }
    if (++conditions_ > spec_.max_conditions) {
      return Error::Input("filter has more than " + std::to_string(spec_.max_conditions) +
                          " conditions");
    }
    Filter c;
    c.kind = Filter::Kind::kCondition;
    c.field = std::string(field);
    c.op = op;
    EDDY_ASSIGN_OR_RETURN(c.value, NormaliseValue(field, fs, op, op_name, v));
    out.push_back(std::move(c));
    return {};
  }

  Result<json::value> NormaliseValue(std::string_view field, const FieldSpec& fs, FilterOp op,
                                     std::string_view op_name, const json::value& v) {
    auto bad = [&](const std::string& want) {
      return Error::Input("value of " + std::string(op_name) + " on field " + Quote(field) +
                          " must be " + want);
    };
    switch (op) {
      case FilterOp::kExists:
        if (!v.is_bool()) return bad("a boolean");
        return v;
      case FilterOp::kAutocomplete:
      case FilterOp::kQ:
        if (!v.is_string() || v.get_string().empty()) return bad("a non-empty string");
        return v;
      case FilterOp::kIn:
      case FilterOp::kNin: {
        if (!v.is_array()) return bad("an array");
        if (v.get_array().size() > spec_.max_in_values) {
          return bad("an array of at most " + std::to_string(spec_.max_in_values) + " values");
        }
        json::array out;
        FieldType elem = fs.type == FieldType::kStringArray ? FieldType::kString : fs.type;
        for (const json::value& e : v.get_array()) {
          if (!e.is_primitive() && fs.type == FieldType::kAny) {
            return bad("an array of strings, numbers or booleans");
          }
          auto n = Scalar(elem, e);
          if (!n) return bad(std::string("an array whose values are each ") + TypeName(elem));
          out.push_back(std::move(*n));
        }
        return json::value(std::move(out));
      }
      case FilterOp::kContains:
        if (fs.type == FieldType::kStringArray) {
          if (!v.is_string()) return bad("a string");
        } else if (!v.is_primitive() || v.is_null()) {
          return bad("a string, number or boolean");
        }
        return v;
      case FilterOp::kEq:
      case FilterOp::kNe:
        if (fs.type == FieldType::kStringArray) {
          auto a = Scalar(FieldType::kStringArray, v);
          if (!a) return bad("an array of strings");
          return std::move(*a);
        }
        [[fallthrough]];
      case FilterOp::kGt:
      case FilterOp::kGte:
      case FilterOp::kLt:
      case FilterOp::kLte: {
        bool ordered = op != FilterOp::kEq && op != FilterOp::kNe;
        if (fs.type == FieldType::kAny) {
          if (ordered && !v.is_string() && !v.is_number()) return bad("a string or a number");
          return v;
        }
        auto n = Scalar(fs.type, v);
        if (!n) return bad(TypeName(fs.type));
        return std::move(*n);
      }
    }
    return Error::Internal("unhandled filter operator");
  }

  // The value converted to the field's normalised form, or nullopt if it has the wrong type.
  static std::optional<json::value> Scalar(FieldType t, const json::value& v) {
    switch (t) {
      case FieldType::kString:
        if (v.is_string()) return v;
        return std::nullopt;
      case FieldType::kBool:
        if (v.is_bool()) return v;
        return std::nullopt;
      case FieldType::kNumber:
        if (v.is_number()) return v;
        return std::nullopt;
      case FieldType::kTime:
        if (v.is_string()) {
          if (auto t = ParseTime(v.get_string())) return json::value(*t);
        }
        return std::nullopt;
      case FieldType::kStringArray:
        if (!v.is_array()) return std::nullopt;
        for (const json::value& e : v.get_array()) {
          if (!e.is_string()) return std::nullopt;
        }
        return v;
      case FieldType::kAny:
        return v;
    }
    return std::nullopt;
  }

  const QuerySpec& spec_;
  int conditions_ = 0;
};

}  // namespace

std::string_view FilterOpName(FilterOp op) {
  for (const OpName& o : kOps) {
    if (o.op == op) return o.name;
  }
  return "?";
}

Result<Filter> ParseFilter(const json::value& filter, const QuerySpec& spec) {
  if (filter.is_null()) return Filter{};
  if (!filter.is_object()) return Error::Input("filter_conditions must be a JSON object");
  return Parser(spec).ParseObject(filter.get_object(), 1);
}

Result<std::vector<SortField>> ParseSort(const json::value& sort, const QuerySpec& spec) {
  std::vector<SortField> out;
  if (sort.is_null()) return out;
  const char* shape = "sort must be an array of {\"field\": name, \"direction\": 1 or -1}";
  if (!sort.is_array()) return Error::Input(shape);
  if (sort.get_array().size() > spec.max_sort_fields) {
    return Error::Input("sort accepts at most " + std::to_string(spec.max_sort_fields) + " fields");
  }
  for (const json::value& item : sort.get_array()) {
    if (!item.is_object()) return Error::Input(shape);
    const json::object& o = item.get_object();
    EDDY_ASSIGN_OR_RETURN(std::optional<std::string> field, GetString(o, "field"));
    EDDY_ASSIGN_OR_RETURN(std::optional<std::int64_t> direction, GetInt(o, "direction"));
    // "type" is a hint for custom fields; backends compare JSON values by type anyway.
    EDDY_TRY(GetString(o, "type"));
    if (!field || field->empty()) return Error::Input(shape);
    if (direction && *direction != 1 && *direction != -1) {
      return Error::Input("sort direction of " + Quote(*field) + " must be 1 or -1");
    }
    if (!ValidFieldName(*field)) return Error::Input("invalid sort field " + Quote(*field));
    auto it = spec.fields.find(*field);
    bool sortable =
        it != spec.fields.end() ? it->second.sortable : spec.custom && spec.custom->sortable;
    if (!sortable) {
      return Error::Input("cannot sort " + spec.resource + " by " + Quote(*field));
    }
    for (const SortField& s : out) {
      if (s.field == *field) return Error::Input("sort field " + Quote(*field) + " repeated");
    }
    out.push_back({*field, static_cast<int>(direction.value_or(1))});
  }
  return out;
}

}  // namespace eddy::server
