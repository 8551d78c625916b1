// Boost.JSON helpers shared by every layer: strict parsing into Result, typed field access.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"

namespace eddy {

namespace json = boost::json;

// Parses text as JSON (invalid UTF-8, trailing garbage and nesting deeper than 64 are
// rejected) into an input Error that names what was being parsed.
Result<json::value> ParseJson(std::string_view text, std::string_view what = "request body");
// Same, and the result must be an object.
Result<json::object> ParseJsonObject(std::string_view text, std::string_view what = "request body");

std::string ToJson(const json::value& v);

// Typed reads of an optional field: absent or null -> nullopt; wrong type -> input Error.
Result<std::optional<std::string>> GetString(const json::object& o, std::string_view key);
Result<std::optional<bool>> GetBool(const json::object& o, std::string_view key);
Result<std::optional<std::int64_t>> GetInt(const json::object& o, std::string_view key);
Result<std::optional<double>> GetNumber(const json::object& o, std::string_view key);
Result<const json::object*> GetObject(const json::object& o, std::string_view key);
Result<const json::array*> GetArray(const json::object& o, std::string_view key);

}  // namespace eddy
