#include "server/domain/app.h"

namespace eddy::server {

namespace {

bool BoolSetting(const json::object& s, std::string_view key) {
  auto it = s.find(key);
  return it != s.end() && it->value().is_bool() && it->value().get_bool();
}

}  // namespace

bool App::DisableAuthChecks() const { return BoolSetting(settings, "disable_auth_checks"); }

bool App::DisablePermissionsChecks() const {
  return BoolSetting(settings, "disable_permissions_checks");
}

std::optional<Micros> App::RevokeTokensIssuedBefore() const {
  auto it = settings.find("revoke_tokens_issued_before");
  if (it == settings.end() || !it->value().is_string()) return std::nullopt;
  return ParseTime(it->value().get_string());
}

}  // namespace eddy::server
