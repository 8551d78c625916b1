#include "server/transport/handler.h"

namespace eddy::server::transport {

const std::string* HttpRequest::Query(std::string_view name) const {
  for (const auto& [key, value] : query) {
    if (key == name) return &value;
  }
  return nullptr;
}

const std::string* HttpRequest::Header(std::string_view lower_name) const {
  for (const auto& [key, value] : headers) {
    if (key == lower_name) return &value;
  }
  return nullptr;
}

}  // namespace eddy::server::transport
