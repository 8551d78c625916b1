// The WebSocket handshake and session of protocol §3: GET /connect?json=...&api_key=...
// &authorization=...&stream-auth-type=... Authenticates off the network thread, upserts the
// user from user_details, registers the connection with the hub and sends the first
// health.check with `me`; a failure is one connection.error frame then close 1000 (never a
// rejected upgrade). Afterwards answers every client health.check.
// Threading: OnOpen/OnText/OnClose run on the connection's thread; the handshake runs on
// the work queue; each session's mutex_ orders the two.
#pragma once

#include "common/clock.h"
#include "common/work_queue.h"
#include "server/api/authenticator.h"
#include "server/domain/channel_types.h"
#include "server/domain/moderation_service.h"
#include "server/domain/read_service.h"
#include "server/domain/user_service.h"
#include "server/realtime/hub.h"
#include "server/transport/handler.h"

namespace eddy::server::api {

class ConnectHandler final : public transport::WebSocketHandler {
 public:
  // `moderation` (optional): refuses globally banned users and fills me.mutes /
  // me.channel_mutes.
  // `types`: which channels announce watching (connect_events).
  ConnectHandler(Authenticator& auth, UserService& users, ReadService& reads,
                 const ChannelTypes& types, realtime::Hub& hub, WorkQueue& work, const Clock& clock,
                 ModerationService* moderation = nullptr)
      : auth_(auth),
        users_(users),
        reads_(reads),
        types_(types),
        hub_(hub),
        work_(work),
        clock_(clock),
        moderation_(moderation) {}

  std::shared_ptr<transport::WebSocketSession> OnOpen(
      std::shared_ptr<transport::WebSocketConnection> conn,
      const transport::HttpRequest& upgrade_request) override;

 private:
  friend class ClientSession;
  Authenticator& auth_;
  UserService& users_;
  ReadService& reads_;
  const ChannelTypes& types_;
  realtime::Hub& hub_;
  WorkQueue& work_;
  const Clock& clock_;
  ModerationService* moderation_;
};

}  // namespace eddy::server::api
