// Versioned schema of the PostgreSQL store. Each migration runs once, in its own transaction,
// in version order; schema_version records what has run. Several nodes starting at once
// serialise on an advisory lock, so each migration runs exactly once.
#pragma once

#include <span>
#include <string_view>

#include "common/error.h"
#include "server/storage/postgres/pg_conn.h"

namespace eddy::server {

struct PostgresMigration {
  int version;  // strictly increasing from 1, never renumbered once released
  std::string_view name;
  std::string_view sql;  // one or more statements
};

// Every migration of this build, oldest first. Append only.
std::span<const PostgresMigration> PostgresMigrations();

// Brings the schema (the connection's current schema) up to the last of `migrations`. Fails,
// touching nothing, if the database was written by a newer eddy.
Status ApplyPostgresMigrations(PgConn& conn, std::span<const PostgresMigration> migrations);

// The highest applied version, 0 for a fresh schema.
Result<int> PostgresSchemaVersion(PgConn& conn);

}  // namespace eddy::server
