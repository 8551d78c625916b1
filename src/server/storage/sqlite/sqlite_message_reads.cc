// SqliteMessageStore's reads: lookups, pages of a channel or a thread, pinned messages and
// unread counting.
#include <algorithm>
#include <string>

#include "server/storage/sql/store_rules.h"
#include "server/storage/sqlite/sqlite_message_rows.h"
#include "server/storage/sqlite/sqlite_message_store.h"

namespace eddy::server {

namespace {

using sqlite_rows::kMessageColumns;

// A message's place in a list: (created_at, seq), compared as a pair.
struct Position {
  Micros created_at = 0;
  std::int64_t seq = 0;
};

// The place of message `id`, which must be in channel `cid`: a message of another channel
// says nothing about this list.
Result<Position> FindPosition(SqliteDb& db, std::string_view app_key, std::string_view id,
                              std::string_view cid) {
  EDDY_ASSIGN_OR_RETURN(
      SqliteStatement stmt,
      db.Prepare("SELECT created_at, seq, cid FROM messages WHERE app_key = ?1 AND id = ?2"));
  stmt.Bind(1, app_key).Bind(2, id);
  EDDY_ASSIGN_OR_RETURN(bool found, stmt.Step());
  if (!found) {
    return Error::Input("message " + std::string(id) + " given for pagination does not exist");
  }
  if (stmt.ColumnText(2) != cid) {
    return Error::Input("message " + std::string(id) + " given for pagination is not in channel " +
                        std::string(cid));
  }
  return Position{stmt.ColumnInt(0), stmt.ColumnInt(1)};
}

// Builds one page query: the list's scope, visibility and bounds, each value a parameter.
class PageQuery {
 public:
  // `scope` is trusted SQL over ?1 (app key) and ?2 (`scope_value`).
  PageQuery(std::string_view app_key, std::string_view scope, std::string_view scope_value)
      : where_("app_key = ?1 AND " + std::string(scope)) {
    params_.emplace_back(std::string(app_key));
    params_.emplace_back(std::string(scope_value));
  }

  void And(std::string_view condition) { where_ += " AND " + std::string(condition); }
  void And(std::string_view sql_before, sql::SqlParam value, std::string_view sql_after = "") {
    params_.push_back(std::move(value));
    where_ += " AND " + std::string(sql_before) + "?" + std::to_string(params_.size()) +
              std::string(sql_after);
  }
  // (created_at, seq) <op> position
  void AndPosition(std::string_view op, const Position& p) {
    params_.emplace_back(p.created_at);
    params_.emplace_back(p.seq);
    where_ += " AND (created_at, seq) " + std::string(op) + " (?" +
              std::to_string(params_.size() - 1) + ", ?" + std::to_string(params_.size()) + ")";
  }

  // Up to `limit` rows from the oldest (ascending) or the newest end, returned ascending.
  Result<std::vector<Message>> Run(SqliteDb& db, int limit, bool from_oldest) const {
    std::vector<sql::SqlParam> params = params_;
    params.emplace_back(static_cast<std::int64_t>(limit));
    std::string text = "SELECT " + std::string(kMessageColumns) + " FROM messages WHERE " + where_ +
                       " ORDER BY created_at" + (from_oldest ? "" : " DESC") + ", seq" +
                       (from_oldest ? "" : " DESC") + " LIMIT ?" + std::to_string(params.size());
    // The text depends only on which options are set, so the cache stays small.
    EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt, db.Prepare(text));
    for (size_t i = 0; i < params.size(); ++i) stmt.BindParam(static_cast<int>(i + 1), params[i]);
    EDDY_ASSIGN_OR_RETURN(std::vector<Message> rows, sqlite_rows::ReadMessages(stmt));
    if (!from_oldest) std::reverse(rows.begin(), rows.end());
    return rows;
  }

 private:
  std::string where_;
  std::vector<sql::SqlParam> params_;
};

// `cid` is the channel of the list: id bounds must name its messages.
Result<std::vector<Message>> Page(SqliteDb& db, std::string_view app_key, std::string_view scope,
                                  std::string_view scope_value, std::string_view cid,
                                  const MessagePage& p) {
  EDDY_TRY(sql::CheckMessagePage(p));
  if (p.limit == 0) return std::vector<Message>();

  SqliteDb::Reading reading(db);
  PageQuery q(app_key, scope, scope_value);
  // The author sees their shadowed messages; an empty viewer matches no author.
  q.And("(shadowed = 0 OR user_id = ", p.viewer_id, ")");
  if (p.not_before) q.And("created_at > ", *p.not_before);
  if (!p.include_deleted) q.And("deleted_at IS NULL");

  if (sql::IsAroundPage(p)) {
    PageQuery older = q, newer = q;
    if (!p.id_around.empty()) {
      EDDY_ASSIGN_OR_RETURN(Position at, FindPosition(db, app_key, p.id_around, cid));
      older.AndPosition("<=", at);
      newer.AndPosition(">", at);
    } else {
      older.And("created_at <= ", *p.created_at_around);
      newer.And("created_at > ", *p.created_at_around);
    }
    EDDY_ASSIGN_OR_RETURN(std::vector<Message> before, older.Run(db, p.limit, false));
    EDDY_ASSIGN_OR_RETURN(std::vector<Message> after, newer.Run(db, p.limit, true));
    return sql::MergeAround(std::move(before), std::move(after), p.limit);
  }

  auto id_bound = [&](const std::string& id, std::string_view op) -> Status {
    if (id.empty()) return {};
    EDDY_ASSIGN_OR_RETURN(Position at, FindPosition(db, app_key, id, cid));
    q.AndPosition(op, at);
    return {};
  };
  EDDY_TRY(id_bound(p.id_lt, "<"));
  EDDY_TRY(id_bound(p.id_lte, "<="));
  EDDY_TRY(id_bound(p.id_gt, ">"));
  EDDY_TRY(id_bound(p.id_gte, ">="));
  if (p.created_at_before) q.And("created_at < ", *p.created_at_before);
  if (p.created_at_before_or_equal) q.And("created_at <= ", *p.created_at_before_or_equal);
  if (p.created_at_after) q.And("created_at > ", *p.created_at_after);
  if (p.created_at_after_or_equal) q.And("created_at >= ", *p.created_at_after_or_equal);
  // A lower bound pages forward from it; otherwise the page ends at the newest message.
  return q.Run(db, p.limit, sql::PagesForward(p));
}

}  // namespace

Result<std::optional<Message>> SqliteMessageStore::GetMessage(std::string_view app_key,
                                                              std::string_view id) {
  SqliteDb::Reading reading(db_);
  EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                        db_.Prepare("SELECT " + std::string(kMessageColumns) +
                                    " FROM messages WHERE app_key = ?1 AND id = ?2"));
  stmt.Bind(1, app_key).Bind(2, id);
  EDDY_ASSIGN_OR_RETURN(std::vector<Message> found, sqlite_rows::ReadMessages(stmt));
  if (found.empty()) return std::optional<Message>();
  return std::optional<Message>(std::move(found.front()));
}

Result<std::vector<Message>> SqliteMessageStore::GetMessages(std::string_view app_key,
                                                             const std::vector<std::string>& ids) {
  if (ids.empty()) return std::vector<Message>();
  json::array list;
  for (const std::string& id : ids) list.emplace_back(id);
  SqliteDb::Reading reading(db_);
  EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                        db_.Prepare("SELECT " + std::string(kMessageColumns) +
                                    " FROM messages WHERE app_key = ?1"
                                    " AND id IN (SELECT value FROM json_each(?2))"
                                    " ORDER BY created_at, seq"));
  stmt.Bind(1, app_key).Bind(2, json::serialize(list));
  return sqlite_rows::ReadMessages(stmt);
}

Result<std::vector<Message>> SqliteMessageStore::ChannelMessages(std::string_view app_key,
                                                                 std::string_view type,
                                                                 std::string_view id,
                                                                 const MessagePage& page) {
  const std::string cid = std::string(type) + ":" + std::string(id);
  return Page(db_, app_key, "cid = ?2 AND " + std::string(sqlite_rows::kInChannelList), cid, cid,
              page);
}

Result<std::vector<Message>> SqliteMessageStore::Replies(std::string_view app_key,
                                                         std::string_view parent_id,
                                                         const MessagePage& page) {
  std::string cid;  // the thread's channel, which id bounds must be in
  if (!page.id_lt.empty() || !page.id_lte.empty() || !page.id_gt.empty() || !page.id_gte.empty() ||
      !page.id_around.empty()) {
    SqliteDb::Reading reading(db_);
    EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                          db_.Prepare("SELECT cid FROM messages WHERE app_key = ?1 AND id = ?2"));
    stmt.Bind(1, app_key).Bind(2, parent_id);
    EDDY_ASSIGN_OR_RETURN(bool found, stmt.Step());
    if (found) cid = stmt.ColumnText(0);
  }
  return Page(db_, app_key, "parent_id = ?2", parent_id, cid, page);
}

Result<std::vector<Message>> SqliteMessageStore::PinnedMessages(std::string_view app_key,
                                                                std::string_view type,
                                                                std::string_view id, Micros now,
                                                                int limit) {
  if (limit < 0) return Error::Input("limit must not be negative");
  SqliteDb::Reading reading(db_);
  EDDY_ASSIGN_OR_RETURN(
      SqliteStatement stmt,
      db_.Prepare("SELECT " + std::string(kMessageColumns) +
                  " FROM messages WHERE app_key = ?1 AND cid = ?2 AND pinned = 1"
                  " AND deleted_at IS NULL AND (pin_expires IS NULL OR pin_expires > ?3)"
                  " ORDER BY pinned_at DESC NULLS LAST, seq DESC LIMIT ?4"));
  stmt.Bind(1, app_key)
      .Bind(2, std::string(type) + ":" + std::string(id))
      .Bind(3, now)
      .Bind(4, static_cast<std::int64_t>(limit));
  return sqlite_rows::ReadMessages(stmt);
}

// The channel's messages after the reader's mark, through messages_by_channel; each row is
// read for its author and kUnreadCondition. A reader who muted nobody (nearly all) is
// counted without the muted senders' subquery.
Result<std::int64_t> SqliteMessageStore::CountUnread(std::string_view app_key,
                                                     const UnreadQuery& q) {
  static const std::string kCount =
      "SELECT COUNT(*) FROM messages WHERE app_key = ?1 AND cid = ?2 AND created_at > ?3"
      " AND user_id <> ?4 AND " +
      std::string(sqlite_rows::kUnreadCondition);
  static const std::string kCountButMuted =
      kCount + " AND user_id NOT IN (SELECT value FROM json_each(?5))";
  const Micros after = std::max(q.after, q.not_before.value_or(q.after));
  SqliteDb::Reading reading(db_);
  EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                        db_.Prepare(q.muted_user_ids.empty() ? kCount : kCountButMuted));
  stmt.Bind(1, app_key)
      .Bind(2, q.channel_type + ":" + q.channel_id)
      .Bind(3, after)
      .Bind(4, q.user_id);
  if (!q.muted_user_ids.empty()) {
    json::array muted;
    for (const std::string& u : q.muted_user_ids) muted.emplace_back(u);
    stmt.Bind(5, json::serialize(muted));
  }
  EDDY_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return Error::Internal("COUNT returned no row");
  return stmt.ColumnInt(0);
}

Result<std::optional<MessageStamp>> SqliteMessageStore::LastChannelMessage(std::string_view app_key,
                                                                           std::string_view type,
                                                                           std::string_view id) {
  SqliteDb::Reading reading(db_);
  EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                        db_.Prepare("SELECT id, created_at FROM messages"
                                    " WHERE app_key = ?1 AND cid = ?2 AND " +
                                    std::string(sqlite_rows::kInChannelList) +
                                    " AND shadowed = 0 ORDER BY created_at DESC, seq DESC"
                                    " LIMIT 1"));
  stmt.Bind(1, app_key).Bind(2, std::string(type) + ":" + std::string(id));
  EDDY_ASSIGN_OR_RETURN(bool found, stmt.Step());
  if (!found) return std::optional<MessageStamp>();
  return std::optional<MessageStamp>(
      MessageStamp{std::string(stmt.ColumnText(0)), stmt.ColumnInt(1)});
}

}  // namespace eddy::server
