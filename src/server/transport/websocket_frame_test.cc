#include "server/transport/websocket_frame.h"

#include <gtest/gtest.h>

#include <string>

namespace eddy::server::transport::ws {
namespace {

std::string Bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) out += static_cast<char>(b);
  return out;
}

HeaderResult Parse(const std::string& data, FrameHeader* h) {
  return ParseClientHeader(data.data(), data.size(), h);
}

TEST(WebSocketFrameTest, ParsesMaskedHeadersOfEveryLengthForm) {
  FrameHeader h;
  ASSERT_EQ(Parse(Bytes({0x81, 0x85, 1, 2, 3, 4}), &h), HeaderResult::kComplete);
  EXPECT_TRUE(h.fin);
  EXPECT_EQ(h.opcode, kText);
  EXPECT_EQ(h.length, 5u);
  EXPECT_EQ(h.header_bytes, 6u);
  EXPECT_EQ(h.mask[3], 4);

  ASSERT_EQ(Parse(Bytes({0x01, 0xFE, 0x01, 0x00, 1, 2, 3, 4}), &h), HeaderResult::kComplete);
  EXPECT_FALSE(h.fin);
  EXPECT_EQ(h.length, 256u);
  EXPECT_EQ(h.header_bytes, 8u);

  ASSERT_EQ(Parse(Bytes({0x82, 0xFF, 0, 0, 0, 1, 0, 0, 0, 0, 1, 2, 3, 4}), &h),
            HeaderResult::kComplete);
  EXPECT_EQ(h.length, std::uint64_t{1} << 32);
  EXPECT_EQ(h.header_bytes, 14u);
}

TEST(WebSocketFrameTest, IncompleteHeadersWaitForMoreBytes) {
  FrameHeader h;
  EXPECT_EQ(Parse(Bytes({0x81}), &h), HeaderResult::kIncomplete);
  EXPECT_EQ(Parse(Bytes({0x81, 0x85, 1, 2, 3}), &h), HeaderResult::kIncomplete);
  EXPECT_EQ(Parse(Bytes({0x81, 0xFE, 0x01}), &h), HeaderResult::kIncomplete);
  EXPECT_EQ(Parse(Bytes({0x81, 0xFF, 0, 0, 0, 0}), &h), HeaderResult::kIncomplete);
}

TEST(WebSocketFrameTest, ViolationsFailTheConnection) {
  FrameHeader h;
  EXPECT_EQ(Parse(Bytes({0x81, 0x05}), &h), HeaderResult::kProtocolError);              // unmasked
  EXPECT_EQ(Parse(Bytes({0xC1, 0x80, 1, 2, 3, 4}), &h), HeaderResult::kProtocolError);  // RSV1
  EXPECT_EQ(Parse(Bytes({0x83, 0x80, 1, 2, 3, 4}), &h), HeaderResult::kProtocolError);  // opcode
  EXPECT_EQ(Parse(Bytes({0x09, 0x80, 1, 2, 3, 4}), &h), HeaderResult::kProtocolError);  // frag ping
  EXPECT_EQ(Parse(Bytes({0x89, 0xFE, 0, 126, 1, 2, 3, 4}), &h),
            HeaderResult::kProtocolError);  // control payload over 125
  EXPECT_EQ(Parse(Bytes({0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4}), &h),
            HeaderResult::kProtocolError);  // 64-bit length with the top bit set
}

TEST(WebSocketFrameTest, UnmaskContinuesAtAnOffset) {
  const std::uint8_t mask[4] = {1, 2, 3, 4};
  std::string data = "abcdef";
  std::string whole = data;
  Unmask(whole.data(), whole.size(), mask);
  std::string split = data;
  Unmask(split.data(), 3, mask);
  Unmask(split.data() + 3, 3, mask, 3);
  EXPECT_EQ(split, whole);
  Unmask(whole.data(), whole.size(), mask);
  EXPECT_EQ(whole, data);
}

TEST(WebSocketFrameTest, ServerHeadersAreUnmaskedWithTheShortestLength) {
  char out[10];
  ASSERT_EQ(WriteServerHeader(kText, 125, out), 2u);
  EXPECT_EQ(std::string(out, 2), Bytes({0x81, 125}));
  ASSERT_EQ(WriteServerHeader(kText, 126, out), 4u);
  EXPECT_EQ(std::string(out, 4), Bytes({0x81, 126, 0, 126}));
  ASSERT_EQ(WriteServerHeader(kClose, 65536, out), 10u);
  EXPECT_EQ(std::string(out, 10), Bytes({0x88, 127, 0, 0, 0, 0, 0, 1, 0, 0}));
}

TEST(WebSocketFrameTest, Utf8) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain {\"json\": 1}"));
  EXPECT_TRUE(IsValidUtf8("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"));  // é € 😀
  EXPECT_FALSE(IsValidUtf8("\xC3"));                                 // truncated
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));                             // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));                         // surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));                     // past U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xFF"));
}

TEST(WebSocketFrameTest, CloseCodes) {
  EXPECT_TRUE(IsValidCloseCode(1000));
  EXPECT_TRUE(IsValidCloseCode(4000));
  EXPECT_FALSE(IsValidCloseCode(1005));  // reserved: never on the wire
  EXPECT_FALSE(IsValidCloseCode(1006));
  EXPECT_FALSE(IsValidCloseCode(999));
  EXPECT_FALSE(IsValidCloseCode(5000));
}

TEST(WebSocketFrameTest, HandshakeKeys) {
  // The example of RFC 6455 §1.3.
  EXPECT_EQ(AcceptKey("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  EXPECT_TRUE(IsValidClientKey("dGhlIHNhbXBsZSBub25jZQ=="));
  EXPECT_FALSE(IsValidClientKey(""));
  EXPECT_FALSE(IsValidClientKey("dGhlIHNhbXBsZSBub25jZQ"));
  EXPECT_FALSE(IsValidClientKey("dGhlIHNhbXBsZSBub25j!Q=="));
}

}  // namespace
}  // namespace eddy::server::transport::ws
