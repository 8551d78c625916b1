#include "common/ids.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

namespace eddy {
namespace {

bool IsUuidV4(const std::string& id) {
  if (id.size() != 36) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (id[i] == '-')) return false;
    if (!dash && std::string("0123456789abcdef").find(id[i]) == std::string::npos) return false;
  }
  return id[14] == '4' && std::string("89ab").find(id[19]) != std::string::npos;
}

// Ids are drawn from a per-thread pool of random bytes refilled 32 ids at a time: across many
// refills, and on several threads at once, none repeats.
TEST(IdsTest, UuidsAreWellFormedAndDistinctAcrossThreads) {
  constexpr int kPerThread = 2000;
  std::vector<std::vector<std::string>> made(4);
  std::vector<std::thread> threads;
  for (auto& out : made) {
    threads.emplace_back([&out] {
      for (int i = 0; i < kPerThread; ++i) out.push_back(NewUuid());
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> seen;
  for (const auto& out : made) {
    for (const std::string& id : out) {
      EXPECT_TRUE(IsUuidV4(id)) << id;
      EXPECT_TRUE(seen.insert(id).second) << "repeated " << id;
    }
  }
  EXPECT_EQ(seen.size(), 4u * kPerThread);
}

TEST(IdsTest, TokensAndHexHaveTheirLengthAndAlphabet) {
  std::string token = RandomToken(40);
  EXPECT_EQ(token.size(), 40u);
  EXPECT_EQ(token.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789"), std::string::npos);
  std::string hex = RandomHex(16);
  EXPECT_EQ(hex.size(), 32u);
  EXPECT_EQ(hex.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(RandomToken(40), token);
}

}  // namespace
}  // namespace eddy
