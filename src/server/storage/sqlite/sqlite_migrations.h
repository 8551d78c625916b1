// Versioned schema of the SQLite store. Each migration runs once, in its own transaction, in
// version order; schema_version records what has run, so opening an existing database applies
// only what it lacks.
#pragma once

#include <span>
#include <string_view>

#include "common/error.h"
#include "server/storage/sqlite/sqlite_db.h"

namespace eddy::server {

struct SqliteMigration {
  int version;  // strictly increasing from 1, never renumbered once released
  std::string_view name;
  std::string_view sql;  // one or more statements
};

// Every migration of this build, oldest first. Append only: a released migration is never
// edited, since databases in the field have already run it.
std::span<const SqliteMigration> SqliteMigrations();

// Brings the schema up to the last of `migrations`. Fails, touching nothing, if the database
// was written by a newer eddy (its version is beyond the list). Holds db exclusively
// (SqliteDb::Exclusive).
Status ApplyMigrations(SqliteDb& db, std::span<const SqliteMigration> migrations);

// The highest applied version, 0 for a fresh database. Holds db exclusively (SqliteDb::Exclusive).
Result<int> SchemaVersion(SqliteDb& db);

}  // namespace eddy::server
