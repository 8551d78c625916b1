#include "server/storage/sql/moderation_schema.h"

namespace eddy::server::sql {

namespace {

constexpr Column kBanFields[] = {
    {"user_id", "user_id", ColumnType::kString, false},
    {"channel_cid", "NULLIF(channel_cid, '')", ColumnType::kString, true},
    {"banned_by_id", "created_by_id", ColumnType::kString, false},
    {"reason", "reason", ColumnType::kString, false},
    {"shadow", "shadow", ColumnType::kBool, false},
    {"created_at", "created_at", ColumnType::kTime, false},
    {"expires", "expires", ColumnType::kTime, true},
};

constexpr Column kFlagFields[] = {
    {"user_id", "user_id", ColumnType::kString, false},
    {"target_message_id", "NULLIF(target_message_id, '')", ColumnType::kString, true},
    {"target_user_id", "target_user_id", ColumnType::kString, false},
    {"channel_cid", "NULLIF(channel_cid, '')", ColumnType::kString, true},
    {"reason", "reason", ColumnType::kString, false},
    {"created_at", "created_at", ColumnType::kTime, false},
};

}  // namespace

const TableSchema kBanSchema = {kBanFields, "'{}'", "created_at", "user_id"};
const TableSchema kFlagSchema = {kFlagFields, "'{}'", "created_at", "user_id"};

}  // namespace eddy::server::sql
