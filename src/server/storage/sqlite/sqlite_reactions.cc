// SqliteMessageStore's reactions: one row per (message, user, type); aggregates are computed
// on read. rowid breaks ties between reactions of the same microsecond (later insert first).

#include <string>

#include "server/storage/sqlite/sqlite_channel_rows.h"
#include "server/storage/sqlite/sqlite_message_store.h"

namespace eddy::server {

namespace {

constexpr std::string_view kReactionColumns =
    "message_id, user_id, type, score, created_at, updated_at, custom";

Result<std::vector<Reaction>> ReadReactions(SqliteStatement& stmt) {
  std::vector<Reaction> out;
  while (true) {
    EDDY_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return out;
    Reaction r;
    r.message_id = stmt.ColumnText(0);
    r.user_id = stmt.ColumnText(1);
    r.type = stmt.ColumnText(2);
    r.score = stmt.ColumnInt(3);
    r.created_at = stmt.ColumnInt(4);
    r.updated_at = stmt.ColumnInt(5);
    EDDY_ASSIGN_OR_RETURN(r.custom,
                          sqlite_rows::ReadObject(stmt.ColumnText(6), "reaction custom data"));
    out.push_back(std::move(r));
  }
}

std::string IdList(const std::vector<std::string>& ids) {
  json::array list;
  for (const std::string& id : ids) list.emplace_back(id);
  return json::serialize(list);
}

}  // namespace

Status SqliteMessageStore::UpsertReaction(std::string_view app_key, const Reaction& r,
                                          bool enforce_unique) {
  return db_.Write([&]() -> Status {
    {
      EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                            db_.Prepare("SELECT 1 FROM messages WHERE app_key = ?1 AND id = ?2"));
      stmt.Bind(1, app_key).Bind(2, r.message_id);
      EDDY_ASSIGN_OR_RETURN(bool found, stmt.Step());
      if (!found) return Error::NotFound("message " + r.message_id + " not found");
    }
    if (enforce_unique) {
      EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                            db_.Prepare("DELETE FROM reactions WHERE app_key = ?1"
                                        " AND message_id = ?2 AND user_id = ?3 AND type <> ?4"));
      stmt.Bind(1, app_key).Bind(2, r.message_id).Bind(3, r.user_id).Bind(4, r.type);
      EDDY_TRY(stmt.Run());
    }
    {
      EDDY_ASSIGN_OR_RETURN(
          SqliteStatement stmt,
          db_.Prepare("INSERT INTO reactions (app_key, " + std::string(kReactionColumns) +
                      ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
                      " ON CONFLICT (app_key, message_id, user_id, type) DO UPDATE SET"
                      " score = excluded.score, created_at = excluded.created_at,"
                      " updated_at = excluded.updated_at, custom = excluded.custom"));
      stmt.Bind(1, app_key)
          .Bind(2, r.message_id)
          .Bind(3, r.user_id)
          .Bind(4, r.type)
          .Bind(5, r.score)
          .Bind(6, r.created_at)
          .Bind(7, r.updated_at)
          .Bind(8, json::serialize(r.custom));
      EDDY_TRY(stmt.Run());
    }
    return {};
  });
}

Result<bool> SqliteMessageStore::DeleteReaction(std::string_view app_key,
                                                std::string_view message_id,
                                                std::string_view user_id, std::string_view type) {
  bool result{};
  EDDY_TRY(db_.Write([&]() -> Status {
    EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                          db_.Prepare("DELETE FROM reactions WHERE app_key = ?1 AND message_id = ?2"
                                      " AND user_id = ?3 AND type = ?4"));
    stmt.Bind(1, app_key).Bind(2, message_id).Bind(3, user_id).Bind(4, type);
    EDDY_TRY(stmt.Run());
    result = db_.Changes() > 0;
    return {};
  }));
  return result;
}

Result<std::vector<Reaction>> SqliteMessageStore::Reactions(std::string_view app_key,
                                                            std::string_view message_id, int limit,
                                                            int offset) {
  if (limit < 0 || offset < 0) return Error::Input("limit and offset must not be negative");
  SqliteDb::Reading reading(db_);
  EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                        db_.Prepare("SELECT " + std::string(kReactionColumns) +
                                    " FROM reactions WHERE app_key = ?1 AND message_id = ?2"
                                    " ORDER BY created_at DESC, rowid DESC LIMIT ?3 OFFSET ?4"));
  stmt.Bind(1, app_key)
      .Bind(2, message_id)
      .Bind(3, static_cast<std::int64_t>(limit))
      .Bind(4, static_cast<std::int64_t>(offset));
  return ReadReactions(stmt);
}

Result<std::vector<Reaction>> SqliteMessageStore::LatestReactions(
    std::string_view app_key, const std::vector<std::string>& message_ids, int per_message,
    std::string_view user_id) {
  if (per_message < 0) return Error::Input("per_message must not be negative");
  if (message_ids.empty() || per_message == 0) return std::vector<Reaction>();
  SqliteDb::Reading reading(db_);
  EDDY_ASSIGN_OR_RETURN(
      SqliteStatement stmt,
      db_.Prepare("SELECT " + std::string(kReactionColumns) +
                  " FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY message_id"
                  " ORDER BY created_at DESC, rowid DESC) AS rank FROM reactions"
                  " WHERE app_key = ?1 AND message_id IN (SELECT value FROM json_each(?2))"
                  " AND (?3 = '' OR user_id = ?3))"
                  " WHERE rank <= ?4 ORDER BY message_id, rank"));
  stmt.Bind(1, app_key)
      .Bind(2, IdList(message_ids))
      .Bind(3, user_id)
      .Bind(4, static_cast<std::int64_t>(per_message));
  return ReadReactions(stmt);
}

Result<std::vector<ReactionGroup>> SqliteMessageStore::ReactionGroups(
    std::string_view app_key, const std::vector<std::string>& message_ids) {
  if (message_ids.empty()) return std::vector<ReactionGroup>();
  SqliteDb::Reading reading(db_);
  EDDY_ASSIGN_OR_RETURN(
      SqliteStatement stmt,
      db_.Prepare("SELECT message_id, type, COUNT(*), SUM(score), MIN(created_at),"
                  " MAX(created_at) FROM reactions WHERE app_key = ?1"
                  " AND message_id IN (SELECT value FROM json_each(?2))"
                  " GROUP BY message_id, type ORDER BY message_id, MIN(created_at), type"));
  stmt.Bind(1, app_key).Bind(2, IdList(message_ids));
  std::vector<ReactionGroup> out;
  while (true) {
    EDDY_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return out;
    ReactionGroup g;
    g.message_id = stmt.ColumnText(0);
    g.type = stmt.ColumnText(1);
    g.count = stmt.ColumnInt(2);
    g.sum_scores = stmt.ColumnInt(3);
    g.first_reaction_at = stmt.ColumnInt(4);
    g.last_reaction_at = stmt.ColumnInt(5);
    out.push_back(std::move(g));
  }
}

}  // namespace eddy::server
