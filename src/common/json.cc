#include "common/json.h"

namespace eddy {

Result<json::value> ParseJson(std::string_view text, std::string_view what) {
  json::parse_options opts;
  opts.max_depth = 64;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec, {}, opts);
  if (ec) {
    return Error::Input("invalid JSON in " + std::string(what) + ": " + ec.message());
  }
  return v;
}

Result<json::object> ParseJsonObject(std::string_view text, std::string_view what) {
  EDDY_ASSIGN_OR_RETURN(json::value v, ParseJson(text, what));
  if (!v.is_object()) return Error::Input(std::string(what) + " must be a JSON object");
  return std::move(v.as_object());
}

std::string ToJson(const json::value& v) { return json::serialize(v); }

namespace {

Error WrongType(std::string_view key, const char* want) {
  return Error::Input("field '" + std::string(key) + "' must be " + want);
}

}  // namespace

Result<std::optional<std::string>> GetString(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::optional<std::string>{};
  if (!it->value().is_string()) return WrongType(key, "a string");
  return std::optional<std::string>(std::string(it->value().get_string()));
}

Result<std::optional<bool>> GetBool(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::optional<bool>{};
  if (!it->value().is_bool()) return WrongType(key, "a boolean");
  return std::optional<bool>(it->value().get_bool());
}

Result<std::optional<std::int64_t>> GetInt(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::optional<std::int64_t>{};
  const json::value& v = it->value();
  if (v.is_int64()) return std::optional<std::int64_t>(v.get_int64());
  if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
    return std::optional<std::int64_t>(static_cast<std::int64_t>(v.get_uint64()));
  if (v.is_double()) {
    double d = v.get_double();
    if (d == static_cast<double>(static_cast<std::int64_t>(d)) && d < 9.2e18 && d > -9.2e18)
      return std::optional<std::int64_t>(static_cast<std::int64_t>(d));
  }
  return WrongType(key, "an integer");
}

Result<std::optional<double>> GetNumber(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::optional<double>{};
  const json::value& v = it->value();
  if (v.is_number()) return std::optional<double>(v.to_number<double>());
  return WrongType(key, "a number");
}

Result<const json::object*> GetObject(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return static_cast<const json::object*>(nullptr);
  if (!it->value().is_object()) return WrongType(key, "an object");
  return &it->value().get_object();
}

Result<const json::array*> GetArray(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return static_cast<const json::array*>(nullptr);
  if (!it->value().is_array()) return WrongType(key, "an array");
  return &it->value().get_array();
}

}  // namespace eddy
