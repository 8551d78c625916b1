// The check that a user read back is the user written, field by field and byte-exact in its
// custom data: shared by the user store suite and the user cache's own tests.
#pragma once

#include <gtest/gtest.h>

#include "common/json.h"
#include "server/domain/user.h"

namespace eddy::server::storetest {

inline void ExpectSameUser(const User& got, const User& want) {
  EXPECT_EQ(got.id, want.id);
  EXPECT_EQ(got.role, want.role);
  EXPECT_EQ(got.banned, want.banned);
  EXPECT_EQ(got.shadow_banned, want.shadow_banned);
  EXPECT_EQ(got.invisible, want.invisible);
  EXPECT_EQ(got.language, want.language);
  EXPECT_EQ(got.teams, want.teams);
  EXPECT_EQ(got.created_at, want.created_at);
  EXPECT_EQ(got.updated_at, want.updated_at);
  EXPECT_EQ(got.last_active, want.last_active);
  EXPECT_EQ(got.deactivated_at, want.deactivated_at);
  EXPECT_EQ(got.deleted_at, want.deleted_at);
  EXPECT_EQ(got.revoke_tokens_issued_before, want.revoke_tokens_issued_before);
  EXPECT_EQ(got.custom, want.custom);
  // Byte-exact: key order, number kinds (int/uint/double) and every double's bits.
  EXPECT_EQ(json::serialize(got.custom), json::serialize(want.custom));
}

}  // namespace eddy::server::storetest
