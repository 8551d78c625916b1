// A Store that keeps in memory what nearly every request and every event delivery reads again
// and again: member rows and a user's memberships (permission checks, unread counters per
// recipient), user records, custom roles, bans and mutes (checked on every send and connect).
// Everything else passes through to the wrapped store. Each cached read is invalidated by the
// writes of this store that change it (see ReadThroughCache for why no stale value survives a
// concurrent write), and through CacheInvalidation by the same writes made on other nodes.
// Thread-safe, as every Store.
#pragma once

#include <memory>

#include "server/domain/cache_invalidation.h"
#include "server/domain/store.h"

namespace eddy::server {

// `invalidation` (may be null: one process, no other writer) carries this store's changes to
// other nodes and theirs to it. Must outlive the store.
std::unique_ptr<Store> MakeCachingStore(std::unique_ptr<Store> inner,
                                        CacheInvalidation* invalidation);

}  // namespace eddy::server
