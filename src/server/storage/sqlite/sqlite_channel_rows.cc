#include "server/storage/sqlite/sqlite_channel_rows.h"

#include "server/storage/sql/stored_json.h"

namespace eddy::server::sqlite_rows {

namespace {

Result<Channel> ReadChannel(const SqliteStatement& s) {
  Channel c;
  c.type = s.ColumnText(0);
  c.id = s.ColumnText(1);
  c.created_by_id = s.ColumnText(2);
  c.created_at = s.ColumnInt(3);
  c.updated_at = s.ColumnInt(4);
  c.deleted_at = s.ColumnOptionalInt(5);
  c.truncated_at = s.ColumnOptionalInt(6);
  c.truncated_by_id = s.ColumnText(7);
  c.last_message_at = s.ColumnOptionalInt(8);
  c.frozen = s.ColumnBool(9);
  c.disabled = s.ColumnBool(10);
  c.cooldown = static_cast<int>(s.ColumnInt(11));
  c.team = s.ColumnText(12);
  c.member_count = s.ColumnInt(13);
  c.message_count = s.ColumnInt(14);
  EDDY_ASSIGN_OR_RETURN(c.custom, ReadObject(s.ColumnText(15), "channel custom data"));
  EDDY_ASSIGN_OR_RETURN(c.config_overrides,
                        ReadObject(s.ColumnText(16), "channel config overrides"));
  return c;
}

Result<Member> ReadMember(const SqliteStatement& s) {
  Member m;
  std::string_view cid = s.ColumnText(0);
  size_t colon = cid.find(':');
  if (colon == std::string_view::npos) return Error::Internal("stored member cid has no ':'");
  m.channel_type = cid.substr(0, colon);
  m.channel_id = cid.substr(colon + 1);
  m.user_id = s.ColumnText(1);
  m.channel_role = s.ColumnText(2);
  m.is_owner = s.ColumnBool(3);
  m.created_at = s.ColumnInt(4);
  m.updated_at = s.ColumnInt(5);
  m.invited = s.ColumnBool(6);
  m.invite_accepted_at = s.ColumnOptionalInt(7);
  m.invite_rejected_at = s.ColumnOptionalInt(8);
  m.banned = s.ColumnBool(9);
  m.shadow_banned = s.ColumnBool(10);
  m.ban_expires = s.ColumnOptionalInt(11);
  m.notifications_muted = s.ColumnBool(12);
  m.pinned_at = s.ColumnOptionalInt(13);
  m.archived_at = s.ColumnOptionalInt(14);
  m.hidden = s.ColumnBool(15);
  m.hide_messages_before = s.ColumnOptionalInt(16);
  m.last_read = s.ColumnInt(17);
  m.last_read_message_id = s.ColumnText(18);
  m.last_delivered_at = s.ColumnOptionalInt(19);
  m.last_delivered_message_id = s.ColumnText(20);
  EDDY_ASSIGN_OR_RETURN(m.custom, ReadObject(s.ColumnText(21), "member custom data"));
  return m;
}

template <typename T, typename Reader>
Result<std::vector<T>> ReadAll(SqliteStatement& stmt, Reader read) {
  std::vector<T> out;
  while (true) {
    EDDY_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return out;
    EDDY_ASSIGN_OR_RETURN(T value, read(stmt));
    out.push_back(std::move(value));
  }
}

}  // namespace

Status RequireApp(SqliteDb& db, std::string_view app_key) {
  EDDY_ASSIGN_OR_RETURN(SqliteStatement app, db.Prepare("SELECT 1 FROM apps WHERE api_key = ?1"));
  app.Bind(1, app_key);
  EDDY_ASSIGN_OR_RETURN(bool found, app.Step());
  if (!found) return Error::NotFound("app " + std::string(app_key) + " not found");
  return {};
}

Result<json::object> ReadObject(std::string_view text, std::string_view what) {
  EDDY_ASSIGN_OR_RETURN(json::value v, sql::ParseStoredJson(text, what));
  if (!v.is_object()) return Error::Internal("stored " + std::string(what) + " is not an object");
  return std::move(v.as_object());
}

Result<std::vector<Channel>> ReadChannels(SqliteStatement& stmt) {
  return ReadAll<Channel>(stmt, ReadChannel);
}

Result<std::vector<Member>> ReadMembers(SqliteStatement& stmt) {
  return ReadAll<Member>(stmt, ReadMember);
}

}  // namespace eddy::server::sqlite_rows
