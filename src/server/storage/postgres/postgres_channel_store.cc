#include "server/storage/postgres/postgres_channel_store.h"

#include <algorithm>
#include <map>
#include <string>

#include "server/storage/postgres/postgres_rows.h"

namespace eddy::server {

namespace {

using postgres_rows::Cid;
using postgres_rows::RequireApp;

// Followed by the VALUES rows. xmax is 0 on a row version this statement inserted and set
// when it updated an existing row: RETURNING it tells new members from replaced ones.
constexpr std::string_view kUpsertMembersHead =
    "INSERT INTO members (app_key, cid, user_id, channel_role, is_owner, created_at,"
    " updated_at, invited, invite_accepted_at, invite_rejected_at, banned, shadow_banned,"
    " ban_expires, notifications_muted, pinned_at, archived_at, hidden,"
    " hide_messages_before, last_read, last_read_message_id, last_delivered_at,"
    " last_delivered_message_id, custom) VALUES ";
constexpr std::string_view kUpsertMembersTail =
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
    " custom = excluded.custom RETURNING cid, (xmax = 0)";
constexpr size_t kMemberColumnCount = 23;

// Adds a member's read and delivery state (ChannelStore::UpdateReadState's columns).
PgParams& AddReadState(PgParams& p, const Member& m) {
  return p.Add(m.last_read)
      .Add(m.last_read_message_id)
      .Add(m.last_delivered_at)
      .Add(m.last_delivered_message_id);
}

PgParams MemberRow(std::string_view app_key, std::string_view cid, const Member& m) {
  PgParams p;
  p.Add(app_key)
      .Add(cid)
      .Add(m.user_id)
      .Add(m.channel_role)
      .AddBool(m.is_owner)
      .Add(m.created_at)
      .Add(m.updated_at)
      .AddBool(m.invited)
      .Add(m.invite_accepted_at)
      .Add(m.invite_rejected_at)
      .AddBool(m.banned)
      .AddBool(m.shadow_banned)
      .Add(m.ban_expires)
      .AddBool(m.notifications_muted)
      .Add(m.pinned_at)
      .Add(m.archived_at)
      .AddBool(m.hidden)
      .Add(m.hide_messages_before);
  AddReadState(p, m).Add(json::serialize(m.custom));
  return p;
}

// One member row to write: its channel and what to write.
using MemberWrite = std::pair<std::string, const Member*>;

// Inserts or fully replaces each member row, a batch of rows per statement; adds to *added
// (by cid) the rows that were new. A statement may not touch a row twice, so a member listed
// more than once is written once, as its last listing: what writing them in turn would leave.
Status WriteMembers(PgConn& conn, std::string_view app_key, const std::vector<MemberWrite>& all,
                    std::map<std::string, std::int64_t, std::less<>>* added) {
  std::map<std::pair<std::string_view, std::string_view>, size_t> last;
  for (size_t i = 0; i < all.size(); ++i) last[{all[i].first, all[i].second->user_id}] = i;
  std::vector<const MemberWrite*> rows;
  for (size_t i = 0; i < all.size(); ++i) {
    if (last[{all[i].first, all[i].second->user_id}] == i) rows.push_back(&all[i]);
  }
  const size_t max_rows = PgMaxRows(kMemberColumnCount);
  for (size_t begin = 0; begin < rows.size(); begin += max_rows) {
    size_t n = std::min(rows.size() - begin, max_rows);
    PgParams params;
    for (size_t i = begin; i < begin + n; ++i) {
      params.Append(MemberRow(app_key, rows[i]->first, *rows[i]->second));
    }
    std::string text = std::string(kUpsertMembersHead) + PgValuesRows(n, kMemberColumnCount) +
                       std::string(kUpsertMembersTail);
    // A single row (the common case) is a prepared statement; batches vary in size.
    EDDY_ASSIGN_OR_RETURN(PgResult r,
                          n == 1 ? conn.Query(text, params) : conn.QueryOnce(text, params));
    for (int i = 0; i < r.rows(); ++i) {
      if (r.Bool(i, 1)) ++(*added)[std::string(r.Text(i, 0))];
    }
  }
  return {};
}

Status AddToMemberCount(PgConn& conn, std::string_view app_key, std::string_view cid,
                        std::int64_t delta) {
  if (delta == 0) return {};
  EDDY_TRY(
      conn.Query("UPDATE channels SET member_count = member_count + $3"
                 " WHERE app_key = $1 AND cid = $2",
                 PgParams().Add(app_key).Add(cid).Add(delta)));
  return {};
}

// The channel's stored fields after its key, in the order both the INSERT and the UPDATE bind
// them (created_by_id .. config_overrides).
PgParams& AddStoredFields(PgParams& p, const Channel& c) {
  return p.Add(c.created_by_id)
      .Add(c.created_at)
      .Add(c.updated_at)
      .Add(c.deleted_at)
      .Add(c.truncated_at)
      .Add(c.truncated_by_id)
      .AddBool(c.frozen)
      .AddBool(c.disabled)
      .Add(static_cast<std::int64_t>(c.cooldown))
      .Add(c.team)
      .Add(json::serialize(c.custom))
      .Add(json::serialize(c.config_overrides));
}

}  // namespace

Status PostgresChannelStore::CreateChannel(std::string_view app_key, const Channel& c,
                                           const std::vector<Member>& members) {
  const std::string cid = c.cid();
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
  EDDY_ASSIGN_OR_RETURN(PgTransaction tx, PgTransaction::Begin(*conn));
  EDDY_TRY(RequireApp(*conn, app_key));
  {
    EDDY_ASSIGN_OR_RETURN(
        PgResult r,
        conn->Query("INSERT INTO channels (app_key, cid, type, id, created_by_id, created_at,"
                    " updated_at, deleted_at, truncated_at, truncated_by_id, last_message_at,"
                    " frozen, disabled, cooldown, team, member_count, message_count, custom,"
                    " config_overrides) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL,"
                    " $11, $12, $13, $14, 0, 0, $15, $16) ON CONFLICT (app_key, cid) DO NOTHING",
                    AddStoredFields(PgParams().Add(app_key).Add(cid).Add(c.type).Add(c.id), c)));
    if (r.affected() == 0) return Error::Input("channel " + cid + " already exists");
  }
  std::vector<MemberWrite> writes;
  for (const Member& m : members) writes.emplace_back(cid, &m);
  std::map<std::string, std::int64_t, std::less<>> added;
  EDDY_TRY(WriteMembers(*conn, app_key, writes, &added));
  EDDY_TRY(AddToMemberCount(*conn, app_key, cid, added[cid]));
  return tx.Commit();
}

Result<std::optional<Channel>> PostgresChannelStore::GetChannel(std::string_view app_key,
                                                                std::string_view type,
                                                                std::string_view id) {
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
  EDDY_ASSIGN_OR_RETURN(PgResult r,
                        conn->Query("SELECT " + std::string(postgres_rows::kChannelColumns) +
                                        " FROM channels c WHERE c.app_key = $1 AND c.cid = $2",
                                    PgParams().Add(app_key).Add(Cid(type, id))));
  EDDY_ASSIGN_OR_RETURN(std::vector<Channel> found, postgres_rows::ReadChannels(r));
  if (found.empty()) return std::optional<Channel>();
  return std::optional<Channel>(std::move(found.front()));
}

Result<std::vector<Channel>> PostgresChannelStore::GetChannels(
    std::string_view app_key, const std::vector<std::string>& cids) {
  if (cids.empty()) return std::vector<Channel>();
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
  EDDY_ASSIGN_OR_RETURN(PgResult r,
                        conn->Query("SELECT " + std::string(postgres_rows::kChannelColumns) +
                                        " FROM channels c WHERE c.app_key = $1"
                                        " AND c.cid = ANY($2)",
                                    PgParams().Add(app_key).AddArray(cids)));
  return postgres_rows::ReadChannels(r);
}

Status PostgresChannelStore::UpdateChannel(std::string_view app_key, const Channel& c) {
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
  EDDY_ASSIGN_OR_RETURN(
      PgResult r,
      conn->Query("UPDATE channels SET created_by_id = $3, created_at = $4, updated_at = $5,"
                  " deleted_at = $6, truncated_at = $7, truncated_by_id = $8, frozen = $9,"
                  " disabled = $10, cooldown = $11, team = $12, custom = $13,"
                  " config_overrides = $14, last_message_at = CASE WHEN $7::BIGINT IS NOT NULL AND"
                  " last_message_at <= $7 THEN NULL ELSE last_message_at END"
                  " WHERE app_key = $1 AND cid = $2",
                  AddStoredFields(PgParams().Add(app_key).Add(c.cid()), c)));
  if (r.affected() == 0) return Error::NotFound("channel " + c.cid() + " not found");
  return {};
}

// Members, messages and reactions go with it through the foreign keys' ON DELETE CASCADE.
Status PostgresChannelStore::DeleteChannel(std::string_view app_key, std::string_view type,
                                           std::string_view id) {
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
  EDDY_TRY(conn->Query("DELETE FROM channels WHERE app_key = $1 AND cid = $2",
                       PgParams().Add(app_key).Add(Cid(type, id))));
  return {};
}

Status PostgresChannelStore::UpsertMembers(std::string_view app_key,
                                           const std::vector<Member>& members) {
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
  EDDY_ASSIGN_OR_RETURN(PgTransaction tx, PgTransaction::Begin(*conn));
  std::vector<MemberWrite> writes;
  std::map<std::string, std::int64_t, std::less<>> added;  // by cid
  for (const Member& m : members) {
    std::string cid = m.cid();
    if (!added.contains(cid)) {
      EDDY_ASSIGN_OR_RETURN(bool exists, postgres_rows::LockChannel(*conn, app_key, cid));
      if (!exists) return Error::NotFound("channel " + cid + " not found");
      added.emplace(cid, 0);
    }
    writes.emplace_back(std::move(cid), &m);
  }
  EDDY_TRY(WriteMembers(*conn, app_key, writes, &added));
  for (const auto& [cid, delta] : added) EDDY_TRY(AddToMemberCount(*conn, app_key, cid, delta));
  return tx.Commit();
}

Status PostgresChannelStore::UpdateReadState(std::string_view app_key, const Member& m) {
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
  EDDY_TRY(
      conn->Query("UPDATE members SET last_read = $4, last_read_message_id = $5,"
                  " last_delivered_at = $6, last_delivered_message_id = $7"
                  " WHERE app_key = $1 AND cid = $2 AND user_id = $3",
                  AddReadState(PgParams().Add(app_key).Add(m.cid()).Add(m.user_id), m)));
  return {};
}

Status PostgresChannelStore::RemoveMembers(std::string_view app_key, std::string_view type,
                                           std::string_view id,
                                           const std::vector<std::string>& user_ids) {
  if (user_ids.empty()) return {};
  const std::string cid = Cid(type, id);
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
  EDDY_ASSIGN_OR_RETURN(PgTransaction tx, PgTransaction::Begin(*conn));
  EDDY_ASSIGN_OR_RETURN(bool exists, postgres_rows::LockChannel(*conn, app_key, cid));
  if (!exists) return {};
  EDDY_ASSIGN_OR_RETURN(PgResult r,
                        conn->Query("DELETE FROM members WHERE app_key = $1"
                                    " AND cid = $2 AND user_id = ANY($3)",
                                    PgParams().Add(app_key).Add(cid).AddArray(user_ids)));
  EDDY_TRY(AddToMemberCount(*conn, app_key, cid, -r.affected()));
  return tx.Commit();
}

Result<std::optional<Member>> PostgresChannelStore::GetMember(std::string_view app_key,
                                                              std::string_view type,
                                                              std::string_view id,
                                                              std::string_view user_id) {
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
  EDDY_ASSIGN_OR_RETURN(
      PgResult r,
      conn->Query("SELECT " + std::string(postgres_rows::kMemberColumns) +
                      " FROM members m WHERE m.app_key = $1 AND m.cid = $2 AND m.user_id = $3",
                  PgParams().Add(app_key).Add(Cid(type, id)).Add(user_id)));
  EDDY_ASSIGN_OR_RETURN(std::vector<Member> found, postgres_rows::ReadMembers(r));
  if (found.empty()) return std::optional<Member>();
  return std::optional<Member>(std::move(found.front()));
}

Result<std::vector<Member>> PostgresChannelStore::MembershipsOf(std::string_view app_key,
                                                                std::string_view user_id) {
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
  EDDY_ASSIGN_OR_RETURN(
      PgResult r,
      conn->Query("SELECT " + std::string(postgres_rows::kMemberColumns) +
                      " FROM members m JOIN channels c ON c.app_key = m.app_key AND c.cid = m.cid"
                      " WHERE m.app_key = $1 AND m.user_id = $2 AND c.deleted_at IS NULL"
                      " ORDER BY m.cid",
                  PgParams().Add(app_key).Add(user_id)));
  return postgres_rows::ReadMembers(r);
}

Result<std::vector<RosterEntry>> PostgresChannelStore::Roster(std::string_view app_key,
                                                              std::string_view type,
                                                              std::string_view id) {
  EDDY_ASSIGN_OR_RETURN(PgLease conn, pool_.Acquire());
  EDDY_ASSIGN_OR_RETURN(
      PgResult r, conn->Query("SELECT user_id, hidden, invite_rejected_at IS NOT NULL FROM members"
                              " WHERE app_key = $1 AND cid = $2 ORDER BY created_at, user_id",
                              PgParams().Add(app_key).Add(Cid(type, id))));
  std::vector<RosterEntry> roster;
  for (int i = 0; i < r.rows(); ++i) {
    roster.push_back({std::string(r.Text(i, 0)), r.Bool(i, 1), r.Bool(i, 2)});
  }
  return roster;
}

}  // namespace eddy::server
