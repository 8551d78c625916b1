// The subcommands other than serve. Each returns the process exit code.
#pragma once

#include <string>
#include <vector>

namespace eddy::cli {

int RunApp(const std::vector<std::string>& args);
int RunToken(const std::vector<std::string>& args);

}  // namespace eddy::cli
