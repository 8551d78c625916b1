// Maps (method, path) to a handler. Patterns are literal segments and {named} segments:
// "/channels/{type}/{id}/query". Registration happens at start-up; lookups are read-only
// and safe from any thread afterwards.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "server/api/api.h"

namespace eddy::server::api {

struct Route {
  std::string method;
  std::string pattern;
  Access access = Access::kServerOrUser;
  Handler handler;
  // The same operation answering asynchronously, if it has one: the dispatcher prefers it
  // (the synchronous handler serves in-process tests).
  AsyncHandler async_handler;
  // Operation name used in error messages: "<operation> failed with error: ...".
  std::string operation;
};

class Router {
 public:
  void Add(std::string method, std::string pattern, std::string operation, Access access,
           Handler handler, AsyncHandler async_handler = nullptr);

  struct Match {
    const Route* route = nullptr;  // null: no route for this path/method
    bool path_known = false;       // the path matched some route under another method
    std::unordered_map<std::string, std::string> params;
  };
  Match Find(std::string_view method, std::string_view path) const;

 private:
  struct Compiled {
    Route route;
    std::vector<std::string> segments;  // "{name}" marks a parameter
  };
  std::vector<Compiled> routes_;
};

}  // namespace eddy::server::api
