// The scale-out store: a PostgreSQL database shared by every eddy node, through libpq.
#pragma once

#include <memory>
#include <string>

#include "common/error.h"
#include "server/domain/store.h"

namespace eddy::server {

// Connects to `url` (postgres://user:password@host:port/db, any libpq URI parameter allowed),
// applies any schema migrations the database lacks (in the connection's current schema) and
// returns a store with a pool of up to `pool_size` connections. Fails with a 503 Error if the
// server cannot be reached.
Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url, int pool_size);

}  // namespace eddy::server
