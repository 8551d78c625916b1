// REST routes of messages, threads and reactions (protocol §6.5, §6.6):
//   POST   /channels/{type}/{id}/message          send
//   GET    /channels/{type}/{id}/messages?ids=    get many
//   GET    /channels/{type}/{id}/pinned_messages  pinned (payload=)
//   POST   /messages/{id}                         update (full)
//   PUT    /messages/{id}                         partial update (set/unset, pin/unpin)
//   DELETE /messages/{id}[?hard=true]             delete
//   GET    /messages/{id}                         get
//   GET    /messages/{id}/replies                 thread replies (flat pagination params)
//   POST   /messages/{id}/reaction                send reaction
//   DELETE /messages/{id}/reaction/{type}         delete reaction
//   GET    /messages/{id}/reactions               list reactions
#pragma once

#include <string_view>

#include "common/error.h"
#include "server/api/router.h"
#include "server/domain/actor.h"
#include "server/domain/message_service.h"

namespace eddy::server::api {

// Registers every route above (reactions included); `messages` must outlive `router`.
void RegisterMessageRoutes(Router& router, MessageService& messages);

// The reaction routes alone (reactions.cc); RegisterMessageRoutes calls it.
void RegisterReactionRoutes(Router& router, MessageService& messages);

// Helpers shared by messages.cc and reactions.cc.
// An integer query parameter; `fallback` when absent, input Error when not an integer.
Result<int> QueryInt(const ApiRequest& req, std::string_view name, int fallback);

}  // namespace eddy::server::api
