#include "protocol/base64.h"

#include <array>
#include <cstdint>

namespace eddy::protocol {

namespace {

constexpr char kStd[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kUrl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr int8_t kInvalid = -1;

// Sextet value of each byte for the url alphabet, and for both alphabets together.
struct Tables {
  std::array<int8_t, 256> url{};
  std::array<int8_t, 256> any{};
};

constexpr Tables MakeTables() {
  Tables t;
  for (int i = 0; i < 256; ++i) t.url[i] = t.any[i] = kInvalid;
  for (int i = 0; i < 64; ++i) {
    t.url[static_cast<unsigned char>(kUrl[i])] = static_cast<int8_t>(i);
    t.any[static_cast<unsigned char>(kUrl[i])] = static_cast<int8_t>(i);
    t.any[static_cast<unsigned char>(kStd[i])] = static_cast<int8_t>(i);
  }
  return t;
}

constexpr Tables kTables = MakeTables();

std::string Encode(std::string_view bytes, const char* alphabet, bool pad) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t n = (static_cast<uint8_t>(bytes[i]) << 16) |
                 (static_cast<uint8_t>(bytes[i + 1]) << 8) | static_cast<uint8_t>(bytes[i + 2]);
    out.push_back(alphabet[(n >> 18) & 63]);
    out.push_back(alphabet[(n >> 12) & 63]);
    out.push_back(alphabet[(n >> 6) & 63]);
    out.push_back(alphabet[n & 63]);
  }
  size_t rest = bytes.size() - i;
  if (rest == 0) return out;
  uint32_t n = static_cast<uint8_t>(bytes[i]) << 16;
  if (rest == 2) n |= static_cast<uint8_t>(bytes[i + 1]) << 8;
  out.push_back(alphabet[(n >> 18) & 63]);
  out.push_back(alphabet[(n >> 12) & 63]);
  if (rest == 2) out.push_back(alphabet[(n >> 6) & 63]);
  if (pad) out.append(rest == 1 ? "==" : "=");
  return out;
}

// Decodes unpadded text with the given table.
std::optional<std::string> Decode(std::string_view text, const std::array<int8_t, 256>& table,
                                  bool require_zero_trailing_bits) {
  // A single leftover character carries only 6 bits: no byte can end there.
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3 + 2);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int8_t v = table[static_cast<unsigned char>(c)];
    if (v == kInvalid) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  if (require_zero_trailing_bits && bits > 0 && (acc & ((1u << bits) - 1)) != 0) {
    return std::nullopt;
  }
  return out;
}

}  // namespace

std::string Base64UrlEncode(std::string_view bytes) { return Encode(bytes, kUrl, false); }

std::string Base64Encode(std::string_view bytes) { return Encode(bytes, kStd, true); }

std::optional<std::string> Base64UrlDecode(std::string_view text) {
  return Decode(text, kTables.url, true);
}

std::optional<std::string> Base64DecodeLenient(std::string_view text) {
  size_t pad = 0;
  while (pad < text.size() && pad < 3 && text[text.size() - 1 - pad] == '=') ++pad;
  if (pad > 0) {
    // Padding is only meaningful when it completes the last quantum exactly.
    if (pad > 2 || text.size() % 4 != 0) return std::nullopt;
    text.remove_suffix(pad);
    if (text.size() % 4 != 4 - pad) return std::nullopt;
  }
  return Decode(text, kTables.any, false);
}

}  // namespace eddy::protocol
