// SqliteMessageStore: what a user's standing does to their messages (slow mode's last post,
// deactivation and deletion with mark_messages_deleted, hard deletion).
#include <map>
#include <set>
#include <string>

#include "server/storage/sqlite/sqlite_message_rows.h"
#include "server/storage/sqlite/sqlite_message_store.h"

namespace eddy::server {

namespace {

// The user's messages matching `condition`: their channels (with how many) and thread parents.
struct Touched {
  std::map<std::string, std::int64_t> channels;
  std::set<std::string> parents;
};

Result<Touched> FindTouched(SqliteDb& db, std::string_view app_key, std::string_view user_id,
                            std::string_view condition) {
  EDDY_ASSIGN_OR_RETURN(
      SqliteStatement stmt,
      db.Prepare("SELECT cid, COALESCE(parent_id, '') FROM messages WHERE app_key = ?1"
                 " AND user_id = ?2 AND " +
                 std::string(condition)));
  stmt.Bind(1, app_key).Bind(2, user_id);
  Touched t;
  while (true) {
    EDDY_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return t;
    ++t.channels[std::string(stmt.ColumnText(0))];
    if (!stmt.ColumnText(1).empty()) t.parents.insert(std::string(stmt.ColumnText(1)));
  }
}

Status Recount(SqliteDb& db, std::string_view app_key, const std::set<std::string>& parents) {
  for (const std::string& parent : parents) {
    EDDY_TRY(sqlite_rows::RecountThread(db, app_key, parent));
  }
  return {};
}

constexpr std::string_view kDeletable =
    "deleted_at IS NULL AND type NOT IN ('system', 'deleted', 'error', 'ephemeral')";

}  // namespace

Result<std::optional<Micros>> SqliteMessageStore::LastMessageTimeBy(std::string_view app_key,
                                                                    std::string_view type,
                                                                    std::string_view id,
                                                                    std::string_view user_id) {
  SqliteDb::Reading reading(db_);
  EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                        db_.Prepare("SELECT MAX(created_at) FROM messages WHERE app_key = ?1"
                                    " AND cid = ?2 AND user_id = ?3"));
  stmt.Bind(1, app_key).Bind(2, std::string(type) + ":" + std::string(id)).Bind(3, user_id);
  EDDY_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::optional<Micros>();
  return stmt.ColumnOptionalInt(0);
}

Result<std::int64_t> SqliteMessageStore::SoftDeleteUserMessages(std::string_view app_key,
                                                                std::string_view user_id,
                                                                Micros at) {
  std::int64_t result{};
  EDDY_TRY(db_.Write([&]() -> Status {
    EDDY_ASSIGN_OR_RETURN(Touched touched, FindTouched(db_, app_key, user_id, kDeletable));
    EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                          db_.Prepare("UPDATE messages SET type = 'deleted', deleted_at = ?3,"
                                      " updated_at = ?3 WHERE app_key = ?1 AND user_id = ?2 AND " +
                                      std::string(kDeletable)));
    stmt.Bind(1, app_key).Bind(2, user_id).Bind(3, at);
    EDDY_TRY(stmt.Run());
    const std::int64_t changed = db_.Changes();
    EDDY_TRY(Recount(db_, app_key, touched.parents));
    result = changed;
    return {};
  }));
  return result;
}

Result<std::int64_t> SqliteMessageStore::RestoreUserMessages(std::string_view app_key,
                                                             std::string_view user_id, Micros at) {
  std::int64_t result{};
  EDDY_TRY(db_.Write([&]() -> Status {
    constexpr std::string_view kRestorable = "type = 'deleted' AND deleted_at = ?3";
    EDDY_ASSIGN_OR_RETURN(SqliteStatement find,
                          db_.Prepare("SELECT COALESCE(parent_id, '') FROM messages WHERE"
                                      " app_key = ?1 AND user_id = ?2 AND " +
                                      std::string(kRestorable)));
    find.Bind(1, app_key).Bind(2, user_id).Bind(3, at);
    std::set<std::string> parents;
    while (true) {
      EDDY_ASSIGN_OR_RETURN(bool row, find.Step());
      if (!row) break;
      if (!find.ColumnText(0).empty()) parents.insert(std::string(find.ColumnText(0)));
    }
    EDDY_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_.Prepare("UPDATE messages SET type = CASE WHEN " +
                    std::string(sqlite_rows::kInChannelList) +
                    " THEN 'regular' ELSE 'reply' END, deleted_at = NULL WHERE app_key = ?1"
                    " AND user_id = ?2 AND " +
                    std::string(kRestorable)));
    stmt.Bind(1, app_key).Bind(2, user_id).Bind(3, at);
    EDDY_TRY(stmt.Run());
    const std::int64_t changed = db_.Changes();
    EDDY_TRY(Recount(db_, app_key, parents));
    result = changed;
    return {};
  }));
  return result;
}

Status SqliteMessageStore::HardDeleteUserMessages(std::string_view app_key,
                                                  std::string_view user_id) {
  return db_.Write([&]() -> Status {
    EDDY_ASSIGN_OR_RETURN(Touched touched, FindTouched(db_, app_key, user_id, "1 = 1"));
    {
      EDDY_ASSIGN_OR_RETURN(
          SqliteStatement stmt,
          db_.Prepare("DELETE FROM messages WHERE app_key = ?1 AND user_id = ?2"));
      stmt.Bind(1, app_key).Bind(2, user_id);
      EDDY_TRY(stmt.Run());
    }
    for (const auto& [cid, removed] : touched.channels) {
      EDDY_TRY(sqlite_rows::AddToMessageCount(db_, app_key, cid, -removed));
      EDDY_TRY(sqlite_rows::RecomputeLastMessageAt(db_, app_key, cid));
    }
    // A parent that was the user's own is gone; its replies keep their parent_id.
    EDDY_TRY(Recount(db_, app_key, touched.parents));
    return {};
  });
}

}  // namespace eddy::server
