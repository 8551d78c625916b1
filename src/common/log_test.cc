#include "common/log.h"

#include <gtest/gtest.h>

namespace eddy::log {
namespace {

TEST(LogTest, EnabledFollowsTheConfiguredLevel) {
  Configure(Format::kText, Level::kWarn);
  EXPECT_FALSE(Enabled(Level::kDebug));
  EXPECT_FALSE(Enabled(Level::kInfo));
  EXPECT_TRUE(Enabled(Level::kWarn));
  EXPECT_TRUE(Enabled(Level::kError));
  Configure(Format::kText, Level::kDebug);
  EXPECT_TRUE(Enabled(Level::kDebug));
  Configure(Format::kText, Level::kInfo);  // the default, for the tests after this one
  EXPECT_FALSE(Enabled(Level::kDebug));
  EXPECT_TRUE(Enabled(Level::kInfo));
}

}  // namespace
}  // namespace eddy::log
