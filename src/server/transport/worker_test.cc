// The Worker's flush rounds: a round that took long is followed by a pause (so what a burst
// queues next shares writes), a short one is not; what is queued meanwhile still goes out; a
// round goes in slices with other handlers between them. Told apart by the order of the
// loop's handlers, not by measuring time. And frames handed to the loop from another thread
// in a SendBurst: taken once the burst ends, all together.
#include "server/transport/worker.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "common/send_burst.h"
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

TEST_F(WorkerFlushTest, ARoundGoesInSlicesWithOtherHandlersBetween) {
  Worker worker(ServerOptions{}, http_, ws_);
  const std::size_t sinks = 2 * Worker::kFlushSlice + 1;
  std::size_t flushed = 0;
  std::size_t flushed_when_the_handler_ran = 0;
  std::vector<std::shared_ptr<CallbackSink>> all;
  for (std::size_t i = 0; i < sinks; ++i) {
    all.push_back(std::make_shared<CallbackSink>([&, i] {
      ++flushed;
      // Posted during the round's first slice: runs before the round is over.
      if (i == 0) {
        boost::asio::post(worker.io_context(), [&] { flushed_when_the_handler_ran = flushed; });
      }
      if (flushed == sinks) worker.ReleaseWork();
    }));
  }
  boost::asio::post(worker.io_context(), [&] {
    for (auto& sink : all) worker.FlushSoon(sink);
  });
  worker.io_context().run_for(std::chrono::seconds(10));
  EXPECT_EQ(flushed, sinks);
  EXPECT_EQ(flushed_when_the_handler_ran, Worker::kFlushSlice);
}

class CountingSink final : public FrameSink {
 public:
  void QueueText(std::shared_ptr<const std::string>) override { ++queued; }
  void StartClose(std::uint16_t, std::string_view) override {}
  void Flush() override {}
  int queued = 0;
};

class WorkerForwardTest : public WorkerFlushTest {
 protected:
  // Runs what the loop has ready (this thread stands in for it) and says how many frames the
  // sink has been given so far.
  int QueuedAfterPoll() {
    worker_.io_context().restart();
    worker_.io_context().poll();
    return sink_->queued;
  }
  Worker worker_{ServerOptions{}, http_, ws_};
  std::shared_ptr<CountingSink> sink_ = std::make_shared<CountingSink>();
  std::shared_ptr<const std::string> text_ = std::make_shared<const std::string>("{}");
};

TEST_F(WorkerForwardTest, AFrameOutsideABurstIsTakenAtOnce) {
  worker_.Forward(sink_, text_);
  EXPECT_EQ(QueuedAfterPoll(), 1);
}

TEST_F(WorkerForwardTest, FramesOfABurstAreTakenWhenItEnds) {
  {
    SendBurst burst;
    worker_.Forward(sink_, text_);
    {
      SendBurst nested;  // only the outermost burst ends it
      worker_.Forward(sink_, text_);
    }
    EXPECT_EQ(QueuedAfterPoll(), 0) << "the loop was woken during the burst";
    worker_.ForwardClose(sink_, 1000, "bye");
  }
  EXPECT_EQ(QueuedAfterPoll(), 2);
  // The next frame, outside a burst, wakes the loop again.
  worker_.Forward(sink_, text_);
  EXPECT_EQ(QueuedAfterPoll(), 3);
}

TEST_F(WorkerForwardTest, ABurstJoinsABatchAlreadyPosted) {
  worker_.Forward(sink_, text_);  // posts the handler that takes the batch
  {
    SendBurst burst;
    worker_.Forward(sink_, text_);
  }
  EXPECT_EQ(QueuedAfterPoll(), 2);
}

}  // namespace
}  // namespace eddy::server::transport
