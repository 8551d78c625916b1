#include "server/storage/sqlite/sqlite_channel_store.h"

#include <map>
#include <string>

#include "server/storage/sqlite/sqlite_channel_rows.h"

namespace eddy::server {

namespace {

using sqlite_rows::Cid;
using sqlite_rows::RequireApp;

Result<bool> ChannelExists(SqliteDb& db, std::string_view app_key, std::string_view cid) {
  EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                        db.Prepare("SELECT 1 FROM channels WHERE app_key = ?1 AND cid = ?2"));
  stmt.Bind(1, app_key).Bind(2, cid);
  return stmt.Step();
}

// Binds a member's read and delivery state (ChannelStore::UpdateReadState's columns) to ?first
// and the three after it. `m` outlives the statement's handle.
SqliteStatement& BindReadState(SqliteStatement& s, int first, const Member& m) {
  return s.Bind(first, m.last_read)
      .BindView(first + 1, m.last_read_message_id)
      .Bind(first + 2, m.last_delivered_at)
      .BindView(first + 3, m.last_delivered_message_id);
}

// Inserts or fully replaces one member row of `cid`; true if it was new.
Result<bool> WriteMember(SqliteDb& db, std::string_view app_key, std::string_view cid,
                         const Member& m) {
  bool existed;
  {
    EDDY_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db.Prepare("SELECT 1 FROM members WHERE app_key = ?1 AND cid = ?2 AND user_id = ?3"));
    stmt.Bind(1, app_key).Bind(2, cid).Bind(3, m.user_id);
    EDDY_ASSIGN_OR_RETURN(existed, stmt.Step());
  }
  EDDY_ASSIGN_OR_RETURN(
      SqliteStatement stmt,
      db.Prepare(
          "INSERT INTO members (app_key, cid, user_id, channel_role, is_owner, created_at,"
          " updated_at, invited, invite_accepted_at, invite_rejected_at, banned, shadow_banned,"
          " ban_expires, notifications_muted, pinned_at, archived_at, hidden,"
          " hide_messages_before, last_read, last_read_message_id, last_delivered_at,"
          " last_delivered_message_id, custom) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
          " ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23)"
          " ON CONFLICT (app_key, cid, user_id) DO UPDATE SET"
          " channel_role = excluded.channel_role, is_owner = excluded.is_owner,"
          " created_at = excluded.created_at, updated_at = excluded.updated_at,"
          " invited = excluded.invited, invite_accepted_at = excluded.invite_accepted_at,"
          " invite_rejected_at = excluded.invite_rejected_at, banned = excluded.banned,"
          " shadow_banned = excluded.shadow_banned, ban_expires = excluded.ban_expires,"
          " notifications_muted = excluded.notifications_muted, pinned_at = excluded.pinned_at,"
          " archived_at = excluded.archived_at, hidden = excluded.hidden,"
          " hide_messages_before = excluded.hide_messages_before,"
          " last_read = excluded.last_read, last_read_message_id = excluded.last_read_message_id,"
          " last_delivered_at = excluded.last_delivered_at,"
          " last_delivered_message_id = excluded.last_delivered_message_id,"
          " custom = excluded.custom"));
  stmt.Bind(1, app_key)
      .Bind(2, cid)
      .Bind(3, m.user_id)
      .Bind(4, m.channel_role)
      .BindBool(5, m.is_owner)
      .Bind(6, m.created_at)
      .Bind(7, m.updated_at)
      .BindBool(8, m.invited)
      .Bind(9, m.invite_accepted_at)
      .Bind(10, m.invite_rejected_at)
      .BindBool(11, m.banned)
      .BindBool(12, m.shadow_banned)
      .Bind(13, m.ban_expires)
      .BindBool(14, m.notifications_muted)
      .Bind(15, m.pinned_at)
      .Bind(16, m.archived_at)
      .BindBool(17, m.hidden)
      .Bind(18, m.hide_messages_before);
  BindReadState(stmt, 19, m).Bind(23, json::serialize(m.custom));
  EDDY_TRY(stmt.Run());
  return !existed;
}

Status AddToMemberCount(SqliteDb& db, std::string_view app_key, std::string_view cid,
                        std::int64_t delta) {
  if (delta == 0) return {};
  EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                        db.Prepare("UPDATE channels SET member_count = member_count + ?3"
                                   " WHERE app_key = ?1 AND cid = ?2"));
  stmt.Bind(1, app_key).Bind(2, cid).Bind(3, delta);
  return stmt.Run();
}

}  // namespace

Status SqliteChannelStore::CreateChannel(std::string_view app_key, const Channel& c,
                                         const std::vector<Member>& members) {
  const std::string cid = c.cid();
  return db_.Write([&]() -> Status {
    EDDY_TRY(RequireApp(db_, app_key));
    {
      EDDY_ASSIGN_OR_RETURN(
          SqliteStatement stmt,
          db_.Prepare(
              "INSERT INTO channels (app_key, cid, type, id, created_by_id, created_at,"
              " updated_at, deleted_at, truncated_at, truncated_by_id, last_message_at,"
              " frozen, disabled, cooldown, team, member_count, message_count, custom,"
              " config_overrides) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, NULL,"
              " ?11, ?12, ?13, ?14, 0, 0, ?15, ?16) ON CONFLICT (app_key, cid) DO NOTHING"));
      stmt.Bind(1, app_key)
          .Bind(2, cid)
          .Bind(3, c.type)
          .Bind(4, c.id)
          .Bind(5, c.created_by_id)
          .Bind(6, c.created_at)
          .Bind(7, c.updated_at)
          .Bind(8, c.deleted_at)
          .Bind(9, c.truncated_at)
          .Bind(10, c.truncated_by_id)
          .BindBool(11, c.frozen)
          .BindBool(12, c.disabled)
          .Bind(13, static_cast<std::int64_t>(c.cooldown))
          .Bind(14, c.team)
          .Bind(15, json::serialize(c.custom))
          .Bind(16, json::serialize(c.config_overrides));
      EDDY_TRY(stmt.Run());
      if (db_.Changes() == 0) return Error::Input("channel " + cid + " already exists");
    }
    std::int64_t added = 0;
    for (const Member& m : members) {
      EDDY_ASSIGN_OR_RETURN(bool inserted, WriteMember(db_, app_key, cid, m));
      added += inserted ? 1 : 0;
    }
    EDDY_TRY(AddToMemberCount(db_, app_key, cid, added));
    return {};
  });
}

Result<std::optional<Channel>> SqliteChannelStore::GetChannel(std::string_view app_key,
                                                              std::string_view type,
                                                              std::string_view id) {
  SqliteDb::Reading reading(db_);
  EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                        db_.Prepare("SELECT " + std::string(sqlite_rows::kChannelColumns) +
                                    " FROM channels c WHERE c.app_key = ?1 AND c.cid = ?2"));
  stmt.Bind(1, app_key).Bind(2, Cid(type, id));
  EDDY_ASSIGN_OR_RETURN(std::vector<Channel> found, sqlite_rows::ReadChannels(stmt));
  if (found.empty()) return std::optional<Channel>();
  return std::optional<Channel>(std::move(found.front()));
}

Result<std::vector<Channel>> SqliteChannelStore::GetChannels(std::string_view app_key,
                                                             const std::vector<std::string>& cids) {
  if (cids.empty()) return std::vector<Channel>();
  // One JSON array parameter, so one cached statement serves any count.
  json::array list;
  for (const std::string& cid : cids) list.emplace_back(cid);
  SqliteDb::Reading reading(db_);
  EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                        db_.Prepare("SELECT " + std::string(sqlite_rows::kChannelColumns) +
                                    " FROM channels c WHERE c.app_key = ?1"
                                    " AND c.cid IN (SELECT value FROM json_each(?2))"));
  stmt.Bind(1, app_key).Bind(2, json::serialize(list));
  return sqlite_rows::ReadChannels(stmt);
}

Status SqliteChannelStore::UpdateChannel(std::string_view app_key, const Channel& c) {
  return db_.Write([&]() -> Status {
    EDDY_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_.Prepare("UPDATE channels SET created_by_id = ?3, created_at = ?4, updated_at = ?5,"
                    " deleted_at = ?6, truncated_at = ?7, truncated_by_id = ?8, frozen = ?9,"
                    " disabled = ?10, cooldown = ?11, team = ?12, custom = ?13,"
                    " config_overrides = ?14, last_message_at = CASE WHEN ?7 IS NOT NULL AND"
                    " last_message_at <= ?7 THEN NULL ELSE last_message_at END"
                    " WHERE app_key = ?1 AND cid = ?2"));
    stmt.Bind(1, app_key)
        .Bind(2, c.cid())
        .Bind(3, c.created_by_id)
        .Bind(4, c.created_at)
        .Bind(5, c.updated_at)
        .Bind(6, c.deleted_at)
        .Bind(7, c.truncated_at)
        .Bind(8, c.truncated_by_id)
        .BindBool(9, c.frozen)
        .BindBool(10, c.disabled)
        .Bind(11, static_cast<std::int64_t>(c.cooldown))
        .Bind(12, c.team)
        .Bind(13, json::serialize(c.custom))
        .Bind(14, json::serialize(c.config_overrides));
    EDDY_TRY(stmt.Run());
    if (db_.Changes() == 0) return Error::NotFound("channel " + c.cid() + " not found");
    return {};
  });
}

// Members, messages and reactions go with it through the foreign keys' ON DELETE CASCADE.
Status SqliteChannelStore::DeleteChannel(std::string_view app_key, std::string_view type,
                                         std::string_view id) {
  return db_.Write([&]() -> Status {
    EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                          db_.Prepare("DELETE FROM channels WHERE app_key = ?1 AND cid = ?2"));
    stmt.Bind(1, app_key).Bind(2, Cid(type, id));
    return stmt.Run();
  });
}

Status SqliteChannelStore::UpsertMembers(std::string_view app_key,
                                         const std::vector<Member>& members) {
  return db_.Write([&]() -> Status {
    std::map<std::string, std::int64_t, std::less<>> added;  // by cid
    for (const Member& m : members) {
      std::string cid = m.cid();
      auto it = added.find(cid);
      if (it == added.end()) {
        EDDY_ASSIGN_OR_RETURN(bool exists, ChannelExists(db_, app_key, cid));
        if (!exists) return Error::NotFound("channel " + cid + " not found");
        it = added.emplace(cid, 0).first;
      }
      EDDY_ASSIGN_OR_RETURN(bool inserted, WriteMember(db_, app_key, cid, m));
      it->second += inserted ? 1 : 0;
    }
    for (const auto& [cid, delta] : added) EDDY_TRY(AddToMemberCount(db_, app_key, cid, delta));
    return {};
  });
}

Status SqliteChannelStore::UpdateReadState(std::string_view app_key, const Member& m) {
  const std::string cid = m.cid();
  return db_.Write([&]() -> Status {
    EDDY_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_.Prepare("UPDATE members SET last_read = ?4, last_read_message_id = ?5,"
                    " last_delivered_at = ?6, last_delivered_message_id = ?7"
                    " WHERE app_key = ?1 AND cid = ?2 AND user_id = ?3"));
    stmt.BindView(1, app_key).BindView(2, cid).BindView(3, m.user_id);
    return BindReadState(stmt, 4, m).Run();
  });
}

Status SqliteChannelStore::RemoveMembers(std::string_view app_key, std::string_view type,
                                         std::string_view id,
                                         const std::vector<std::string>& user_ids) {
  if (user_ids.empty()) return {};
  json::array list;
  for (const std::string& u : user_ids) list.emplace_back(u);
  const std::string cid = Cid(type, id);
  return db_.Write([&]() -> Status {
    {
      EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                            db_.Prepare("DELETE FROM members WHERE app_key = ?1 AND cid = ?2"
                                        " AND user_id IN (SELECT value FROM json_each(?3))"));
      stmt.Bind(1, app_key).Bind(2, cid).Bind(3, json::serialize(list));
      EDDY_TRY(stmt.Run());
    }
    EDDY_TRY(AddToMemberCount(db_, app_key, cid, -db_.Changes()));
    return {};
  });
}

Result<std::optional<Member>> SqliteChannelStore::GetMember(std::string_view app_key,
                                                            std::string_view type,
                                                            std::string_view id,
                                                            std::string_view user_id) {
  SqliteDb::Reading reading(db_);
  EDDY_ASSIGN_OR_RETURN(
      SqliteStatement stmt,
      db_.Prepare("SELECT " + std::string(sqlite_rows::kMemberColumns) +
                  " FROM members m WHERE m.app_key = ?1 AND m.cid = ?2 AND m.user_id = ?3"));
  stmt.Bind(1, app_key).Bind(2, Cid(type, id)).Bind(3, user_id);
  EDDY_ASSIGN_OR_RETURN(std::vector<Member> found, sqlite_rows::ReadMembers(stmt));
  if (found.empty()) return std::optional<Member>();
  return std::optional<Member>(std::move(found.front()));
}

Result<std::vector<Member>> SqliteChannelStore::MembershipsOf(std::string_view app_key,
                                                              std::string_view user_id) {
  // Built once: every memberships reload (each connect, each send's author) runs it.
  static const std::string kSql = "SELECT " + std::string(sqlite_rows::kMemberColumns) +
                                  std::string(sqlite_rows::kMembershipsOfUserFrom);
  SqliteDb::Reading reading(db_);
  EDDY_ASSIGN_OR_RETURN(SqliteStatement stmt, db_.Prepare(kSql));
  stmt.Bind(1, app_key).Bind(2, user_id);
  return sqlite_rows::ReadMembers(stmt);
}

Result<std::vector<RosterEntry>> SqliteChannelStore::Roster(std::string_view app_key,
                                                            std::string_view type,
                                                            std::string_view id) {
  SqliteDb::Reading reading(db_);
  EDDY_ASSIGN_OR_RETURN(
      SqliteStatement stmt,
      db_.Prepare("SELECT user_id, hidden, invite_rejected_at IS NOT NULL FROM members"
                  " WHERE app_key = ?1 AND cid = ?2 ORDER BY created_at, user_id"));
  stmt.Bind(1, app_key).Bind(2, Cid(type, id));
  std::vector<RosterEntry> roster;
  while (true) {
    EDDY_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return roster;
    roster.push_back(
        {std::string(stmt.ColumnText(0)), stmt.ColumnInt(1) != 0, stmt.ColumnInt(2) != 0});
  }
}

}  // namespace eddy::server
