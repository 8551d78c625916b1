// Port: the whole store, one object per backend (SQLite, PostgreSQL), owning every resource
// store. Thread-safe.
#pragma once

#include "common/error.h"
#include "server/domain/app_store.h"
#include "server/domain/blocklist_store.h"
#include "server/domain/channel_store.h"
#include "server/domain/channel_type_store.h"
#include "server/domain/message_store.h"
#include "server/domain/role_store.h"
#include "server/domain/moderation_store.h"
#include "server/domain/user_store.h"

namespace eddy::server {

class Store {
 public:
  virtual ~Store() = default;
  virtual AppStore& apps() = 0;
  virtual UserStore& users() = 0;
  virtual ChannelStore& channels() = 0;
  virtual MessageStore& messages() = 0;
  virtual BlocklistStore& blocklists() = 0;
  virtual ChannelTypeStore& channel_types() = 0;
  virtual RoleStore& roles() = 0;
  virtual ModerationStore& moderation() = 0;
  // Makes every acknowledged write durable (called on graceful stop).
  virtual Status Flush() = 0;
};

}  // namespace eddy::server
