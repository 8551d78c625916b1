#include "server/storage/sqlite/sqlite_dialect.h"

#include <string>

namespace eddy::server {

namespace {

// json_type() names for a kind; json_each's `type` column uses the same names.
std::string_view TypeSet(sql::JsonKind kind) {
  switch (kind) {
    case sql::JsonKind::kString:
      return "('text')";
    case sql::JsonKind::kNumber:
      return "('integer', 'real')";
    case sql::JsonKind::kBool:
      return "('true', 'false')";
  }
  return "()";
}

std::string Extract(std::string_view fn, std::string_view column, std::string_view key_ph) {
  return std::string(fn) + "(" + std::string(column) + ", " + std::string(key_ph) + ")";
}

}  // namespace

std::string SqliteDialect::Placeholder(std::size_t index) const {
  return "?" + std::to_string(index);
}

// The key was validated free of '"' and '\', so a quoted label needs no escaping.
std::string SqliteDialect::JsonKeyParam(std::string_view key) const {
  return "$.\"" + std::string(key) + "\"";
}

std::string SqliteDialect::JsonHasKind(std::string_view column, std::string_view key_ph,
                                       sql::JsonKind kind) const {
  return Extract("json_type", column, key_ph) + " IN " + std::string(TypeSet(kind));
}

// json_extract yields TEXT, INTEGER/REAL, or 1/0 for true/false: each compares directly with
// the parameter bound for the kind (booleans bind as 1/0).
std::string SqliteDialect::JsonScalar(std::string_view column, std::string_view key_ph,
                                      sql::JsonKind kind) const {
  return Extract("json_extract", column, key_ph);
}

std::string SqliteDialect::JsonIsPresent(std::string_view column, std::string_view key_ph) const {
  return Extract("json_type", column, key_ph) + " <> 'null'";
}

std::string SqliteDialect::JsonArrayContains(std::string_view column, std::string_view key_ph,
                                             sql::JsonKind kind, std::string_view value_ph) const {
  std::string source = key_ph.empty() ? "json_each(" + std::string(column) + ")"
                                      : Extract("json_each", column, key_ph);
  std::string exists = "EXISTS (SELECT 1 FROM " + source + " AS je WHERE je.type IN " +
                       std::string(TypeSet(kind)) + " AND je.value = " + std::string(value_ph) +
                       ")";
  if (key_ph.empty()) return exists;
  // json_each over a scalar yields that scalar as one row: only arrays may match.
  return "(" + Extract("json_type", column, key_ph) + " = 'array' AND " + exists + ")";
}

std::string SqliteDialect::JsonArrayLength(std::string_view column) const {
  return "json_array_length(" + std::string(column) + ")";
}

std::string SqliteDialect::JsonSortKey(std::string_view column, std::string_view key_ph) const {
  return Extract("json_extract", column, key_ph);
}

std::string SqliteDialect::CaseInsensitiveLike(std::string_view expr,
                                               std::string_view pattern_ph) const {
  return std::string(expr) + " LIKE " + std::string(pattern_ph) + " ESCAPE '\\'";
}

}  // namespace eddy::server
