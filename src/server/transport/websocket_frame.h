// RFC 6455 framing for the server side: parsing client frame headers (which must be masked),
// unmasking, writing unmasked server frame headers, checking UTF-8 and close codes, and the
// handshake's Sec-WebSocket-Accept. Pure functions, no sockets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace eddy::server::transport::ws {

enum Opcode : std::uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA,
};

// Close codes this server sends (RFC 6455 §7.4.1).
inline constexpr std::uint16_t kCloseNormal = 1000;
inline constexpr std::uint16_t kCloseGoingAway = 1001;
inline constexpr std::uint16_t kCloseProtocolError = 1002;
inline constexpr std::uint16_t kCloseUnsupportedData = 1003;
inline constexpr std::uint16_t kCloseInvalidPayload = 1007;
inline constexpr std::uint16_t kClosePolicy = 1008;
inline constexpr std::uint16_t kCloseTooBig = 1009;
inline constexpr std::uint16_t kCloseInternalError = 1011;
inline constexpr std::uint16_t kCloseServiceRestart = 1012;

// Control frames carry at most this much (RFC 6455 §5.5).
inline constexpr std::size_t kMaxControlPayload = 125;
// The largest header a frame can have: 2 + 8 (64-bit length) + 4 (mask).
inline constexpr std::size_t kMaxHeaderBytes = 14;

struct FrameHeader {
  bool fin = false;
  std::uint8_t opcode = 0;
  std::uint64_t length = 0;  // payload bytes
  std::uint8_t mask[4] = {};
  std::size_t header_bytes = 0;
  bool control() const { return (opcode & 0x8) != 0; }
};

enum class HeaderResult { kIncomplete, kComplete, kProtocolError };

// Parses the header of a client frame at the start of `data`. A protocol error is anything
// RFC 6455 says fails the connection: reserved bits (no extension is negotiated), an unknown
// opcode, an unmasked frame, a fragmented or oversized control frame, a 64-bit length with the
// top bit set.
HeaderResult ParseClientHeader(const char* data, std::size_t size, FrameHeader* header);

// Unmasks `size` payload bytes in place; `offset` is the payload position of data[0].
void Unmask(char* data, std::size_t size, const std::uint8_t mask[4], std::size_t offset = 0);

// Writes the header of an unmasked final frame with this opcode and payload length into
// `out` (at least 10 bytes); returns its length.
std::size_t WriteServerHeader(std::uint8_t opcode, std::uint64_t length, char* out);

bool IsValidUtf8(std::string_view text);

// Whether a peer may send `code` in a close frame (RFC 6455 §7.4).
bool IsValidCloseCode(std::uint16_t code);

// Sec-WebSocket-Accept for a client's Sec-WebSocket-Key (RFC 6455 §4.2.2).
std::string AcceptKey(std::string_view client_key);

// A Sec-WebSocket-Key must be the base64 of 16 bytes (RFC 6455 §4.1).
bool IsValidClientKey(std::string_view key);

}  // namespace eddy::server::transport::ws
