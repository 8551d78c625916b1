// Logging: one line per record to stderr, as text or JSON. Thread-safe (a mutex orders lines).
// Callers never pass secrets or whole tokens; see RedactToken.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace eddy::log {

enum class Format { kText, kJson };
enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

void Configure(Format format, Level min_level);

using Field = std::pair<std::string_view, std::string_view>;

// Whether records of `level` are written: for callers whose fields cost something to build.
bool Enabled(Level level);

// "msg key=value key=value" in text mode, {"level":..,"msg":..,"key":"value"} in JSON mode.
void Write(Level level, std::string_view msg, std::initializer_list<Field> fields = {});

inline void Info(std::string_view msg, std::initializer_list<Field> f = {}) {
  Write(Level::kInfo, msg, f);
}
inline void Warn(std::string_view msg, std::initializer_list<Field> f = {}) {
  Write(Level::kWarn, msg, f);
}
inline void Error(std::string_view msg, std::initializer_list<Field> f = {}) {
  Write(Level::kError, msg, f);
}
inline void Debug(std::string_view msg, std::initializer_list<Field> f = {}) {
  Write(Level::kDebug, msg, f);
}

// A token reduced to something safe to log: its first 8 characters and its length.
std::string RedactToken(std::string_view token);

bool ParseFormat(std::string_view s, Format& out);
bool ParseLevel(std::string_view s, Level& out);

}  // namespace eddy::log
