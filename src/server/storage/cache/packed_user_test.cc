#include "server/storage/cache/packed_user.h"

#include <gtest/gtest.h>

#include <string>

namespace eddy::server {
namespace {

void ExpectSameUser(const User& a, const User& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.role, b.role);
  EXPECT_EQ(a.banned, b.banned);
  EXPECT_EQ(a.shadow_banned, b.shadow_banned);
  EXPECT_EQ(a.invisible, b.invisible);
  EXPECT_EQ(a.language, b.language);
  EXPECT_EQ(a.teams, b.teams);
  EXPECT_EQ(a.created_at, b.created_at);
  EXPECT_EQ(a.updated_at, b.updated_at);
  EXPECT_EQ(a.last_active, b.last_active);
  EXPECT_EQ(a.deactivated_at, b.deactivated_at);
  EXPECT_EQ(a.deleted_at, b.deleted_at);
  EXPECT_EQ(a.revoke_tokens_issued_before, b.revoke_tokens_issued_before);
  EXPECT_EQ(a.custom, b.custom);
  // Key order is part of what the API returns.
  EXPECT_EQ(json::serialize(a.custom), json::serialize(b.custom));
}

TEST(PackedUserTest, AMinimalUserComesBackAsItWas) {
  User user;
  user.id = "u1";
  user.created_at = 1;
  user.updated_at = 2;
  auto back = UnpackUser(PackUser(user));
  ASSERT_TRUE(back.ok()) << back.error().message;
  ExpectSameUser(*back, user);
  EXPECT_FALSE(back->last_active.has_value());
  EXPECT_LT(PackUser(user).size(), 40u);
}

TEST(PackedUserTest, EveryFieldComesBackAsItWas) {
  User user;
  user.id = std::string(300, 'x');  // a length past one LEB128 byte
  user.role = "admin";
  user.banned = true;
  user.invisible = true;
  user.language = "fr";
  user.teams = json::array{"red", "blue"};
  user.created_at = -5;
  user.updated_at = 1'700'000'000'000'000;
  user.last_active = 0;  // present, even though zero
  user.deleted_at = 42;
  user.revoke_tokens_issued_before = 7;
  user.custom = json::object{{"name", "Zoë"},
                             {"image", "https://x/y.png"},
                             {"n", 1.5},
                             {"hard_double", 3.84381506781629E-11},
                             {"big", std::uint64_t{18'000'000'000'000'000'000u}},
                             {"nested", json::object{{"b", 1}, {"a", json::array{nullptr, true}}}}};
  auto back = UnpackUser(PackUser(user));
  ASSERT_TRUE(back.ok()) << back.error().message;
  ExpectSameUser(*back, user);
  EXPECT_FALSE(back->shadow_banned);
  EXPECT_FALSE(back->deactivated_at.has_value());
}

TEST(PackedUserTest, DamagedBytesAreAnErrorNotAUser) {
  User user;
  user.id = "u1";
  user.custom = json::object{{"name", "A"}};
  std::string packed = PackUser(user);
  for (std::size_t cut = 0; cut < packed.size(); ++cut) {
    EXPECT_FALSE(UnpackUser(std::string_view(packed).substr(0, cut)).ok()) << "cut at " << cut;
  }
  EXPECT_FALSE(UnpackUser(packed + "x").ok());
}

}  // namespace
}  // namespace eddy::server
