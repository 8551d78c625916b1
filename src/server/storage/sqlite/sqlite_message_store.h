// MessageStore on SQLite: `messages` (seq is the rowid: insertion order) and `reactions`.
// Channel history is read through (app, cid, created_at, seq), threads through
// (app, parent_id, created_at, seq); unread counting has a partial index of its own.
#pragma once

#include "server/domain/message_store.h"
#include "server/storage/sqlite/sqlite_db.h"

namespace eddy::server {

// Thread-safe: writes go through the database's group commit (SqliteDb::Write), reads
// through a read connection (SqliteDb::Reading); a write that maintains counters changes
// them in the same savepoint as the change behind them.
class SqliteMessageStore final : public MessageStore {
 public:
  explicit SqliteMessageStore(SqliteDb& db) : db_(db) {}

  Status InsertMessage(std::string_view app_key, Message& message) override;
  // Through SqliteDb::WriteAsync: `stored` runs on the thread that commits.
  void InsertMessageAsync(std::string_view app_key, std::shared_ptr<Message> message,
                          std::function<void(Status)> stored) override;
  Result<std::optional<Message>> GetMessage(std::string_view app_key, std::string_view id) override;
  Result<std::vector<Message>> GetMessages(std::string_view app_key,
                                           const std::vector<std::string>& ids) override;
  Status UpdateMessage(std::string_view app_key, const Message& message) override;
  Status DeleteMessage(std::string_view app_key, std::string_view id) override;

  Result<std::vector<Message>> ChannelMessages(std::string_view app_key, std::string_view type,
                                               std::string_view id,
                                               const MessagePage& page) override;
  Result<std::vector<Message>> Replies(std::string_view app_key, std::string_view parent_id,
                                       const MessagePage& page) override;
  Result<std::vector<Message>> PinnedMessages(std::string_view app_key, std::string_view type,
                                              std::string_view id, Micros now, int limit) override;
  Status HardDeleteChannelMessages(std::string_view app_key, std::string_view type,
                                   std::string_view id, Micros before) override;

  Result<std::int64_t> CountUnread(std::string_view app_key, const UnreadQuery& q) override;
  Result<std::optional<Micros>> LastMessageTimeBy(std::string_view app_key, std::string_view type,
                                                  std::string_view id,
                                                  std::string_view user_id) override;
  Result<std::int64_t> SoftDeleteUserMessages(std::string_view app_key, std::string_view user_id,
                                              Micros at) override;
  Result<std::int64_t> RestoreUserMessages(std::string_view app_key, std::string_view user_id,
                                           Micros at) override;
  Status HardDeleteUserMessages(std::string_view app_key, std::string_view user_id) override;
  Result<std::optional<MessageStamp>> LastChannelMessage(std::string_view app_key,
                                                         std::string_view type,
                                                         std::string_view id) override;

  Status UpsertReaction(std::string_view app_key, const Reaction& reaction,
                        bool enforce_unique) override;
  Result<bool> DeleteReaction(std::string_view app_key, std::string_view message_id,
                              std::string_view user_id, std::string_view type) override;
  Result<std::vector<Reaction>> Reactions(std::string_view app_key, std::string_view message_id,
                                          int limit, int offset) override;
  Result<std::vector<Reaction>> LatestReactions(std::string_view app_key,
                                                const std::vector<std::string>& message_ids,
                                                int per_message, std::string_view user_id) override;
  Result<std::vector<ReactionGroup>> ReactionGroups(
      std::string_view app_key, const std::vector<std::string>& message_ids) override;

 private:
  // InsertMessage's statements, in the write transaction.
  Status InsertRows(std::string_view app_key, Message& m);

  SqliteDb& db_;
};

}  // namespace eddy::server
