// PersonalFieldsResolver over the shared store: loads the app and the channel the event is
// about and hands back the same closures the emitting node used (ReadService::UnreadFields,
// ChannelService::MemberViews), so a recipient gets the same fields on every node.
// Thread-safe (the services it calls are).
#pragma once

#include "server/domain/app_service.h"
#include "server/domain/channel_service.h"
#include "server/domain/personal_fields_resolver.h"
#include "server/domain/read_service.h"
#include "server/domain/store.h"

namespace eddy::server {

class StorePersonalFields final : public PersonalFieldsResolver {
 public:
  StorePersonalFields(AppService& apps, Store& store, ReadService& reads, ChannelService& channels)
      : apps_(apps), store_(store), reads_(reads), channels_(channels) {}

  PersonalFields Resolve(std::string_view app_key, std::string_view cid,
                         PersonalKind kind) override;

 private:
  AppService& apps_;
  Store& store_;
  ReadService& reads_;
  ChannelService& channels_;
};

}  // namespace eddy::server
