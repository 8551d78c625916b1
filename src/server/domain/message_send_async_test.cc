// MessageService::SendMessageAsync against the real SQLite store: the insert goes through the
// group commit's committer thread and the rest of the send through a work queue, with the
// same outcome as SendMessage.
#include <future>
#include <thread>

#include "common/work_queue.h"
#include "server/domain/message_service_fixture.h"

namespace eddy::server::testing {
namespace {

class MessageSendAsyncTest : public MessageServiceFixture {
 protected:
  void SetUp() override {
    MessageServiceFixture::SetUp();
    service_->RunAfterStoreWith(
        [this](std::function<void()> task) { work_.Post(std::move(task)); });
  }
  void TearDown() override { work_.Shutdown(); }

  // Starts a send; the future gets its answer, and whether it came on the calling thread.
  std::future<std::pair<Result<json::object>, bool>> SendAsync(
      const Actor& actor, std::string_view json, std::string_view channel = "general") {
    auto answer = std::make_shared<std::promise<std::pair<Result<json::object>, bool>>>();
    auto result = answer->get_future();
    const std::thread::id caller = std::this_thread::get_id();
    clock_.Advance(1000);
    service_->SendMessageAsync(
        actor, std::make_shared<const App>(app_), "messaging", channel, Input(json), {},
        [answer, caller](Result<json::object> out) {
          answer->set_value({std::move(out), std::this_thread::get_id() == caller});
        });
    return result;
  }

  WorkQueue work_{2};
};

TEST_F(MessageSendAsyncTest, TheMessageIsStoredBroadcastAndAnsweredFromAnotherThread) {
  watches_.SetWatching("bob", "messaging:general", true);
  auto [out, inline_answer] =
      SendAsync(Actor::ForUser("alice"), R"({"id":"m1","text":"hi"})").get();
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_FALSE(inline_answer);  // after the commit, through the work queue
  EXPECT_EQ(out->at("id"), "m1");
  EXPECT_EQ(out->at("text"), "hi");
  EXPECT_EQ(out->at("user").at("id"), "alice");
  ASSERT_TRUE(Stored("m1").has_value());
  EXPECT_EQ(StoredChannel("messaging", "general").message_count, 1);
  // The author's read state moved with the insert.
  EXPECT_EQ(StoredMember("general", "alice").last_read_message_id, "m1");
  std::vector<Received> news = Events("message.new");
  ASSERT_EQ(news.size(), 1u);
  EXPECT_EQ(news.front().user_id, "bob");
  EXPECT_EQ(news.front().event.at("message").at("id"), "m1");
}

TEST_F(MessageSendAsyncTest, ARefusedSendIsAnsweredAtOnceAndStoresNothing) {
  // dave is not a member of messaging:general.
  auto [out, inline_answer] = SendAsync(Actor::ForUser("dave"), R"({"id":"m1","text":"hi"})").get();
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().http_status, 403);
  EXPECT_TRUE(inline_answer);
  EXPECT_FALSE(Stored("m1").has_value());
}

TEST_F(MessageSendAsyncTest, AStoreFailureReachesTheSender) {
  ASSERT_TRUE(SendAsync(Actor::ForUser("alice"), R"({"id":"m1","text":"one"})").get().first.ok());
  auto [out, inline_answer] = SendAsync(Actor::ForUser("bob"), R"({"id":"m1","text":"two"})").get();
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, ErrorCode::kInput);  // "a message with ID m1 already exists"
  EXPECT_EQ(Stored("m1")->text, "one");
}

// Slow mode's lock is taken before the insert and released by the committer thread: the
// next send of the same author finds it free and sees the first message.
TEST_F(MessageSendAsyncTest, SlowModeSeesTheMessageBeforeIt) {
  Channel c = StoredChannel("messaging", "general");
  c.cooldown = 30;
  ASSERT_TRUE(store_->channels().UpdateChannel(app_.api_key, c).ok());
  ASSERT_TRUE(SendAsync(Actor::ForUser("alice"), R"({"text":"first"})").get().first.ok());
  auto [out, inline_answer] = SendAsync(Actor::ForUser("alice"), R"({"text":"second"})").get();
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, ErrorCode::kCoolDown);
  EXPECT_TRUE(SendAsync(Actor::ForUser("bob"), R"({"text":"bob's"})").get().first.ok());
}

TEST_F(MessageSendAsyncTest, ConcurrentSendsAreAllStoredAndAnswered) {
  constexpr int kThreads = 4, kPerThread = 25;
  std::vector<std::thread> senders;
  std::atomic<int> failures = 0;
  const char* authors[] = {"alice", "bob", "carol", "alice"};
  for (int t = 0; t < kThreads; ++t) {
    senders.emplace_back([&, t] {
      std::vector<std::future<std::pair<Result<json::object>, bool>>> answers;
      for (int i = 0; i < kPerThread; ++i) {
        answers.push_back(SendAsync(Actor::ForUser(authors[t]), R"({"text":"x"})"));
      }
      for (auto& a : answers) {
        if (!a.get().first.ok()) ++failures;
      }
    });
  }
  for (std::thread& s : senders) s.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(StoredChannel("messaging", "general").message_count, kThreads * kPerThread);
}

}  // namespace
}  // namespace eddy::server::testing
