// Port between services: renders a channel as ChannelResponse JSON (protocol §5.3) for one
// reader (config, created_by, own_capabilities, hidden, member_count, custom fields ...).
// Implemented by the channel service; used by the message service for
// notification.message_new and by the read service for notification events.
#pragma once

#include <string_view>

#include "common/error.h"
#include "common/json.h"
#include "server/domain/app.h"
#include "server/domain/channel.h"

namespace eddy::server {

class ChannelViews {
 public:
  virtual ~ChannelViews() = default;
  // reader_id empty: a server-side view (all capabilities, no per-user fields).
  virtual Result<json::object> RenderChannel(const App& app, const Channel& channel,
                                             std::string_view reader_id) = 0;
};

}  // namespace eddy::server
