// What the in-process API tests share: calling a registered route the way the dispatcher does
// between authentication and the handler (route match, access rule, JSON body), no sockets.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/json.h"
#include "server/api/router.h"
#include "server/transport/handler.h"

namespace eddy::server::api {

// Owns the HttpRequest the last call's ApiRequest pointed into. One per test; not thread-safe.
class RouteCaller {
 public:
  using Query = std::vector<std::pair<std::string, std::string>>;

  explicit RouteCaller(const Router& router) : router_(router) {}

  Result<ApiResponse> Call(const std::string& method, const std::string& path, Caller caller,
                           std::string_view body = "", Query query = {},
                           std::string connection_id = "") {
    Router::Match m = router_.Find(method, path);
    if (!m.route) return Error::NotFound("no route for " + method + " " + path);
    if (m.route->access == Access::kServerOnly && !caller.IsServer()) {
      return Error::NotAllowed("this endpoint can only be called server side");
    }
    if (m.route->access == Access::kServerOrUser && caller.kind == Caller::Kind::kAnonymous) {
      return Error::Make(ErrorCode::kAuthentication, 401, "anonymous");
    }
    http_ = std::make_unique<transport::HttpRequest>();
    http_->method = method;
    http_->path = path;
    http_->query = std::move(query);
    ApiRequest req;
    req.method = method;
    req.path = path;
    req.path_params = m.params;
    req.caller = std::move(caller);
    req.http = http_.get();
    req.connection_id = std::move(connection_id);
    if (!body.empty()) {
      EDDY_ASSIGN_OR_RETURN(req.body, ParseJsonObject(body));
    }
    last_operation_ = m.route->operation;
    return m.route->handler(req);
  }

  // The operation name of the route the last call matched.
  const std::string& last_operation() const { return last_operation_; }

 private:
  const Router& router_;
  std::unique_ptr<transport::HttpRequest> http_;
  std::string last_operation_;
};

}  // namespace eddy::server::api
