// The embedded store (the default backend): one SQLite database file, data_dir/eddy.db.
#pragma once

#include <memory>
#include <string>

#include "common/error.h"
#include "server/domain/store.h"

namespace eddy::server {

// Creates data_dir if missing, opens data_dir/eddy.db (WAL, synchronous=FULL, foreign keys)
// and applies any schema migrations it lacks. data_dir ":memory:" opens a private in-memory
// database that vanishes with the store.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& data_dir);

}  // namespace eddy::server
