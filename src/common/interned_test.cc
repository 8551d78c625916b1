#include "common/interned.h"

#include <gtest/gtest.h>

#include <string>

namespace eddy {
namespace {

TEST(InternedTest, EqualTextsShareOneCopyThatOutlivesTheSource) {
  std::string a = "app-key-0123456789";
  std::string_view first = Interned(a);
  std::string_view second = Interned(std::string("app-key-0123456789"));
  EXPECT_EQ(first.data(), second.data());
  EXPECT_NE(first.data(), a.data());
  a.assign(100, 'x');
  EXPECT_EQ(first, "app-key-0123456789");
  EXPECT_NE(Interned("other").data(), first.data());
}

TEST(InternedTest, AViewFieldAssignedFromATemporaryStaysValid) {
  InternedView field;
  EXPECT_EQ(field.view(), "");
  field = std::string("a key long enough to live on the heap");
  std::string scratch(64, 'y');  // reuses the temporary's memory if anything still viewed it
  EXPECT_EQ(field.view(), "a key long enough to live on the heap");
  EXPECT_TRUE(field == "a key long enough to live on the heap");
}

}  // namespace
}  // namespace eddy
