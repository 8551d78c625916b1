// A small set of strings kept as one sorted array. A connection watches a few channels and
// follows a few users: an array costs one allocation for them where a hash set costs a bucket
// table and a node per name, which is most of an idle connection's hub state.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace eddy::server::realtime {

class NameSet {
 public:
  bool contains(std::string_view name) const {
    auto it = Find(name);
    return it != names_.end() && *it == name;
  }
  // False if `name` was already there.
  bool insert(std::string_view name) {
    auto it = Find(name);
    if (it != names_.end() && *it == name) return false;
    names_.emplace(it, name);
    return true;
  }
  // False if `name` was not there.
  bool erase(std::string_view name) {
    auto it = Find(name);
    if (it == names_.end() || *it != name) return false;
    names_.erase(it);
    if (names_.empty()) std::vector<std::string>().swap(names_);
    return true;
  }
  size_t size() const { return names_.size(); }
  bool empty() const { return names_.empty(); }
  // In ascending order.
  auto begin() const { return names_.begin(); }
  auto end() const { return names_.end(); }

 private:
  std::vector<std::string>::const_iterator Find(std::string_view name) const {
    return std::lower_bound(names_.begin(), names_.end(), name,
                            [](const std::string& a, std::string_view b) { return a < b; });
  }

  std::vector<std::string> names_;
};

}  // namespace eddy::server::realtime
