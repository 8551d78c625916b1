#include "server/bus/bus_cache_invalidation.h"

namespace eddy::server::bus {

namespace {

constexpr CachedData kAllKinds[] = {
    CachedData::kApp,        CachedData::kChannelTypes, CachedData::kRoles,
    CachedData::kModeration, CachedData::kChannel,      CachedData::kUser,
    CachedData::kMembers,    CachedData::kReadState,    CachedData::kMessages};

bool KnownKind(int v) {
  for (CachedData k : kAllKinds) {
    if (static_cast<int>(k) == v) return true;
  }
  return false;
}

}  // namespace

BusCacheInvalidation::BusCacheInvalidation(EventBus& bus) : bus_(bus) {
  bus_.AddHandler([this](std::string_view topic, std::string_view payload) {
    if (topic == kTopic) OnMessage(payload);
  });
  bus_.AddReconnectListener([this] { DropAll(); });
  bus_.Subscribe(kTopic);
}

void BusCacheInvalidation::Notify(CachedData what, std::string_view app_key,
                                  std::string_view key) const {
  for (const Listener& listener : listeners_) listener(what, app_key, key);
}

// Payload: "<kind number>\n<app key>\n<key>" (api keys and the keys hold no '\n').
void BusCacheInvalidation::Changed(CachedData what, std::string_view app_key,
                                   std::string_view key) {
  Notify(what, app_key, key);
  Announce(what, app_key, key);
}

// Payload: "<kind number>\n<app key>\n<key>" (api keys and the keys hold no '\n').
void BusCacheInvalidation::Announce(CachedData what, std::string_view app_key,
                                    std::string_view key) {
  std::string payload = std::to_string(static_cast<int>(what));
  payload.append("\n").append(app_key).append("\n").append(key);
  bus_.Publish(kTopic, payload);
}

void BusCacheInvalidation::OnMessage(std::string_view payload) const {
  size_t first = payload.find('\n');
  if (first == std::string_view::npos) return;
  size_t second = payload.find('\n', first + 1);
  if (second == std::string_view::npos) return;
  std::string_view kind = payload.substr(0, first);
  if (kind.size() != 1 || kind[0] < '0' || kind[0] > '9' || !KnownKind(kind[0] - '0')) return;
  Notify(static_cast<CachedData>(kind[0] - '0'), payload.substr(first + 1, second - first - 1),
         payload.substr(second + 1));
}

void BusCacheInvalidation::DropAll() const {
  for (CachedData what : kAllKinds) Notify(what, {}, {});
}

}  // namespace eddy::server::bus
