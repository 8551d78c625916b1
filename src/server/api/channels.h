// REST routes of channels (protocol §6.3, §6.4): get-or-create/watch, member-based channels,
// queryChannels, update, partial update, delete, truncate, hide/show, stop-watching, and the
// member query GET /members.
#pragma once

#include "common/error.h"
#include "common/json.h"
#include "server/api/router.h"
#include "server/domain/channel_service.h"

namespace eddy::server::api {

// Registers the channel routes; `channels` must outlive `router`.
void RegisterChannelRoutes(Router& router, ChannelService& channels);
// Registers GET /members; `channels` must outlive `router`.
void RegisterMemberRoutes(Router& router, ChannelService& channels);

// A MessagePagination object (`messages` of a channel query): limit (absent: 100, at most
// 300), at most one of id_lt/id_lte/id_gt/id_gte/id_around and at most one of
// created_at_before/_before_or_equal/_after/_after_or_equal/_around (RFC 3339).
Result<MessagePage> ParseMessagePage(const json::object& o);

}  // namespace eddy::server::api
