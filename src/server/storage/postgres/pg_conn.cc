#include "server/storage/postgres/pg_conn.h"

#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace eddy::server {

namespace {

// Type OIDs from the server's catalog (pg_type.dat); stable across versions.
constexpr Oid kBoolOid = 16;
constexpr Oid kInt8Oid = 20;
constexpr Oid kTextOid = 25;
constexpr Oid kFloat8Oid = 701;
constexpr Oid kTextArrayOid = 1009;

// Classes of SQLSTATE that mean the server or the session is gone rather than the statement
// being wrong: connection exceptions (08), operator intervention (57: shutdown, crash
// recovery), and the server refusing connections.
bool IsConnectionLoss(std::string_view sqlstate) {
  return sqlstate.starts_with("08") || sqlstate.starts_with("57P");
}

// Conflicts a retry may resolve (serialization failure, deadlock).
bool IsRetryable(std::string_view sqlstate) { return sqlstate.starts_with("40"); }

std::string Trimmed(const char* msg) {
  std::string s = msg != nullptr ? msg : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// One parameter in libpq's text format. Doubles print with 17 significant digits, which
// round-trips every value.
struct TextParam {
  Oid type = 0;
  std::optional<std::string> text;
};

TextParam ToText(const sql::SqlParam& p) {
  return std::visit(
      [](const auto& v) -> TextParam {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return {0, std::nullopt};
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          return {kInt8Oid, std::to_string(v)};
        } else if constexpr (std::is_same_v<T, double>) {
          char buf[40];
          std::snprintf(buf, sizeof buf, "%.17g", v);
          return {kFloat8Oid, std::string(buf)};
        } else if constexpr (std::is_same_v<T, std::string>) {
          return {kTextOid, v};
        } else {
          return {kBoolOid, std::string(v ? "t" : "f")};
        }
      },
      p);
}

// The parameter arrays libpq takes, pointing into `texts`.
struct Bound {
  std::vector<TextParam> texts;
  std::vector<Oid> types;
  std::vector<const char*> values;

  explicit Bound(const PgParams& params, const std::vector<size_t>& arrays) {
    for (const sql::SqlParam& p : params.values()) texts.push_back(ToText(p));
    for (size_t i : arrays) texts[i].type = kTextArrayOid;
    for (const TextParam& t : texts) {
      types.push_back(t.type);
      values.push_back(t.text ? t.text->c_str() : nullptr);
    }
  }
  int size() const { return static_cast<int>(values.size()); }
};

}  // namespace

PgParams& PgParams::Add(std::string_view text) {
  values_.emplace_back(std::string(text));
  return *this;
}

PgParams& PgParams::Add(std::int64_t value) {
  values_.emplace_back(value);
  return *this;
}

PgParams& PgParams::Add(std::optional<std::int64_t> value) {
  if (value) return Add(*value);
  values_.emplace_back(std::monostate());
  return *this;
}

PgParams& PgParams::AddBool(bool value) {
  values_.emplace_back(value);
  return *this;
}

PgParams& PgParams::AddParam(sql::SqlParam value) {
  values_.push_back(std::move(value));
  return *this;
}

// Array literal syntax: every element double-quoted, with '"' and '\' escaped by '\'.
PgParams& PgParams::AddArray(const std::vector<std::string>& items) {
  std::string literal = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) literal += ',';
    literal += '"';
    for (char ch : items[i]) {
      if (ch == '"' || ch == '\\') literal += '\\';
      literal += ch;
    }
    literal += '"';
  }
  literal += '}';
  arrays_.push_back(values_.size());
  values_.emplace_back(std::move(literal));
  return *this;
}

PgParams& PgParams::Append(const PgParams& other) {
  for (size_t i : other.arrays_) arrays_.push_back(values_.size() + i);
  values_.insert(values_.end(), other.values_.begin(), other.values_.end());
  return *this;
}

std::string PgValuesRows(size_t rows, size_t cols) {
  std::string out;
  size_t n = 0;
  for (size_t r = 0; r < rows; ++r) {
    out += r == 0 ? "(" : ", (";
    for (size_t c = 0; c < cols; ++c) {
      if (c > 0) out += ", ";
      out += "$" + std::to_string(++n);
    }
    out += ")";
  }
  return out;
}

PgResult::~PgResult() {
  if (res_ != nullptr) PQclear(res_);
}

int PgResult::rows() const { return PQntuples(res_); }

std::int64_t PgResult::affected() const {
  const char* n = PQcmdTuples(res_);
  std::int64_t v = 0;
  if (n != nullptr) std::from_chars(n, n + std::char_traits<char>::length(n), v);
  return v;
}

bool PgResult::IsNull(int row, int col) const { return PQgetisnull(res_, row, col) != 0; }

std::string_view PgResult::Text(int row, int col) const {
  return {PQgetvalue(res_, row, col), static_cast<size_t>(PQgetlength(res_, row, col))};
}

std::int64_t PgResult::Int(int row, int col) const {
  std::string_view t = Text(row, col);
  std::int64_t v = 0;
  std::from_chars(t.data(), t.data() + t.size(), v);
  return v;
}

std::optional<std::int64_t> PgResult::OptionalInt(int row, int col) const {
  if (IsNull(row, col)) return std::nullopt;
  return Int(row, col);
}

bool PgResult::Bool(int row, int col) const { return Text(row, col) == "t"; }

Result<std::unique_ptr<PgConn>> PgConn::Connect(const std::string& url) {
  // connect_timeout comes first so a value in the URL overrides it; the URL is expanded in
  // place of "dbname".
  const char* keys[] = {"connect_timeout", "application_name", "dbname", "client_encoding",
                        nullptr};
  const char* values[] = {"5", "eddy", url.c_str(), "UTF8", nullptr};
  pg_conn* raw = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  std::unique_ptr<PgConn> conn(new PgConn(raw));
  if (raw == nullptr) return Error::Unavailable("store unavailable: out of memory");
  if (PQstatus(raw) != CONNECTION_OK) {
    return Error::Unavailable("store unavailable: " + Trimmed(PQerrorMessage(raw)));
  }
  // Notices ("relation already exists, skipping", "drop cascades to ...") are not errors and
  // libpq would print them on stderr.
  PQsetNoticeProcessor(
      raw, [](void*, const char*) {}, nullptr);
  return conn;
}

PgConn::~PgConn() {
  if (conn_ != nullptr) PQfinish(conn_);
}

Result<PgResult> PgConn::Check(pg_result* raw, std::string_view what) {
  PgResult res(raw);
  ExecStatusType status = raw != nullptr ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return res;
  const char* state = raw != nullptr ? PQresultErrorField(raw, PG_DIAG_SQLSTATE) : nullptr;
  std::string_view sqlstate = state != nullptr ? state : "";
  std::string msg = Trimmed(raw != nullptr ? PQresultErrorMessage(raw) : PQerrorMessage(conn_));
  if (msg.empty()) msg = Trimmed(PQerrorMessage(conn_));
  if (PQstatus(conn_) != CONNECTION_OK || IsConnectionLoss(sqlstate) || raw == nullptr) {
    broken_ = true;
    return Error::Unavailable("store unavailable: " + msg);
  }
  if (IsRetryable(sqlstate)) return Error::Unavailable(std::string(what) + ": " + msg);
  return Error::Internal(std::string(what) + ": " + msg);
}

Result<PgResult> PgConn::Query(const std::string& sql, const PgParams& params) {
  Bound bound(params, params.arrays_);
  auto it = prepared_.find(sql);
  if (it == prepared_.end()) {
    std::string name = "eddy_" + std::to_string(prepared_.size() + 1);
    EDDY_TRY(Check(PQprepare(conn_, name.c_str(), sql.c_str(), bound.size(), bound.types.data()),
                   "preparing statement"));
    it = prepared_.emplace(sql, std::move(name)).first;
  }
  return Check(PQexecPrepared(conn_, it->second.c_str(), bound.size(), bound.values.data(), nullptr,
                              nullptr, 0),
               "postgres query");
}

Result<PgResult> PgConn::QueryOnce(const std::string& sql, const PgParams& params) {
  Bound bound(params, params.arrays_);
  return Check(PQexecParams(conn_, sql.c_str(), bound.size(), bound.types.data(),
                            bound.values.data(), nullptr, nullptr, 0),
               "postgres query");
}

Status PgConn::Exec(const std::string& sql) {
  EDDY_TRY(Check(PQexec(conn_, sql.c_str()), "postgres exec"));
  return {};
}

}  // namespace eddy::server
