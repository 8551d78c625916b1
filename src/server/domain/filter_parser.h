// Parses the filter and sort language of protocol §7 into the Filter/SortField tree of
// query.h, checked against a per-resource QuerySpec (which fields exist, their type, the
// operators each allows). Pure functions; safe from any thread.
//
// Accepted filter grammar (every violation is an input Error, code 4):
//   filter    := {} | { key: ..., key: ... }          several keys are an implicit $and
//   key       := "$and" | "$or" | "$nor"  -> non-empty array of filter objects
//              | field                     -> bare value ($eq) or { "$op": value, ... }
// $or and $nor accept a single element (lenient: §7.2 asks for two, but apps often build
// these lists dynamically, and one element has an obvious meaning).
//
// Values are normalised for store backends:
//   kTime fields: RFC 3339 strings become int64 microseconds (also inside $in/$nin);
//   $in/$nin: always an array (at most QuerySpec::max_in_values elements);
//   $exists: always a boolean; $autocomplete/$q: non-empty strings;
//   kStringArray fields: $contains takes a string, $eq/$ne an array (exact set),
//   $in/$nin an array of strings (any shared element).
// A tree with one condition is returned as that condition; `{}` is an empty kAnd.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/json.h"
#include "server/domain/query.h"

namespace eddy::server {

enum class FieldType {
  kString,
  kBool,
  kNumber,
  kTime,
  kStringArray,
  kAny,  // custom data: any JSON value
};

struct FieldSpec {
  FieldType type = FieldType::kAny;
  std::vector<FilterOp> ops;  // operators this field allows
  bool sortable = false;
};

struct QuerySpec {
  std::string resource;  // for messages: "users", "channels", ...
  std::map<std::string, FieldSpec, std::less<>> fields;
  // Unknown keys are custom fields described by this spec; nullopt: unknown keys are errors.
  std::optional<FieldSpec> custom;
  int max_depth = 5;         // nesting of $and/$or/$nor (the top level object is depth 1)
  int max_conditions = 100;  // field conditions in the whole tree
  std::size_t max_in_values = 1000;
  std::size_t max_sort_fields = 5;
};

// "$eq", "$in", ...
std::string_view FilterOpName(FilterOp op);

// `filter` may be null (matches everything) or an object.
Result<Filter> ParseFilter(const json::value& filter, const QuerySpec& spec);
// `sort` may be null (server default) or an array of {"field", "direction": 1|-1, "type"?}.
Result<std::vector<SortField>> ParseSort(const json::value& sort, const QuerySpec& spec);

}  // namespace eddy::server
