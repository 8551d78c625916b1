// Small JSON helpers shared by the clients' .cc files. Internal to src/client.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "eddy/errors.h"

namespace eddy::client {

// o[key] as an object; a missing or mistyped field is a protocol violation by the server.
inline const boost::json::object& Field(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  if (!v || !v->is_object()) {
    throw ApiError(ApiError::kNetworkError, 0,
                   "answer without object \"" + std::string(key) +
                       "\": " + boost::json::serialize(o).substr(0, 200));
  }
  return v->as_object();
}

// The objects of o[key] (an array) converted with T::FromJson; missing = empty.
template <typename T>
std::vector<T> List(const boost::json::object& o, std::string_view key) {
  std::vector<T> out;
  const boost::json::value* v = o.if_contains(key);
  if (!v || !v->is_array()) return out;
  for (const auto& e : v->as_array()) {
    if (e.is_object()) out.push_back(T::FromJson(e.as_object()));
  }
  return out;
}

inline boost::json::array Strings(const std::vector<std::string>& v) {
  boost::json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

}  // namespace eddy::client
