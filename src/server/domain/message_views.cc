// MessageService as MessageViews: stored messages -> MessageResponse for one reader, with a
// fixed number of store reads per page.
#include <set>
#include <unordered_map>
#include <utility>

#include "common/json_arena.h"
#include "server/domain/message_service.h"

namespace eddy::server {

namespace {

// Appends `id` once.
void AddId(std::vector<std::string>& ids, std::set<std::string>& seen, const std::string& id) {
  if (!id.empty() && seen.insert(id).second) ids.push_back(id);
}

using ReactionsById = std::unordered_map<std::string, std::vector<Reaction>>;

ReactionsById ByMessage(std::vector<Reaction> reactions) {
  ReactionsById out;
  for (Reaction& r : reactions) out[r.message_id].push_back(std::move(r));
  return out;
}

}  // namespace

Result<json::array> MessageService::Render(const App& app, std::string_view reader_id,
                                           const std::vector<Message>& messages) {
  return RenderMessages(app, reader_id, messages, /*just_stored=*/false);
}

Result<json::array> MessageService::RenderMessages(const App& app, std::string_view reader_id,
                                                   std::span<const Message> messages,
                                                   bool just_stored, const User* known) {
  json::array out(JsonStorage());
  if (messages.empty()) return out;
  MessageStore& store = store_.messages();

  // Quoted messages are rendered one level deep (their own quotes are left out).
  std::vector<std::string> quoted_ids;
  std::set<std::string> seen_quoted;
  for (const Message& m : messages) AddId(quoted_ids, seen_quoted, m.quoted_message_id);
  std::unordered_map<std::string, Message> quoted;
  if (!quoted_ids.empty()) {
    EDDY_ASSIGN_OR_RETURN(std::vector<Message> found, store.GetMessages(app.api_key, quoted_ids));
    for (Message& q : found) quoted.emplace(q.id, std::move(q));
  }

  // Whose reactions to read: a message stored a moment ago has none yet.
  std::vector<std::string> ids;
  std::set<std::string> seen_ids;
  if (!just_stored) {
    for (const Message& m : messages) AddId(ids, seen_ids, m.id);
  }
  for (const auto& [qid, q] : quoted) AddId(ids, seen_ids, qid);

  std::vector<Reaction> latest_list, own_list;
  std::vector<ReactionGroup> group_list;
  if (!ids.empty()) {
    EDDY_ASSIGN_OR_RETURN(latest_list,
                          store.LatestReactions(app.api_key, ids, kLatestReactionsPerMessage));
    if (!reader_id.empty()) {
      EDDY_ASSIGN_OR_RETURN(
          own_list, store.LatestReactions(app.api_key, ids, kLatestReactionsPerMessage, reader_id));
    }
    EDDY_ASSIGN_OR_RETURN(group_list, store.ReactionGroups(app.api_key, ids));
  }

  std::vector<std::string> user_ids;
  std::set<std::string> seen_users;
  auto add_users = [&](const Message& m) {
    AddId(user_ids, seen_users, m.user_id);
    AddId(user_ids, seen_users, m.pinned_by_id);
    for (const std::string& u : m.mentioned_users) AddId(user_ids, seen_users, u);
    for (const std::string& u : m.thread_participants) AddId(user_ids, seen_users, u);
  };
  for (const Message& m : messages) add_users(m);
  for (const auto& [qid, q] : quoted) add_users(q);
  for (const Reaction& r : latest_list) AddId(user_ids, seen_users, r.user_id);
  for (const Reaction& r : own_list) AddId(user_ids, seen_users, r.user_id);
  if (known) std::erase(user_ids, known->id);
  EDDY_ASSIGN_OR_RETURN(auto users, UsersJson(app, user_ids));
  if (known && seen_users.contains(known->id)) users.emplace(known->id, UserJson(app, *known));

  ReactionsById latest = ByMessage(std::move(latest_list));
  ReactionsById own = ByMessage(std::move(own_list));
  std::unordered_map<std::string, std::vector<ReactionGroup>> groups;
  for (ReactionGroup& g : group_list) groups[g.message_id].push_back(std::move(g));

  // A user that no longer exists (hard-deleted) is still named by id.
  auto user_json = [&users](const std::string& id) -> json::object {
    auto it = users.find(id);
    return it != users.end() ? it->second : json::object({{"id", id}}, JsonStorage());
  };
  auto user_list = [&users](const std::vector<std::string>& ids) {
    json::array a(JsonStorage());
    for (const std::string& id : ids) {
      auto it = users.find(id);
      if (it != users.end()) a.push_back(it->second);
    }
    return a;
  };
  auto reaction_list = [&](const ReactionsById& by, const std::string& message_id) {
    json::array a(JsonStorage());
    auto it = by.find(message_id);
    if (it == by.end()) return a;
    for (const Reaction& r : it->second) {
      a.push_back(protocol::ReactionToJson(r, user_json(r.user_id)));
    }
    return a;
  };
  auto render = [&](const Message& m, json::value quoted_json) {
    protocol::MessageExtras x;
    x.user = user_json(m.user_id);
    x.mentioned_users = user_list(m.mentioned_users);
    x.thread_participants = user_list(m.thread_participants);
    x.latest_reactions = reaction_list(latest, m.id);
    x.own_reactions = reaction_list(own, m.id);
    if (auto it = groups.find(m.id); it != groups.end()) x.reaction_groups = it->second;
    x.quoted_message = std::move(quoted_json);
    if (!m.pinned_by_id.empty() && m.pinned) x.pinned_by = user_json(m.pinned_by_id);
    return protocol::MessageToJson(m, std::move(x));
  };

  for (const Message& m : messages) {
    json::value q = nullptr;
    if (auto it = quoted.find(m.quoted_message_id); it != quoted.end()) {
      // A quote of a shadowed message shows it only to that message's author.
      if (!it->second.shadowed || it->second.user_id == reader_id) q = render(it->second, nullptr);
    }
    out.push_back(render(m, std::move(q)));
  }
  return out;
}

}  // namespace eddy::server
