// PostgresMessageStore's message writes, each with the counters it maintains in the same
// transaction. Reads are in postgres_message_reads.cc, reactions in postgres_reactions.cc.
//
// Every write that changes a channel's counters first locks the channel row (FOR UPDATE):
// concurrent writers of one channel take turns, so counters recomputed from the rows see every
// committed change. Locks are always taken channel first, then message, so two writers never
// wait on each other in a cycle.
#include "server/storage/postgres/postgres_message_store.h"

#include <algorithm>
#include <string>

#include "server/storage/postgres/postgres_rows.h"
#include "server/storage/sql/stored_json.h"

namespace eddy::server {

namespace {

// The columns a message keeps from insert on: its channel, its thread, and what the store
// maintains are not among UpdateMessage's.
const std::string kUpdate =
    "UPDATE messages SET user_id = $3, text = $4, type = $5, show_in_channel = $6,"
    " quoted_message_id = $7, mentioned_users = $8, attachments = $9, silent = $10,"
    " shadowed = $11, pinned = $12, pinned_at = $13, pinned_by_id = $14, pin_expires = $15,"
    " created_at = $16, updated_at = $17, deleted_at = $18, message_text_updated_at = $19,"
    " custom = $20 WHERE app_key = $1 AND id = $2";

const std::string kInsert =
    "INSERT INTO messages (app_key, id, user_id, text, type, show_in_channel, quoted_message_id,"
    " mentioned_users, attachments, silent, shadowed, pinned, pinned_at, pinned_by_id,"
    " pin_expires, created_at, updated_at, deleted_at, message_text_updated_at, custom, cid,"
    " parent_id, reply_count, thread_participants) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,"
    " $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, 0, '[]')"
    " ON CONFLICT (app_key, id) DO NOTHING RETURNING seq";

// $1..$20, shared by kInsert and kUpdate (they list these columns in the same order).
PgParams Fields(std::string_view app_key, const Message& m) {
  PgParams p;
  p.Add(app_key)
      .Add(m.id)
      .Add(m.user_id)
      .Add(m.text)
      .Add(m.type)
      .AddBool(m.show_in_channel)
      .Add(m.quoted_message_id)
      .Add(sql::StringArrayJson(m.mentioned_users))
      .Add(json::serialize(m.attachments))
      .AddBool(m.silent)
      .AddBool(m.shadowed)
      .AddBool(m.pinned)
      .Add(m.pinned_at)
      .Add(m.pinned_by_id)
      .Add(m.pin_expires)
      .Add(m.created_at)
      .Add(m.updated_at)
      .Add(m.deleted_at)
      .Add(m.message_text_updated_at)
      .Add(json::serialize(m.custom));
  return p;
}

// A reply's parent must be a message of the same channel.
Status CheckParent(PgConn& conn, std::string_view app_key, const Message& m) {
  EDDY_ASSIGN_OR_RETURN(PgResult r,
                        conn.Query("SELECT cid FROM messages WHERE app_key = $1 AND id = $2",
                                   PgParams().Add(app_key).Add(m.parent_id)));
  if (r.rows() == 0) return Error::Input("parent message " + m.parent_id + " does not exist");
  if (r.Text(0, 0) != m.cid()) {
    return Error::Input("parent message " + m.parent_id + " is in another channel");
  }
  return {};
}

using postgres_rows::AddToMessageCount;
using postgres_rows::RecomputeLastMessageAt;
using postgres_rows::RecountThread;

}  // namespace

Status PostgresMessageStore::InsertMessage(std::string_view app_key, Message& m) {
  const std::string cid = m.cid();
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
  EDDY_ASSIGN_OR_RETURN(PgTransaction tx, PgTransaction::Begin(*conn));
  EDDY_ASSIGN_OR_RETURN(bool found, postgres_rows::LockChannel(*conn, app_key, cid));
  if (!found) return Error::NotFound("channel " + cid + " not found");
  if (!m.parent_id.empty()) EDDY_TRY(CheckParent(*conn, app_key, m));
  std::int64_t seq;
  {
    PgParams p = Fields(app_key, m);
    p.Add(cid);
    p.AddParam(m.parent_id.empty() ? sql::SqlParam() : sql::SqlParam(m.parent_id));
    EDDY_ASSIGN_OR_RETURN(PgResult r, conn->Query(kInsert, p));
    if (r.rows() == 0) return Error::Input("a message with ID " + m.id + " already exists");
    seq = r.Int(0, 0);
  }
  // last_message_at never moves back: an imported older message leaves it alone.
  const bool moves_last = m.InChannelList() && !m.shadowed;
  EDDY_TRY(
      conn->Query("UPDATE channels SET message_count = message_count + 1,"
                  " last_message_at = CASE WHEN $3 AND (last_message_at IS NULL"
                  " OR last_message_at < $4) THEN $4 ELSE last_message_at END"
                  " WHERE app_key = $1 AND cid = $2",
                  PgParams().Add(app_key).Add(cid).AddBool(moves_last).Add(m.created_at)));
  if (!m.parent_id.empty() && !m.shadowed) {
    EDDY_TRY(conn->Query(
        "UPDATE messages SET reply_count = reply_count + 1,"
        " thread_participants = CASE WHEN thread_participants::jsonb @> jsonb_build_array($3)"
        " THEN thread_participants"
        " ELSE (thread_participants::jsonb || jsonb_build_array($3))::text END"
        " WHERE app_key = $1 AND id = $2",
        PgParams().Add(app_key).Add(m.parent_id).Add(m.user_id)));
  }
  if (m.InChannelList()) {
    EDDY_TRY(
        conn->Query("UPDATE members SET last_read = $4, last_read_message_id = $5"
                    " WHERE app_key = $1 AND cid = $2 AND user_id = $3 AND last_read <= $4",
                    PgParams().Add(app_key).Add(cid).Add(m.user_id).Add(m.created_at).Add(m.id)));
  }
  EDDY_TRY(tx.Commit());
  m.seq = seq;
  return {};
}

// A reply's update recounts its parent (its deletion or undeletion changes the parent's
// deleted_reply_count), under the channel's lock like every thread counter write.
Status PostgresMessageStore::UpdateMessage(std::string_view app_key, const Message& m) {
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
  EDDY_ASSIGN_OR_RETURN(PgTransaction tx, PgTransaction::Begin(*conn));
  std::string parent_id;
  {
    EDDY_ASSIGN_OR_RETURN(PgResult r,
                          conn->Query("SELECT cid, COALESCE(parent_id, '') FROM messages"
                                      " WHERE app_key = $1 AND id = $2",
                                      PgParams().Add(app_key).Add(m.id)));
    if (r.rows() == 0) return Error::NotFound("message " + m.id + " not found");
    parent_id = r.Text(0, 1);
    if (!parent_id.empty()) EDDY_TRY(postgres_rows::LockChannel(*conn, app_key, r.Text(0, 0)));
  }
  EDDY_ASSIGN_OR_RETURN(PgResult r, conn->Query(kUpdate, Fields(app_key, m)));
  if (r.affected() == 0) return Error::NotFound("message " + m.id + " not found");
  if (!parent_id.empty()) EDDY_TRY(RecountThread(*conn, app_key, parent_id));
  return tx.Commit();
}

// Reactions go with the message through the foreign key's ON DELETE CASCADE. The message's
// own replies stay (they keep their parent_id).
Status PostgresMessageStore::DeleteMessage(std::string_view app_key, std::string_view id) {
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
  EDDY_ASSIGN_OR_RETURN(PgTransaction tx, PgTransaction::Begin(*conn));
  std::string cid, parent_id;
  {
    EDDY_ASSIGN_OR_RETURN(PgResult r,
                          conn->Query("SELECT cid FROM messages WHERE app_key = $1 AND id = $2",
                                      PgParams().Add(app_key).Add(id)));
    if (r.rows() == 0) return {};
    cid = r.Text(0, 0);
  }
  EDDY_TRY(postgres_rows::LockChannel(*conn, app_key, cid));
  {
    EDDY_ASSIGN_OR_RETURN(PgResult r,
                          conn->Query("DELETE FROM messages WHERE app_key = $1 AND id = $2"
                                      " RETURNING COALESCE(parent_id, '')",
                                      PgParams().Add(app_key).Add(id)));
    if (r.rows() == 0) return {};  // deleted meanwhile by another writer
    parent_id = r.Text(0, 0);
  }
  EDDY_TRY(AddToMessageCount(*conn, app_key, cid, -1));
  EDDY_TRY(RecomputeLastMessageAt(*conn, app_key, cid));
  if (!parent_id.empty()) EDDY_TRY(RecountThread(*conn, app_key, parent_id));
  return tx.Commit();
}

Status PostgresMessageStore::HardDeleteChannelMessages(std::string_view app_key,
                                                       std::string_view type, std::string_view id,
                                                       Micros before) {
  const std::string cid = postgres_rows::Cid(type, id);
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
  EDDY_ASSIGN_OR_RETURN(PgTransaction tx, PgTransaction::Begin(*conn));
  EDDY_ASSIGN_OR_RETURN(bool found, postgres_rows::LockChannel(*conn, app_key, cid));
  if (!found) return {};
  // Threads that lose replies; a parent newer than `before` survives and is recounted.
  std::vector<std::string> parents;
  std::int64_t removed = 0;
  {
    EDDY_ASSIGN_OR_RETURN(PgResult r, conn->Query("DELETE FROM messages WHERE app_key = $1"
                                                  " AND cid = $2 AND created_at <= $3"
                                                  " RETURNING COALESCE(parent_id, '')",
                                                  PgParams().Add(app_key).Add(cid).Add(before)));
    removed = r.rows();
    for (int i = 0; i < r.rows(); ++i) {
      if (!r.Text(i, 0).empty()) parents.emplace_back(r.Text(i, 0));
    }
  }
  if (removed == 0) return {};
  EDDY_TRY(AddToMessageCount(*conn, app_key, cid, -removed));
  EDDY_TRY(RecomputeLastMessageAt(*conn, app_key, cid));
  std::sort(parents.begin(), parents.end());
  parents.erase(std::unique(parents.begin(), parents.end()), parents.end());
  for (const std::string& parent : parents) EDDY_TRY(RecountThread(*conn, app_key, parent));
  return tx.Commit();
}

}  // namespace eddy::server
