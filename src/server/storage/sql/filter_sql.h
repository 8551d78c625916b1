// Translation of the filter and sort language (protocol §7, domain/query.h) into a
// parameterised SQL WHERE condition and ORDER BY list. No text from a filter ever becomes SQL:
// values are bound parameters, typed field names only select a column name from the schema,
// and custom keys are bound too (see SqlDialect::JsonKeyParam).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "server/domain/query.h"
#include "server/storage/sql/sql_dialect.h"

namespace eddy::server::sql {

enum class ColumnType {
  kString,       // TEXT
  kBool,         // boolean (SQLite: INTEGER 0/1)
  kTime,         // int64 microseconds
  kNumber,       // integer or real (counters)
  kStringArray,  // JSON array of strings (e.g. teams)
};

// A filterable field held in a typed column. `name` is trusted SQL: a column, or an expression
// over the query's joins (a per-user field read from a LEFT JOINed row).
struct Column {
  std::string_view field;  // name in the filter language
  std::string_view name;   // SQL column name or expression
  ColumnType type;
  bool nullable;
  // What ORDER BY uses instead of `name` (e.g. a channel's last_message_at, falling back to its
  // created_at); a non-NULL expression. Empty: `name`.
  std::string_view sort_expr = {};
};

// A filterable set of strings kept as rows of another table, one row per element (a channel's
// member ids). The filter sees it as a string array ($contains, $in/$nin: any element, $eq/$ne
// with an array: exactly that set, $exists: non-empty); the SQL asks the other table through
// subqueries, so that table's index on the element drives the lookup rather than a scan of
// every queried row.
struct SetColumn {
  std::string_view field;  // name in the filter language
  std::string_view owner;  // SQL expression of the queried row's key ("c.cid")
  // "FROM <table> <alias> WHERE <condition>": every element row of the queried scope. Trusted
  // SQL; it may use parameters the caller bound before the translator's (the app key as ?1).
  std::string_view rows;
  std::string_view row_owner;  // the column of `rows` that holds the owner's key
  std::string_view row_value;  // the column of `rows` that holds the element
};

// How one resource's fields map to a table. Fields not listed are keys of custom_column, a
// JSON object.
struct TableSchema {
  std::span<const Column> columns;
  std::string_view custom_column;
  std::string_view default_sort_field;  // used when the sort is empty, ascending
  std::string_view tiebreak_column;     // appended ascending so every order is total
  std::span<const SetColumn> sets = {};
};

// A custom key is usable only if it is non-empty, at most 255 bytes, and free of '"', '\' and
// control characters (so it can be quoted inside a JSON path without an escape syntax).
bool IsValidCustomKey(std::string_view key);

// Builds SQL for one query. Not thread-safe; use one per query.
//
// Parameters are appended to *params, so placeholders continue the numbering of whatever the
// caller bound before (e.g. the app key as ?1).
class FilterTranslator {
 public:
  FilterTranslator(const TableSchema& schema, const SqlDialect& dialect,
                   std::vector<SqlParam>* params)
      : schema_(schema), dialect_(dialect), params_(params) {}

  // A boolean SQL expression that is never NULL. Unsupported field/operator/value
  // combinations are input Errors (HTTP 400, code 4).
  Result<std::string> Where(const Filter& filter);
  // "a ASC, b DESC NULLS LAST, id ASC" (without the ORDER BY keyword).
  Result<std::string> OrderBy(const std::vector<SortField>& sort);

  // Binds a parameter and returns its placeholder.
  std::string Bind(SqlParam p);

 private:
  const Column* FindColumn(std::string_view field) const;
  const SetColumn* FindSet(std::string_view field) const;
  Result<std::string> Condition(const Filter& f);
  Result<std::string> Logical(const Filter& f);
  Result<std::string> ScalarColumnCondition(const Column& c, const Filter& f);
  Result<std::string> ArrayColumnCondition(const Column& c, const Filter& f);
  Result<std::string> SetCondition(const SetColumn& c, const Filter& f);
  Result<std::string> CustomCondition(const Filter& f);
  Result<std::string> CustomEquals(std::string_view key_ph, const json::value& v,
                                   std::string_view field);

  const TableSchema& schema_;
  const SqlDialect& dialect_;
  std::vector<SqlParam>* params_;
};

}  // namespace eddy::server::sql
