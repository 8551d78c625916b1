#include "server/storage/sql/user_schema.h"

namespace eddy::server::sql {

namespace {

constexpr Column kUserColumns[] = {
    {"id", "id", ColumnType::kString, false},
    {"role", "role", ColumnType::kString, false},
    {"language", "language", ColumnType::kString, false},
    {"banned", "banned", ColumnType::kBool, false},
    {"shadow_banned", "shadow_banned", ColumnType::kBool, false},
    {"invisible", "invisible", ColumnType::kBool, false},
    {"created_at", "created_at", ColumnType::kTime, false},
    {"updated_at", "updated_at", ColumnType::kTime, false},
    {"last_active", "last_active", ColumnType::kTime, true},
    {"deactivated_at", "deactivated_at", ColumnType::kTime, true},
    {"teams", "teams", ColumnType::kStringArray, false},
};

}  // namespace

const TableSchema kUserSchema = {kUserColumns, "custom", "created_at", "id"};

}  // namespace eddy::server::sql
