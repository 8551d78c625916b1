// The ApiError an SDK call throws, for tests that expect refusals.
#pragma once

#include <optional>

#include "eddy/errors.h"

namespace eddy::testing {

// The ApiError `call` threw, if any.
template <typename F>
std::optional<client::ApiError> ApiErrorOf(F&& call) {
  try {
    call();
  } catch (const client::ApiError& e) {
    return e;
  }
  return std::nullopt;
}

}  // namespace eddy::testing
