// The seed's flow from an outside project: backend calls, a token from the token server,
// two connected users, watch, send, receive, react, mark read, promotion and a ban.
// Usage: seed_flow BASE_URL API_KEY API_SECRET TOKEN_URL; exit 0 when every step held.
#include <eddy/client.h>

#include <chrono>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <optional>

namespace ec = eddy::client;

namespace {

int failures = 0;

void Check(bool ok, const std::string& what) {
  std::cout << (ok ? "ok   " : "FAIL ") << what << std::endl;
  if (!ok) ++failures;
}

// The first event of `type` from `user` that arrives within ten seconds.
class Waiter {
 public:
  Waiter(ec::ChatClient& client, std::string type, std::string user)
      : sub_(client.On(type, [this, user](const ec::Event& e) {
          std::lock_guard lock(mu_);
          if (!event_ && e.user && e.user->id == user) event_ = e;
          cv_.notify_all();
        })) {}
  std::optional<ec::Event> Wait() {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(10), [this] { return event_.has_value(); });
    return event_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<ec::Event> event_;
  ec::Subscription sub_;
};

ec::User Named(const std::string& id) {
  ec::User u;
  u.id = id;
  return u;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: seed_flow BASE_URL API_KEY API_SECRET TOKEN_URL\n";
    return 2;
  }
  const std::string url = argv[1], key = argv[2], secret = argv[3], token_url = argv[4];
  try {
    // 1. Server side.
    ec::ServerClient backend(url, key, secret);
    backend.UpsertUsers({Named("alice"), Named("bob"), Named("carol")});
    Check(backend.PartialUpdateUser("carol", {{"role", "admin"}}).role == "admin",
          "carol promoted to admin");
    backend.CreateChannel("messaging", "seed", "carol", {"alice", "bob", "carol"});

    // 2. Client side, tokens from the token server.
    ec::ChatClient alice(url, key), bob(url, key);
    alice.ConnectUser(Named("alice"), [&] { return ec::FetchToken(token_url, "alice"); });
    bob.ConnectUser(Named("bob"), [&] { return ec::FetchToken(token_url, "bob"); });
    ec::ChannelHandle alice_seed = alice.GetChannel("messaging", "seed");
    ec::ChannelHandle bob_seed = bob.GetChannel("messaging", "seed");
    Check(alice_seed.Watch().members.size() == 3, "alice watches a channel of 3");
    bob_seed.Watch();

    // 3. Authenticated use.
    Waiter hello(alice, "message.new", "bob");
    ec::Message sent = bob_seed.SendMessage("hello from outside the tree");
    auto got = hello.Wait();
    Check(got && got->message && got->message->text == "hello from outside the tree",
          "alice receives bob's message");
    Waiter reacted(bob, "reaction.new", "alice");
    Check(alice_seed.SendReaction(sent.id, "like").message.reaction_counts["like"] == 1,
          "alice reacts");
    Check(reacted.Wait().has_value(), "bob sees the reaction");
    Waiter read(bob, "message.read", "alice");
    alice_seed.MarkRead();
    Check(read.Wait().has_value(), "bob sees alice's read");

    ec::BanOptions ban;
    ban.banned_by_id = "carol";
    ban.reason = "spam";
    backend.BanUser("bob", ban);
    try {
      bob_seed.SendMessage("still here?");
      Check(false, "banned bob is refused");
    } catch (const ec::ApiError& e) {
      Check(e.code() == 17 && e.status_code() == 403, "banned bob is refused (code 17)");
    }
    alice.DisconnectUser();
  } catch (const ec::ApiError& e) {
    std::cerr << "ApiError " << e.code() << " (HTTP " << e.status_code() << "): " << e.what()
              << std::endl;
    return 1;
  }
  return failures == 0 ? 0 : 1;
}
