// Port between services: renders stored messages as MessageResponse JSON (protocol §5.7) for
// one reader: user objects, latest_reactions, own_reactions (the reader's), reaction_counts,
// reaction_scores, reaction_groups, thread_participants, mentioned_users, quoted_message.
// Batched: a page of messages costs a fixed number of store reads. Implemented by the
// message service; used by the channel state builder and every message endpoint.
#pragma once

#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/json.h"
#include "server/domain/app.h"
#include "server/domain/message.h"

namespace eddy::server {

class MessageViews {
 public:
  virtual ~MessageViews() = default;
  // Same order as `messages`.
  virtual Result<json::array> Render(const App& app, std::string_view reader_id,
                                     const std::vector<Message>& messages) = 0;
  Result<json::object> RenderOne(const App& app, std::string_view reader_id, const Message& m) {
    EDDY_ASSIGN_OR_RETURN(json::array a, Render(app, reader_id, {m}));
    return std::move(a.at(0).as_object());
  }
};

}  // namespace eddy::server
