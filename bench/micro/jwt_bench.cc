// JWT verification (protocol §2.3): every REST request and every connect pays it once, or
// finds its token among those verified before.
#include <benchmark/benchmark.h>

#include <ctime>

#include "protocol/jwt.h"
#include "protocol/verified_tokens.h"

namespace eddy::bench {
namespace {

constexpr std::string_view kSecret = "a-secret-of-the-usual-length-0123456789abcdefghij";

void BM_VerifyUserToken(benchmark::State& state) {
  std::string token = protocol::CreateUserToken("user-1234", std::nullopt, std::nullopt, kSecret);
  const std::int64_t now = std::time(nullptr);
  for (auto _ : state) {
    auto claims = protocol::VerifyJwt(token, kSecret, false, now, "key");
    benchmark::DoNotOptimize(claims);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VerifyUserToken);

// The same token again, as every request of a client sends it (AuthenticateToken's table).
void BM_VerifyUserTokenRemembered(benchmark::State& state) {
  std::string token = protocol::CreateUserToken("user-1234", std::nullopt, std::nullopt, kSecret);
  const std::int64_t now = std::time(nullptr);
  protocol::VerifiedTokens verified(256);
  for (auto _ : state) {
    auto claims = verified.Verify(token, kSecret, false, now, "key");
    benchmark::DoNotOptimize(claims);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VerifyUserTokenRemembered);

void BM_SignUserToken(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        protocol::CreateUserToken("user-1234", std::nullopt, std::nullopt, kSecret));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SignUserToken);

}  // namespace
}  // namespace eddy::bench
