#include "common/clock.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <limits>

namespace eddy {
namespace {

TEST(ClockTest, FormatsMicrosecondsUtc) {
  EXPECT_EQ(FormatTime(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(FormatTime(1795837741'123456), "2026-11-28T03:49:01.123456Z");
}

// The digit-by-digit formatter against the C library's calendar over four centuries of
// days (leap years, 1900 and 2100 not leap, 2000 leap) and times before 1970.
TEST(ClockTest, FormatsLikeTheCLibrary) {
  for (std::int64_t secs = -2'208'988'800; secs < 10'413'792'000; secs += 86'400 * 7 + 3'601) {
    for (std::int64_t frac : {0, 1, 999'999}) {
      std::time_t tt = static_cast<std::time_t>(secs);
      std::tm tm{};
      gmtime_r(&tt, &tm);
      char want[40];
      std::snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900,
                    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                    static_cast<long long>(frac));
      ASSERT_EQ(FormatTime(secs * 1'000'000 + frac), want) << secs;
      TimeText text;
      ASSERT_EQ(FormatTime(secs * 1'000'000 + frac, text), want) << secs;
    }
  }
  TimeText text;
  EXPECT_EQ(FormatTime(253402300800'000000, text), "10000-01-01T00:00:00.000000Z");
  EXPECT_EQ(FormatTime(std::numeric_limits<Micros>::min(), text),
            FormatTime(std::numeric_limits<Micros>::min()));
  EXPECT_EQ(FormatTime(-1), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(FormatTime(253402300799'999999), "9999-12-31T23:59:59.999999Z");
  EXPECT_EQ(FormatTime(253402300800'000000), "10000-01-01T00:00:00.000000Z");
}

TEST(ClockTest, ParsesWhatItFormats) {
  Micros t = 1795837741'123456;
  auto parsed = ParseTime(FormatTime(t));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, t);
}

TEST(ClockTest, ParsesVariants) {
  EXPECT_EQ(ParseTime("2026-11-28T03:49:01Z"), 1795837741'000000);
  EXPECT_EQ(ParseTime("2026-11-28T03:49:01.5Z"), 1795837741'500000);
  EXPECT_EQ(ParseTime("2026-11-28T04:49:01.000+01:00"), 1795837741'000000);
  EXPECT_EQ(ParseTime("2026-11-28T03:49:01.123456789Z"), 1795837741'123456);
}

TEST(ClockTest, RejectsGarbage) {
  EXPECT_FALSE(ParseTime(""));
  EXPECT_FALSE(ParseTime("yesterday"));
  EXPECT_FALSE(ParseTime("2026-13-01T00:00:00Z"));
  EXPECT_FALSE(ParseTime("2026-11-28T03:49:01"));
  EXPECT_FALSE(ParseTime("2026-11-28T03:49:01Zjunk"));
}

}  // namespace
}  // namespace eddy
