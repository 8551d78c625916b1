// MessageService: reactions (POST/DELETE /messages/{id}/reaction, GET .../reactions).
#include <utility>

#include "server/domain/message_service.h"
#include "server/domain/moderation_checks.h"

namespace eddy::server {

namespace {

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

// A user gives a handful of reaction types to one message; this bounds the read.
constexpr int kMaxOwnReactionScan = 100;

}  // namespace

Result<ReactionResult> MessageService::ReactionChange(const App& app, const Scope& s,
                                                      const Message& m, const Reaction& r,
                                                      std::string_view event_type) {
  // The aggregates are computed on read: rendering now shows the change.
  EDDY_ASSIGN_OR_RETURN(json::object rendered, RenderOne(app, s.actor.user_id, m));
  json::object user = s.user ? UserJson(app, *s.user) : json::object{{"id", r.user_id}};
  json::object reaction = protocol::ReactionToJson(r, user);
  json::object e = ChannelEvent(event_type, s.channel, clock_.Now());
  e["message_id"] = m.id;
  e["message"] = ForEveryone(rendered);
  e["reaction"] = reaction;
  e["user"] = std::move(user);
  ToChannel(app, s.channel, m, e);
  return ReactionResult{std::move(rendered), std::move(reaction)};
}

Result<ReactionResult> MessageService::SendReaction(const Actor& actor, const App& app,
                                                    std::string_view message_id,
                                                    protocol::ReactionInput in,
                                                    bool enforce_unique) {
  EDDY_ASSIGN_OR_RETURN(std::string acting, ActingUser(actor, in.user_id));
  if (actor.server && acting.empty()) {
    return Error::Input("reaction.user_id (or reaction.user) is required server-side");
  }
  // Serialises reaction changes of one message so that new/updated is decided on what is
  // really stored.
  auto lock = LockMessage(app.api_key, message_id);
  EDDY_ASSIGN_OR_RETURN(Message m, MustFindMessage(app, message_id));
  EDDY_TRY(LiftExpiredBans(store_, app.api_key, acting, m.cid(), clock_.Now()));
  EDDY_ASSIGN_OR_RETURN(Scope s, LoadScope(actor, app, m.channel_type, m.channel_id, acting));
  if (!Visible(s, m, acting)) {
    return Error::NotFound("message " + Quote(message_id) + " does not exist");
  }
  if (!actor.server) {  // before the access rules, which refuse banned members less clearly
    EDDY_ASSIGN_OR_RETURN(std::optional<Ban> ban, ActiveBan(store_.moderation(), app.api_key,
                                                            acting, s.channel.cid(), clock_.Now()));
    EDDY_TRY(RefuseBanned(ban, acting, "send reactions"));
  }
  if (!s.type->Flag("reactions")) {
    return Error::Make(ErrorCode::kChannelFeatureNotSupported, 400,
                       "reactions are disabled for channel type " + Quote(s.type->name));
  }
  EDDY_TRY(Check(s, ChannelAction::kSendReaction));
  if (!s.user) return Error::Input("user " + Quote(acting) + " does not exist");
  if (m.type == "deleted") {
    return Error::Input("message " + Quote(message_id) + " is deleted: it takes no reactions");
  }
  if (s.channel.frozen && !MayBypassFrozen(s)) {
    return Error::NotAllowed("channel " + Quote(s.channel.cid()) +
                             " is frozen: reactions cannot be sent");
  }

  EDDY_ASSIGN_OR_RETURN(
      std::vector<Reaction> mine,
      store_.messages().LatestReactions(app.api_key, {m.id}, kMaxOwnReactionScan, acting));
  const Reaction* same = nullptr;
  for (const Reaction& r : mine) {
    if (r.type == in.type) same = &r;
  }
  const Micros now = clock_.Now();
  Reaction r;
  r.message_id = m.id;
  r.user_id = acting;
  r.type = std::move(in.type);
  r.score = in.score;
  r.created_at = same ? same->created_at : now;
  r.updated_at = now;
  r.custom = std::move(in.custom);
  // reaction.updated tells the SDK to drop the user's other own reactions (§4.4): only
  // right when enforce_unique replaced something. Re-sending a type is a reaction.new.
  const bool replaced = enforce_unique && !mine.empty();
  EDDY_TRY(store_.messages().UpsertReaction(app.api_key, r, enforce_unique));
  return ReactionChange(app, s, m, r, replaced ? "reaction.updated" : "reaction.new");
}

Result<ReactionResult> MessageService::DeleteReaction(const Actor& actor, const App& app,
                                                      std::string_view message_id,
                                                      std::string_view type,
                                                      std::string_view user_id) {
  EDDY_TRY(protocol::ValidateReactionType(type));
  EDDY_ASSIGN_OR_RETURN(std::string acting, ActingUser(actor, user_id));
  if (actor.server && acting.empty()) {
    return Error::Input("user_id is required server-side to delete a reaction");
  }
  auto lock = LockMessage(app.api_key, message_id);
  EDDY_ASSIGN_OR_RETURN(Message m, MustFindMessage(app, message_id));
  EDDY_ASSIGN_OR_RETURN(Scope s, LoadScope(actor, app, m.channel_type, m.channel_id, acting));
  if (!Visible(s, m, acting)) {
    return Error::NotFound("message " + Quote(message_id) + " does not exist");
  }
  EDDY_TRY(Check(s, ChannelAction::kSendReaction));

  EDDY_ASSIGN_OR_RETURN(
      std::vector<Reaction> mine,
      store_.messages().LatestReactions(app.api_key, {m.id}, kMaxOwnReactionScan, acting));
  std::optional<Reaction> found;
  for (Reaction& r : mine) {
    if (r.type == type) found = std::move(r);
  }
  Error missing = Error::NotFound("reaction " + Quote(type) + " of user " + Quote(acting) +
                                  " on message " + Quote(message_id) + " does not exist");
  if (!found) return missing;
  EDDY_ASSIGN_OR_RETURN(bool removed,
                        store_.messages().DeleteReaction(app.api_key, m.id, acting, type));
  if (!removed) return missing;
  return ReactionChange(app, s, m, *found, "reaction.deleted");
}

Result<json::array> MessageService::GetReactions(const Actor& actor, const App& app,
                                                 std::string_view message_id, int limit,
                                                 int offset) {
  if (limit < 1 || limit > kMaxReactionsLimit) {
    return Error::Input("limit must be between 1 and " + std::to_string(kMaxReactionsLimit));
  }
  if (offset < 0 || offset > kMaxReactionsOffset) {
    return Error::Input("offset must be between 0 and " + std::to_string(kMaxReactionsOffset));
  }
  EDDY_ASSIGN_OR_RETURN(Message m, MustFindMessage(app, message_id));
  EDDY_ASSIGN_OR_RETURN(Scope s,
                        LoadScope(actor, app, m.channel_type, m.channel_id, actor.user_id));
  EDDY_TRY(Check(s, ChannelAction::kReadChannel));
  if (!Visible(s, m, actor.user_id)) {
    return Error::NotFound("message " + Quote(message_id) + " does not exist");
  }
  EDDY_ASSIGN_OR_RETURN(std::vector<Reaction> reactions,
                        store_.messages().Reactions(app.api_key, m.id, limit, offset));
  std::vector<std::string> ids;
  for (const Reaction& r : reactions) ids.push_back(r.user_id);
  EDDY_ASSIGN_OR_RETURN(auto users, UsersJson(app, ids));
  json::array out;
  for (const Reaction& r : reactions) {
    auto it = users.find(r.user_id);
    out.push_back(protocol::ReactionToJson(
        r, it != users.end() ? it->second : json::object{{"id", r.user_id}}));
  }
  return out;
}

}  // namespace eddy::server
