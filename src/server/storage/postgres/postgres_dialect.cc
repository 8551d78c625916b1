#include "server/storage/postgres/postgres_dialect.h"

#include <string>

namespace eddy::server {

namespace {

// jsonb_typeof() name of a kind.
std::string_view TypeName(sql::JsonKind kind) {
  switch (kind) {
    case sql::JsonKind::kString:
      return "'string'";
    case sql::JsonKind::kNumber:
      return "'number'";
    case sql::JsonKind::kBool:
      return "'boolean'";
  }
  return "''";
}

// The value under the key as jsonb (SQL NULL when absent).
std::string Field(std::string_view column, std::string_view key_ph) {
  return "((" + std::string(column) + ")::jsonb -> " + std::string(key_ph) + ")";
}

std::string TypeOf(const std::string& jsonb) { return "jsonb_typeof(" + jsonb + ")"; }

// The scalar of a jsonb value of `kind` as SQL; the CASE guards the cast, since PostgreSQL
// does not promise to evaluate the kind test before it.
std::string Scalar(const std::string& jsonb, sql::JsonKind kind) {
  std::string text = "(" + jsonb + " #>> '{}')";
  std::string cast;
  switch (kind) {
    case sql::JsonKind::kString:
      cast = text + " COLLATE \"C\"";
      break;
    case sql::JsonKind::kNumber:
      cast = text + "::numeric";
      break;
    case sql::JsonKind::kBool:
      cast = text + "::boolean";
      break;
  }
  return "(CASE WHEN " + TypeOf(jsonb) + " = " + std::string(TypeName(kind)) + " THEN " + cast +
         " END)";
}

}  // namespace

std::string PostgresDialect::Placeholder(std::size_t index) const {
  return "$" + std::to_string(index);
}

std::string PostgresDialect::JsonKeyParam(std::string_view key) const { return std::string(key); }

std::string PostgresDialect::JsonHasKind(std::string_view column, std::string_view key_ph,
                                         sql::JsonKind kind) const {
  return TypeOf(Field(column, key_ph)) + " = " + std::string(TypeName(kind));
}

std::string PostgresDialect::JsonScalar(std::string_view column, std::string_view key_ph,
                                        sql::JsonKind kind) const {
  return Scalar(Field(column, key_ph), kind);
}

std::string PostgresDialect::JsonIsPresent(std::string_view column, std::string_view key_ph) const {
  return TypeOf(Field(column, key_ph)) + " <> 'null'";
}

// Containment of a one-element array holding the value: jsonb compares numbers numerically
// and never equates values of different kinds (1, "1" and true differ), as the contract asks.
std::string PostgresDialect::JsonArrayContains(std::string_view column, std::string_view key_ph,
                                               sql::JsonKind kind,
                                               std::string_view value_ph) const {
  std::string array =
      key_ph.empty() ? "(" + std::string(column) + ")::jsonb" : Field(column, key_ph);
  return "(" + TypeOf(array) + " = 'array' AND " + array + " @> jsonb_build_array(" +
         std::string(value_ph) + "))";
}

std::string PostgresDialect::JsonArrayLength(std::string_view column) const {
  std::string array = "(" + std::string(column) + ")::jsonb";
  return "(CASE WHEN " + TypeOf(array) + " = 'array' THEN jsonb_array_length(" + array + ") END)";
}

// SQLite orders json_extract() values as SQL values: numbers (and booleans, as 1 and 0) before
// text (strings, and objects and arrays as their JSON text), JSON null as SQL NULL. The row
// (rank, number, text) orders the same way in either direction; a missing or null value is a
// NULL row, which NULLS LAST puts at the end.
std::string PostgresDialect::JsonSortKey(std::string_view column, std::string_view key_ph) const {
  const std::string v = Field(column, key_ph);
  const std::string type = TypeOf(v);
  return "(CASE WHEN " + type + " IS NULL OR " + type + " = 'null' THEN NULL ELSE ROW(CASE WHEN " +
         type + " IN ('number', 'boolean') THEN 0 ELSE 1 END, CASE " + type +
         " WHEN 'number' THEN (" + v + " #>> '{}')::numeric WHEN 'boolean' THEN (CASE WHEN (" + v +
         " #>> '{}')::boolean THEN 1 ELSE 0 END) END, CASE WHEN " + type + " = 'string' THEN (" +
         v + " #>> '{}') COLLATE \"C\" WHEN " + type + " IN ('object', 'array') THEN (" + v +
         ")::text COLLATE \"C\" END) END)";
}

// ILIKE folds case by the collation: under "C" only ASCII letters, as SQLite's LIKE does.
std::string PostgresDialect::CaseInsensitiveLike(std::string_view expr,
                                                 std::string_view pattern_ph) const {
  return "((" + std::string(expr) + ") COLLATE \"C\" ILIKE " + std::string(pattern_ph) +
         " ESCAPE '\\')";
}

}  // namespace eddy::server
