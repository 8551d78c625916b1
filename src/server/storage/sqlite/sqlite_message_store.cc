// SqliteMessageStore's message writes, each with the counters it maintains in the same
// transaction. Reads are in sqlite_message_reads.cc, reactions in sqlite_reactions.cc.
#include "server/storage/sqlite/sqlite_message_store.h"

#include <algorithm>
#include <string>

#include "server/storage/sql/stored_json.h"
#include "server/storage/sqlite/sqlite_message_rows.h"

namespace eddy::server {

namespace {

// The columns a message keeps from insert on: its channel, its thread, and what the store
// maintains are not among UpdateMessage's.
constexpr std::string_view kUpdate =
    "UPDATE messages SET user_id = ?3, text = ?4, type = ?5, show_in_channel = ?6,"
    " quoted_message_id = ?7, mentioned_users = ?8, attachments = ?9, silent = ?10,"
    " shadowed = ?11, pinned = ?12, pinned_at = ?13, pinned_by_id = ?14, pin_expires = ?15,"
    " created_at = ?16, updated_at = ?17, deleted_at = ?18, message_text_updated_at = ?19,"
    " custom = ?20 WHERE app_key = ?1 AND id = ?2 RETURNING COALESCE(parent_id, '')";

constexpr std::string_view kInsert =
    "INSERT INTO messages (app_key, id, user_id, text, type, show_in_channel, quoted_message_id,"
    " mentioned_users, attachments, silent, shadowed, pinned, pinned_at, pinned_by_id,"
    " pin_expires, created_at, updated_at, deleted_at, message_text_updated_at, custom, cid,"
    " parent_id, reply_count, thread_participants) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
    " ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, 0, '[]')"
    " ON CONFLICT (app_key, id) DO NOTHING";

// Binds ?1..?20, shared by kInsert and kUpdate (they list these columns in the same order).
// `app_key` and `m` outlive the statement's handle: their strings are bound in place.
void BindFields(SqliteStatement& s, std::string_view app_key, const Message& m) {
  s.BindView(1, app_key)
      .BindView(2, m.id)
      .BindView(3, m.user_id)
      .BindView(4, m.text)
      .BindView(5, m.type)
      .BindBool(6, m.show_in_channel)
      .BindView(7, m.quoted_message_id)
      .Bind(8, sql::StringArrayJson(m.mentioned_users))
      .Bind(9, json::serialize(m.attachments))
      .BindBool(10, m.silent)
      .BindBool(11, m.shadowed)
      .BindBool(12, m.pinned)
      .Bind(13, m.pinned_at)
      .BindView(14, m.pinned_by_id)
      .Bind(15, m.pin_expires)
      .Bind(16, m.created_at)
      .Bind(17, m.updated_at)
      .Bind(18, m.deleted_at)
      .Bind(19, m.message_text_updated_at)
      .Bind(20, json::serialize(m.custom));
}

// A reply's parent must be a message of the same channel.
Status CheckParent(SqliteDb& db, std::string_view app_key, const Message& m) {
  EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                        db.Prepare("SELECT cid FROM messages WHERE app_key = ?1 AND id = ?2"));
  stmt.Bind(1, app_key).Bind(2, m.parent_id);
  EDDY_ASSIGN_OR_RETURN(bool found, stmt.Step());
  if (!found) return Error::Input("parent message " + m.parent_id + " does not exist");
  if (stmt.ColumnText(0) != m.cid()) {
    return Error::Input("parent message " + m.parent_id + " is in another channel");
  }
  return {};
}

}  // namespace

Status SqliteMessageStore::InsertMessage(std::string_view app_key, Message& m) {
  return db_.Write([&] { return InsertRows(app_key, m); });
}

void SqliteMessageStore::InsertMessageAsync(std::string_view app_key, std::shared_ptr<Message> m,
                                            std::function<void(Status)> stored) {
  db_.WriteAsync([this, app_key = std::string(app_key), m] { return InsertRows(app_key, *m); },
                 std::move(stored));
}

Status SqliteMessageStore::InsertRows(std::string_view app_key, Message& m) {
  const std::string cid = m.cid();
  {
    // The channel's row first: no row changed means no channel (and the write's savepoint
    // undoes this if the insert fails). last_message_at never moves back: an imported
    // older message leaves it alone.
    const bool moves_last = m.InChannelList() && !m.shadowed;
    EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                          db_.Prepare("UPDATE channels SET message_count = message_count + 1,"
                                      " last_message_at = CASE WHEN ?3 AND (last_message_at IS NULL"
                                      " OR last_message_at < ?4) THEN ?4 ELSE last_message_at END"
                                      " WHERE app_key = ?1 AND cid = ?2"));
    stmt.BindView(1, app_key).BindView(2, cid).BindBool(3, moves_last).Bind(4, m.created_at);
    EDDY_TRY(stmt.Run());
    if (db_.Changes() == 0) return Error::NotFound("channel " + cid + " not found");
  }
  if (!m.parent_id.empty()) EDDY_TRY(CheckParent(db_, app_key, m));
  std::int64_t seq;
  {
    EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt, db_.Prepare(std::string(kInsert)));
    BindFields(stmt, app_key, m);
    stmt.BindView(21, cid);
    if (m.parent_id.empty()) {
      stmt.BindParam(22, sql::SqlParam());
    } else {
      stmt.BindView(22, m.parent_id);
    }
    EDDY_TRY(stmt.Run());
    if (db_.Changes() == 0) return Error::Input("a message with ID " + m.id + " already exists");
    seq = db_.LastInsertRowid();  // seq is the table's rowid
  }
  if (!m.parent_id.empty() && !m.shadowed) {
    EDDY_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_.Prepare("UPDATE messages SET reply_count = reply_count + 1,"
                    " thread_participants = CASE WHEN EXISTS (SELECT 1 FROM"
                    " json_each(thread_participants) WHERE value = ?3) THEN thread_participants"
                    " ELSE json_insert(thread_participants, '$[#]', ?3) END"
                    " WHERE app_key = ?1 AND id = ?2"));
    stmt.Bind(1, app_key).Bind(2, m.parent_id).Bind(3, m.user_id);
    EDDY_TRY(stmt.Run());
  }
  if (m.InChannelList()) {
    EDDY_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_.Prepare("UPDATE members SET last_read = ?4, last_read_message_id = ?5"
                    " WHERE app_key = ?1 AND cid = ?2 AND user_id = ?3 AND last_read <= ?4"));
    stmt.BindView(1, app_key)
        .BindView(2, cid)
        .BindView(3, m.user_id)
        .Bind(4, m.created_at)
        .BindView(5, m.id);
    EDDY_TRY(stmt.Run());
  }
  m.seq = seq;
  return {};
}

Status SqliteMessageStore::UpdateMessage(std::string_view app_key, const Message& m) {
  return db_.Write([&]() -> Status {
    std::string parent_id;
    {
      EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt, db_.Prepare(std::string(kUpdate)));
      BindFields(stmt, app_key, m);
      EDDY_ASSIGN_OR_RETURN(bool found, stmt.Step());
      if (!found) return Error::NotFound("message " + m.id + " not found");
      parent_id = stmt.ColumnText(0);
      EDDY_TRY(stmt.Run());
    }
    // A reply's deletion (or undeletion) changes its parent's deleted_reply_count.
    if (!parent_id.empty()) EDDY_TRY(sqlite_rows::RecountThread(db_, app_key, parent_id));
    return {};
  });
}

// Reactions go with the message through the foreign key's ON DELETE CASCADE. The message's
// own replies stay (they keep their parent_id).
Status SqliteMessageStore::DeleteMessage(std::string_view app_key, std::string_view id) {
  return db_.Write([&]() -> Status {
    std::string cid, parent_id;
    {
      EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                            db_.Prepare("DELETE FROM messages WHERE app_key = ?1 AND id = ?2"
                                        " RETURNING cid, COALESCE(parent_id, '')"));
      stmt.Bind(1, app_key).Bind(2, id);
      EDDY_ASSIGN_OR_RETURN(bool found, stmt.Step());
      if (!found) return {};
      cid = stmt.ColumnText(0);
      parent_id = stmt.ColumnText(1);
      EDDY_TRY(stmt.Run());
    }
    EDDY_TRY(sqlite_rows::AddToMessageCount(db_, app_key, cid, -1));
    EDDY_TRY(sqlite_rows::RecomputeLastMessageAt(db_, app_key, cid));
    if (!parent_id.empty()) EDDY_TRY(sqlite_rows::RecountThread(db_, app_key, parent_id));
    return {};
  });
}

Status SqliteMessageStore::HardDeleteChannelMessages(std::string_view app_key,
                                                     std::string_view type, std::string_view id,
                                                     Micros before) {
  const std::string cid = std::string(type) + ":" + std::string(id);
  return db_.Write([&]() -> Status {
    // Threads that lose replies; a parent newer than `before` survives and is recounted.
    std::vector<std::string> parents;
    std::int64_t removed = 0;
    {
      EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                            db_.Prepare("DELETE FROM messages WHERE app_key = ?1 AND cid = ?2"
                                        " AND created_at <= ?3 RETURNING parent_id"));
      stmt.Bind(1, app_key).Bind(2, cid).Bind(3, before);
      while (true) {
        EDDY_ASSIGN_OR_RETURN(bool row, stmt.Step());
        if (!row) break;
        ++removed;
        if (!stmt.ColumnText(0).empty()) parents.emplace_back(stmt.ColumnText(0));
      }
    }
    if (removed == 0) return {};
    EDDY_TRY(sqlite_rows::AddToMessageCount(db_, app_key, cid, -removed));
    EDDY_TRY(sqlite_rows::RecomputeLastMessageAt(db_, app_key, cid));
    std::sort(parents.begin(), parents.end());
    parents.erase(std::unique(parents.begin(), parents.end()), parents.end());
    for (const std::string& parent : parents) {
      EDDY_TRY(sqlite_rows::RecountThread(db_, app_key, parent));
    }
    return {};
  });
}

}  // namespace eddy::server
