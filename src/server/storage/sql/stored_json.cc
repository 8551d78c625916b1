#include "server/storage/sql/stored_json.h"

#include <boost/json/basic_parser_impl.hpp>
#include <charconv>
#include <string>

namespace eddy::server::sql {

namespace {

// boost::json::parser's handler (a value_stack fed by basic_parser), except that doubles are
// converted from their text. Not thread-safe; one per parse.
class PreciseHandler {
 public:
  static constexpr std::size_t max_object_size = json::object::max_size();
  static constexpr std::size_t max_array_size = json::array::max_size();
  static constexpr std::size_t max_key_size = json::string::max_size();
  static constexpr std::size_t max_string_size = json::string::max_size();

  json::value_stack st;

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_object_begin(json::error_code&) { return true; }
  bool on_object_end(std::size_t n, json::error_code&) {
    st.push_object(n);
    return true;
  }
  bool on_array_begin(json::error_code&) { return true; }
  bool on_array_end(std::size_t n, json::error_code&) {
    st.push_array(n);
    return true;
  }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    st.push_chars(s);
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code&) {
    st.push_key(s);
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    st.push_chars(s);
    return true;
  }
  bool on_string(json::string_view s, std::size_t, json::error_code&) {
    st.push_string(s);
    return true;
  }
  // A number split across input buffers arrives in parts; the whole text is needed.
  bool on_number_part(json::string_view s, json::error_code&) {
    number_.append(s.data(), s.size());
    return true;
  }
  bool on_int64(std::int64_t i, json::string_view, json::error_code&) {
    number_.clear();
    st.push_int64(i);
    return true;
  }
  bool on_uint64(std::uint64_t u, json::string_view, json::error_code&) {
    number_.clear();
    st.push_uint64(u);
    return true;
  }
  bool on_double(double d, json::string_view s, json::error_code&) {
    number_.append(s.data(), s.size());
    double exact = d;
    auto [end, ec] = std::from_chars(number_.data(), number_.data() + number_.size(), exact);
    // from_chars fails only on overflow to infinity, where Boost's value is as good as any.
    st.push_double(ec == std::errc() && end == number_.data() + number_.size() ? exact : d);
    number_.clear();
    return true;
  }
  bool on_bool(bool b, json::error_code&) {
    st.push_bool(b);
    return true;
  }
  bool on_null(json::error_code&) {
    st.push_null();
    return true;
  }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }

 private:
  std::string number_;
};

}  // namespace

Result<json::value> ParseStoredJson(std::string_view text, std::string_view what) {
  json::parse_options opts;
  opts.max_depth = 1024;
  json::basic_parser<PreciseHandler> parser(opts);
  parser.handler().st.reset();
  json::error_code ec;
  std::size_t used = parser.write_some(false, text.data(), text.size(), ec);
  if (!ec && used != text.size()) ec = json::error::extra_data;
  if (ec) {
    return Error::Internal("stored " + std::string(what) + " is not valid JSON: " + ec.message());
  }
  return parser.handler().st.release();
}

std::string StringArrayJson(const std::vector<std::string>& items) {
  json::array a;
  for (const std::string& s : items) a.emplace_back(s);
  return json::serialize(a);
}

Result<std::vector<std::string>> ParseStoredStringArray(std::string_view text,
                                                        std::string_view what) {
  EDDY_ASSIGN_OR_RETURN(json::value v, ParseStoredJson(text, what));
  if (!v.is_array()) return Error::Internal("stored " + std::string(what) + " is not an array");
  std::vector<std::string> out;
  for (const json::value& e : v.as_array()) {
    if (!e.is_string()) {
      return Error::Internal("stored " + std::string(what) + " holds a non-string");
    }
    out.emplace_back(e.as_string());
  }
  return out;
}

}  // namespace eddy::server::sql
