#include "server/storage/sqlite/sqlite_migrations.h"

#include <string>

#include "common/log.h"

namespace eddy::server {

namespace {

constexpr SqliteMigration kMigrations[] = {
    {1, "apps and users", R"sql(
CREATE TABLE apps (
  api_key TEXT NOT NULL UNIQUE,
  api_secret TEXT NOT NULL,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  settings TEXT NOT NULL
);
CREATE TABLE users (
  app_key TEXT NOT NULL REFERENCES apps (api_key) ON DELETE CASCADE,
  id TEXT NOT NULL,
  role TEXT NOT NULL,
  banned INTEGER NOT NULL,
  shadow_banned INTEGER NOT NULL,
  invisible INTEGER NOT NULL,
  language TEXT NOT NULL,
  teams TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  last_active INTEGER,
  deactivated_at INTEGER,
  deleted_at INTEGER,
  revoke_tokens_issued_before INTEGER,
  custom TEXT NOT NULL,
  PRIMARY KEY (app_key, id)
) WITHOUT ROWID;
CREATE INDEX users_by_created_at ON users (app_key, created_at, id);
CREATE INDEX users_by_last_active ON users (app_key, last_active);
)sql"},
    // Channels and members are keyed by cid ("type:id"; neither part may contain ':'), so the
    // filter language's `cid` and the members subqueries use the key itself. Foreign keys
    // cascade a channel's hard delete to its members, messages and their reactions.
    {2, "channels, members, messages and reactions", R"sql(
CREATE TABLE channels (
  app_key TEXT NOT NULL REFERENCES apps (api_key) ON DELETE CASCADE,
  cid TEXT NOT NULL,
  type TEXT NOT NULL,
  id TEXT NOT NULL,
  created_by_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  deleted_at INTEGER,
  truncated_at INTEGER,
  truncated_by_id TEXT NOT NULL,
  last_message_at INTEGER,
  frozen INTEGER NOT NULL,
  disabled INTEGER NOT NULL,
  cooldown INTEGER NOT NULL,
  team TEXT NOT NULL,
  member_count INTEGER NOT NULL,
  message_count INTEGER NOT NULL,
  custom TEXT NOT NULL,
  config_overrides TEXT NOT NULL,
  PRIMARY KEY (app_key, cid)
) WITHOUT ROWID;
CREATE INDEX channels_by_last_message
  ON channels (app_key, COALESCE(last_message_at, created_at));
CREATE INDEX channels_by_created_at ON channels (app_key, created_at);

CREATE TABLE members (
  app_key TEXT NOT NULL,
  cid TEXT NOT NULL,
  user_id TEXT NOT NULL,
  channel_role TEXT NOT NULL,
  is_owner INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  invited INTEGER NOT NULL,
  invite_accepted_at INTEGER,
  invite_rejected_at INTEGER,
  banned INTEGER NOT NULL,
  shadow_banned INTEGER NOT NULL,
  ban_expires INTEGER,
  notifications_muted INTEGER NOT NULL,
  pinned_at INTEGER,
  archived_at INTEGER,
  hidden INTEGER NOT NULL,
  hide_messages_before INTEGER,
  last_read INTEGER NOT NULL,
  last_read_message_id TEXT NOT NULL,
  last_delivered_at INTEGER,
  last_delivered_message_id TEXT NOT NULL,
  custom TEXT NOT NULL,
  PRIMARY KEY (app_key, cid, user_id),
  FOREIGN KEY (app_key, cid) REFERENCES channels (app_key, cid) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX members_by_user ON members (app_key, user_id);

-- seq is the rowid: assigned in insertion order, the tiebreak after created_at.
CREATE TABLE messages (
  seq INTEGER PRIMARY KEY,
  app_key TEXT NOT NULL,
  id TEXT NOT NULL,
  cid TEXT NOT NULL,
  user_id TEXT NOT NULL,
  text TEXT NOT NULL,
  type TEXT NOT NULL,
  parent_id TEXT,
  show_in_channel INTEGER NOT NULL,
  quoted_message_id TEXT NOT NULL,
  mentioned_users TEXT NOT NULL,
  attachments TEXT NOT NULL,
  silent INTEGER NOT NULL,
  shadowed INTEGER NOT NULL,
  pinned INTEGER NOT NULL,
  pinned_at INTEGER,
  pinned_by_id TEXT NOT NULL,
  pin_expires INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  deleted_at INTEGER,
  message_text_updated_at INTEGER,
  reply_count INTEGER NOT NULL,
  thread_participants TEXT NOT NULL,
  custom TEXT NOT NULL,
  UNIQUE (app_key, id),
  FOREIGN KEY (app_key, cid) REFERENCES channels (app_key, cid) ON DELETE CASCADE
);
CREATE INDEX messages_by_channel ON messages (app_key, cid, created_at, seq);
CREATE INDEX messages_by_parent ON messages (app_key, parent_id, created_at, seq)
  WHERE parent_id IS NOT NULL;
CREATE INDEX messages_pinned ON messages (app_key, cid, pinned_at) WHERE pinned = 1;
-- Holds only messages that can count as unread (CountUnread); dropped by migration 8.
CREATE INDEX messages_unread ON messages (app_key, cid, created_at)
  WHERE (parent_id IS NULL OR show_in_channel = 1) AND silent = 0 AND shadowed = 0
    AND deleted_at IS NULL AND type NOT IN ('system', 'error', 'ephemeral', 'deleted');

CREATE TABLE reactions (
  app_key TEXT NOT NULL,
  message_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  type TEXT NOT NULL,
  score INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  custom TEXT NOT NULL,
  UNIQUE (app_key, message_id, user_id, type),
  FOREIGN KEY (app_key, message_id) REFERENCES messages (app_key, id) ON DELETE CASCADE
);
CREATE INDEX reactions_by_message ON reactions (app_key, message_id, created_at);
)sql"},
    // Channel types a backend created or changed (the built-ins need no row until changed),
    // and custom roles. Config and grants are JSON objects.
    {3, "channel types and roles", R"sql(
CREATE TABLE channel_types (
  app_key TEXT NOT NULL REFERENCES apps (api_key) ON DELETE CASCADE,
  name TEXT NOT NULL,
  config TEXT NOT NULL,
  grants TEXT NOT NULL,
  PRIMARY KEY (app_key, name)
) WITHOUT ROWID;
CREATE TABLE roles (
  app_key TEXT NOT NULL REFERENCES apps (api_key) ON DELETE CASCADE,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (app_key, name)
) WITHOUT ROWID;
)sql"},
    // Version 3 belongs to another branch of #4 (grants); gaps are allowed.
    {4, "moderation: bans, mutes, channel mutes and flags", R"sql(
CREATE TABLE bans (
  app_key TEXT NOT NULL,
  user_id TEXT NOT NULL,
  channel_cid TEXT NOT NULL,
  created_by_id TEXT NOT NULL,
  reason TEXT NOT NULL,
  shadow INTEGER NOT NULL,
  ip_ban INTEGER NOT NULL,
  timeout_minutes INTEGER,
  created_at INTEGER NOT NULL,
  expires INTEGER,
  PRIMARY KEY (app_key, user_id, channel_cid)
);
CREATE INDEX bans_by_created ON bans (app_key, created_at);

CREATE TABLE user_mutes (
  app_key TEXT NOT NULL,
  user_id TEXT NOT NULL,
  target_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  expires INTEGER,
  PRIMARY KEY (app_key, user_id, target_id)
);

CREATE TABLE channel_mutes (
  app_key TEXT NOT NULL,
  user_id TEXT NOT NULL,
  channel_cid TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  expires INTEGER,
  PRIMARY KEY (app_key, user_id, channel_cid)
);

CREATE TABLE flags (
  app_key TEXT NOT NULL,
  user_id TEXT NOT NULL,
  target_message_id TEXT NOT NULL,
  target_user_id TEXT NOT NULL,
  channel_cid TEXT NOT NULL,
  reason TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (app_key, user_id, target_message_id, target_user_id)
);
CREATE INDEX flags_by_created ON flags (app_key, created_at);
)sql"},
    {5, "deleted reply counts", R"sql(
ALTER TABLE messages ADD COLUMN deleted_reply_count INTEGER NOT NULL DEFAULT 0;
-- Slow mode looks up a user's newest message in a channel.
CREATE INDEX messages_by_author ON messages (app_key, cid, user_id, created_at);
CREATE TABLE blocklists (
  app_key TEXT NOT NULL REFERENCES apps (api_key) ON DELETE CASCADE,
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  words TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (app_key, name)
);
)sql"},
    {6, "ip bans", R"sql(
ALTER TABLE bans ADD COLUMN ip TEXT NOT NULL DEFAULT '';
CREATE INDEX bans_by_ip ON bans (app_key, ip) WHERE ip != '';
)sql"},
    // A user's messages are found by user alone (deactivation, deletion, bans that remove
    // messages): with the channel before the user in the key, those walked every message of
    // the app. Slow mode's lookup (app, channel, user) is served as well.
    {7, "messages by author, user first", R"sql(
DROP INDEX messages_by_author;
CREATE INDEX messages_by_author ON messages (app_key, user_id, cid, created_at);
)sql"},
    // The unread count reads each candidate's row anyway (its author is not in the index), so
    // messages_by_channel serves it as well; and every index costs a send its leaf and, as
    // the channels' insertion points fill, the leaf's siblings and parent: ~2 pages of WAL
    // per message and index (70 of 299 frames per commit of 32 sends; 9% of a send's CPU).
    {8, "unread counts through the channel index", R"sql(
DROP INDEX messages_unread;
)sql"},
};

Result<int> CurrentVersion(SqliteDb& db) {
  EDDY_ASSIGN_OR_RETURN(
      SqliteStatement stmt,
      db.PrepareTransient("SELECT COALESCE(MAX(version), 0) FROM schema_version"));
  EDDY_ASSIGN_OR_RETURN(bool row, stmt.Step());
  return row ? static_cast<int>(stmt.ColumnInt(0)) : 0;
}

Status EnsureVersionTable(SqliteDb& db) {
  return db.Exec(
      "CREATE TABLE IF NOT EXISTS schema_version ("
      " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)");
}

}  // namespace

std::span<const SqliteMigration> SqliteMigrations() { return kMigrations; }

Result<int> SchemaVersion(SqliteDb& db) {
  SqliteDb::Exclusive hold(db);
  EDDY_TRY(EnsureVersionTable(db));
  return CurrentVersion(db);
}

Status ApplyMigrations(SqliteDb& db, std::span<const SqliteMigration> migrations) {
  SqliteDb::Exclusive hold(db);
  EDDY_TRY(EnsureVersionTable(db));
  const int latest = migrations.empty() ? 0 : migrations.back().version;
  for (const SqliteMigration& m : migrations) {
    // The version is read inside the write transaction: a second process opening the same
    // database at the same moment waits, then sees the migration done and skips it.
    EDDY_ASSIGN_OR_RETURN(SqliteTransaction tx, SqliteTransaction::Begin(db));
    EDDY_ASSIGN_OR_RETURN(int current, CurrentVersion(db));
    if (current > latest) {
      return Error::Internal("database schema version " + std::to_string(current) +
                             " is newer than this eddy supports (" + std::to_string(latest) + ")");
    }
    if (m.version <= current) continue;
    EDDY_TRY(db.Exec(m.sql));
    EDDY_ASSIGN_OR_RETURN(
        SqliteStatement record,
        db.PrepareTransient("INSERT INTO schema_version (version, name, applied_at) "
                            "VALUES (?1, ?2, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"));
    record.Bind(1, static_cast<std::int64_t>(m.version)).Bind(2, m.name);
    EDDY_TRY(record.Run());
    EDDY_TRY(tx.Commit());
    log::Info("applied schema migration",
              {{"version", std::to_string(m.version)}, {"name", m.name}});
  }
  return {};
}

}  // namespace eddy::server
