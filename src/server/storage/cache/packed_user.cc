#include "server/storage/cache/packed_user.h"

#include <cstdint>
#include <cstring>
#include <optional>

#include "server/storage/sql/stored_json.h"

namespace eddy::server {
namespace {

enum Flag : std::uint8_t {
  kBanned = 1,
  kShadowBanned = 2,
  kInvisible = 4,
  kLastActive = 8,
  kDeactivatedAt = 16,
  kDeletedAt = 32,
  kRevokeTokensIssuedBefore = 64,
};

void PutTime(std::string& out, Micros t) {
  char bytes[sizeof t];
  std::memcpy(bytes, &t, sizeof t);
  out.append(bytes, sizeof t);
}

void PutText(std::string& out, std::string_view text) {
  // LEB128 length, then the bytes.
  for (std::size_t n = text.size();; n >>= 7) {
    auto byte = static_cast<std::uint8_t>(n & 0x7F);
    if (n < 0x80) {
      out.push_back(static_cast<char>(byte));
      break;
    }
    out.push_back(static_cast<char>(byte | 0x80));
  }
  out.append(text);
}

// Reads what PutTime and PutText wrote; every read checks the bytes are there.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool Byte(std::uint8_t& out) {
    if (in_.empty()) return false;
    out = static_cast<std::uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return true;
  }
  bool Time(Micros& out) {
    if (in_.size() < sizeof out) return false;
    std::memcpy(&out, in_.data(), sizeof out);
    in_.remove_prefix(sizeof out);
    return true;
  }
  bool OptionalTime(bool present, std::optional<Micros>& out) {
    if (!present) return true;
    Micros t = 0;
    if (!Time(t)) return false;
    out = t;
    return true;
  }
  bool Text(std::string_view& out) {
    std::size_t n = 0;
    for (int shift = 0;; shift += 7) {
      std::uint8_t byte = 0;
      if (shift > 28 || !Byte(byte)) return false;
      n |= static_cast<std::size_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) break;
    }
    if (in_.size() < n) return false;
    out = in_.substr(0, n);
    in_.remove_prefix(n);
    return true;
  }
  bool done() const { return in_.empty(); }

 private:
  std::string_view in_;
};

}  // namespace

std::string PackUser(const User& user) {
  std::uint8_t flags = (user.banned ? kBanned : 0) | (user.shadow_banned ? kShadowBanned : 0) |
                       (user.invisible ? kInvisible : 0) | (user.last_active ? kLastActive : 0) |
                       (user.deactivated_at ? kDeactivatedAt : 0) |
                       (user.deleted_at ? kDeletedAt : 0) |
                       (user.revoke_tokens_issued_before ? kRevokeTokensIssuedBefore : 0);
  std::string out(1, static_cast<char>(flags));
  PutTime(out, user.created_at);
  PutTime(out, user.updated_at);
  for (const std::optional<Micros>& t :
       {user.last_active, user.deactivated_at, user.deleted_at, user.revoke_tokens_issued_before}) {
    if (t) PutTime(out, *t);
  }
  PutText(out, user.id);
  PutText(out, user.role);
  PutText(out, user.language);
  PutText(out, user.teams.empty() ? std::string() : json::serialize(user.teams));
  PutText(out, user.custom.empty() ? std::string() : json::serialize(user.custom));
  return out;
}

Result<User> UnpackUser(std::string_view packed) {
  const Error damaged = Error::Internal("user cache: a packed user is damaged");
  Reader in(packed);
  User user;
  std::uint8_t flags = 0;
  std::string_view id, role, language, teams, custom;
  if (!in.Byte(flags) || !in.Time(user.created_at) || !in.Time(user.updated_at) ||
      !in.OptionalTime(flags & kLastActive, user.last_active) ||
      !in.OptionalTime(flags & kDeactivatedAt, user.deactivated_at) ||
      !in.OptionalTime(flags & kDeletedAt, user.deleted_at) ||
      !in.OptionalTime(flags & kRevokeTokensIssuedBefore, user.revoke_tokens_issued_before) ||
      !in.Text(id) || !in.Text(role) || !in.Text(language) || !in.Text(teams) || !in.Text(custom) ||
      !in.done()) {
    return damaged;
  }
  user.banned = (flags & kBanned) != 0;
  user.shadow_banned = (flags & kShadowBanned) != 0;
  user.invisible = (flags & kInvisible) != 0;
  user.id = id;
  user.role = role;
  user.language = language;
  // Parsed as the stores parse stored JSON: numbers exactly as they were written.
  if (!teams.empty()) {
    auto v = sql::ParseStoredJson(teams, "cached teams");
    if (!v.ok() || !v->is_array()) return damaged;
    user.teams = std::move(v->get_array());
  }
  if (!custom.empty()) {
    auto v = sql::ParseStoredJson(custom, "cached custom data");
    if (!v.ok() || !v->is_object()) return damaged;
    user.custom = std::move(v->get_object());
  }
  return user;
}

}  // namespace eddy::server
