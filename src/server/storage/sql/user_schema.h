// How the users table's typed columns map to the filter language's user fields. SQLite and
// PostgreSQL store users under the same column names, so they share this description.
#pragma once

#include "server/storage/sql/filter_sql.h"

namespace eddy::server::sql {

// Columns of `users` (unqualified); custom keys are read from its `custom` JSON column.
extern const TableSchema kUserSchema;

}  // namespace eddy::server::sql
