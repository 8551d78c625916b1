#include "server/storage/cache/read_through_cache.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace eddy::server {
namespace {

// A "store" value and a count of how often the cache had to read it.
struct Source {
  int value = 1;
  int loads = 0;
  Result<int> Load() {
    ++loads;
    return value;
  }
};

TEST(ReadThroughCacheTest, ServesALoadedValueFromMemory) {
  ReadThroughCache<int> cache(100);
  Source s;
  EXPECT_EQ(*cache.Get("k", [&] { return s.Load(); }), 1);
  s.value = 2;  // changed behind the cache's back: nobody said so
  EXPECT_EQ(*cache.Get("k", [&] { return s.Load(); }), 1);
  EXPECT_EQ(s.loads, 1);
}

TEST(ReadThroughCacheTest, AWriteThatEndsDuringALoadKeepsTheLoadOutOfTheCache) {
  ReadThroughCache<int> cache(100);
  Source s;
  // The load reads the old value, then a write of the key starts and ends before it returns.
  EXPECT_EQ(*cache.Get("k",
                       [&] {
                         Result<int> old = s.Load();
                         cache.BeginWrite({"k"});
                         s.value = 2;
                         cache.EndWrite({"k"});
                         return old;
                       }),
            1);
  EXPECT_EQ(*cache.Get("k", [&] { return s.Load(); }), 2);
  EXPECT_EQ(s.loads, 2);
}

TEST(ReadThroughCacheTest, ALoadDuringAWriteInFlightIsNotCached) {
  ReadThroughCache<int> cache(100);
  Source s;
  cache.BeginWrite({"k"});
  EXPECT_EQ(*cache.Get("k", [&] { return s.Load(); }), 1);
  s.value = 2;
  cache.EndWrite({"k"});
  EXPECT_EQ(*cache.Get("k", [&] { return s.Load(); }), 2);
  EXPECT_EQ(*cache.Get("k", [&] { return s.Load(); }), 2);
  EXPECT_EQ(s.loads, 2);  // the third read came from memory
}

TEST(ReadThroughCacheTest, AWriteOfEveryKeyDuringALoadKeepsTheLoadOutOfTheCache) {
  ReadThroughCache<int> cache(100);
  Source s;
  EXPECT_TRUE(cache
                  .Get("k",
                       [&] {
                         cache.BeginWriteAll();
                         s.value = 2;
                         cache.EndWriteAll();
                         return Result<int>(1);
                       })
                  .ok());
  EXPECT_EQ(*cache.Get("k", [&] { return s.Load(); }), 2);
}

TEST(ReadThroughCacheTest, AWriteOfAnotherKeyDoesNotDisturbALoad) {
  ReadThroughCache<int> cache(100);
  Source s;
  EXPECT_TRUE(cache
                  .Get("k",
                       [&] {
                         cache.BeginWrite({"other"});
                         cache.EndWrite({"other"});
                         return s.Load();
                       })
                  .ok());
  EXPECT_TRUE(cache.Get("k", [&] { return s.Load(); }).ok());
  EXPECT_EQ(s.loads, 1);
}

TEST(ReadThroughCacheTest, ForgetDropsOneKeyAndForgetAllEvery) {
  ReadThroughCache<int> cache(100);
  Source a, b;
  EXPECT_TRUE(cache.Get("a", [&] { return a.Load(); }).ok());
  EXPECT_TRUE(cache.Get("b", [&] { return b.Load(); }).ok());
  cache.Forget("a");
  EXPECT_TRUE(cache.Get("a", [&] { return a.Load(); }).ok());
  EXPECT_TRUE(cache.Get("b", [&] { return b.Load(); }).ok());
  EXPECT_EQ(a.loads, 2);
  EXPECT_EQ(b.loads, 1);
  cache.ForgetAll();
  EXPECT_TRUE(cache.Get("b", [&] { return b.Load(); }).ok());
  EXPECT_EQ(b.loads, 2);
}

TEST(ReadThroughCacheTest, ErrorsAreReturnedAndNeverCached) {
  ReadThroughCache<int> cache(100);
  int loads = 0;
  auto failing = [&]() -> Result<int> {
    ++loads;
    return Error::Internal("store down");
  };
  EXPECT_FALSE(cache.Get("k", failing).ok());
  EXPECT_FALSE(cache.Get("k", failing).ok());
  EXPECT_EQ(loads, 2);
}

TEST(ReadThroughCacheTest, StaysWithinItsBoundAndStillAnswersRight) {
  ReadThroughCache<int> cache(2);
  for (int round = 0; round < 3; ++round) {
    for (int k = 0; k < 5; ++k) {
      EXPECT_EQ(*cache.Get(std::to_string(k), [&] { return Result<int>(k); }), k);
    }
  }
}

TEST(ReadThroughCacheTest, GetManyLoadsOnlyTheMissingKeysOnceEachInOneCall) {
  ReadThroughCache<int> cache(100);
  ASSERT_EQ(*cache.Get("a", [] { return Result<int>(1); }), 1);
  std::vector<std::vector<std::string>> calls;
  auto load = [&](const std::vector<std::string>& missing) -> Result<std::vector<int>> {
    calls.push_back(missing);
    std::vector<int> values;
    for (const std::string& key : missing) values.push_back(key == "b" ? 2 : 3);
    return values;
  };
  Result<std::vector<int>> got = cache.GetMany({"a", "b", "c", "b"}, load);
  ASSERT_TRUE(got.ok());
  std::sort(got->begin(), got->end());
  EXPECT_EQ(*got, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(calls, (std::vector<std::vector<std::string>>{{"b", "c"}}));
  // Now all from memory: no second call.
  EXPECT_EQ(cache.GetMany({"c", "b"}, load)->size(), 2u);
  EXPECT_EQ(calls.size(), 1u);
}

TEST(ReadThroughCacheTest, GetManyKeepsAKeyWrittenDuringTheLoadOutOfTheCache) {
  ReadThroughCache<int> cache(100);
  int version = 1;
  auto load = [&](const std::vector<std::string>& missing) -> Result<std::vector<int>> {
    std::vector<int> values(missing.size(), version);
    if (version == 1) {  // "x" is written while the first load is under way
      cache.BeginWrite({"x"});
      version = 2;
      cache.EndWrite({"x"});
    }
    return values;
  };
  EXPECT_EQ(*cache.GetMany({"x", "y"}, load), (std::vector<int>{1, 1}));
  // "y" was cached with the old load; "x" is read again and gives the new value.
  EXPECT_EQ(*cache.GetMany({"x", "y"}, load), (std::vector<int>{1, 2}));
}

}  // namespace
}  // namespace eddy::server
