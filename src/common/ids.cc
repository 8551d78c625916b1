#include "common/ids.h"

#include <openssl/rand.h>

#include <cstring>
#include <stdexcept>
#include <vector>

namespace eddy {

namespace {

void Fill(unsigned char* buf, size_t n) {
  if (RAND_bytes(buf, static_cast<int>(n)) != 1) throw std::runtime_error("RAND_bytes failed");
}

constexpr char kHex[] = "0123456789abcdef";

// Random bytes for ids, drawn from the CSPRNG 512 at a time: one RAND_bytes call (a lock and a
// DRBG step, ~1 us) serves 32 UUIDs, and every connection and message takes one.
void FillFromPool(unsigned char* buf, size_t n) {
  thread_local unsigned char pool[512];
  thread_local size_t used = sizeof pool;
  if (n > sizeof pool) return Fill(buf, n);
  if (sizeof pool - used < n) {
    Fill(pool, sizeof pool);
    used = 0;
  }
  std::memcpy(buf, pool + used, n);
  std::memset(pool + used, 0, n);  // each byte is handed out once
  used += n;
}

}  // namespace

std::string NewUuid() {
  unsigned char b[16];
  FillFromPool(b, sizeof b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[b[i] >> 4]);
    out.push_back(kHex[b[i] & 0xf]);
  }
  return out;
}

std::string RandomHex(size_t n_bytes) {
  std::vector<unsigned char> b(n_bytes);
  Fill(b.data(), n_bytes);
  std::string out;
  out.reserve(n_bytes * 2);
  for (unsigned char c : b) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0xf]);
  }
  return out;
}

std::string RandomToken(size_t n_chars) {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string out;
  out.reserve(n_chars);
  while (out.size() < n_chars) {
    unsigned char b[64];
    Fill(b, sizeof b);
    for (unsigned char c : b) {
      // 252 = 7 * 36: reject the tail so every character is equally likely.
      if (c < 252 && out.size() < n_chars) out.push_back(kAlphabet[c % 36]);
    }
  }
  return out;
}

}  // namespace eddy
