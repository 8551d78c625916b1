#include "server/domain/blocklist_service.h"

#include <algorithm>
#include <set>
#include <string>

namespace eddy::server {

namespace {

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

Status ValidateName(std::string_view name) {
  const bool ok = !name.empty() && name.size() <= 64 &&
                  std::all_of(name.begin(), name.end(), [](unsigned char c) {
                    return std::isalnum(c) || c == '_' || c == '-';
                  });
  if (!ok) {
    return Error::Input("blocklist name must be 1-64 letters, digits, '_' or '-', got " +
                        Quote(name.substr(0, 80)));
  }
  return {};
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "words": a non-empty array of single words, stored lower case without duplicates.
Result<std::vector<std::string>> ParseWords(const json::object& body) {
  const json::value* words = body.if_contains("words");
  if (words == nullptr || !words->is_array()) {
    return Error::Input("'words' must be an array of strings");
  }
  if (words->as_array().size() > kMaxBlocklistWords) {
    return Error::Input("a blocklist holds at most " + std::to_string(kMaxBlocklistWords) +
                        " words");
  }
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const json::value& w : words->as_array()) {
    if (!w.is_string()) return Error::Input("'words' must be an array of strings");
    std::string_view word = w.as_string();
    if (word.empty() || word.size() > kMaxBlockedWordBytes) {
      return Error::Input("each word must be 1-" + std::to_string(kMaxBlockedWordBytes) +
                          " bytes long");
    }
    if (std::any_of(word.begin(), word.end(),
                    [](unsigned char c) { return std::isspace(c) || std::iscntrl(c); })) {
      return Error::Input("blocklist words are single words: " + Quote(word) + " has a space");
    }
    std::string lower = Lower(word);
    if (seen.insert(lower).second) out.push_back(std::move(lower));
  }
  return out;
}

bool IsWordByte(unsigned char c) { return std::isalnum(c) || c >= 0x80; }

bool Hits(const Blocklist& list, std::string_view text) {
  std::set<std::string_view> words(list.words.begin(), list.words.end());
  const std::string lower = Lower(text);
  std::size_t i = 0;
  while (i < lower.size()) {
    while (i < lower.size() && !IsWordByte(lower[i])) ++i;
    std::size_t start = i;
    while (i < lower.size() && IsWordByte(lower[i])) ++i;
    if (i > start && words.count(std::string_view(lower).substr(start, i - start))) return true;
  }
  return false;
}

BlocklistAction ActionNamed(const json::value* v) {
  if (v != nullptr && v->is_string() && v->as_string() == "block") return BlocklistAction::kBlock;
  return BlocklistAction::kFlag;
}

// The blocklists `type`'s config names, with what each does.
std::vector<std::pair<std::string, BlocklistAction>> NamedBlocklists(const ChannelType& type) {
  std::vector<std::pair<std::string, BlocklistAction>> named;
  const json::value* single = type.config.if_contains("blocklist");
  if (single != nullptr && single->is_string() && !single->as_string().empty()) {
    named.emplace_back(single->as_string(),
                       ActionNamed(type.config.if_contains("blocklist_behavior")));
  }
  const json::value* several = type.config.if_contains("blocklists");
  if (several != nullptr && several->is_array()) {
    for (const json::value& entry : several->as_array()) {
      if (!entry.is_object()) continue;
      const json::value* name = entry.as_object().if_contains("blocklist");
      if (name == nullptr || !name->is_string()) continue;
      named.emplace_back(name->as_string(), ActionNamed(entry.as_object().if_contains("action")));
    }
  }
  return named;
}

}  // namespace

json::object BlocklistToJson(const Blocklist& list) {
  json::array words;
  for (const std::string& w : list.words) words.emplace_back(w);
  return {{"name", list.name},
          {"type", list.type},
          {"words", std::move(words)},
          {"created_at", FormatTime(list.created_at)},
          {"updated_at", FormatTime(list.updated_at)}};
}

Result<BlocklistAction> ScreenText(BlocklistStore& store, std::string_view app_key,
                                   const ChannelType& type, std::string_view text) {
  BlocklistAction result = BlocklistAction::kNone;
  for (const auto& [name, action] : NamedBlocklists(type)) {
    if (action <= result) continue;  // cannot make the verdict stricter
    EDDY_ASSIGN_OR_RETURN(std::optional<Blocklist> list, store.GetBlocklist(app_key, name));
    if (list && Hits(*list, text)) result = action;
  }
  return result;
}

BlocklistService::BlocklistService(Store& store, const ChannelTypes& types, const Clock& clock)
    : store_(store), types_(types), clock_(clock) {}

Result<Blocklist> BlocklistService::Create(const App& app, const json::object& body) {
  const json::value* name = body.if_contains("name");
  if (name == nullptr || !name->is_string()) return Error::Input("'name' must be a string");
  EDDY_TRY(ValidateName(name->as_string()));
  const json::value* type = body.if_contains("type");
  if (type != nullptr && !(type->is_string() && type->as_string() == "word")) {
    return Error::Input("'type' must be \"word\"");
  }
  Blocklist list;
  list.name = name->as_string();
  EDDY_ASSIGN_OR_RETURN(list.words, ParseWords(body));
  EDDY_ASSIGN_OR_RETURN(std::vector<Blocklist> existing,
                        store_.blocklists().ListBlocklists(app.api_key));
  if (existing.size() >= kMaxBlocklists) {
    return Error::Input("an app has at most " + std::to_string(kMaxBlocklists) + " blocklists");
  }
  list.created_at = list.updated_at = clock_.Now();
  EDDY_TRY(store_.blocklists().CreateBlocklist(app.api_key, list));
  return list;
}

Result<std::vector<Blocklist>> BlocklistService::List(const App& app) {
  return store_.blocklists().ListBlocklists(app.api_key);
}

Result<Blocklist> BlocklistService::Get(const App& app, std::string_view name) {
  EDDY_TRY(ValidateName(name));
  EDDY_ASSIGN_OR_RETURN(std::optional<Blocklist> list,
                        store_.blocklists().GetBlocklist(app.api_key, name));
  if (!list) return Error::NotFound("blocklist " + Quote(name) + " does not exist");
  return std::move(*list);
}

Result<Blocklist> BlocklistService::Update(const App& app, std::string_view name,
                                           const json::object& body) {
  EDDY_ASSIGN_OR_RETURN(Blocklist list, Get(app, name));
  EDDY_ASSIGN_OR_RETURN(list.words, ParseWords(body));
  list.updated_at = clock_.Now();
  EDDY_TRY(store_.blocklists().UpdateBlocklist(app.api_key, list));
  return list;
}

Status BlocklistService::Delete(const App& app, std::string_view name) {
  EDDY_TRY(Get(app, name));
  std::shared_ptr<const ChannelTypes::TypeList> types = types_.List(app.api_key);
  for (const ChannelType& type : *types) {
    for (const auto& [named, action] : NamedBlocklists(type)) {
      if (named != name) continue;
      return Error::Input("blocklist " + Quote(name) + " is used by channel type " +
                          Quote(type.name) + ": remove it from the type first");
    }
  }
  return store_.blocklists().DeleteBlocklist(app.api_key, name);
}

}  // namespace eddy::server
