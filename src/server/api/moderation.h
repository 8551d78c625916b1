// REST routes of moderation (protocol §6.9):
//   POST   /moderation/ban                 ban (global, or a channel: type+id or channel_cid)
//   DELETE /moderation/ban                 unban (query: target_user_id, type, id, shadow)
//   GET    /query_banned_users?payload=    bans, filtered and sorted
//   POST   /moderation/mute                mute users (target_id or target_ids)
//   POST   /moderation/unmute              unmute users
//   POST   /moderation/mute/channel        mute channels (channel_cid or channel_cids)
//   POST   /moderation/unmute/channel      unmute channels
//   POST   /moderation/flag                flag a message or a user
//   POST   /moderation/unflag              remove one's flag
//   GET    /moderation/flags/message       message flags (payload=)
//   POST   /moderation/flags               the review list: every flag (body filter)
// and, only with `eddy serve --test-clock`, POST /_test/clock (tests move the clock).
#pragma once

#include "common/offset_clock.h"
#include "server/api/router.h"
#include "server/domain/moderation_service.h"

namespace eddy::server::api {

// `moderation` must outlive `router`.
void RegisterModerationRoutes(Router& router, ModerationService& moderation);

// FOR TESTS ONLY: POST /_test/clock {"advance_seconds": N} (server-side) moves `clock` forward.
void RegisterTestClockRoute(Router& router, OffsetClock& clock);

}  // namespace eddy::server::api
