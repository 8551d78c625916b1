#include "server/api/dispatcher.h"

#include <atomic>
#include <chrono>
#include <exception>
#include <future>
#include <memory>
#include <optional>
#include <utility>

#include "common/log.h"
#include "protocol/error_envelope.h"

namespace eddy::server::api {

namespace {

double MillisSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

transport::HttpResponse JsonResponse(int status, json::object body) {
  transport::HttpResponse r;
  r.status = status;
  r.body = json::serialize(body);
  return r;
}

// Error messages follow the real backend: `<Operation> failed with error: "<detail>"`.
Error WithOperation(Error e, const Route* route) {
  if (route != nullptr && !route->operation.empty()) {
    e.message = route->operation + " failed with error: \"" + e.message + "\"";
  }
  return e;
}

bool HasBody(std::string_view method) {
  return method == "POST" || method == "PUT" || method == "PATCH";
}

}  // namespace

// One request's answer once its handler's result is known: the response (with "duration", or
// the error envelope) and the log line. Shared with an asynchronous handler's `done`.
struct Dispatcher::Answer {
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  const Route* route = nullptr;
  std::string method, path;  // for the log line, only when it is written
  std::string app_key, user_id;
  std::function<void(transport::HttpResponse)> respond;
  // A handler that threw after handing `done` on may still have it called.
  std::atomic<bool> answered{false};
  // While an asynchronous handler works: its answer comes from a task not yet posted.
  std::optional<WorkQueue::Hold> hold;

  void Give(Result<ApiResponse> result);
};

void Dispatcher::Answer::Give(Result<ApiResponse> result) {
  if (answered.exchange(true)) return;
  double ms = MillisSince(start);
  transport::HttpResponse response;
  std::string duration = protocol::FormatDuration(ms);
  if (result.ok()) {
    ApiResponse& ok = result.value();
    ok.body["duration"] = duration;
    response = JsonResponse(ok.status, std::move(ok.body));
  } else {
    Error e = WithOperation(std::move(result).error(), route);
    response = JsonResponse(e.http_status, protocol::ErrorEnvelope(e, ms));
  }
  if (log::Enabled(log::Level::kInfo)) {  // its fields are built for every request otherwise
    std::string status = std::to_string(response.status);
    log::Info("request", {{"method", method},
                          {"path", path},
                          {"status", status},
                          {"duration", duration},
                          {"app", app_key},
                          {"user", user_id}});
  }
  respond(std::move(response));
}

void Dispatcher::Handle(transport::HttpRequest request,
                        std::function<void(transport::HttpResponse)> respond) {
  work_.Post([this, request = std::move(request), respond = std::move(respond)]() mutable {
    Run(request, std::move(respond));
  });
}

transport::HttpResponse Dispatcher::HandleNow(const transport::HttpRequest& request) {
  std::promise<transport::HttpResponse> response;
  std::future<transport::HttpResponse> answered = response.get_future();
  Run(request, [&response](transport::HttpResponse r) { response.set_value(std::move(r)); });
  return answered.get();
}

void Dispatcher::Run(const transport::HttpRequest& http,
                     std::function<void(transport::HttpResponse)> respond) {
  auto answer = std::make_shared<Answer>();
  answer->respond = std::move(respond);
  if (log::Enabled(log::Level::kInfo)) {
    answer->method = http.method;
    answer->path = http.path;
  }
  Result<ApiResponse> result = Error::Internal("unhandled");
  try {
    Result<ApiRequest> req = Prepare(http, *answer);
    if (!req.ok()) {
      result = std::move(req).error();
    } else if (answer->route->async_handler) {
      answer->hold.emplace(work_);
      answer->route->async_handler(
          *req, [answer](Result<ApiResponse> done) { answer->Give(std::move(done)); });
      return;
    } else {
      result = answer->route->handler(*req);
    }
  } catch (const std::exception& e) {
    log::Error("handler threw", {{"path", http.path}, {"error", e.what()}});
    result = Error::Internal("internal error");
  }
  answer->Give(std::move(result));
}

Result<ApiRequest> Dispatcher::Prepare(const transport::HttpRequest& http, Answer& answer) {
  Router::Match match = router_.Find(http.method, http.path);
  if (match.route == nullptr) {
    if (match.path_known) {
      return Error::Make(ErrorCode::kInput, 405,
                         "method " + http.method + " is not allowed on " + http.path);
    }
    return Error::NotFound("no API route " + http.method + " " + http.path);
  }
  const api::Route& route = *match.route;
  answer.route = &route;

  static const std::string kEmpty;
  const std::string* key = http.Query("api_key");
  const std::string* auth_type = http.Header("stream-auth-type");
  const std::string* token = http.Header("authorization");
  const std::string* user_id = http.Query("user_id");
  if (key != nullptr) answer.app_key = *key;
  Credentials creds{key ? *key : kEmpty, auth_type ? *auth_type : kEmpty, token ? *token : kEmpty,
                    user_id ? *user_id : kEmpty};
  Caller caller;
  if (route.access != Access::kPublic) {
    EDDY_ASSIGN_OR_RETURN(caller, auth_.Authenticate(creds));
  }
  answer.user_id = caller.user_id;

  switch (route.access) {
    case Access::kPublic:
      break;
    case Access::kServerOnly:
      if (!caller.IsServer())
        return Error::NotAllowed("this endpoint can only be called server side");
      break;
    case Access::kServerOrUser:
      if (caller.kind == Caller::Kind::kAnonymous) {
        return Error::Make(ErrorCode::kAuthentication, 401,
                           "anonymous users cannot call " + route.operation);
      }
      break;
    case Access::kAnyone:
      break;
  }

  ApiRequest req;
  req.method = http.method;
  req.path = http.path;
  req.path_params = std::move(match.params);
  req.http = &http;
  req.caller = std::move(caller);
  if (const std::string* conn = http.Query("connection_id")) req.connection_id = *conn;
  if (HasBody(http.method) && !http.body.empty()) {
    EDDY_ASSIGN_OR_RETURN(req.body, ParseJsonObject(http.body));
  }
  return req;
}

}  // namespace eddy::server::api
