// SQLite's spelling of the shared filter translation: JSON through json_extract/json_type/
// json_each with a quoted-label path ($."key"), LIKE (ASCII case-insensitive by default).
#pragma once

#include "server/storage/sql/sql_dialect.h"

namespace eddy::server {

// Stateless; safe to share between threads.
class SqliteDialect final : public sql::SqlDialect {
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
