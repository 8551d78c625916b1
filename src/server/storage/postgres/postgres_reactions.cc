// PostgresMessageStore's reactions: one row per (message, user, type); aggregates are computed
// on read. seq breaks ties between reactions of the same microsecond (later insert first); an
// upsert keeps its row's seq, as SQLite's keeps the rowid.
#include <string>

#include "server/storage/postgres/postgres_message_store.h"
#include "server/storage/postgres/postgres_rows.h"

namespace eddy::server {

namespace {

const std::string kReactionColumns =
    "message_id, user_id, type, score, created_at, updated_at, custom";

Result<std::vector<Reaction>> ReadReactions(const PgResult& r) {
  std::vector<Reaction> out;
  for (int i = 0; i < r.rows(); ++i) {
    Reaction x;
    x.message_id = r.Text(i, 0);
    x.user_id = r.Text(i, 1);
    x.type = r.Text(i, 2);
    x.score = r.Int(i, 3);
    x.created_at = r.Int(i, 4);
    x.updated_at = r.Int(i, 5);
    EDDY_ASSIGN_OR_RETURN(x.custom,
                          postgres_rows::ReadObject(r.Text(i, 6), "reaction custom data"));
    out.push_back(std::move(x));
  }
  return out;
}

}  // namespace

Status PostgresMessageStore::UpsertReaction(std::string_view app_key, const Reaction& r,
                                            bool enforce_unique) {
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
  EDDY_ASSIGN_OR_RETURN(PgTransaction tx, PgTransaction::Begin(*conn));
  {
    // Locking the message makes one user's concurrent reactions to it take turns, so
    // enforce_unique leaves exactly one.
    EDDY_ASSIGN_OR_RETURN(
        PgResult found,
        conn->Query("SELECT 1 FROM messages WHERE app_key = $1 AND id = $2 FOR UPDATE",
                    PgParams().Add(app_key).Add(r.message_id)));
    if (found.rows() == 0) return Error::NotFound("message " + r.message_id + " not found");
  }
  if (enforce_unique) {
    EDDY_TRY(
        conn->Query("DELETE FROM reactions WHERE app_key = $1"
                    " AND message_id = $2 AND user_id = $3 AND type <> $4",
                    PgParams().Add(app_key).Add(r.message_id).Add(r.user_id).Add(r.type)));
  }
  EDDY_TRY(conn->Query("INSERT INTO reactions (app_key, " + kReactionColumns +
                           ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
                           " ON CONFLICT (app_key, message_id, user_id, type) DO UPDATE SET"
                           " score = excluded.score, created_at = excluded.created_at,"
                           " updated_at = excluded.updated_at, custom = excluded.custom",
                       PgParams()
                           .Add(app_key)
                           .Add(r.message_id)
                           .Add(r.user_id)
                           .Add(r.type)
                           .Add(r.score)
                           .Add(r.created_at)
                           .Add(r.updated_at)
                           .Add(json::serialize(r.custom))));
  return tx.Commit();
}

Result<bool> PostgresMessageStore::DeleteReaction(std::string_view app_key,
                                                  std::string_view message_id,
                                                  std::string_view user_id, std::string_view type) {
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
  EDDY_ASSIGN_OR_RETURN(
      PgResult r, conn->Query("DELETE FROM reactions WHERE app_key = $1 AND message_id = $2"
                              " AND user_id = $3 AND type = $4",
                              PgParams().Add(app_key).Add(message_id).Add(user_id).Add(type)));
  return r.affected() > 0;
}

Result<std::vector<Reaction>> PostgresMessageStore::Reactions(std::string_view app_key,
                                                              std::string_view message_id,
                                                              int limit, int offset) {
  if (limit < 0 || offset < 0) return Error::Input("limit and offset must not be negative");
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
  EDDY_ASSIGN_OR_RETURN(PgResult r,
                        conn->Query("SELECT " + kReactionColumns +
                                        " FROM reactions WHERE app_key = $1 AND message_id = $2"
                                        " ORDER BY created_at DESC, seq DESC LIMIT $3 OFFSET $4",
                                    PgParams()
                                        .Add(app_key)
                                        .Add(message_id)
                                        .Add(static_cast<std::int64_t>(limit))
                                        .Add(static_cast<std::int64_t>(offset))));
  return ReadReactions(r);
}

Result<std::vector<Reaction>> PostgresMessageStore::LatestReactions(
    std::string_view app_key, const std::vector<std::string>& message_ids, int per_message,
    std::string_view user_id) {
  if (per_message < 0) return Error::Input("per_message must not be negative");
  if (message_ids.empty() || per_message == 0) return std::vector<Reaction>();
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
  EDDY_ASSIGN_OR_RETURN(
      PgResult r, conn->Query("SELECT " + kReactionColumns +
                                  " FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY message_id"
                                  " ORDER BY created_at DESC, seq DESC) AS rank FROM reactions"
                                  " WHERE app_key = $1 AND message_id = ANY($2)"
                                  " AND ($3 = '' OR user_id = $3)) ranked"
                                  " WHERE rank <= $4 ORDER BY message_id, rank",
                              PgParams()
                                  .Add(app_key)
                                  .AddArray(message_ids)
                                  .Add(user_id)
                                  .Add(static_cast<std::int64_t>(per_message))));
  return ReadReactions(r);
}

Result<std::vector<ReactionGroup>> PostgresMessageStore::ReactionGroups(
    std::string_view app_key, const std::vector<std::string>& message_ids) {
  if (message_ids.empty()) return std::vector<ReactionGroup>();
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
  EDDY_ASSIGN_OR_RETURN(
      PgResult r,
      conn->Query("SELECT message_id, type, COUNT(*), SUM(score), MIN(created_at),"
                  " MAX(created_at) FROM reactions WHERE app_key = $1"
                  " AND message_id = ANY($2)"
                  " GROUP BY message_id, type ORDER BY message_id, MIN(created_at), type",
                  PgParams().Add(app_key).AddArray(message_ids)));
  std::vector<ReactionGroup> out;
  for (int i = 0; i < r.rows(); ++i) {
    ReactionGroup g;
    g.message_id = r.Text(i, 0);
    g.type = r.Text(i, 1);
    g.count = r.Int(i, 2);
    g.sum_scores = r.Int(i, 3);
    g.first_reaction_at = r.Int(i, 4);
    g.last_reaction_at = r.Int(i, 5);
    out.push_back(std::move(g));
  }
  return out;
}

}  // namespace eddy::server
