// The engine-neutral parts of the store ports' contracts that every SQL backend applies the
// same way: which MessagePage and ChannelQuery options are valid, and how an *_around page is
// assembled from its two halves. Shared so SQLite and PostgreSQL cannot drift apart.
#pragma once

#include <vector>

#include "common/error.h"
#include "server/domain/channel_store.h"
#include "server/domain/message_store.h"

namespace eddy::server::sql {

// Input Error for a negative limit or a combination of bounds MessagePage rules out.
Status CheckMessagePage(const MessagePage& p);

// The page is centred (id_around or created_at_around).
bool IsAroundPage(const MessagePage& p);

// The page holds the oldest messages after a lower bound (paging forward); otherwise the newest.
bool PagesForward(const MessagePage& p);

// An *_around page: `before` holds up to `limit` messages at or before the centre and `after`
// up to `limit` after it, both oldest first. Takes half from each side, the centre counted with
// the older half; a short side leaves its share to the other.
std::vector<Message> MergeAround(std::vector<Message> before, std::vector<Message> after,
                                 int limit);

// Input Error for a negative limit or offset, or for per-user fields (or member_only) without
// a user_id.
Status CheckChannelQuery(const ChannelQuery& q);

// Input Error for a negative limit or offset.
Status CheckLimitOffset(int limit, int offset);

}  // namespace eddy::server::sql
