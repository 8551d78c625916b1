// The seam between the shared filter translation (filter_sql.h) and one SQL engine: every
// engine-specific spelling (placeholders, JSON access, case-insensitive LIKE) is asked of a
// SqlDialect, so SQLite and PostgreSQL share one translation and so one set of semantics.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace eddy::server::sql {

// A value bound to a placeholder. Never spliced into SQL text.
using SqlParam = std::variant<std::monostate, std::int64_t, double, std::string, bool>;

// The JSON type a comparison on a JSON-held value is restricted to: a filter value of one type
// never matches a stored value of another (the number 1 is not the string "1" nor true).
enum class JsonKind { kString, kNumber, kBool };

// Stateless and immutable; safe to share between threads.
//
// Arguments named `*_ph` are placeholders returned by Placeholder(); `column` is a column name
// taken from a TableSchema (trusted text); `key_ph` binds the value JsonKeyParam() produced.
// Every predicate may evaluate to NULL: the translator wraps it to make it two-valued.
class SqlDialect {
 public:
  virtual ~SqlDialect() = default;

  // The placeholder for the index-th bound parameter, counting from 1 ("?3", "$3").
  virtual std::string Placeholder(std::size_t index) const = 0;
  // What to bind to address `key` (already validated: no quote, backslash or control
  // character) inside a JSON object column: SQLite a JSON path, PostgreSQL the key itself.
  virtual std::string JsonKeyParam(std::string_view key) const = 0;

  // True iff the key holds a JSON value of `kind`.
  virtual std::string JsonHasKind(std::string_view column, std::string_view key_ph,
                                  JsonKind kind) const = 0;
  // The key's scalar as an SQL value comparable with a parameter of `kind`; only meaningful
  // where JsonHasKind holds.
  virtual std::string JsonScalar(std::string_view column, std::string_view key_ph,
                                 JsonKind kind) const = 0;
  // True iff the key is present with a non-null value.
  virtual std::string JsonIsPresent(std::string_view column, std::string_view key_ph) const = 0;
  // True iff the JSON array in `column` (key_ph empty) or under the key contains an element of
  // `kind` equal to the parameter value_ph.
  virtual std::string JsonArrayContains(std::string_view column, std::string_view key_ph,
                                        JsonKind kind, std::string_view value_ph) const = 0;
  // Number of elements of the JSON array held by `column`.
  virtual std::string JsonArrayLength(std::string_view column) const = 0;
  // An expression to ORDER BY the key's value with (missing sorts as NULL).
  virtual std::string JsonSortKey(std::string_view column, std::string_view key_ph) const = 0;

  // `expr` matches the LIKE pattern bound to pattern_ph, ignoring case, with '\' as the
  // escape character.
  virtual std::string CaseInsensitiveLike(std::string_view expr,
                                          std::string_view pattern_ph) const = 0;
};

}  // namespace eddy::server::sql
