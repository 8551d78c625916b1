// A thin C++ face on one libpq connection: typed parameters, result reading, statements
// prepared once per connection, and PostgreSQL failures turned into eddy Errors (a lost
// server is a 503 "store unavailable" and marks the connection broken so it is not reused).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "server/storage/sql/sql_dialect.h"

struct pg_conn;
struct pg_result;

namespace eddy::server {

// The parameters of one statement, $1 first. Values travel as text with their type's OID, so
// the server never has to guess a type and no value is ever spliced into SQL.
class PgParams {
 public:
  PgParams() = default;
  explicit PgParams(std::vector<sql::SqlParam> values) : values_(std::move(values)) {}

  PgParams& Add(std::string_view text);
  PgParams& Add(std::int64_t value);
  PgParams& Add(std::optional<std::int64_t> value);
  PgParams& AddBool(bool value);
  PgParams& AddParam(sql::SqlParam value);
  // A text[] parameter (for "= ANY($n)").
  PgParams& AddArray(const std::vector<std::string>& items);
  // Every parameter of `other`, after these (one statement's rows of a multi-row INSERT).
  PgParams& Append(const PgParams& other);

  const std::vector<sql::SqlParam>& values() const { return values_; }

 private:
  std::vector<sql::SqlParam> values_;
  // Indexes of values that are text[] literals rather than text.
  std::vector<size_t> arrays_;
  friend class PgConn;
};

// The rows of one statement. Move-only; frees the libpq result.
class PgResult {
 public:
  explicit PgResult(pg_result* res) : res_(res) {}
  PgResult(PgResult&& other) noexcept : res_(other.res_) { other.res_ = nullptr; }
  PgResult& operator=(PgResult&&) = delete;
  ~PgResult();

  int rows() const;
  // Rows an INSERT/UPDATE/DELETE touched.
  std::int64_t affected() const;
  bool IsNull(int row, int col) const;
  // Valid while this result lives.
  std::string_view Text(int row, int col) const;
  std::int64_t Int(int row, int col) const;
  std::optional<std::int64_t> OptionalInt(int row, int col) const;
  bool Bool(int row, int col) const;

 private:
  pg_result* res_;
};

// "($1, $2), ($3, $4)": `rows` rows of `cols` placeholders each, for a multi-row INSERT.
std::string PgValuesRows(size_t rows, size_t cols);

// How many rows of `cols` parameters one statement may carry (the protocol allows 65535
// parameters).
inline size_t PgMaxRows(size_t cols) { return 65535 / cols; }

// One connection. Not thread-safe: a PgPool lends it to one caller at a time.
class PgConn {
 public:
  // `url` is a libpq connection URI (postgres://user:password@host:port/db?...).
  static Result<std::unique_ptr<PgConn>> Connect(const std::string& url);
  ~PgConn();
  PgConn(const PgConn&) = delete;
  PgConn& operator=(const PgConn&) = delete;

  // Fixed SQL text: prepared on this connection at first use, then executed by name.
  Result<PgResult> Query(const std::string& sql, const PgParams& params = {});
  // Generated SQL (queries built from filters): parsed for this one use.
  Result<PgResult> QueryOnce(const std::string& sql, const PgParams& params = {});
  // One or more statements that bind nothing (schema, BEGIN/COMMIT).
  Status Exec(const std::string& sql);

  // True once the server went away or the session is in an unknown state: drop it.
  bool broken() const { return broken_; }

 private:
  explicit PgConn(pg_conn* conn) : conn_(conn) {}
  // Checks a finished command; marks the connection broken when it was lost.
  Result<PgResult> Check(pg_result* res, std::string_view what);

  pg_conn* conn_;
  bool broken_ = false;
  std::map<std::string, std::string, std::less<>> prepared_;  // SQL text -> statement name
};

}  // namespace eddy::server
