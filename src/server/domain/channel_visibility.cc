#include "server/domain/channel_visibility.h"

#include "common/log.h"

namespace eddy::server {

std::vector<std::string> ShowHiddenChannel(ChannelStore& store, std::string_view app_key,
                                           const Channel& channel,
                                           const std::vector<std::string>& hidden, Micros at,
                                           std::string_view keep_hidden_for) {
  std::vector<std::string> shown;
  for (const std::string& user_id : hidden) {
    if (user_id == keep_hidden_for) continue;
    Result<std::optional<Member>> fresh =
        store.GetMember(app_key, channel.type, channel.id, user_id);
    if (!fresh.ok() || !*fresh || !(*fresh)->hidden) continue;
    Member row = std::move(**fresh);
    row.hidden = false;
    row.updated_at = at;
    Status st = store.UpsertMembers(app_key, {row});
    if (!st.ok()) {
      log::Warn("showing a hidden channel failed",
                {{"cid", channel.cid()}, {"user", row.user_id}, {"error", st.error().message}});
      continue;
    }
    shown.push_back(row.user_id);
  }
  return shown;
}

}  // namespace eddy::server
