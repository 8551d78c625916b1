// MessageService: reading messages (one, many by id, thread replies, pinned).
#include <algorithm>
#include <set>
#include <utility>

#include "server/domain/message_service.h"

namespace eddy::server {

namespace {

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

// Pinned messages are few per channel; the whole set is read and then bounded in memory.
constexpr int kMaxPinnedScan = 1000;

bool Before(const Message& a, const Message& b) {
  return a.created_at != b.created_at ? a.created_at < b.created_at : a.seq < b.seq;
}

}  // namespace

Result<MessageWithChannel> MessageService::GetMessage(const Actor& actor, const App& app,
                                                      std::string_view id) {
  EDDY_ASSIGN_OR_RETURN(Message m, MustFindMessage(app, id));
  EDDY_ASSIGN_OR_RETURN(Scope s,
                        LoadScope(actor, app, m.channel_type, m.channel_id, actor.user_id));
  EDDY_TRY(Check(s, ChannelAction::kReadChannel));
  if (!Visible(s, m, actor.user_id)) {
    return Error::NotFound("message " + Quote(id) + " does not exist");
  }
  MessageWithChannel out;
  EDDY_ASSIGN_OR_RETURN(out.message, RenderOne(app, actor.user_id, m));
  EDDY_ASSIGN_OR_RETURN(out.channel, channel_views_.RenderChannel(app, s.channel, actor.user_id));
  return out;
}

Result<json::array> MessageService::GetMessages(const Actor& actor, const App& app,
                                                std::string_view type, std::string_view id,
                                                const std::vector<std::string>& ids) {
  if (ids.empty()) return Error::Input("'ids' must list at least one message id");
  if (static_cast<int>(ids.size()) > kMaxMessagesById) {
    return Error::Input("at most " + std::to_string(kMaxMessagesById) +
                        " messages can be fetched by id at once");
  }
  for (const std::string& mid : ids) EDDY_TRY(protocol::ValidateMessageId(mid));
  EDDY_ASSIGN_OR_RETURN(Scope s, LoadScope(actor, app, type, id, actor.user_id));
  EDDY_TRY(Check(s, ChannelAction::kReadChannel));
  std::set<std::string> distinct(ids.begin(), ids.end());
  EDDY_ASSIGN_OR_RETURN(
      std::vector<Message> found,
      store_.messages().GetMessages(app.api_key, {distinct.begin(), distinct.end()}));
  std::vector<Message> kept;
  for (Message& m : found) {
    if (m.cid() == s.channel.cid() && Visible(s, m, actor.user_id)) kept.push_back(std::move(m));
  }
  std::sort(kept.begin(), kept.end(), Before);
  return Render(app, actor.user_id, kept);
}

Result<json::array> MessageService::GetReplies(const Actor& actor, const App& app,
                                               std::string_view parent_id, MessagePage page,
                                               bool descending) {
  if (page.limit < 0 || page.limit > kMaxMessagePageLimit) {
    return Error::Input("limit must be between 0 and " + std::to_string(kMaxMessagePageLimit));
  }
  EDDY_ASSIGN_OR_RETURN(Message parent, MustFindMessage(app, parent_id));
  EDDY_ASSIGN_OR_RETURN(
      Scope s, LoadScope(actor, app, parent.channel_type, parent.channel_id, actor.user_id));
  EDDY_TRY(Check(s, ChannelAction::kReadChannel));
  if (!Visible(s, parent, actor.user_id)) {
    return Error::NotFound("message " + Quote(parent_id) + " does not exist");
  }
  page.not_before = NotBefore(s);
  page.viewer_id = actor.user_id;
  if (page.limit == 0) return json::array();
  EDDY_ASSIGN_OR_RETURN(std::vector<Message> replies,
                        store_.messages().Replies(app.api_key, parent_id, page));
  if (descending) std::reverse(replies.begin(), replies.end());
  return Render(app, actor.user_id, replies);
}

Result<json::array> MessageService::GetPinnedMessages(const Actor& actor, const App& app,
                                                      std::string_view type, std::string_view id,
                                                      const PinnedQuery& query) {
  if (query.limit < 0 || query.limit > kMaxMessagePageLimit) {
    return Error::Input("limit must be between 0 and " + std::to_string(kMaxMessagePageLimit));
  }
  EDDY_ASSIGN_OR_RETURN(Scope s, LoadScope(actor, app, type, id, actor.user_id));
  EDDY_TRY(Check(s, ChannelAction::kReadChannel));
  EDDY_ASSIGN_OR_RETURN(
      std::vector<Message> pinned,
      store_.messages().PinnedMessages(app.api_key, type, id, clock_.Now(), kMaxPinnedScan));
  std::vector<Message> kept;
  for (Message& m : pinned) {
    if (!Visible(s, m, actor.user_id) || !m.pinned_at) continue;
    const Micros at = *m.pinned_at;
    if (query.pinned_at_before && !(at < *query.pinned_at_before)) continue;
    if (query.pinned_at_before_or_equal && !(at <= *query.pinned_at_before_or_equal)) continue;
    if (query.pinned_at_after && !(at > *query.pinned_at_after)) continue;
    if (query.pinned_at_after_or_equal && !(at >= *query.pinned_at_after_or_equal)) continue;
    kept.push_back(std::move(m));
  }
  // The store gives newest pin first; an ascending page is the oldest pins, oldest first.
  if (query.ascending) std::reverse(kept.begin(), kept.end());
  if (static_cast<int>(kept.size()) > query.limit) kept.resize(query.limit);
  return Render(app, actor.user_id, kept);
}

}  // namespace eddy::server
