// ChannelService::MemberViews: member notifications' personal fields for remote recipients.
#include "server/domain/channel_service.h"
#include "server/domain/channel_service_internal.h"

namespace eddy::server {

PersonalFields ChannelService::MemberViews(const App& app, const Channel& channel) {
  Result<std::shared_ptr<const ChannelType>> type = TypeOf(app, channel.type);
  if (!type.ok()) return nullptr;
  Loaded l{channel, WithOverrides(std::move(type).value(), channel.config_overrides)};
  // The same fields MemberNotification gives a local recipient, for one member at a time.
  return [this, app, l](const std::string& user_id) {
    std::vector<Member> members;
    Result<std::optional<Member>> row =
        store_.channels().GetMember(app.api_key, l.channel.type, l.channel.id, user_id);
    if (row.ok() && *row) members.push_back(std::move(**row));
    return MemberNotification(app, l, std::move(members))(user_id);
  };
}

}  // namespace eddy::server
