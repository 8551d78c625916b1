// ReadService: delivery receipts (POST /channels/delivered, protocol §6.7, message.delivered
// §4.3). The read operations are in read_service.cc, the member-row plumbing in read_counts.cc.
#include <map>

#include "server/domain/read_service.h"

namespace eddy::server {

namespace {

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

json::object MessageDeliveredEvent(const Channel& c, const json::object& user,
                                   const Message& message, Micros at) {
  return json::object{{"type", "message.delivered"},
                      {"created_at", FormatTime(at)},
                      {"cid", c.cid()},
                      {"channel_type", c.type},
                      {"channel_id", c.id},
                      {"user", user},
                      {"last_delivered_at", FormatTime(at)},
                      {"last_delivered_message_id", message.id}};
}

}  // namespace

Status ReadService::MarkDelivered(
    const Actor& actor, const App& app, std::string_view user_id,
    const std::vector<std::pair<std::string, std::string>>& cid_and_message) {
  EDDY_ASSIGN_OR_RETURN(std::string reader, ReaderId(actor, user_id));
  if (cid_and_message.size() > kMaxDeliveredMessages) {
    return Error::Input("'latest_delivered_messages' lists more than " +
                        std::to_string(kMaxDeliveredMessages) + " messages");
  }
  EDDY_ASSIGN_OR_RETURN(std::optional<User> user, store_.users().FindUser(app.api_key, reader));
  if (!user) return Error::NotFound("user " + Quote(reader) + " does not exist");

  // Everything is checked before anything changes.
  struct Plan {
    Channel channel;
    Message message;
  };
  std::map<std::string, Plan> plans;  // by cid: a repeated cid keeps its newest message
  for (const auto& [cid, message_id] : cid_and_message) {
    size_t colon = cid.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == cid.size()) {
      return Error::Input("'latest_delivered_messages' cid " + Quote(cid) +
                          " is not a cid (type:id)");
    }
    if (message_id.empty()) {
      return Error::Input("'latest_delivered_messages' entry for " + Quote(cid) +
                          " has no message 'id'");
    }
    EDDY_ASSIGN_OR_RETURN(
        Scope s, LoadScope(actor, app, cid.substr(0, colon), cid.substr(colon + 1), reader));
    EDDY_TRY(CheckRead(s));
    if (!s.member) {
      return Error::NotAllowed("user " + Quote(reader) + " is not a member of channel " +
                               Quote(cid));
    }
    EDDY_ASSIGN_OR_RETURN(std::optional<Message> m,
                          store_.messages().GetMessage(app.api_key, message_id));
    if (!m) return Error::NotFound("message " + Quote(message_id) + " does not exist");
    if (m->channel_type != s.channel.type || m->channel_id != s.channel.id) {
      return Error::Input("message " + Quote(message_id) + " is not in channel " + Quote(cid));
    }
    if (!s.type->Flag("delivery_events")) continue;
    auto it = plans.find(cid);
    if (it == plans.end()) {
      plans.emplace(cid, Plan{std::move(s.channel), std::move(*m)});
    } else if (m->created_at >= it->second.message.created_at) {
      it->second.message = std::move(*m);
    }
  }

  const Micros now = clock_.Now();
  json::object user_json = UserJson(app, *user, actor);
  for (const auto& [cid, plan] : plans) {
    EDDY_ASSIGN_OR_RETURN(bool written,
                          WriteDelivery(app, plan.channel, reader, plan.message, now));
    if (!written) continue;
    channel_events_.ToWatchers(app.api_key, cid,
                               MessageDeliveredEvent(plan.channel, user_json, plan.message, now));
  }
  return {};
}

Result<bool> ReadService::WriteDelivery(const App& app, const Channel& channel,
                                        std::string_view user_id, const Message& message,
                                        Micros at) {
  auto lock = LockMember(app.api_key, channel.cid(), user_id);
  EDDY_ASSIGN_OR_RETURN(
      std::optional<Member> row,
      store_.channels().GetMember(app.api_key, channel.type, channel.id, user_id));
  if (!row || row->last_delivered_message_id == message.id) return false;
  if (!row->last_delivered_message_id.empty()) {
    // A recorded message that is gone (hard-deleted) no longer bounds anything.
    EDDY_ASSIGN_OR_RETURN(
        std::optional<Message> recorded,
        store_.messages().GetMessage(app.api_key, row->last_delivered_message_id));
    if (recorded && recorded->created_at > message.created_at) return false;
  }
  row->last_delivered_at = at;
  row->last_delivered_message_id = message.id;
  EDDY_TRY(store_.channels().UpdateReadState(app.api_key, *row));
  return true;
}

}  // namespace eddy::server
