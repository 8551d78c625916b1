// PostgreSQL's spelling of the shared filter translation. JSON is stored as text (exactly the
// bytes written, as on SQLite) and read through a jsonb cast; strings compare bytewise
// (COLLATE "C"), as SQLite's BINARY collation does, so both backends order alike.
#pragma once

#include "server/storage/sql/sql_dialect.h"

namespace eddy::server {

// Stateless; safe to share between threads.
class PostgresDialect final : public sql::SqlDialect {
 public:
  std::string Placeholder(std::size_t index) const override;
  std::string JsonKeyParam(std::string_view key) const override;
  std::string JsonHasKind(std::string_view column, std::string_view key_ph,
                          sql::JsonKind kind) const override;
  std::string JsonScalar(std::string_view column, std::string_view key_ph,
                         sql::JsonKind kind) const override;
  std::string JsonIsPresent(std::string_view column, std::string_view key_ph) const override;
  std::string JsonArrayContains(std::string_view column, std::string_view key_ph,
                                sql::JsonKind kind, std::string_view value_ph) const override;
  std::string JsonArrayLength(std::string_view column) const override;
  std::string JsonSortKey(std::string_view column, std::string_view key_ph) const override;
  std::string CaseInsensitiveLike(std::string_view expr,
                                  std::string_view pattern_ph) const override;
};

}  // namespace eddy::server
