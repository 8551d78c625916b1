// Showing a hidden channel again when a message arrives in its main list (protocol §6.4:
// a hidden channel stays hidden "until a new message is added"), shared by user messages
// (MessageService) and system messages (ChannelService). Stateless; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "server/domain/channel.h"
#include "server/domain/channel_store.h"

namespace eddy::server {

// Un-hides `channel` for each of `hidden` (members whose row said hidden) except
// `keep_hidden_for` (may be empty), re-reading each row right before writing it (the row also
// holds read state that others update). Returns the ids of the members it showed the channel
// to. A failed write is logged and skipped: the message that caused it is already stored.
std::vector<std::string> ShowHiddenChannel(ChannelStore& store, std::string_view app_key,
                                           const Channel& channel,
                                           const std::vector<std::string>& hidden, Micros at,
                                           std::string_view keep_hidden_for = {});

// The user ids of the member rows (Member or RosterEntry) that say the channel is hidden:
// what ShowHiddenChannel takes.
template <typename Row>
std::vector<std::string> HiddenUserIds(const std::vector<Row>& rows) {
  std::vector<std::string> ids;
  for (const Row& row : rows) {
    if (row.hidden) ids.push_back(row.user_id);
  }
  return ids;
}

}  // namespace eddy::server
