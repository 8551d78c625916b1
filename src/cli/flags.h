// A small flag parser for the CLI subcommands: `--name value`, `--name=value`, boolean
// `--json`. Every unknown flag and missing value is reported.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

namespace eddy::cli {

struct ParsedFlags {
  std::map<std::string, std::string> values;
  std::set<std::string> switches;
  std::vector<std::string> errors;

  const std::string* Get(const std::string& name) const {
    auto it = values.find(name);
    return it == values.end() ? nullptr : &it->second;
  }
  bool Has(const std::string& name) const { return switches.count(name) > 0; }
};

ParsedFlags ParseFlags(const std::vector<std::string>& args, const std::set<std::string>& valued,
                       const std::set<std::string>& boolean);

// "90" (seconds), "45s", "30m", "1h", "2d" -> seconds; -1 when invalid.
long long ParseDuration(const std::string& s);

}  // namespace eddy::cli
