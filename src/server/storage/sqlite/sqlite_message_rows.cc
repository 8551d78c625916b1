#include "server/storage/sqlite/sqlite_message_rows.h"

#include <string>

#include "server/storage/sql/stored_json.h"
#include "server/storage/sqlite/sqlite_channel_rows.h"

namespace eddy::server::sqlite_rows {

namespace {

Result<Message> ReadMessage(const SqliteStatement& s) {
  Message m;
  m.seq = s.ColumnInt(0);
  m.id = s.ColumnText(1);
  std::string_view cid = s.ColumnText(2);
  size_t colon = cid.find(':');
  if (colon == std::string_view::npos) return Error::Internal("stored message cid has no ':'");
  m.channel_type = cid.substr(0, colon);
  m.channel_id = cid.substr(colon + 1);
  m.user_id = s.ColumnText(3);
  m.text = s.ColumnText(4);
  m.type = s.ColumnText(5);
  m.parent_id = s.ColumnText(6);
  m.show_in_channel = s.ColumnBool(7);
  m.quoted_message_id = s.ColumnText(8);
  EDDY_ASSIGN_OR_RETURN(m.mentioned_users,
                        sql::ParseStoredStringArray(s.ColumnText(9), "mentioned users"));
  EDDY_ASSIGN_OR_RETURN(json::value attachments,
                        sql::ParseStoredJson(s.ColumnText(10), "attachments"));
  if (!attachments.is_array()) return Error::Internal("stored attachments are not an array");
  m.attachments = std::move(attachments.as_array());
  m.silent = s.ColumnBool(11);
  m.shadowed = s.ColumnBool(12);
  m.pinned = s.ColumnBool(13);
  m.pinned_at = s.ColumnOptionalInt(14);
  m.pinned_by_id = s.ColumnText(15);
  m.pin_expires = s.ColumnOptionalInt(16);
  m.created_at = s.ColumnInt(17);
  m.updated_at = s.ColumnInt(18);
  m.deleted_at = s.ColumnOptionalInt(19);
  m.message_text_updated_at = s.ColumnOptionalInt(20);
  m.reply_count = s.ColumnInt(21);
  EDDY_ASSIGN_OR_RETURN(m.thread_participants,
                        sql::ParseStoredStringArray(s.ColumnText(22), "thread participants"));
  EDDY_ASSIGN_OR_RETURN(m.custom, ReadObject(s.ColumnText(23), "message custom data"));
  m.deleted_reply_count = s.ColumnInt(24);
  return m;
}

}  // namespace

Result<std::vector<Message>> ReadMessages(SqliteStatement& stmt) {
  std::vector<Message> out;
  while (true) {
    EDDY_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return out;
    EDDY_ASSIGN_OR_RETURN(Message m, ReadMessage(stmt));
    out.push_back(std::move(m));
  }
}

Status RecomputeLastMessageAt(SqliteDb& db, std::string_view app_key, std::string_view cid) {
  EDDY_ASSIGN_OR_RETURN(
      SqliteStatement stmt,
      db.Prepare("UPDATE channels SET last_message_at = (SELECT MAX(m.created_at) FROM messages m"
                 " WHERE m.app_key = ?1 AND m.cid = ?2 AND " +
                 std::string(kInChannelList) +
                 " AND m.shadowed = 0 AND (channels.truncated_at IS NULL"
                 " OR m.created_at > channels.truncated_at)) WHERE app_key = ?1 AND cid = ?2"));
  stmt.Bind(1, app_key).Bind(2, cid);
  return stmt.Run();
}

Status AddToMessageCount(SqliteDb& db, std::string_view app_key, std::string_view cid,
                         std::int64_t delta) {
  EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                        db.Prepare("UPDATE channels SET message_count = message_count + ?3"
                                   " WHERE app_key = ?1 AND cid = ?2"));
  stmt.Bind(1, app_key).Bind(2, cid).Bind(3, delta);
  return stmt.Run();
}

Status RecountThread(SqliteDb& db, std::string_view app_key, std::string_view parent_id) {
  json::array participants;
  std::int64_t count = 0;
  std::int64_t deleted = 0;
  {
    // In order of each participant's first reply, as InsertMessage appends them.
    EDDY_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db.Prepare("SELECT user_id, COUNT(*), SUM(deleted_at IS NOT NULL) FROM messages"
                   " WHERE app_key = ?1 AND parent_id = ?2 AND shadowed = 0 GROUP BY user_id"
                   " ORDER BY MIN(seq)"));
    stmt.Bind(1, app_key).Bind(2, parent_id);
    while (true) {
      EDDY_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      participants.emplace_back(stmt.ColumnText(0));
      count += stmt.ColumnInt(1);
      deleted += stmt.ColumnInt(2);
    }
  }
  EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                        db.Prepare("UPDATE messages SET reply_count = ?3, thread_participants = ?4,"
                                   " deleted_reply_count = ?5 WHERE app_key = ?1 AND id = ?2"));
  stmt.Bind(1, app_key)
      .Bind(2, parent_id)
      .Bind(3, count)
      .Bind(4, json::serialize(participants))
      .Bind(5, deleted);
  return stmt.Run();
}

}  // namespace eddy::server::sqlite_rows
