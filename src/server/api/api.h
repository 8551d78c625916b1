// Transport-neutral API requests and responses: what every handler in api/ takes and returns.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/error.h"
#include "common/json.h"
#include "server/domain/actor.h"
#include "server/domain/app.h"
#include "server/transport/handler.h"

namespace eddy::server::api {

// Who is calling, as established by authentication (protocol §2.3).
struct Caller {
  enum class Kind { kServer, kUser, kAnonymous };
  Kind kind = Kind::kAnonymous;
  std::shared_ptr<const App> app;
  std::string user_id;  // empty for kServer

  bool IsServer() const { return kind == Kind::kServer; }
};

struct ApiRequest {
  std::string method;
  std::string path;
  // Named segments of the route pattern, e.g. {"type": "messaging", "id": "general"}.
  std::unordered_map<std::string, std::string> path_params;
  // The parsed JSON body; an empty object when the request had none.
  json::object body;
  Caller caller;
  std::string connection_id;                     // the `connection_id` query parameter, if any
  const transport::HttpRequest* http = nullptr;  // query string and headers

  const std::string* Query(std::string_view name) const { return http->Query(name); }
  const std::string& PathParam(const std::string& name) const { return path_params.at(name); }
  // The `payload` query parameter parsed as a JSON object (GET query endpoints, §1.2);
  // an empty object when absent.
  Result<json::object> Payload() const;
};

struct ApiResponse {
  int status = 200;
  json::object body;  // "duration" is added by the dispatcher
};

using Handler = std::function<Result<ApiResponse>(const ApiRequest&)>;
// A handler that answers later, through `done` (any thread, exactly once), so no thread
// waits for the store meanwhile. It must not keep references into the request.
using AsyncHandler =
    std::function<void(const ApiRequest&, std::function<void(Result<ApiResponse>)> done)>;

// Who may call a route.
enum class Access {
  kServerOrUser,  // a server token or a user token (the default)
  kServerOnly,    // a server token; user tokens get 403 code 17
  kAnyone,        // also anonymous callers (stream-auth-type: anonymous)
  kPublic,        // no credentials at all, no app (health probes)
};

inline ApiResponse Ok(json::object body, int status = 200) { return {status, std::move(body)}; }

// Who the domain sees acting: the backend (server token) or the calling user.
inline Actor ActorOf(const Caller& c) {
  if (c.IsServer()) return Actor::Server();
  Actor a = Actor::ForUser(c.user_id);
  a.anonymous = c.kind == Caller::Kind::kAnonymous;
  return a;
}

}  // namespace eddy::server::api
