#include "common/interned.h"

#include <mutex>
#include <string>
#include <unordered_set>

namespace eddy {

std::string_view Interned(std::string_view text) {
  static std::mutex mutex;
  static auto* strings =
      new std::unordered_set<std::string>();  // never destroyed: views outlive statics
  std::lock_guard lock(mutex);
  return *strings->emplace(text).first;
}

}  // namespace eddy
