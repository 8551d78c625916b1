// A terminal chat: connects as a user with a token from a token server, watches one channel,
// sends each line typed on stdin and prints what the others do (messages, typing, reads).
// Usage: terminal_chat --url http://127.0.0.1:8080 --key KEY --user alice
//                      --token-url http://127.0.0.1:9000/token [--channel messaging:general]
// "/quit" or end of input leaves.
#include <iostream>
#include <map>
#include <mutex>
#include <string>

#include "eddy/client.h"

namespace ec = eddy::client;

int main(int argc, char** argv) {
  std::map<std::string, std::string> args{{"--channel", "messaging:general"}};
  for (int i = 1; i + 1 < argc; i += 2) args[argv[i]] = argv[i + 1];
  for (const char* required : {"--url", "--key", "--user", "--token-url"}) {
    if (args[required].empty()) {
      std::cerr << "usage: terminal_chat --url URL --key KEY --user ID --token-url URL "
                   "[--channel type:id]\n";
      return 2;
    }
  }
  const std::string me = args["--user"];
  const std::string cid = args["--channel"];
  const auto colon = cid.find(':');
  if (colon == std::string::npos) {
    std::cerr << "--channel must be type:id\n";
    return 2;
  }
  std::mutex out_mu;  // callbacks (SDK thread) and the main thread both print
  auto print = [&](const std::string& line) {
    std::lock_guard lock(out_mu);
    std::cout << line << std::endl;
  };

  try {
    ec::ChatClient client(args["--url"], args["--key"]);
    // The provider is asked again whenever the token expires (code 40).
    std::string token_url = args["--token-url"];
    ec::User user;
    user.id = me;
    client.ConnectUser(user, [token_url, me] { return ec::FetchToken(token_url, me); });

    ec::ChannelHandle channel = client.GetChannel(cid.substr(0, colon), cid.substr(colon + 1));
    ec::ChannelState state = channel.Watch(25, {{"members", boost::json::array{me}}});
    print("* joined " + cid + " (" + std::to_string(state.members.size()) + " members)");

    auto from = [](const ec::Event& e) { return e.user ? e.user->id : std::string("?"); };
    auto on_message = channel.On("message.new", [&](const ec::Event& e) {
      if (from(e) != me && e.message) print("[" + from(e) + "] " + e.message->text);
    });
    auto on_typing = channel.On("typing.start", [&](const ec::Event& e) {
      if (from(e) != me) print("* " + from(e) + " is typing");
    });
    auto on_stop = channel.On("typing.stop", [&](const ec::Event& e) {
      if (from(e) != me) print("* " + from(e) + " stopped typing");
    });
    auto on_read = channel.On("message.read", [&](const ec::Event& e) {
      if (from(e) != me) print("* " + from(e) + " read the channel");
    });
    auto on_connection = client.On("connection.changed", [&](const ec::Event& e) {
      print(e.extra.at("online").as_bool() ? "* online" : "* offline, reconnecting");
    });

    std::string line;
    while (std::getline(std::cin, line) && line != "/quit") {
      if (line.empty()) continue;
      try {
        channel.Keystroke();
        channel.SendMessage(line);
        channel.StopTyping();
        channel.MarkRead();
      } catch (const ec::ApiError& e) {
        print("! " + std::string(e.what()) + " (code " + std::to_string(e.code()) + ")");
      }
    }
    client.DisconnectUser();
  } catch (const ec::ApiError& e) {
    std::cerr << "error: " << e.what() << " (code " << e.code() << ", HTTP " << e.status_code()
              << ")\n";
    return 1;
  }
  return 0;
}
