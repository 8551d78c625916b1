// The request path of design.md §5 for REST: app lookup by api_key -> authentication ->
// router -> handler -> response JSON with "duration", or the error envelope. One log line
// per request. Implements transport::HttpHandler.
// Thread-safe: Handle runs on a network thread and only posts; the work runs on work_.
#pragma once

#include <string>

#include "common/clock.h"
#include "common/work_queue.h"
#include "server/api/api.h"
#include "server/api/authenticator.h"
#include "server/api/router.h"
#include "server/transport/handler.h"

namespace eddy::server::api {

class Dispatcher final : public transport::HttpHandler {
 public:
  Dispatcher(const Router& router, Authenticator& auth, WorkQueue& work)
      : router_(router), auth_(auth), work_(work) {}

  void Handle(transport::HttpRequest request,
              std::function<void(transport::HttpResponse)> respond) override;

  // Runs the request and waits for its response (in-process tests).
  transport::HttpResponse HandleNow(const transport::HttpRequest& request);

 private:
  struct Answer;
  // What Handle posts: runs the request on the calling thread; `respond` gets its response
  // there, or later from an asynchronous handler's `done`.
  void Run(const transport::HttpRequest& http,
           std::function<void(transport::HttpResponse)> respond);
  // Route, credentials, access and body: the request its handler takes. Fills `answer`'s
  // route, app and user as it learns them.
  Result<ApiRequest> Prepare(const transport::HttpRequest& http, Answer& answer);

  const Router& router_;
  Authenticator& auth_;
  WorkQueue& work_;
};

}  // namespace eddy::server::api
