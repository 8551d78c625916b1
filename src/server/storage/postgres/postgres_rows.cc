#include "server/storage/postgres/postgres_rows.h"

#include "server/storage/sql/stored_json.h"

namespace eddy::server::postgres_rows {

namespace {

Status SplitCid(std::string_view cid, std::string& type, std::string& id) {
  size_t colon = cid.find(':');
  if (colon == std::string_view::npos) return Error::Internal("stored cid has no ':'");
  type = cid.substr(0, colon);
  id = cid.substr(colon + 1);
  return {};
}

Result<Channel> ReadChannel(const PgResult& r, int i) {
  Channel c;
  c.type = r.Text(i, 0);
  c.id = r.Text(i, 1);
  c.created_by_id = r.Text(i, 2);
  c.created_at = r.Int(i, 3);
  c.updated_at = r.Int(i, 4);
  c.deleted_at = r.OptionalInt(i, 5);
  c.truncated_at = r.OptionalInt(i, 6);
  c.truncated_by_id = r.Text(i, 7);
  c.last_message_at = r.OptionalInt(i, 8);
  c.frozen = r.Bool(i, 9);
  c.disabled = r.Bool(i, 10);
  c.cooldown = static_cast<int>(r.Int(i, 11));
  c.team = r.Text(i, 12);
  c.member_count = r.Int(i, 13);
  c.message_count = r.Int(i, 14);
  EDDY_ASSIGN_OR_RETURN(c.custom, ReadObject(r.Text(i, 15), "channel custom data"));
  EDDY_ASSIGN_OR_RETURN(c.config_overrides, ReadObject(r.Text(i, 16), "channel config overrides"));
  return c;
}

Result<Member> ReadMember(const PgResult& r, int i) {
  Member m;
  EDDY_TRY(SplitCid(r.Text(i, 0), m.channel_type, m.channel_id));
  m.user_id = r.Text(i, 1);
  m.channel_role = r.Text(i, 2);
  m.is_owner = r.Bool(i, 3);
  m.created_at = r.Int(i, 4);
  m.updated_at = r.Int(i, 5);
  m.invited = r.Bool(i, 6);
  m.invite_accepted_at = r.OptionalInt(i, 7);
  m.invite_rejected_at = r.OptionalInt(i, 8);
  m.banned = r.Bool(i, 9);
  m.shadow_banned = r.Bool(i, 10);
  m.ban_expires = r.OptionalInt(i, 11);
  m.notifications_muted = r.Bool(i, 12);
  m.pinned_at = r.OptionalInt(i, 13);
  m.archived_at = r.OptionalInt(i, 14);
  m.hidden = r.Bool(i, 15);
  m.hide_messages_before = r.OptionalInt(i, 16);
  m.last_read = r.Int(i, 17);
  m.last_read_message_id = r.Text(i, 18);
  m.last_delivered_at = r.OptionalInt(i, 19);
  m.last_delivered_message_id = r.Text(i, 20);
  EDDY_ASSIGN_OR_RETURN(m.custom, ReadObject(r.Text(i, 21), "member custom data"));
  return m;
}

Result<Message> ReadMessage(const PgResult& r, int i) {
  Message m;
  m.seq = r.Int(i, 0);
  m.id = r.Text(i, 1);
  EDDY_TRY(SplitCid(r.Text(i, 2), m.channel_type, m.channel_id));
  m.user_id = r.Text(i, 3);
  m.text = r.Text(i, 4);
  m.type = r.Text(i, 5);
  m.parent_id = r.Text(i, 6);
  m.show_in_channel = r.Bool(i, 7);
  m.quoted_message_id = r.Text(i, 8);
  EDDY_ASSIGN_OR_RETURN(m.mentioned_users,
                        sql::ParseStoredStringArray(r.Text(i, 9), "mentioned users"));
  EDDY_ASSIGN_OR_RETURN(json::value attachments,
                        sql::ParseStoredJson(r.Text(i, 10), "attachments"));
  if (!attachments.is_array()) return Error::Internal("stored attachments are not an array");
  m.attachments = std::move(attachments.as_array());
  m.silent = r.Bool(i, 11);
  m.shadowed = r.Bool(i, 12);
  m.pinned = r.Bool(i, 13);
  m.pinned_at = r.OptionalInt(i, 14);
  m.pinned_by_id = r.Text(i, 15);
  m.pin_expires = r.OptionalInt(i, 16);
  m.created_at = r.Int(i, 17);
  m.updated_at = r.Int(i, 18);
  m.deleted_at = r.OptionalInt(i, 19);
  m.message_text_updated_at = r.OptionalInt(i, 20);
  m.reply_count = r.Int(i, 21);
  EDDY_ASSIGN_OR_RETURN(m.thread_participants,
                        sql::ParseStoredStringArray(r.Text(i, 22), "thread participants"));
  EDDY_ASSIGN_OR_RETURN(m.custom, ReadObject(r.Text(i, 23), "message custom data"));
  m.deleted_reply_count = r.Int(i, 24);
  return m;
}

template <typename T, typename Reader>
Result<std::vector<T>> ReadAll(const PgResult& r, Reader read) {
  std::vector<T> out;
  out.reserve(static_cast<size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) {
    EDDY_ASSIGN_OR_RETURN(T value, read(r, i));
    out.push_back(std::move(value));
  }
  return out;
}

}  // namespace

Status RequireApp(PgConn& conn, std::string_view app_key) {
  EDDY_ASSIGN_OR_RETURN(
      PgResult r, conn.Query("SELECT 1 FROM apps WHERE api_key = $1", PgParams().Add(app_key)));
  if (r.rows() == 0) return Error::NotFound("app " + std::string(app_key) + " not found");
  return {};
}

Status RecomputeLastMessageAt(PgConn& conn, std::string_view app_key, std::string_view cid) {
  EDDY_TRY(conn.Query(
      "UPDATE channels SET last_message_at = (SELECT MAX(m.created_at) FROM messages m"
      " WHERE m.app_key = $1 AND m.cid = $2 AND (m.parent_id IS NULL OR m.show_in_channel)"
      " AND NOT m.shadowed AND (channels.truncated_at IS NULL"
      " OR m.created_at > channels.truncated_at)) WHERE app_key = $1 AND cid = $2",
      PgParams().Add(app_key).Add(cid)));
  return {};
}

Status AddToMessageCount(PgConn& conn, std::string_view app_key, std::string_view cid,
                         std::int64_t delta) {
  EDDY_TRY(conn.Query(
      "UPDATE channels SET message_count = message_count + $3 WHERE app_key = $1 AND cid = $2",
      PgParams().Add(app_key).Add(cid).Add(delta)));
  return {};
}

Status RecountThread(PgConn& conn, std::string_view app_key, std::string_view parent_id) {
  // In order of each participant's first reply, as InsertMessage appends them.
  EDDY_ASSIGN_OR_RETURN(
      PgResult r,
      conn.Query("SELECT user_id, COUNT(*), COUNT(deleted_at) FROM messages WHERE app_key = $1"
                 " AND parent_id = $2 AND NOT shadowed GROUP BY user_id ORDER BY MIN(seq)",
                 PgParams().Add(app_key).Add(parent_id)));
  json::array participants;
  std::int64_t count = 0;
  std::int64_t deleted = 0;
  for (int i = 0; i < r.rows(); ++i) {
    participants.emplace_back(r.Text(i, 0));
    count += r.Int(i, 1);
    deleted += r.Int(i, 2);
  }
  EDDY_TRY(
      conn.Query("UPDATE messages SET reply_count = $3, thread_participants = $4,"
                 " deleted_reply_count = $5 WHERE app_key = $1 AND id = $2",
                 PgParams()
                     .Add(app_key)
                     .Add(parent_id)
                     .Add(count)
                     .Add(json::serialize(participants))
                     .Add(deleted)));
  return {};
}

Result<bool> LockChannel(PgConn& conn, std::string_view app_key, std::string_view cid) {
  EDDY_ASSIGN_OR_RETURN(
      PgResult r, conn.Query("SELECT 1 FROM channels WHERE app_key = $1 AND cid = $2 FOR UPDATE",
                             PgParams().Add(app_key).Add(cid)));
  return r.rows() > 0;
}

Result<json::object> ReadObject(std::string_view text, std::string_view what) {
  EDDY_ASSIGN_OR_RETURN(json::value v, sql::ParseStoredJson(text, what));
  if (!v.is_object()) return Error::Internal("stored " + std::string(what) + " is not an object");
  return std::move(v.as_object());
}

Result<std::vector<Channel>> ReadChannels(const PgResult& r) {
  return ReadAll<Channel>(r, ReadChannel);
}

Result<std::vector<Member>> ReadMembers(const PgResult& r) {
  return ReadAll<Member>(r, ReadMember);
}

Result<std::vector<Message>> ReadMessages(const PgResult& r) {
  return ReadAll<Message>(r, ReadMessage);
}

}  // namespace eddy::server::postgres_rows
