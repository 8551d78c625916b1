#include "server/storage/cache/read_through_cache.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

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

TEST(ReadThroughCacheTest, AnUpdateKeepsWhatItStoredWhenNoOtherWriteOverlapped) {
  ReadThroughCache<int> cache(100);
  Source s;
  {
    CacheUpdateScope update(cache, "k");
    EXPECT_FALSE(update.before().has_value());  // nothing cached yet: nothing to derive from
  }
  ASSERT_EQ(*cache.Get("k", [&] { return s.Load(); }), 1);
  {
    CacheUpdateScope update(cache, "k");
    ASSERT_EQ(update.before(), 1);
    // A load during the update reads the store and is not cached.
    EXPECT_EQ(*cache.Get("k", [&] { return s.Load(); }), 1);
    s.value = *update.before() + 1;
    update.Stored(s.value);
  }
  EXPECT_EQ(*cache.Get("k", [&] { return s.Load(); }), 2);
  EXPECT_EQ(s.loads, 2);  // the update's value came from memory
  {
    CacheUpdateScope failed(cache, "k");  // a write that failed stores nothing
  }
  EXPECT_EQ(*cache.Get("k", [&] { return s.Load(); }), 2);
  EXPECT_EQ(s.loads, 3);
}

// Another write of the key that started before the update, ended during it, or is still in
// flight when it ends, or a change heard of meanwhile: the update's value may not be the
// stored one, so it is forgotten and read again.
TEST(ReadThroughCacheTest, AnUpdateOverlappedByAnotherWriteKeepsNothing) {
  ReadThroughCache<int> cache(100);
  Source s;
  auto overlapped = [&](auto&& before, auto&& during) {
    ASSERT_TRUE(cache.Get("k", [&] { return s.Load(); }).ok());
    const int loads = s.loads;
    before();
    {
      CacheUpdateScope update(cache, "k");
      during();
      update.Stored(100);
    }
    EXPECT_NE(*cache.Get("k", [&] { return s.Load(); }), 100);
    EXPECT_EQ(s.loads, loads + 1);
  };
  overlapped([] {},
             [&] {
               cache.BeginWrite({"k"});
               cache.EndWrite({"k"});
             });
  overlapped([&] { cache.BeginWrite({"k"}); }, [&] { cache.EndWrite({"k"}); });
  overlapped([] {}, [&] { cache.BeginWrite({"k"}); });
  cache.EndWrite({"k"});
  overlapped([] {}, [&] { cache.Forget("k"); });
  overlapped([] {}, [&] { cache.ForgetAll(); });
  overlapped([] {},
             [&] {
               cache.BeginWriteAll();
               cache.EndWriteAll();
             });
  // A write of another key leaves the update alone.
  ASSERT_TRUE(cache.Get("k", [&] { return s.Load(); }).ok());
  {
    CacheUpdateScope update(cache, "k");
    cache.BeginWrite({"other"});
    cache.EndWrite({"other"});
    update.Stored(7);
  }
  EXPECT_EQ(*cache.Get("k", [&] { return s.Load(); }), 7);
}

// Keys share the write tracker's stripes; concurrent updates of different keys (sends in
// different channels) must each keep what they stored, whatever their stripes.
TEST(ReadThroughCacheTest, OverlappingUpdatesOfKeysSharingAStripeBothKeepTheirValues) {
  std::string other;
  for (int i = 0; other.empty(); ++i) {
    std::string candidate = "k" + std::to_string(i);
    if (WriteTracker::StripeOf(candidate) == WriteTracker::StripeOf("k")) other = candidate;
  }
  ReadThroughCache<int> cache(100);
  Source k, o;
  ASSERT_TRUE(cache.Get("k", [&] { return k.Load(); }).ok());
  ASSERT_TRUE(cache.Get(other, [&] { return o.Load(); }).ok());
  {
    CacheUpdateScope first(cache, "k");
    {
      CacheUpdateScope second(cache, other);
      first.Stored(10);
      second.Stored(20);
      cache.Forget(other);  // a change heard of for the other key only
    }
  }
  EXPECT_EQ(*cache.Get("k", [&] { return k.Load(); }), 10);
  EXPECT_EQ(k.loads, 1);
  EXPECT_EQ(*cache.Get(other, [&] { return o.Load(); }), 1);  // the forgotten one read again
  EXPECT_EQ(o.loads, 2);
}

TEST(ReadThroughCacheTest, TwoOverlappingUpdatesOfOneKeyKeepNothing) {
  ReadThroughCache<int> cache(100);
  Source s;
  ASSERT_TRUE(cache.Get("k", [&] { return s.Load(); }).ok());
  {
    CacheUpdateScope first(cache, "k");
    {
      CacheUpdateScope second(cache, "k");
      EXPECT_FALSE(second.before().has_value());  // the first took it out of the cache
      second.Stored(30);
    }
    first.Stored(31);
  }
  EXPECT_EQ(*cache.Get("k", [&] { return s.Load(); }), 1);
  EXPECT_EQ(s.loads, 2);
  // Slots are reused: the next update alone keeps its value again.
  {
    CacheUpdateScope alone(cache, "k");
    alone.Stored(32);
  }
  EXPECT_EQ(*cache.Get("k", [&] { return s.Load(); }), 32);
  EXPECT_EQ(s.loads, 2);
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

// Two caches sharing entries: each field is loaded, written, forgotten and protected from
// overlapping writes on its own; the entry goes when its last field does.
struct TwoFields {
  std::optional<int> a;
  std::optional<int> b;
  bool empty() const { return !a && !b; }
};
using FieldA = FieldCache<TwoFields, int, &TwoFields::a>;
using FieldB = FieldCache<TwoFields, int, &TwoFields::b>;

TEST(FieldCacheTest, FieldsOfOneEntryAreCachedAndForgottenSeparately) {
  SharedEntries<TwoFields> shared(100);
  FieldA a(shared);
  FieldB b(shared);
  Source sa, sb;
  sb.value = 10;
  EXPECT_EQ(*a.Get("k", [&] { return sa.Load(); }), 1);
  EXPECT_EQ(*b.Get("k", [&] { return sb.Load(); }), 10);
  sa.value = 2;
  sb.value = 20;
  // A write of k through `a` forgets a's value only.
  a.BeginWrite({"k"});
  a.EndWrite({"k"});
  EXPECT_EQ(*a.Get("k", [&] { return sa.Load(); }), 2);
  EXPECT_EQ(*b.Get("k", [&] { return sb.Load(); }), 10);
  // Forgetting every value of `b` leaves a's.
  b.ForgetAll();
  sa.value = 3;
  EXPECT_EQ(*a.Get("k", [&] { return sa.Load(); }), 2);
  EXPECT_EQ(*b.Get("k", [&] { return sb.Load(); }), 20);
  EXPECT_EQ(sa.loads, 2);
  EXPECT_EQ(sb.loads, 2);
  // Both forgotten: the entry is gone, and the next loads read the store.
  a.Forget("k");
  b.Forget("k");
  sb.value = 30;
  EXPECT_EQ(*a.Get("k", [&] { return sa.Load(); }), 3);
  EXPECT_EQ(*b.Get("k", [&] { return sb.Load(); }), 30);
}

TEST(FieldCacheTest, AWriteDuringALoadKeepsTheLoadOutButNotTheOtherField) {
  SharedEntries<TwoFields> shared(100);
  FieldA a(shared);
  FieldB b(shared);
  Source sa, sb;
  EXPECT_EQ(*a.Get("k",
                   [&] {
                     Result<int> old = sa.Load();
                     a.BeginWrite({"k"});
                     sa.value = 2;
                     a.EndWrite({"k"});
                     // b's load in the middle of a's is b's business: it is cached.
                     EXPECT_EQ(*b.Get("k", [&] { return sb.Load(); }), 1);
                     return old;
                   }),
            1);
  EXPECT_EQ(*a.Get("k", [&] { return sa.Load(); }), 2);
  sb.value = 5;
  EXPECT_EQ(*b.Get("k", [&] { return sb.Load(); }), 1);
  EXPECT_EQ(sa.loads, 2);
  EXPECT_EQ(sb.loads, 1);
}

// An update of one field keeps what it stored, as ReadThroughCache's does, and leaves the
// entry's other field alone; one that another write overlapped keeps nothing.
TEST(FieldCacheTest, AnUpdateKeepsItsFieldsValueAndLeavesTheOtherField) {
  SharedEntries<TwoFields> shared(100);
  FieldA a(shared);
  FieldB b(shared);
  Source sa, sb;
  ASSERT_EQ(*a.Get("k", [&] { return sa.Load(); }), 1);
  ASSERT_EQ(*b.Get("k", [&] { return sb.Load(); }), 1);
  {
    CacheUpdateScope update(a, "k");
    ASSERT_EQ(update.before(), 1);
    EXPECT_EQ(*b.Get("k", [&] { return sb.Load(); }), 1);  // b's value still cached
    sa.value = 2;
    update.Stored(2);
  }
  EXPECT_EQ(*a.Get("k", [&] { return sa.Load(); }), 2);
  EXPECT_EQ(sa.loads, 1);
  EXPECT_EQ(sb.loads, 1);
  {
    CacheUpdateScope update(a, "k");
    a.Forget("k");  // a change heard of meanwhile
    update.Stored(3);
  }
  EXPECT_EQ(*a.Get("k", [&] { return sa.Load(); }), 2);
  EXPECT_EQ(sa.loads, 2);
}

TEST(FieldCacheTest, EntriesStartOverPastTheBound) {
  SharedEntries<TwoFields> shared(2);
  FieldA a(shared);
  Source s;
  for (const char* key : {"k1", "k2", "k1", "k2"})
    EXPECT_TRUE(a.Get(key, [&] { return s.Load(); }).ok());
  EXPECT_EQ(s.loads, 2);
  EXPECT_TRUE(a.Get("k3", [&] { return s.Load(); }).ok());  // full: starts over, keeps k3
  EXPECT_TRUE(a.Get("k3", [&] { return s.Load(); }).ok());
  EXPECT_TRUE(a.Get("k1", [&] { return s.Load(); }).ok());
  EXPECT_EQ(s.loads, 4);
}

// A list field in one pointer: "not cached" and "cached, empty" stay distinct, and items
// are copies the caller may keep.
TEST(CachedListTest, TellsNotCachedFromEmptyAndHoldsItsItems) {
  using Items = std::optional<std::vector<std::string>>;
  CachedList<std::string> list;
  EXPECT_FALSE(list.has_value());
  EXPECT_EQ(Items(list), std::nullopt);
  list = std::vector<std::string>{};
  EXPECT_TRUE(list.has_value());
  EXPECT_EQ(Items(list), std::vector<std::string>{});
  list = std::vector<std::string>{"a long string past the inline size", "b"};
  Items copy = list;
  list = std::vector<std::string>{"c"};
  EXPECT_EQ(copy, (std::vector<std::string>{"a long string past the inline size", "b"}));
  EXPECT_EQ(Items(list), std::vector<std::string>{"c"});
  list.reset();
  EXPECT_FALSE(list.has_value());
  // The shared empty list is never changed by a value cached after it.
  CachedList<std::string> other;
  other = std::vector<std::string>{};
  list = std::vector<std::string>{};
  list = std::vector<std::string>{"d"};
  EXPECT_EQ(Items(other), std::vector<std::string>{});
}

// The shared kind: the same three states, and a list handed out is the one held (no copy),
// which a later value replaces without changing it.
TEST(SharedCachedListTest, TellsNotCachedFromEmptyAndHandsOutTheListItHolds) {
  using List = SharedCachedList<std::string>::List;
  SharedCachedList<std::string> list;
  EXPECT_FALSE(list.has_value());
  EXPECT_EQ(std::optional<List>(list), std::nullopt);
  list = std::make_shared<const std::vector<std::string>>();
  ASSERT_TRUE(list.has_value());
  EXPECT_TRUE(std::optional<List>(list).value()->empty());
  const List held = std::make_shared<const std::vector<std::string>>(
      std::vector<std::string>{"a long string past the inline size", "b"});
  list = held;
  const List out = std::optional<List>(list).value();
  EXPECT_EQ(out, held);
  list = std::make_shared<const std::vector<std::string>>(std::vector<std::string>{"c"});
  EXPECT_EQ(*out, (std::vector<std::string>{"a long string past the inline size", "b"}));
  EXPECT_EQ(*std::optional<List>(list).value(), std::vector<std::string>{"c"});
  list.reset();
  EXPECT_FALSE(list.has_value());
}

struct ListFields {
  CachedList<int> a;
  CachedList<int> b;
  bool empty() const { return !a.has_value() && !b.has_value(); }
};

TEST(FieldCacheTest, ListFieldsAreReadThroughLikeOptionals) {
  SharedEntries<ListFields> shared(100);
  FieldCache<ListFields, std::vector<int>, &ListFields::a> a(shared);
  FieldCache<ListFields, std::vector<int>, &ListFields::b> b(shared);
  int loads = 0;
  auto load = [&](std::vector<int> v) {
    return [&loads, v] {
      ++loads;
      return Result<std::vector<int>>(v);
    };
  };
  EXPECT_EQ(*a.Get("k", load({})), std::vector<int>{});
  EXPECT_EQ(*b.Get("k", load({1, 2})), (std::vector<int>{1, 2}));
  EXPECT_EQ(*a.Get("k", load({9})), std::vector<int>{});  // the empty list was cached
  EXPECT_EQ(*b.Get("k", load({9})), (std::vector<int>{1, 2}));
  EXPECT_EQ(loads, 2);
  a.Forget("k");
  EXPECT_EQ(*a.Get("k", load({3})), std::vector<int>{3});
  EXPECT_EQ(*b.Get("k", load({9})), (std::vector<int>{1, 2}));
  EXPECT_EQ(loads, 3);
}

// GetMany answers each key like Get: cached values from memory (a cached empty list too),
// the others loaded once each and cached, a key whose write overlapped its load not cached,
// and an error returned without caching what followed it.
TEST(FieldCacheTest, GetManyAnswersEachKeyLikeGet) {
  SharedEntries<ListFields> shared(100);
  FieldCache<ListFields, std::vector<int>, &ListFields::a> a(shared);
  FieldCache<ListFields, std::vector<int>, &ListFields::b> b(shared);
  std::map<std::string, std::vector<int>> store = {{"k1", {1}}, {"k2", {}}, {"k3", {3, 3}}};
  std::vector<std::string> loaded;
  auto load_one = [&](std::string_view key) {
    loaded.emplace_back(key);
    return Result<std::vector<int>>(store[std::string(key)]);
  };
  EXPECT_EQ(*a.Get("k2", [&] { return load_one("k2"); }), std::vector<int>{});
  EXPECT_EQ(*b.Get("k1", [&] { return Result<std::vector<int>>(std::vector<int>{7}); }),
            std::vector<int>{7});  // another field of k1's entry: not a's value
  loaded.clear();
  std::vector<std::string_view> keys = {"k1", "k2", "k3", "k1"};
  auto many = a.GetMany(keys, [&](std::size_t i) {
    if (keys[i] == "k3") {  // k3 is written while it loads: answered, not cached
      a.BeginWrite({"k3"});
      a.EndWrite({"k3"});
    }
    return load_one(keys[i]);
  });
  ASSERT_TRUE(many.ok());
  EXPECT_EQ(*many, (std::vector<std::vector<int>>{{1}, {}, {3, 3}, {1}}));
  EXPECT_EQ(loaded, (std::vector<std::string>{"k1", "k3", "k1"}));
  loaded.clear();
  store["k1"] = {9};
  store["k3"] = {4};
  many = a.GetMany(keys, [&](std::size_t i) { return load_one(keys[i]); });
  EXPECT_EQ(*many, (std::vector<std::vector<int>>{{1}, {}, {4}, {1}}));
  EXPECT_EQ(loaded, (std::vector<std::string>{"k3"}));
  EXPECT_EQ(*b.Get("k1", [&] { return load_one("k1"); }), std::vector<int>{7});

  a.Forget("k1");
  a.Forget("k3");
  loaded.clear();
  many = a.GetMany(keys, [&](std::size_t i) -> Result<std::vector<int>> {
    if (keys[i] == "k1") return Error::Internal("store down");
    return load_one(keys[i]);
  });
  ASSERT_FALSE(many.ok());
  EXPECT_EQ(many.error().message, "store down");
  EXPECT_EQ(*a.Get("k3", [&] { return load_one("k3"); }), std::vector<int>{4});
  EXPECT_EQ(loaded, (std::vector<std::string>{"k3"}));  // the error stopped before k3's load
}

}  // namespace
}  // namespace eddy::server
