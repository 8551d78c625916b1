#include "server/api/api.h"

namespace eddy::server::api {

Result<json::object> ApiRequest::Payload() const {
  const std::string* payload = http ? http->Query("payload") : nullptr;
  if (!payload) return json::object();
  return ParseJsonObject(*payload, "payload query parameter");
}

}  // namespace eddy::server::api
