// Dispatcher: a route's asynchronous handler answers later from another thread with the same
// envelope a synchronous one gets, exactly once, and the work queue waits for that answer.
#include "server/api/dispatcher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <stdexcept>
#include <thread>

#include "server/domain/app_service.h"
#include "server/storage/sqlite/sqlite_store.h"

namespace eddy::server::api {
namespace {

class DispatcherTest : public ::testing::Test {
 protected:
  DispatcherTest()
      : store_(OpenSqliteStore(":memory:").value()),
        apps_(store_->apps(), clock_),
        auth_(apps_, store_->users(), clock_) {}

  // Sends `method` `path` through Handle (the server's way in) and waits for the response.
  transport::HttpResponse Call(const std::string& method, const std::string& path) {
    transport::HttpRequest request;
    request.method = method;
    request.target = request.path = path;
    std::promise<transport::HttpResponse> response;
    std::future<transport::HttpResponse> answered = response.get_future();
    std::atomic<int> answers = 0;
    dispatcher_.Handle(std::move(request), [&](transport::HttpResponse r) {
      if (++answers == 1) response.set_value(std::move(r));
    });
    transport::HttpResponse r = answered.get();
    work_.Shutdown();  // what Handle posted has run, and every answer has come
    EXPECT_EQ(answers, 1);
    return r;
  }

  // Answers `result` from a thread of its own after a while.
  static void AnswerLater(std::function<void(Result<ApiResponse>)> done,
                          Result<ApiResponse> result) {
    std::thread([done = std::move(done), result = std::move(result)]() mutable {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      done(std::move(result));
    }).detach();
  }

  SystemClock clock_;
  std::unique_ptr<Store> store_;
  AppService apps_;
  Authenticator auth_;
  Router router_;
  WorkQueue work_{2};
  Dispatcher dispatcher_{router_, auth_, work_};
};

TEST_F(DispatcherTest, AnAsynchronousHandlerAnswersLaterWithTheUsualEnvelope) {
  router_.Add("POST", "/later", "Later", Access::kPublic, nullptr,
              [](const ApiRequest&, std::function<void(Result<ApiResponse>)> done) {
                AnswerLater(std::move(done), Ok(json::object{{"answer", 42}}, 201));
              });
  transport::HttpResponse r = Call("POST", "/later");
  EXPECT_EQ(r.status, 201);
  json::object body = ParseJsonObject(r.body).value();
  EXPECT_EQ(body.at("answer"), 42);
  EXPECT_TRUE(body.contains("duration"));
}

TEST_F(DispatcherTest, AnAsynchronousHandlersErrorGetsTheErrorEnvelope) {
  router_.Add("POST", "/later", "Later", Access::kPublic, nullptr,
              [](const ApiRequest&, std::function<void(Result<ApiResponse>)> done) {
                AnswerLater(std::move(done), Error::NotFound("nothing here"));
              });
  transport::HttpResponse r = Call("POST", "/later");
  EXPECT_EQ(r.status, 404);
  json::object body = ParseJsonObject(r.body).value();
  EXPECT_EQ(body.at("StatusCode"), 404);
  EXPECT_EQ(body.at("message"), "Later failed with error: \"nothing here\"");
}

TEST_F(DispatcherTest, AnAsynchronousHandlerThatThrowsIsAnsweredOnce) {
  router_.Add("POST", "/throws", "Throws", Access::kPublic, nullptr,
              [](const ApiRequest&, std::function<void(Result<ApiResponse>)> done) {
                // Hands `done` on, then fails: the late answer must not be a second one.
                AnswerLater(std::move(done), Ok(json::object{}));
                throw std::runtime_error("broken");
              });
  transport::HttpResponse r = Call("POST", "/throws");
  EXPECT_EQ(r.status, 500);
}

TEST_F(DispatcherTest, TheSynchronousHandlerServesRoutesWithoutAnAsynchronousOne) {
  router_.Add("GET", "/now", "Now", Access::kPublic,
              [](const ApiRequest&) -> Result<ApiResponse> { return Ok(json::object{}); });
  EXPECT_EQ(Call("GET", "/now").status, 200);
}

}  // namespace
}  // namespace eddy::server::api
