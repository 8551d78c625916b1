#include "protocol/error_envelope.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace eddy::protocol {
namespace {

// The duration is written as printf's "%.2f" writes it, rounding included.
TEST(FormatDurationTest, MatchesPrintfFixedTwoDecimals) {
  for (double ms : {0.0, 0.004, 0.005, 0.015, 0.125, 1.0, 1.234, 9.995, 12.3456, 99.999, 1234.5,
                    86'400'000.0, 1e15}) {
    char expected[64];
    std::snprintf(expected, sizeof expected, "%.2fms", ms);
    EXPECT_EQ(FormatDuration(ms), expected) << ms;
  }
}

TEST(FormatDurationTest, OutOfRangeIsZero) { EXPECT_EQ(FormatDuration(1e80), "0.00ms"); }

TEST(ErrorEnvelopeTest, CarriesTheProtocolsFields) {
  json::object o = ErrorEnvelope(Error::NotFound("no such thing"), 1.5);
  EXPECT_EQ(o.at("code"), 16);
  EXPECT_EQ(o.at("message"), "no such thing");
  EXPECT_EQ(o.at("StatusCode"), 404);
  EXPECT_EQ(o.at("duration"), "1.50ms");
  EXPECT_TRUE(o.at("details").as_array().empty());
}

}  // namespace
}  // namespace eddy::protocol
