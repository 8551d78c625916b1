#include "server/storage/postgres/postgres_migrations.h"

#include <string>

#include "common/log.h"
#include "server/storage/postgres/pg_pool.h"

namespace eddy::server {

namespace {

// The SQLite schema's tables with PostgreSQL types: strings compare bytewise (COLLATE "C",
// SQLite's BINARY), JSON is kept as the exact text written (read through ::jsonb in queries),
// and the seq columns stand in for SQLite's rowid as the insertion-order tiebreak.
constexpr PostgresMigration kMigrations[] = {
    {1, "apps and users", R"sql(
CREATE TABLE apps (
  seq BIGSERIAL NOT NULL,
  api_key TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  api_secret TEXT NOT NULL,
  name TEXT COLLATE "C" NOT NULL,
  created_at BIGINT NOT NULL,
  settings TEXT NOT NULL
);
CREATE TABLE users (
  app_key TEXT COLLATE "C" NOT NULL REFERENCES apps (api_key) ON DELETE CASCADE,
  id TEXT COLLATE "C" NOT NULL,
  role TEXT COLLATE "C" NOT NULL,
  banned BOOLEAN NOT NULL,
  shadow_banned BOOLEAN NOT NULL,
  invisible BOOLEAN NOT NULL,
  language TEXT COLLATE "C" NOT NULL,
  teams TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  last_active BIGINT,
  deactivated_at BIGINT,
  deleted_at BIGINT,
  revoke_tokens_issued_before BIGINT,
  custom TEXT NOT NULL,
  PRIMARY KEY (app_key, id)
);
CREATE INDEX users_by_created_at ON users (app_key, created_at, id);
CREATE INDEX users_by_last_active ON users (app_key, last_active);
)sql"},
    {2, "channels, members, messages and reactions", R"sql(
CREATE TABLE channels (
  app_key TEXT COLLATE "C" NOT NULL REFERENCES apps (api_key) ON DELETE CASCADE,
  cid TEXT COLLATE "C" NOT NULL,
  type TEXT COLLATE "C" NOT NULL,
  id TEXT COLLATE "C" NOT NULL,
  created_by_id TEXT COLLATE "C" NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  deleted_at BIGINT,
  truncated_at BIGINT,
  truncated_by_id TEXT COLLATE "C" NOT NULL,
  last_message_at BIGINT,
  frozen BOOLEAN NOT NULL,
  disabled BOOLEAN NOT NULL,
  cooldown BIGINT NOT NULL,
  team TEXT COLLATE "C" NOT NULL,
  member_count BIGINT NOT NULL,
  message_count BIGINT NOT NULL,
  custom TEXT NOT NULL,
  config_overrides TEXT NOT NULL,
  PRIMARY KEY (app_key, cid)
);
CREATE INDEX channels_by_last_message
  ON channels (app_key, (COALESCE(last_message_at, created_at)));
CREATE INDEX channels_by_created_at ON channels (app_key, created_at);

CREATE TABLE members (
  app_key TEXT COLLATE "C" NOT NULL,
  cid TEXT COLLATE "C" NOT NULL,
  user_id TEXT COLLATE "C" NOT NULL,
  channel_role TEXT COLLATE "C" NOT NULL,
  is_owner BOOLEAN NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  invited BOOLEAN NOT NULL,
  invite_accepted_at BIGINT,
  invite_rejected_at BIGINT,
  banned BOOLEAN NOT NULL,
  shadow_banned BOOLEAN NOT NULL,
  ban_expires BIGINT,
  notifications_muted BOOLEAN NOT NULL,
  pinned_at BIGINT,
  archived_at BIGINT,
  hidden BOOLEAN NOT NULL,
  hide_messages_before BIGINT,
  last_read BIGINT NOT NULL,
  last_read_message_id TEXT COLLATE "C" NOT NULL,
  last_delivered_at BIGINT,
  last_delivered_message_id TEXT COLLATE "C" NOT NULL,
  custom TEXT NOT NULL,
  PRIMARY KEY (app_key, cid, user_id),
  FOREIGN KEY (app_key, cid) REFERENCES channels (app_key, cid) ON DELETE CASCADE
);
CREATE INDEX members_by_user ON members (app_key, user_id);

CREATE TABLE messages (
  seq BIGSERIAL PRIMARY KEY,
  app_key TEXT COLLATE "C" NOT NULL,
  id TEXT COLLATE "C" NOT NULL,
  cid TEXT COLLATE "C" NOT NULL,
  user_id TEXT COLLATE "C" NOT NULL,
  text TEXT NOT NULL,
  type TEXT COLLATE "C" NOT NULL,
  parent_id TEXT COLLATE "C",
  show_in_channel BOOLEAN NOT NULL,
  quoted_message_id TEXT COLLATE "C" NOT NULL,
  mentioned_users TEXT NOT NULL,
  attachments TEXT NOT NULL,
  silent BOOLEAN NOT NULL,
  shadowed BOOLEAN NOT NULL,
  pinned BOOLEAN NOT NULL,
  pinned_at BIGINT,
  pinned_by_id TEXT COLLATE "C" NOT NULL,
  pin_expires BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  deleted_at BIGINT,
  message_text_updated_at BIGINT,
  reply_count BIGINT NOT NULL,
  thread_participants TEXT NOT NULL,
  custom TEXT NOT NULL,
  UNIQUE (app_key, id),
  FOREIGN KEY (app_key, cid) REFERENCES channels (app_key, cid) ON DELETE CASCADE
);
CREATE INDEX messages_by_channel ON messages (app_key, cid, created_at, seq);
CREATE INDEX messages_by_parent ON messages (app_key, parent_id, created_at, seq)
  WHERE parent_id IS NOT NULL;
CREATE INDEX messages_pinned ON messages (app_key, cid, pinned_at) WHERE pinned;
-- Holds only messages that can count as unread; the condition is postgres_rows::
-- kUnreadCondition word for word.
CREATE INDEX messages_unread ON messages (app_key, cid, created_at)
  WHERE (parent_id IS NULL OR show_in_channel) AND NOT silent AND NOT shadowed
    AND deleted_at IS NULL AND type NOT IN ('system', 'error', 'ephemeral', 'deleted');

CREATE TABLE reactions (
  seq BIGSERIAL NOT NULL,
  app_key TEXT COLLATE "C" NOT NULL,
  message_id TEXT COLLATE "C" NOT NULL,
  user_id TEXT COLLATE "C" NOT NULL,
  type TEXT COLLATE "C" NOT NULL,
  score BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  custom TEXT NOT NULL,
  PRIMARY KEY (app_key, message_id, user_id, type),
  FOREIGN KEY (app_key, message_id) REFERENCES messages (app_key, id) ON DELETE CASCADE
);
CREATE INDEX reactions_by_message ON reactions (app_key, message_id, created_at);
)sql"},
    // Channel types a backend created or changed (the built-ins need no row until changed),
    // and custom roles. Config and grants are JSON objects.
    {3, "channel types and roles", R"sql(
CREATE TABLE channel_types (
  app_key TEXT COLLATE "C" NOT NULL REFERENCES apps (api_key) ON DELETE CASCADE,
  name TEXT COLLATE "C" NOT NULL,
  config TEXT NOT NULL,
  grants TEXT NOT NULL,
  PRIMARY KEY (app_key, name)
);
CREATE TABLE roles (
  app_key TEXT COLLATE "C" NOT NULL REFERENCES apps (api_key) ON DELETE CASCADE,
  name TEXT COLLATE "C" NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (app_key, name)
);
)sql"},
    {4, "deleted reply counts and blocklists", R"sql(
ALTER TABLE messages ADD COLUMN deleted_reply_count BIGINT NOT NULL DEFAULT 0;
-- Slow mode looks up a user's newest message in a channel.
CREATE INDEX messages_by_author ON messages (app_key, cid, user_id, created_at);
CREATE TABLE blocklists (
  app_key TEXT COLLATE "C" NOT NULL REFERENCES apps (api_key) ON DELETE CASCADE,
  name TEXT COLLATE "C" NOT NULL,
  type TEXT COLLATE "C" NOT NULL,
  words TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (app_key, name)
);
)sql"},
    // Absent strings are '' so they can be part of the primary keys.
    {5, "moderation: bans, mutes, channel mutes and flags", R"sql(
CREATE TABLE bans (
  app_key TEXT COLLATE "C" NOT NULL,
  user_id TEXT COLLATE "C" NOT NULL,
  channel_cid TEXT COLLATE "C" NOT NULL,
  created_by_id TEXT COLLATE "C" NOT NULL,
  reason TEXT COLLATE "C" NOT NULL,
  shadow BOOLEAN NOT NULL,
  ip_ban BOOLEAN NOT NULL,
  timeout_minutes BIGINT,
  created_at BIGINT NOT NULL,
  expires BIGINT,
  PRIMARY KEY (app_key, user_id, channel_cid)
);
CREATE INDEX bans_by_created ON bans (app_key, created_at);

CREATE TABLE user_mutes (
  app_key TEXT COLLATE "C" NOT NULL,
  user_id TEXT COLLATE "C" NOT NULL,
  target_id TEXT COLLATE "C" NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  expires BIGINT,
  PRIMARY KEY (app_key, user_id, target_id)
);

CREATE TABLE channel_mutes (
  app_key TEXT COLLATE "C" NOT NULL,
  user_id TEXT COLLATE "C" NOT NULL,
  channel_cid TEXT COLLATE "C" NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  expires BIGINT,
  PRIMARY KEY (app_key, user_id, channel_cid)
);

CREATE TABLE flags (
  app_key TEXT COLLATE "C" NOT NULL,
  user_id TEXT COLLATE "C" NOT NULL,
  target_message_id TEXT COLLATE "C" NOT NULL,
  target_user_id TEXT COLLATE "C" NOT NULL,
  channel_cid TEXT COLLATE "C" NOT NULL,
  reason TEXT COLLATE "C" NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (app_key, user_id, target_message_id, target_user_id)
);
CREATE INDEX flags_by_created ON flags (app_key, created_at);
)sql"},
    {6, "ip bans", R"sql(
ALTER TABLE bans ADD COLUMN ip TEXT COLLATE "C" NOT NULL DEFAULT '';
CREATE INDEX bans_by_ip ON bans (app_key, ip) WHERE ip <> '';
)sql"},
    // A user's messages are found by user alone (deactivation, deletion, bans that remove
    // messages); slow mode's lookup (app, channel, user) is served as well.
    {7, "messages by author, user first", R"sql(
DROP INDEX messages_by_author;
CREATE INDEX messages_by_author ON messages (app_key, user_id, cid, created_at);
)sql"},
};

Result<int> CurrentVersion(PgConn& conn) {
  EDDY_ASSIGN_OR_RETURN(PgResult r,
                        conn.QueryOnce("SELECT COALESCE(MAX(version), 0) FROM schema_version"));
  return r.rows() > 0 ? static_cast<int>(r.Int(0, 0)) : 0;
}

// Session-level advisory lock keyed by the schema: nodes sharing a schema take turns, other
// schemas (tests run side by side) do not wait.
constexpr std::string_view kLockKey = "hashtext('eddy migrations ' || current_schema())";

Status EnsureVersionTable(PgConn& conn) {
  return conn.Exec(
      "CREATE TABLE IF NOT EXISTS schema_version ("
      " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)");
}

Status ApplyLocked(PgConn& conn, std::span<const PostgresMigration> migrations) {
  EDDY_TRY(EnsureVersionTable(conn));
  const int latest = migrations.empty() ? 0 : migrations.back().version;
  for (const PostgresMigration& m : migrations) {
    EDDY_ASSIGN_OR_RETURN(PgTransaction tx, PgTransaction::Begin(conn));
    EDDY_ASSIGN_OR_RETURN(int current, CurrentVersion(conn));
    if (current > latest) {
      return Error::Internal("database schema version " + std::to_string(current) +
                             " is newer than this eddy supports (" + std::to_string(latest) + ")");
    }
    if (m.version <= current) continue;
    EDDY_TRY(conn.Exec(std::string(m.sql)));
    EDDY_TRY(conn.QueryOnce(
        "INSERT INTO schema_version (version, name, applied_at) VALUES ($1, $2, now())",
        PgParams().Add(static_cast<std::int64_t>(m.version)).Add(m.name)));
    EDDY_TRY(tx.Commit());
    log::Info("applied schema migration",
              {{"version", std::to_string(m.version)}, {"name", m.name}});
  }
  return {};
}

}  // namespace

std::span<const PostgresMigration> PostgresMigrations() { return kMigrations; }

Result<int> PostgresSchemaVersion(PgConn& conn) {
  EDDY_TRY(EnsureVersionTable(conn));
  return CurrentVersion(conn);
}

Status ApplyPostgresMigrations(PgConn& conn, std::span<const PostgresMigration> migrations) {
  EDDY_TRY(conn.Exec("SELECT pg_advisory_lock(" + std::string(kLockKey) + ")"));
  Status applied = ApplyLocked(conn, migrations);
  Status unlocked = conn.Exec("SELECT pg_advisory_unlock(" + std::string(kLockKey) + ")");
  if (!applied.ok()) return applied;
  return unlocked;
}

}  // namespace eddy::server
