// Word blocklists (protocol §6.11 "blocklists"): server-side CRUD, and screening of message
// text against the blocklists a channel type names in its config, either
//   "blocklist": "<name>" with "blocklist_behavior": "flag" | "block", or
//   "blocklists": [{"blocklist": "<name>", "action": "flag" | "block"}, ...].
// A message hits a blocklist when one of its words (case-insensitive, split at anything that
// is not a letter or digit; bytes of multi-byte UTF-8 count as letters) is on it.
//
// Limits: names [A-Za-z0-9_-]{1,64}; at most kMaxBlocklists per app and kMaxBlocklistWords
// words per list, each 1..kMaxBlockedWordBytes bytes without whitespace.
//
// Thread-safe: no state besides the references.
#pragma once

#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "common/json.h"
#include "server/domain/app.h"
#include "server/domain/channel_types.h"
#include "server/domain/store.h"

namespace eddy::server {

inline constexpr std::size_t kMaxBlocklists = 50;
inline constexpr std::size_t kMaxBlocklistWords = 10'000;
inline constexpr std::size_t kMaxBlockedWordBytes = 64;

enum class BlocklistAction { kNone, kFlag, kBlock };

json::object BlocklistToJson(const Blocklist& list);

// What the blocklists `type` names do to `text`: the strictest action one of its words
// triggers. A named blocklist that does not exist blocks nothing.
Result<BlocklistAction> ScreenText(BlocklistStore& store, std::string_view app_key,
                                   const ChannelType& type, std::string_view text);

class BlocklistService {
 public:
  BlocklistService(Store& store, const ChannelTypes& types, const Clock& clock);

  // POST /blocklists {"name", "words", "type"?}
  Result<Blocklist> Create(const App& app, const json::object& body);
  Result<std::vector<Blocklist>> List(const App& app);
  Result<Blocklist> Get(const App& app, std::string_view name);
  // PUT /blocklists/{name} {"words"}
  Result<Blocklist> Update(const App& app, std::string_view name, const json::object& body);
  // Refused (code 4) while a channel type names the list.
  Status Delete(const App& app, std::string_view name);

 private:
  Store& store_;
  const ChannelTypes& types_;
  const Clock& clock_;
};

}  // namespace eddy::server
