#include "server/storage/cache/packed_user.h"

#include <gtest/gtest.h>

#include <string>

#include "server/storage/storetest/user_assertions.h"

namespace eddy::server {
namespace {

using storetest::ExpectSameUser;

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
