// Functional smoke test of eddy-bench and bench/compare.sh against a real eddy: tiny runs of
// the scenarios must finish, exit 0 and print a JSON result line with nothing lost or
// duplicated. No timing is asserted: the figures belong in BENCHMARKS.md.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <string>

#include "common/json.h"
#include "integration/harness.h"

namespace eddy::bench {
namespace {

// Runs `command` in a shell with stderr joined to stdout; its exit code, -1 if it did not exit.
int RunCommand(const std::string& command, std::string* output) {
  output->clear();
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) output->append(buf, n);
  int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

struct BenchRun {
  int exit_code = -1;
  std::string output;
  json::object result;  // the first line, parsed
};

class BenchSmokeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new testing::EddyProcess();
    ASSERT_TRUE(server_->Start());
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  static BenchRun Bench(const std::string& scenario, const std::string& flags) {
    std::string cmd = std::string(EDDY_BENCH_BINARY) + " " + scenario + " --port " +
                      std::to_string(server_->port()) + " --api-key " + server_->api_key() +
                      " --secret " + server_->api_secret() + " --concurrency 8 " + flags;
    BenchRun run;
    run.exit_code = RunCommand(cmd, &run.output);
    auto parsed = ParseJsonObject(run.output.substr(0, run.output.find('\n')), "result line");
    if (parsed.ok()) run.result = std::move(parsed).value();
    return run;
  }

  static inline testing::EddyProcess* server_ = nullptr;
};

std::uint64_t U(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_number() ? v->to_number<std::uint64_t>() : 999'999'999;
}

TEST_F(BenchSmokeTest, FanoutDeliversEveryMessageToEveryReceiverOnce) {
  BenchRun run = Bench("fanout", "--receivers 20 --rates 5,10 --step-seconds 1");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  ASSERT_EQ(run.result.at("scenario"), "fanout") << run.output;
  EXPECT_EQ(run.result.at("ok"), true);
  const json::array& steps = run.result.at("steps").as_array();
  ASSERT_EQ(steps.size(), 2u) << run.output;
  for (const auto& v : steps) {
    const json::object& s = v.as_object();
    EXPECT_EQ(U(s, "receivers"), 20u) << run.output;
    EXPECT_EQ(U(s, "lost"), 0u) << run.output;
    EXPECT_EQ(U(s, "duplicated"), 0u) << run.output;
    EXPECT_EQ(U(s, "send_errors"), 0u) << run.output;
    EXPECT_EQ(U(s, "delivered"), U(s, "messages") * 20) << run.output;
  }
}

TEST_F(BenchSmokeTest, FanoutMembersMarkTheChannelReadAfterEveryMessage) {
  BenchRun run = Bench("fanout",
                       "--receivers 5 --members 1 --channel-type messaging --mark-read 1"
                       " --rates 5 --step-seconds 1");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(run.result.at("ok"), true) << run.output;
  const json::object& s = run.result.at("steps").as_array().at(0).as_object();
  EXPECT_EQ(U(s, "delivered"), U(s, "messages") * 5) << run.output;
  EXPECT_EQ(U(s, "read_errors"), 0u) << run.output;
  // At most one read per message and member (messages that arrive during a read share the
  // next; reads still in flight when the step ends are not counted).
  EXPECT_GE(U(s, "reads"), 1u) << run.output;
  EXPECT_LE(U(s, "reads"), U(s, "messages") * 5) << run.output;
}

TEST_F(BenchSmokeTest, SendReadsBackEveryAcknowledgedMessage) {
  BenchRun run = Bench("send", "--senders 4 --send-channels 2 --duration 1");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_GT(U(run.result, "acked"), 0u) << run.output;
  EXPECT_EQ(U(run.result, "read_back"), U(run.result, "acked")) << run.output;
  EXPECT_EQ(U(run.result, "missing"), 0u) << run.output;
  EXPECT_EQ(U(run.result, "duplicated"), 0u) << run.output;
}

TEST_F(BenchSmokeTest, SendOfRequestsThatStoreNothingCountsEveryAnswer) {
  for (const std::string request : {"event", "unrouted"}) {
    BenchRun run = Bench("send", "--senders 4 --send-channels 2 --duration 1 --request " + request);
    ASSERT_EQ(run.exit_code, 0) << run.output;
    EXPECT_EQ(run.result.at("request"), json::value(request)) << run.output;
    EXPECT_GT(U(run.result, "acked"), 0u) << run.output;
    EXPECT_EQ(U(run.result, "errors"), 0u) << run.output;
    EXPECT_EQ(U(run.result, "read_back"), 0u) << run.output;  // nothing to read back
  }
}

TEST_F(BenchSmokeTest, IdleHoldsEveryConnection) {
  BenchRun run = Bench("idle", "--connections 20 --duration 1");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(U(run.result, "connect_failures"), 0u) << run.output;
  EXPECT_EQ(U(run.result, "still_open_after_hold"), 20u) << run.output;
}

TEST_F(BenchSmokeTest, ChannelsAndMixedRunCleanly) {
  BenchRun channels = Bench("channels", "--member-channels 35 --queries 5");
  ASSERT_EQ(channels.exit_code, 0) << channels.output;
  EXPECT_EQ(U(channels.result, "channels_returned"), 30u) << channels.output;
  BenchRun mixed = Bench("mixed", "--users 6 --duration 1 --rate 20");
  ASSERT_EQ(mixed.exit_code, 0) << mixed.output;
  EXPECT_EQ(U(mixed.result, "errors"), 0u) << mixed.output;
  EXPECT_TRUE(mixed.result.at("events").as_object().contains("message.new")) << mixed.output;
}

TEST_F(BenchSmokeTest, FloorWritesEveryFrameToEverySocket) {
  // No server involved: the flags for one are given and ignored.
  BenchRun run = Bench("floor",
                       "--receivers 20 --rates 20,40 --step-seconds 0.5 --frames-per-write 3 "
                       "--frame-bytes 300 --writer-cpu -1");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  ASSERT_EQ(run.result.at("scenario"), "floor") << run.output;
  EXPECT_EQ(U(run.result, "frame_bytes"), 304u) << run.output;  // the header's 4 bytes too
  const json::array& steps = run.result.at("steps").as_array();
  ASSERT_EQ(steps.size(), 2u) << run.output;
  for (const auto& v : steps) {
    const json::object& s = v.as_object();
    EXPECT_EQ(s.at("all_received"), true) << run.output;
    EXPECT_EQ(U(s, "short_writes"), 0u) << run.output;
    EXPECT_GT(U(s, "writes"), 0u) << run.output;
    EXPECT_EQ(U(s, "writes") % 20, 0u) << run.output;  // every round writes every socket
    EXPECT_EQ(U(s, "frames_per_write"), 3u) << run.output;
  }
}

std::size_t Count(const std::string& text, std::string_view needle) {
  std::size_t count = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

// bench/compare.sh starts its own servers from the binaries it is given, one per run.
TEST(BenchCompareTest, RunsTheScenarioAgainstEachBinaryEveryRound) {
  const std::string script =
      std::string("BENCH=") + EDDY_BENCH_BINARY + " bash " + EDDY_COMPARE_SCRIPT;
  std::string output;
  int exit_code = RunCommand(script + " -r 2 " + EDDY_BINARY + " " + EDDY_BINARY +
                                 " -- send --senders 2 --send-channels 1 --duration 0.3"
                                 " --request event",
                             &output);
  ASSERT_EQ(exit_code, 0) << output;
  EXPECT_EQ(Count(output, "send (event"), 4u) << output;  // 2 rounds x 2 binaries
  EXPECT_EQ(Count(output, "errors 0"), 4u) << output;
  EXPECT_EQ(Count(output, "round 2, "), 2u) << output;
  EXPECT_EQ(RunCommand(script + " " + EDDY_BINARY, &output), 2) << output;  // no scenario
  EXPECT_EQ(RunCommand(script + " /nonexistent/eddy -- send", &output), 2) << output;
}

TEST_F(BenchSmokeTest, RejectsBadFlags) {
  BenchRun run = Bench("fanout", "--rates 0");
  EXPECT_EQ(run.exit_code, 2) << run.output;
  run = Bench("floor", "--frame-bytes 100");  // its header would not hold a 16-bit length
  EXPECT_EQ(run.exit_code, 2) << run.output;
  run = Bench("fanout", "--mark-read 1");  // watchers who are not members cannot mark read
  EXPECT_EQ(run.exit_code, 2) << run.output;
  run = Bench("send", "--request nonsense");
  EXPECT_EQ(run.exit_code, 2) << run.output;
  run = Bench("nonsense", "");
  EXPECT_EQ(run.exit_code, 2) << run.output;
}

}  // namespace
}  // namespace eddy::bench
