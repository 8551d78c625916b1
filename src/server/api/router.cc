#include "server/api/router.h"

namespace eddy::server::api {

namespace {

std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < path.size()) {
    if (path[pos] == '/') {
      ++pos;
      continue;
    }
    size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    out.push_back(path.substr(pos, end - pos));
    pos = end;
  }
  return out;
}

bool IsParam(const std::string& s) { return s.size() > 2 && s.front() == '{' && s.back() == '}'; }

}  // namespace

void Router::Add(std::string method, std::string pattern, std::string operation, Access access,
                 Handler handler, AsyncHandler async_handler) {
  Compiled c;
  for (std::string_view s : Split(pattern)) c.segments.emplace_back(s);
  c.route = Route{std::move(method),  std::move(pattern),       access,
                  std::move(handler), std::move(async_handler), std::move(operation)};
  routes_.push_back(std::move(c));
}

Router::Match Router::Find(std::string_view method, std::string_view path) const {
  Match best;
  std::vector<std::string_view> parts = Split(path);
  const Compiled* chosen = nullptr;
  int best_literals = -1;
  for (const Compiled& c : routes_) {
    if (c.segments.size() != parts.size()) continue;
    int literals = 0;
    bool ok = true;
    for (size_t i = 0; i < parts.size() && ok; ++i) {
      if (IsParam(c.segments[i])) {
        ok = !parts[i].empty();
      } else if (c.segments[i] == parts[i]) {
        ++literals;
      } else {
        ok = false;
      }
    }
    if (!ok) continue;
    best.path_known = true;
    // Prefer the most literal match: "/users/deactivate" over "/users/{id}".
    if (c.route.method == method && literals > best_literals) {
      best_literals = literals;
      chosen = &c;
    }
  }
  if (chosen == nullptr) return best;
  best.route = &chosen->route;
  // The chosen route's parameters only: building every candidate's cost allocations.
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string& segment = chosen->segments[i];
    if (IsParam(segment)) {
      best.params[segment.substr(1, segment.size() - 2)] = std::string(parts[i]);
    }
  }
  return best;
}

}  // namespace eddy::server::api
