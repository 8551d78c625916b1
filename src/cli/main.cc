// eddy: one binary, subcommands. `serve` runs the chat API; the others manage apps and tokens
// on the same data directory.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "server/app/serve.h"

namespace {

constexpr const char* kUsage = R"(usage: eddy <command> [options]

commands:
  serve [--config FILE] [--host H] [--port P] [--data-dir DIR] [--print-config] ...
        run the chat API (REST and WebSocket on one port)
  app create [--name N] [--data-dir DIR] [--json]   create an app, print its key and secret
  app list [--data-dir DIR] [--json]                list the apps
  token --user ID [--ttl 1h] [--app KEY] [--data-dir DIR]
        print a user token signed with the app's secret (like createToken)
  version                                           print the version
)";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  std::string command = args[0];
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (command == "serve") return eddy::server::RunServe(rest);
  if (command == "app") return eddy::cli::RunApp(rest);
  if (command == "token") return eddy::cli::RunToken(rest);
  if (command == "version" || command == "--version") {
    std::printf("eddy 0.1.0\n");
    return 0;
  }
  std::fprintf(stderr, "eddy: unknown command '%s'\n\n%s", command.c_str(), kUsage);
  return 2;
}
