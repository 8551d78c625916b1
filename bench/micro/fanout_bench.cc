// The hub's encode-once fan-out (src/server/realtime/hub_fanout.cc): one message.new to every
// watcher of a channel, with and without per-user fields spliced on. The sockets only count,
// so the figure is the hub's own cost per recipient.
#include <benchmark/benchmark.h>

#include <atomic>
#include <string>
#include <string_view>
#include <vector>

#include "server/realtime/hub.h"

namespace eddy::bench {
namespace {

using server::PersonalFields;
using server::PersonalFieldSets;
using server::realtime::Connection;
using server::realtime::Hub;

class CountingSocket final : public server::transport::WebSocketConnection {
 public:
  void Send(std::shared_ptr<const std::string> text) override {
    bytes_.fetch_add(text->size(), std::memory_order_relaxed);
  }
  void Close(int, std::string) override {}

 private:
  std::atomic<std::size_t> bytes_{0};
};

// A message.new of the size a 200-byte text makes.
json::object MessageNew() {
  json::object user{{"id", "sender"}, {"name", "Sender"}, {"role", "user"}, {"online", true}};
  json::object message{{"id", "9b3f5c1e-4a1b-4b7a-9a77-0c4b1f9d2e11"},
                       {"text", std::string(200, 'x')},
                       {"type", "regular"},
                       {"user", user},
                       {"attachments", json::array()},
                       {"latest_reactions", json::array()},
                       {"reaction_counts", json::object()},
                       {"created_at", "2026-11-28T06:00:00.000000Z"}};
  return json::object{{"type", "message.new"},
                      {"cid", "gaming:room"},
                      {"channel_type", "gaming"},
                      {"channel_id", "room"},
                      {"message", message},
                      {"user", user},
                      {"created_at", "2026-11-28T06:00:00.000000Z"}};
}

void Fill(Hub& hub, int recipients) {
  for (int i = 0; i < recipients; ++i) {
    auto conn = std::make_shared<Connection>();
    conn->id = "c" + std::to_string(i);
    conn->app_key = "app";
    conn->user_id = "u" + std::to_string(i);
    conn->socket = std::make_shared<CountingSocket>();
    hub.Add(conn);
    hub.Watch("app", conn->id, "gaming:room");
  }
}

// One message.new to range(0) watchers per iteration, with `personal` fields for each.
void RunFanout(benchmark::State& state, const PersonalFields& personal) {
  Hub hub(10);
  Fill(hub, static_cast<int>(state.range(0)));
  json::object event = MessageNew();
  for (auto _ : state) hub.ToWatchers("app", "gaming:room", event, personal);
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

// What every recipient gets in the personalised runs.
json::object Counters(const std::string& /*user_id*/) {
  return json::object{{"unread_count", 3}, {"total_unread_count", 7}};
}

void BM_FanoutShared(benchmark::State& state) { RunFanout(state, nullptr); }
BENCHMARK(BM_FanoutShared)->Arg(1)->Arg(100)->Arg(2000);

void BM_FanoutPersonal(benchmark::State& state) { RunFanout(state, Counters); }
BENCHMARK(BM_FanoutPersonal)->Arg(100)->Arg(2000);

// The same fields given for all recipients at once, as the unread fields are: the hub's own
// cost of a personalised fan-out when the recipients share their fields.
void BM_FanoutPersonalSets(benchmark::State& state) {
  auto all = [](const std::vector<std::string_view>& users) {
    PersonalFieldSets sets;
    sets.sets.push_back(Counters({}));
    sets.set_of.assign(users.size(), 0);
    return sets;
  };
  RunFanout(state, PersonalFields(Counters, all));
}
BENCHMARK(BM_FanoutPersonalSets)->Arg(100)->Arg(2000);

void BM_EncodeEvent(benchmark::State& state) {
  json::object event = MessageNew();
  for (auto _ : state) benchmark::DoNotOptimize(json::serialize(event));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodeEvent);

}  // namespace
}  // namespace eddy::bench
