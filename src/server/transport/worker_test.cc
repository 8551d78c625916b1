// The Worker's flush rounds: a round that took long is followed by a pause (so what a burst
// queues next shares writes), a short one is not; what is queued meanwhile still goes out.
// Told apart by the order of the loop's handlers, not by measuring time.
#include "server/transport/worker.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <thread>

#include "server/transport/test_support.h"

namespace eddy::server::transport {
namespace {

class CallbackSink final : public FrameSink {
 public:
  explicit CallbackSink(std::function<void()> on_flush) : on_flush_(std::move(on_flush)) {}
  void QueueText(std::shared_ptr<const std::string>) override {}
  void StartClose(std::uint16_t, std::string_view) override {}
  void Flush() override { on_flush_(); }

 private:
  std::function<void()> on_flush_;
};

class WorkerFlushTest : public ::testing::Test {
 protected:
  struct Outcome {
    bool flushed_before_the_next_handler = false;
    bool flushed_at_all = false;
  };
  // Flushes a sink whose Flush takes `round`; once that round is over, asks for another
  // flush and, right behind it, posts a handler that looks whether that flush already ran.
  Outcome AfterARoundOf(std::chrono::steady_clock::duration round,
                        std::chrono::milliseconds long_round) {
    ServerOptions options;
    options.ws_long_flush_round = long_round;
    Worker worker(options, http_, ws_);
    Outcome out;
    auto next = std::make_shared<CallbackSink>([&] {
      out.flushed_at_all = true;
      worker.ReleaseWork();
    });
    auto slow = std::make_shared<CallbackSink>([&] {
      std::this_thread::sleep_for(round);
      boost::asio::post(worker.io_context(), [&] {
        worker.FlushSoon(next);
        boost::asio::post(worker.io_context(),
                          [&] { out.flushed_before_the_next_handler = out.flushed_at_all; });
      });
    });
    boost::asio::post(worker.io_context(), [&] { worker.FlushSoon(slow); });
    worker.io_context().run_for(std::chrono::seconds(10));
    return out;
  }

  testing::FakeHttpHandler http_;
  testing::FakeWsHandler ws_;
};

TEST_F(WorkerFlushTest, ALongRoundIsFollowedByAPauseAndWhatWaitsStillGoesOut) {
  Outcome out = AfterARoundOf(std::chrono::milliseconds(20), std::chrono::milliseconds(2));
  EXPECT_FALSE(out.flushed_before_the_next_handler);  // held back by the pause
  EXPECT_TRUE(out.flushed_at_all);
}

TEST_F(WorkerFlushTest, AShortRoundIsFollowedAtOnce) {
  // Nothing a busy machine can stretch an empty round to.
  Outcome out = AfterARoundOf(std::chrono::steady_clock::duration::zero(), std::chrono::minutes(1));
  EXPECT_TRUE(out.flushed_before_the_next_handler);
  EXPECT_TRUE(out.flushed_at_all);
}

}  // namespace
}  // namespace eddy::server::transport
