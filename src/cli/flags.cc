#include "cli/flags.h"

#include <cctype>

namespace eddy::cli {

ParsedFlags ParseFlags(const std::vector<std::string>& args, const std::set<std::string>& valued,
                       const std::set<std::string>& boolean) {
  ParsedFlags out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("--", 0) != 0) {
      out.errors.push_back("unexpected argument '" + a + "'");
      continue;
    }
    std::string name = a.substr(2);
    std::string value;
    bool has_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    if (boolean.count(name)) {
      if (has_value) out.errors.push_back("--" + name + " takes no value");
      out.switches.insert(name);
    } else if (valued.count(name)) {
      if (!has_value) {
        if (i + 1 >= args.size()) {
          out.errors.push_back("--" + name + " needs a value");
          continue;
        }
        value = args[++i];
      }
      out.values[name] = value;
    } else {
      out.errors.push_back("unknown flag --" + name);
    }
  }
  return out;
}

long long ParseDuration(const std::string& s) {
  if (s.empty()) return -1;
  size_t i = 0;
  long long n = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
    n = n * 10 + (s[i] - '0');
    if (n > 100LL * 365 * 86400) return -1;
    ++i;
  }
  if (i == 0) return -1;
  std::string unit = s.substr(i);
  if (unit.empty() || unit == "s") return n;
  if (unit == "m") return n * 60;
  if (unit == "h") return n * 3600;
  if (unit == "d") return n * 86400;
  return -1;
}

}  // namespace eddy::cli
