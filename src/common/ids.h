// Random identifiers: UUIDv4 strings and secrets, from OpenSSL's CSPRNG.
#pragma once

#include <string>

namespace eddy {

std::string NewUuid();
// n random bytes as lower-case hex (2n characters).
std::string RandomHex(size_t n_bytes);
// n characters from [a-z0-9], for API keys and secrets.
std::string RandomToken(size_t n_chars);

}  // namespace eddy
