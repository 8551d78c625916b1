// Moderation from a backend: promotes a user to app admin, bans a user (with a timeout and a
// reason, by that admin), lists the bans and lifts the ban again.
// Usage: moderation --url http://127.0.0.1:8080 --key KEY --secret SECRET
//                   --admin carol --target bob [--timeout-minutes 60]
#include <iostream>
#include <map>
#include <string>

#include "eddy/client.h"

namespace ec = eddy::client;

int main(int argc, char** argv) {
  std::map<std::string, std::string> args{{"--timeout-minutes", "60"}};
  for (int i = 1; i + 1 < argc; i += 2) args[argv[i]] = argv[i + 1];
  for (const char* required : {"--url", "--key", "--secret", "--admin", "--target"}) {
    if (args[required].empty()) {
      std::cerr << "usage: moderation --url URL --key KEY --secret SECRET --admin ID --target ID "
                   "[--timeout-minutes N]\n";
      return 2;
    }
  }
  try {
    ec::ServerClient server(args["--url"], args["--key"], args["--secret"]);
    ec::User admin = server.PartialUpdateUser(args["--admin"], {{"role", "admin"}});
    std::cout << "promoted " << admin.id << " to " << admin.role << std::endl;

    ec::BanOptions ban;
    ban.banned_by_id = admin.id;
    ban.reason = "spam";
    ban.timeout_minutes = std::stoll(args["--timeout-minutes"]);
    server.BanUser(args["--target"], ban);
    boost::json::array bans = server.QueryBannedUsers({{"user_id", args["--target"]}});
    std::cout << "banned " << args["--target"] << " (" << bans.size() << " ban)" << std::endl;

    server.UnbanUser(args["--target"]);
    bans = server.QueryBannedUsers({{"user_id", args["--target"]}});
    std::cout << "unbanned " << args["--target"] << " (" << bans.size() << " bans left)"
              << std::endl;
  } catch (const ec::ApiError& e) {
    std::cerr << "error: " << e.what() << " (code " << e.code() << ", HTTP " << e.status_code()
              << ")\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
