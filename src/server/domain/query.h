// The filter and sort language of protocol §7 as a parsed tree, shared by every query
// (users, channels, members, ...) and translated by each store backend.
#pragma once

#include <string>
#include <vector>

#include "common/json.h"

namespace eddy::server {

enum class FilterOp {
  kEq,
  kNe,
  kGt,
  kGte,
  kLt,
  kLte,
  kIn,
  kNin,
  kExists,
  kContains,
  kAutocomplete,
  kQ,
};

// One node: a logical combination of children, or a condition `field op value`.
// Values are normalised by the parser: timestamps of time fields become int64 microseconds,
// $in/$nin values are arrays, $exists values are booleans.
struct Filter {
  enum class Kind { kAnd, kOr, kNor, kCondition };
  Kind kind = Kind::kAnd;  // an empty kAnd matches everything
  std::vector<Filter> children;
  std::string field;
  FilterOp op = FilterOp::kEq;
  json::value value;
};

struct SortField {
  std::string field;
  int direction = 1;  // 1 ascending, -1 descending
};

}  // namespace eddy::server
