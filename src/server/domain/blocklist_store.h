// Port: persistence of an app's word blocklists (protocol §6.11 "blocklists"), which channel
// types name in their config. Thread-safe; calls may block.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/error.h"

namespace eddy::server {

struct Blocklist {
  std::string name;
  std::string type = "word";
  std::vector<std::string> words;  // lower case, each a single word
  Micros created_at = 0;
  Micros updated_at = 0;
};

class BlocklistStore {
 public:
  virtual ~BlocklistStore() = default;

  // Input Error if the app has a blocklist of that name already.
  virtual Status CreateBlocklist(std::string_view app_key, const Blocklist& list) = 0;
  virtual Result<std::optional<Blocklist>> GetBlocklist(std::string_view app_key,
                                                        std::string_view name) = 0;
  // By name.
  virtual Result<std::vector<Blocklist>> ListBlocklists(std::string_view app_key) = 0;
  // Replaces type, words and updated_at. NotFound if there is no such blocklist.
  virtual Status UpdateBlocklist(std::string_view app_key, const Blocklist& list) = 0;
  // NotFound if there is no such blocklist.
  virtual Status DeleteBlocklist(std::string_view app_key, std::string_view name) = 0;
};

}  // namespace eddy::server
