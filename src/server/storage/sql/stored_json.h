// Reading back JSON text a store wrote (custom data, settings, teams). Boost.JSON 1.81's own
// parser rounds some doubles to a neighbouring value (about one in six random doubles), so a
// stored 3.8438150678162900E-11 would not come back bit-for-bit; this parser converts numbers
// with std::from_chars, which rounds correctly, so what was written is what is read.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/json.h"

namespace eddy::server::sql {

// Parses `text` as JSON (up to 1024 levels deep, deeper than anything the API accepts). A
// failure means damaged stored data: an internal Error naming `what`.
Result<json::value> ParseStoredJson(std::string_view text, std::string_view what);

// A list of strings as the stores write it (a JSON array) and read it back; reading anything
// but an array of strings is an internal Error naming `what`.
std::string StringArrayJson(const std::vector<std::string>& items);
Result<std::vector<std::string>> ParseStoredStringArray(std::string_view text,
                                                        std::string_view what);

}  // namespace eddy::server::sql
