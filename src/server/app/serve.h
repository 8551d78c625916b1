// `eddy serve`: the composition root. Reads the config, builds the concrete objects (store,
// services, hub, router, transport) and runs until SIGINT/SIGTERM.
#pragma once

#include <string>
#include <vector>

namespace eddy::server {

int RunServe(const std::vector<std::string>& args);

}  // namespace eddy::server
