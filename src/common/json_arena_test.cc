#include "common/json_arena.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>

namespace eddy {
namespace {

TEST(JsonArenaTest, IsTheStorageOfItsThreadWhileItLives) {
  EXPECT_EQ(JsonStorage().get(), json::storage_ptr().get());  // the heap outside every arena
  {
    JsonArena outer;
    const json::memory_resource* outer_storage = JsonStorage().get();
    EXPECT_NE(outer_storage, json::storage_ptr().get());
    {
      JsonArena inner;
      EXPECT_NE(JsonStorage().get(), outer_storage);
      json::object o(JsonStorage());
      EXPECT_EQ(o.storage().get(), JsonStorage().get());
    }
    EXPECT_EQ(JsonStorage().get(), outer_storage);  // restored when the inner one ends
    // Another thread has its own (none here).
    const json::memory_resource* elsewhere = nullptr;
    std::thread([&] { elsewhere = JsonStorage().get(); }).join();
    EXPECT_EQ(elsewhere, json::storage_ptr().get());
  }
  EXPECT_EQ(JsonStorage().get(), json::storage_ptr().get());
}

TEST(JsonArenaTest, OnHeapTurnsItOffUntilItEnds) {
  JsonArena arena;
  const json::memory_resource* arena_storage = JsonStorage().get();
  {
    JsonOnHeap on_heap;
    EXPECT_EQ(JsonStorage().get(), json::storage_ptr().get());
    {
      JsonArena inner;  // an arena inside it is its own, and ends back on the heap
      EXPECT_NE(JsonStorage().get(), json::storage_ptr().get());
    }
    EXPECT_EQ(JsonStorage().get(), json::storage_ptr().get());
  }
  EXPECT_EQ(JsonStorage().get(), arena_storage);
}

TEST(JsonArenaTest, ValuesBuiltInItOutliveIt) {
  json::value kept;
  json::object copied;
  {
    JsonArena arena(64);  // a small first block: the tree below spans several
    json::object o(JsonStorage());
    for (int i = 0; i < 50; ++i) {
      o["key number " + std::to_string(i)] =
          "a value longer than any short-string buffer " + std::to_string(i);
    }
    kept = json::value(std::move(o));  // takes the arena along (move construction)
    copied = kept.as_object();         // assignment copies into the heap
  }
  // The arena's blocks live as long as a value uses them (ASan would report otherwise).
  ASSERT_EQ(kept.as_object().size(), 50u);
  EXPECT_EQ(kept.as_object().at("key number 49"), "a value longer than any short-string buffer 49");
  EXPECT_EQ(copied.storage().get(), json::storage_ptr().get());
  EXPECT_EQ(copied, kept.as_object());
}

}  // namespace
}  // namespace eddy
