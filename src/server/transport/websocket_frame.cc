#include "server/transport/websocket_frame.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <cstring>

namespace eddy::server::transport::ws {

HeaderResult ParseClientHeader(const char* data, std::size_t size, FrameHeader* header) {
  if (size < 2) return HeaderResult::kIncomplete;
  const auto b0 = static_cast<std::uint8_t>(data[0]);
  const auto b1 = static_cast<std::uint8_t>(data[1]);
  FrameHeader h;
  h.fin = (b0 & 0x80) != 0;
  h.opcode = b0 & 0x0F;
  if ((b0 & 0x70) != 0) return HeaderResult::kProtocolError;  // RSV1-3: no extension
  switch (h.opcode) {
    case kContinuation:
    case kText:
    case kBinary:
    case kClose:
    case kPing:
    case kPong:
      break;
    default:
      return HeaderResult::kProtocolError;
  }
  if ((b1 & 0x80) == 0) return HeaderResult::kProtocolError;  // clients must mask (§5.1)
  std::size_t pos = 2;
  std::uint64_t length = b1 & 0x7F;
  if (length == 126) {
    if (size < pos + 2) return HeaderResult::kIncomplete;
    length = (std::uint64_t{static_cast<std::uint8_t>(data[2])} << 8) |
             static_cast<std::uint8_t>(data[3]);
    pos += 2;
  } else if (length == 127) {
    if (size < pos + 8) return HeaderResult::kIncomplete;
    length = 0;
    for (int i = 0; i < 8; ++i) length = (length << 8) | static_cast<std::uint8_t>(data[2 + i]);
    if ((length >> 63) != 0) return HeaderResult::kProtocolError;
    pos += 8;
  }
  h.length = length;
  if (h.control() && (!h.fin || h.length > kMaxControlPayload)) {
    return HeaderResult::kProtocolError;
  }
  if (size < pos + 4) return HeaderResult::kIncomplete;
  std::memcpy(h.mask, data + pos, 4);
  h.header_bytes = pos + 4;
  *header = h;
  return HeaderResult::kComplete;
}

void Unmask(char* data, std::size_t size, const std::uint8_t mask[4], std::size_t offset) {
  for (std::size_t i = 0; i < size; ++i) data[i] ^= static_cast<char>(mask[(offset + i) & 3]);
}

std::size_t WriteServerHeader(std::uint8_t opcode, std::uint64_t length, char* out) {
  out[0] = static_cast<char>(0x80 | opcode);
  if (length < 126) {
    out[1] = static_cast<char>(length);
    return 2;
  }
  if (length <= 0xFFFF) {
    out[1] = 126;
    out[2] = static_cast<char>(length >> 8);
    out[3] = static_cast<char>(length & 0xFF);
    return 4;
  }
  out[1] = 127;
  for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<char>((length >> (56 - 8 * i)) & 0xFF);
  return 10;
}

// Rejects overlong forms, surrogates and code points past U+10FFFF (RFC 3629 §4).
bool IsValidUtf8(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    if (*p < 0x80) {
      ++p;
      continue;
    }
    int extra;
    unsigned char lo = 0x80, hi = 0xBF;
    if (*p >= 0xC2 && *p <= 0xDF) {
      extra = 1;
    } else if (*p >= 0xE0 && *p <= 0xEF) {
      extra = 2;
      if (*p == 0xE0) lo = 0xA0;
      if (*p == 0xED) hi = 0x9F;
    } else if (*p >= 0xF0 && *p <= 0xF4) {
      extra = 3;
      if (*p == 0xF0) lo = 0x90;
      if (*p == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (end - p <= extra) return false;
    if (p[1] < lo || p[1] > hi) return false;
    for (int i = 2; i <= extra; ++i) {
      if (p[i] < 0x80 || p[i] > 0xBF) return false;
    }
    p += extra + 1;
  }
  return true;
}

bool IsValidCloseCode(std::uint16_t code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
         (code >= 3000 && code <= 4999);
}

std::string AcceptKey(std::string_view client_key) {
  static constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  std::string input(client_key);
  input += kGuid;
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  char encoded[4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1];
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded), digest, SHA_DIGEST_LENGTH);
  return std::string(encoded, static_cast<std::size_t>(n));
}

bool IsValidClientKey(std::string_view key) {
  if (key.size() != 24 || key.substr(22) != "==") return false;
  for (char c : key.substr(0, 22)) {
    bool base64 = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '+' || c == '/';
    if (!base64) return false;
  }
  return true;
}

}  // namespace eddy::server::transport::ws
