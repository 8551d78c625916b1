// PostgresMessageStore's reads: lookups, pages of a channel or a thread, pinned messages and
// unread counting.
#include <algorithm>
#include <string>

#include "server/storage/postgres/postgres_message_store.h"
#include "server/storage/postgres/postgres_rows.h"
#include "server/storage/sql/store_rules.h"

namespace eddy::server {

namespace {

using postgres_rows::kMessageColumns;

// A message's place in a list: (created_at, seq), compared as a pair.
struct Position {
  Micros created_at = 0;
  std::int64_t seq = 0;
};

// The place of message `id`, which must be in channel `cid`: a message of another channel
// says nothing about this list.
Result<Position> FindPosition(PgConn& conn, std::string_view app_key, std::string_view id,
                              std::string_view cid) {
  EDDY_ASSIGN_OR_RETURN(
      PgResult r,
      conn.Query("SELECT created_at, seq, cid FROM messages WHERE app_key = $1 AND id = $2",
                 PgParams().Add(app_key).Add(id)));
  if (r.rows() == 0) {
    return Error::Input("message " + std::string(id) + " given for pagination does not exist");
  }
  if (r.Text(0, 2) != cid) {
    return Error::Input("message " + std::string(id) + " given for pagination is not in channel " +
                        std::string(cid));
  }
  return Position{r.Int(0, 0), r.Int(0, 1)};
}

// Builds one page query: the list's scope, visibility and bounds, each value a parameter.
class PageQuery {
 public:
  // `scope` is trusted SQL over $1 (app key) and $2 (`scope_value`).
  PageQuery(std::string_view app_key, std::string_view scope, std::string_view scope_value)
      : where_("app_key = $1 AND " + std::string(scope)) {
    params_.emplace_back(std::string(app_key));
    params_.emplace_back(std::string(scope_value));
  }

  void And(std::string_view condition) { where_ += " AND " + std::string(condition); }
  void And(std::string_view sql_before, sql::SqlParam value, std::string_view sql_after = "") {
    params_.push_back(std::move(value));
    where_ += " AND " + std::string(sql_before) + "$" + std::to_string(params_.size()) +
              std::string(sql_after);
  }
  // (created_at, seq) <op> position
  void AndPosition(std::string_view op, const Position& p) {
    params_.emplace_back(p.created_at);
    params_.emplace_back(p.seq);
    where_ += " AND (created_at, seq) " + std::string(op) + " ($" +
              std::to_string(params_.size() - 1) + ", $" + std::to_string(params_.size()) + ")";
  }

  // Up to `limit` rows from the oldest (ascending) or the newest end, returned ascending.
  Result<std::vector<Message>> Run(PgConn& conn, int limit, bool from_oldest) const {
    std::vector<sql::SqlParam> params = params_;
    params.emplace_back(static_cast<std::int64_t>(limit));
    std::string text = "SELECT " + std::string(kMessageColumns) + " FROM messages WHERE " + where_ +
                       " ORDER BY created_at" + (from_oldest ? "" : " DESC") + ", seq" +
                       (from_oldest ? "" : " DESC") + " LIMIT $" + std::to_string(params.size());
    // The text depends only on which options are set, so few statements are prepared.
    EDDY_ASSIGN_OR_RETURN(PgResult r, conn.Query(text, PgParams(std::move(params))));
    EDDY_ASSIGN_OR_RETURN(std::vector<Message> rows, postgres_rows::ReadMessages(r));
    if (!from_oldest) std::reverse(rows.begin(), rows.end());
    return rows;
  }

 private:
  std::string where_;
  std::vector<sql::SqlParam> params_;
};

// `cid` is the channel of the list: id bounds must name its messages.
Result<std::vector<Message>> Page(PgPool& pool, std::string_view app_key, std::string_view scope,
                                  std::string_view scope_value, std::string_view cid,
                                  const MessagePage& p) {
  EDDY_TRY(sql::CheckMessagePage(p));
  if (p.limit == 0) return std::vector<Message>();

  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool.Acquire());
  PageQuery q(app_key, scope, scope_value);
  // The author sees their shadowed messages; an empty viewer matches no author.
  q.And("(NOT shadowed OR user_id = ", p.viewer_id, ")");
  if (p.not_before) q.And("created_at > ", *p.not_before);
  if (!p.include_deleted) q.And("deleted_at IS NULL");

  if (sql::IsAroundPage(p)) {
    PageQuery older = q, newer = q;
    if (!p.id_around.empty()) {
      EDDY_ASSIGN_OR_RETURN(Position at, FindPosition(*conn, app_key, p.id_around, cid));
      older.AndPosition("<=", at);
      newer.AndPosition(">", at);
    } else {
      older.And("created_at <= ", *p.created_at_around);
      newer.And("created_at > ", *p.created_at_around);
    }
    EDDY_ASSIGN_OR_RETURN(std::vector<Message> before, older.Run(*conn, p.limit, false));
    EDDY_ASSIGN_OR_RETURN(std::vector<Message> after, newer.Run(*conn, p.limit, true));
    return sql::MergeAround(std::move(before), std::move(after), p.limit);
  }

  auto id_bound = [&](const std::string& id, std::string_view op) -> Status {
    if (id.empty()) return {};
    EDDY_ASSIGN_OR_RETURN(Position at, FindPosition(*conn, app_key, id, cid));
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
  return q.Run(*conn, p.limit, sql::PagesForward(p));
}

}  // namespace

Result<std::optional<Message>> PostgresMessageStore::GetMessage(std::string_view app_key,
                                                                std::string_view id) {
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
  EDDY_ASSIGN_OR_RETURN(PgResult r, conn->Query("SELECT " + std::string(kMessageColumns) +
                                                    " FROM messages WHERE app_key = $1 AND id = $2",
                                                PgParams().Add(app_key).Add(id)));
  EDDY_ASSIGN_OR_RETURN(std::vector<Message> found, postgres_rows::ReadMessages(r));
  if (found.empty()) return std::optional<Message>();
  return std::optional<Message>(std::move(found.front()));
}

Result<std::vector<Message>> PostgresMessageStore::GetMessages(
    std::string_view app_key, const std::vector<std::string>& ids) {
  if (ids.empty()) return std::vector<Message>();
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
  EDDY_ASSIGN_OR_RETURN(PgResult r, conn->Query("SELECT " + std::string(kMessageColumns) +
                                                    " FROM messages WHERE app_key = $1"
                                                    " AND id = ANY($2) ORDER BY created_at, seq",
                                                PgParams().Add(app_key).AddArray(ids)));
  return postgres_rows::ReadMessages(r);
}

Result<std::vector<Message>> PostgresMessageStore::ChannelMessages(std::string_view app_key,
                                                                   std::string_view type,
                                                                   std::string_view id,
                                                                   const MessagePage& page) {
  const std::string cid = postgres_rows::Cid(type, id);
  return Page(pool_, app_key, "cid = $2 AND " + std::string(postgres_rows::kInChannelList), cid,
              cid, page);
}

Result<std::vector<Message>> PostgresMessageStore::Replies(std::string_view app_key,
                                                           std::string_view parent_id,
                                                           const MessagePage& page) {
  std::string cid;  // the thread's channel, which id bounds must be in
  if (!page.id_lt.empty() || !page.id_lte.empty() || !page.id_gt.empty() || !page.id_gte.empty() ||
      !page.id_around.empty()) {
    EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
    EDDY_ASSIGN_OR_RETURN(PgResult r,
                          conn->Query("SELECT cid FROM messages WHERE app_key = $1 AND id = $2",
                                      PgParams().Add(app_key).Add(parent_id)));
    if (r.rows() > 0) cid = r.Text(0, 0);
  }
  return Page(pool_, app_key, "parent_id = $2", parent_id, cid, page);
}

Result<std::vector<Message>> PostgresMessageStore::PinnedMessages(std::string_view app_key,
                                                                  std::string_view type,
                                                                  std::string_view id, Micros now,
                                                                  int limit) {
  if (limit < 0) return Error::Input("limit must not be negative");
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
  EDDY_ASSIGN_OR_RETURN(
      PgResult r,
      conn->Query("SELECT " + std::string(kMessageColumns) +
                      " FROM messages WHERE app_key = $1 AND cid = $2 AND pinned"
                      " AND deleted_at IS NULL AND (pin_expires IS NULL OR pin_expires > $3)"
                      " ORDER BY pinned_at DESC NULLS LAST, seq DESC LIMIT $4",
                  PgParams()
                      .Add(app_key)
                      .Add(postgres_rows::Cid(type, id))
                      .Add(now)
                      .Add(static_cast<std::int64_t>(limit))));
  return postgres_rows::ReadMessages(r);
}

// kUnreadCondition lets the partial index messages_unread cover the count.
Result<std::int64_t> PostgresMessageStore::CountUnread(std::string_view app_key,
                                                       const UnreadQuery& q) {
  const Micros after = std::max(q.after, q.not_before.value_or(q.after));
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
  EDDY_ASSIGN_OR_RETURN(PgResult r,
                        conn->Query("SELECT COUNT(*) FROM messages WHERE app_key = $1"
                                    " AND cid = $2 AND created_at > $3 AND user_id <> $4"
                                    " AND NOT (user_id = ANY($5)) AND " +
                                        std::string(postgres_rows::kUnreadCondition),
                                    PgParams()
                                        .Add(app_key)
                                        .Add(postgres_rows::Cid(q.channel_type, q.channel_id))
                                        .Add(after)
                                        .Add(q.user_id)
                                        .AddArray(q.muted_user_ids)));
  if (r.rows() == 0) return Error::Internal("COUNT returned no row");
  return r.Int(0, 0);
}

Result<std::optional<MessageStamp>> PostgresMessageStore::LastChannelMessage(
    std::string_view app_key, std::string_view type, std::string_view id) {
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
  EDDY_ASSIGN_OR_RETURN(PgResult r,
                        conn->Query("SELECT id, created_at FROM messages WHERE app_key = $1"
                                    " AND cid = $2 AND " +
                                        std::string(postgres_rows::kInChannelList) +
                                        " AND NOT shadowed"
                                        " ORDER BY created_at DESC, seq DESC LIMIT 1",
                                    PgParams().Add(app_key).Add(postgres_rows::Cid(type, id))));
  if (r.rows() == 0) return std::optional<MessageStamp>();
  return std::optional<MessageStamp>(MessageStamp{std::string(r.Text(0, 0)), r.Int(0, 1)});
}

}  // namespace eddy::server
