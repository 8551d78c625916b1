#include "server/domain/store_personal_fields.h"

namespace eddy::server {

PersonalFields StorePersonalFields::Resolve(std::string_view app_key, std::string_view cid,
                                            PersonalKind kind) {
  if (kind != PersonalKind::kUnread && kind != PersonalKind::kChannelView) return nullptr;
  size_t colon = cid.find(':');
  if (colon == std::string_view::npos) return nullptr;
  Result<std::shared_ptr<const App>> app = apps_.Find(app_key);
  if (!app.ok() || !*app) return nullptr;
  Result<std::optional<Channel>> channel =
      store_.channels().GetChannel(app_key, cid.substr(0, colon), cid.substr(colon + 1));
  if (!channel.ok() || !*channel) return nullptr;
  if (kind == PersonalKind::kUnread) return reads_.UnreadFields(**app, **channel);
  return channels_.MemberViews(**app, **channel);
}

}  // namespace eddy::server
