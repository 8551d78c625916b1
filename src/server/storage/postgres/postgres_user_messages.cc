// PostgresMessageStore: what a user's standing does to their messages (slow mode's last post,
// deactivation and deletion with mark_messages_deleted, hard deletion).
//
// The writes touch every channel the user posted in: they lock those channels first, in cid
// order (as every multi-channel writer must, so two never wait on each other in a cycle), and
// then change the messages and the counters in the same transaction.
#include <map>
#include <set>
#include <string>

#include "server/storage/postgres/postgres_message_store.h"
#include "server/storage/postgres/postgres_rows.h"

namespace eddy::server {

namespace {

constexpr std::string_view kDeletable =
    "deleted_at IS NULL AND type NOT IN ('system', 'deleted', 'error', 'ephemeral')";

// Locks every channel holding a message of the user's, in cid order.
Status LockUserChannels(PgConn& conn, std::string_view app_key, std::string_view user_id) {
  EDDY_ASSIGN_OR_RETURN(PgResult r,
                        conn.Query("SELECT DISTINCT cid FROM messages WHERE app_key = $1"
                                   " AND user_id = $2 ORDER BY cid",
                                   PgParams().Add(app_key).Add(user_id)));
  for (int i = 0; i < r.rows(); ++i) {
    EDDY_TRY(postgres_rows::LockChannel(conn, app_key, r.Text(i, 0)));
  }
  return {};
}

// Recounts the threads among the (cid, parent_id) rows of a statement's RETURNING; the count
// per channel, for the callers that change channel counters.
Result<std::map<std::string, std::int64_t>> RecountReturned(PgConn& conn, std::string_view app_key,
                                                            const PgResult& r) {
  std::map<std::string, std::int64_t> channels;
  std::set<std::string> parents;
  for (int i = 0; i < r.rows(); ++i) {
    ++channels[std::string(r.Text(i, 0))];
    if (!r.Text(i, 1).empty()) parents.emplace(r.Text(i, 1));
  }
  for (const std::string& parent : parents) {
    EDDY_TRY(postgres_rows::RecountThread(conn, app_key, parent));
  }
  return channels;
}

// Runs one UPDATE or DELETE of the user's messages ($1 app, $2 user) with every channel they
// posted in locked, recounting the threads it touched.
Result<std::map<std::string, std::int64_t>> ChangeUserMessages(PgConn& conn,
                                                               std::string_view app_key,
                                                               std::string_view user_id,
                                                               const std::string& sql,
                                                               const PgParams& params) {
  EDDY_TRY(LockUserChannels(conn, app_key, user_id));
  EDDY_ASSIGN_OR_RETURN(PgResult r,
                        conn.Query(sql + " RETURNING cid, COALESCE(parent_id, '')", params));
  return RecountReturned(conn, app_key, r);
}

// One UPDATE of the user's messages in its own transaction (ChangeUserMessages); how many
// changed.
Result<std::int64_t> RetypeUserMessages(PgPool& pool, std::string_view app_key,
                                        std::string_view user_id, const std::string& sql,
                                        Micros at) {
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool.Acquire());
  EDDY_ASSIGN_OR_RETURN(PgTransaction tx, PgTransaction::Begin(*conn));
  EDDY_ASSIGN_OR_RETURN(auto changed,
                        ChangeUserMessages(*conn, app_key, user_id, sql,
                                           PgParams().Add(app_key).Add(user_id).Add(at)));
  EDDY_TRY(tx.Commit());
  std::int64_t total = 0;
  for (const auto& [cid, n] : changed) total += n;
  return total;
}

}  // namespace

Result<std::optional<Micros>> PostgresMessageStore::LastMessageTimeBy(std::string_view app_key,
                                                                      std::string_view type,
                                                                      std::string_view id,
                                                                      std::string_view user_id) {
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
  EDDY_ASSIGN_OR_RETURN(
      PgResult r,
      conn->Query("SELECT MAX(created_at) FROM messages WHERE app_key = $1 AND cid = $2"
                  " AND user_id = $3",
                  PgParams().Add(app_key).Add(postgres_rows::Cid(type, id)).Add(user_id)));
  if (r.rows() == 0) return std::optional<Micros>();
  return r.OptionalInt(0, 0);
}

Result<std::int64_t> PostgresMessageStore::SoftDeleteUserMessages(std::string_view app_key,
                                                                  std::string_view user_id,
                                                                  Micros at) {
  return RetypeUserMessages(pool_, app_key, user_id,
                            "UPDATE messages SET type = 'deleted', deleted_at = $3,"
                            " updated_at = $3 WHERE app_key = $1 AND user_id = $2 AND " +
                                std::string(kDeletable),
                            at);
}

Result<std::int64_t> PostgresMessageStore::RestoreUserMessages(std::string_view app_key,
                                                               std::string_view user_id,
                                                               Micros at) {
  return RetypeUserMessages(pool_, app_key, user_id,
                            "UPDATE messages SET type = CASE WHEN " +
                                std::string(postgres_rows::kInChannelList) +
                                " THEN 'regular' ELSE 'reply' END, deleted_at = NULL"
                                " WHERE app_key = $1 AND user_id = $2 AND type = 'deleted'"
                                " AND deleted_at = $3",
                            at);
}

// A parent that was the user's own is gone; its replies keep their parent_id.
Status PostgresMessageStore::HardDeleteUserMessages(std::string_view app_key,
                                                    std::string_view user_id) {
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
  EDDY_ASSIGN_OR_RETURN(PgTransaction tx, PgTransaction::Begin(*conn));
  EDDY_ASSIGN_OR_RETURN(
      auto removed, ChangeUserMessages(*conn, app_key, user_id,
                                       "DELETE FROM messages WHERE app_key = $1 AND user_id = $2",
                                       PgParams().Add(app_key).Add(user_id)));
  for (const auto& [cid, n] : removed) {
    EDDY_TRY(postgres_rows::AddToMessageCount(*conn, app_key, cid, -n));
    EDDY_TRY(postgres_rows::RecomputeLastMessageAt(*conn, app_key, cid));
  }
  return tx.Commit();
}

}  // namespace eddy::server
