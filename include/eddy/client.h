// The eddy C++ SDK: include this one header. See docs/sdk.md.
#pragma once

#include "eddy/chat_client.h"    // IWYU pragma: export
#include "eddy/errors.h"         // IWYU pragma: export
#include "eddy/options.h"        // IWYU pragma: export
#include "eddy/server_client.h"  // IWYU pragma: export
#include "eddy/types.h"          // IWYU pragma: export
