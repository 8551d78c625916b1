#include "server/app/config.h"

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <variant>

#include "common/json.h"
#include "common/log.h"

namespace eddy::server {

namespace {

using Problems = std::vector<std::string>;

// A config file is a handful of keys; anything bigger is not one.
constexpr size_t kMaxConfigFileBytes = 1024 * 1024;

std::string Quote(std::string_view s) { return json::serialize(json::value(json::string(s))); }

std::string ValidateHost(std::string_view v) {
  if (v.empty()) return "must not be empty";
  for (char c : v) {
    if (static_cast<unsigned char>(c) <= ' ') {
      return "must not contain spaces or control characters";
    }
  }
  return "";
}

std::string ValidateNonEmpty(std::string_view v) { return v.empty() ? "must not be empty" : ""; }

// The log module is the one judge of its own names.
std::string ValidateLogFormat(std::string_view v) {
  log::Format format;
  return log::ParseFormat(v, format) ? "" : "must be text or json";
}

std::string ValidateLogLevel(std::string_view v) {
  log::Level level;
  return log::ParseLevel(v, level) ? "" : "must be one of debug, info, warn, error";
}

std::string ValidateStore(std::string_view v) {
  return v == "sqlite" || v.starts_with("postgres://") || v.starts_with("postgresql://")
             ? ""
             : "must be sqlite or a postgres:// URL";
}

std::string ValidateBus(std::string_view v) {
  return v == "local" || v.starts_with("redis://") || v.starts_with("rediss://")
             ? ""
             : "must be local or a redis:// URL";
}

// The node id tags events on the bus and shows up in logs: keep it a plain token.
std::string ValidateNodeId(std::string_view v) {
  if (v.size() > 64) return "must be at most 64 characters";
  for (char c : v) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    if (!ok) return "may contain only letters, digits, '-', '_' and '.'";
  }
  return "";
}

using Member = std::variant<int Config::*, std::size_t Config::*, std::string Config::*>;

struct Field {
  std::string_view key;
  Member member;
  // Inclusive range of numeric fields.
  std::int64_t min = 0;
  std::int64_t max = 0;
  // For string fields: what is wrong with a value, or empty when it is fine.
  std::string (*validate)(std::string_view) = nullptr;
};

// The order here is the order of PrintConfig.
const Field kFields[] = {
    {"host", &Config::host, 0, 0, ValidateHost},
    {"port", &Config::port, 0, 65535},
    {"data_dir", &Config::data_dir, 0, 0, ValidateNonEmpty},
    {"threads", &Config::threads, 0, 1024},
    {"max_body_bytes", &Config::max_body_bytes, 1, std::int64_t{1} << 30},
    {"max_header_bytes", &Config::max_header_bytes, 1024, 1024 * 1024},
    {"ws_idle_timeout_seconds", &Config::ws_idle_timeout_seconds, 1, 86400},
    {"http_idle_timeout_seconds", &Config::http_idle_timeout_seconds, 1, 86400},
    {"log_format", &Config::log_format, 0, 0, ValidateLogFormat},
    {"log_level", &Config::log_level, 0, 0, ValidateLogLevel},
    {"store", &Config::store, 0, 0, ValidateStore},
    {"store_pool_size", &Config::store_pool_size, 1, 256},
    {"bus", &Config::bus, 0, 0, ValidateBus},
    {"node_id", &Config::node_id, 0, 0, ValidateNodeId},
};

bool IsString(const Field& f) { return std::holds_alternative<std::string Config::*>(f.member); }

const Field* FindField(std::string_view key) {
  for (const Field& f : kFields) {
    if (f.key == key) return &f;
  }
  return nullptr;
}

std::string EnvName(std::string_view key) {
  std::string name = "EDDY_";
  for (char c : key) name.push_back(static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c));
  return name;
}

std::string FlagName(std::string_view key) {
  std::string name(key);
  for (char& c : name) {
    if (c == '_') c = '-';
  }
  return name;
}

void SetInt(const Field& f, std::int64_t v, const std::string& where, Config& config,
            Problems& problems) {
  if (v < f.min || v > f.max) {
    problems.push_back(where + ": " + std::to_string(v) + " is out of range (" +
                       std::to_string(f.min) + ".." + std::to_string(f.max) + ")");
    return;
  }
  if (auto* m = std::get_if<int Config::*>(&f.member)) {
    config.*(*m) = static_cast<int>(v);
  } else {
    config.*std::get<std::size_t Config::*>(f.member) = static_cast<std::size_t>(v);
  }
}

void SetString(const Field& f, std::string_view v, const std::string& where, Config& config,
               Problems& problems) {
  if (std::string why = f.validate(v); !why.empty()) {
    // Never echo store or bus values: they may carry passwords.
    problems.push_back(where + ": " + Quote(MaskUrlPassword(v)) + " " + why);
    return;
  }
  config.*std::get<std::string Config::*>(f.member) = std::string(v);
}

// A value from the environment or a flag: text for every type.
void ApplyText(const Field& f, std::string_view text, const std::string& where, Config& config,
               Problems& problems) {
  if (IsString(f)) return SetString(f, text, where, config, problems);
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || end != text.data() + text.size()) {
    problems.push_back(where + ": " + Quote(text) + " is not an integer");
  } else if (ec == std::errc::result_out_of_range) {
    problems.push_back(where + ": " + std::string(text) + " is out of range (" +
                       std::to_string(f.min) + ".." + std::to_string(f.max) + ")");
  } else {
    SetInt(f, v, where, config, problems);
  }
}

// A value from the config file, which must have the key's JSON type.
void ApplyJson(const Field& f, const json::value& value, const std::string& where, Config& config,
               Problems& problems) {
  if (IsString(f)) {
    if (!value.is_string()) {
      problems.push_back(where + ": must be a string");
      return;
    }
    return SetString(f, value.get_string(), where, config, problems);
  }
  if (value.is_int64()) return SetInt(f, value.get_int64(), where, config, problems);
  if (value.is_uint64()) {
    problems.push_back(where + ": " + std::to_string(value.get_uint64()) + " is out of range (" +
                       std::to_string(f.min) + ".." + std::to_string(f.max) + ")");
    return;
  }
  problems.push_back(where + ": must be an integer");
}

std::optional<std::string> ReadFile(const std::string& path, Problems& problems) {
  const std::string where = "config file " + path;
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) {
    problems.push_back(where + ": cannot be read: " + std::strerror(errno));
    return std::nullopt;
  }
  std::string text;
  char buf[8192];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, file.get())) > 0) {
    text.append(buf, n);
    if (text.size() > kMaxConfigFileBytes) {
      problems.push_back(where + ": is larger than 1 MiB");
      return std::nullopt;
    }
  }
  // fopen succeeds on a directory; the read is what fails.
  if (std::ferror(file.get())) {
    problems.push_back(where + ": cannot be read: " + std::strerror(errno));
    return std::nullopt;
  }
  return text;
}

void ApplyFile(const std::string& path, Config& config, Problems& problems) {
  std::optional<std::string> text = ReadFile(path, problems);
  if (!text) return;
  auto parsed = ParseJson(*text, "config file " + path);
  if (!parsed.ok()) {
    problems.push_back(parsed.error().message);
    return;
  }
  if (!parsed->is_object()) {
    problems.push_back("config file " + path + ": must be a JSON object");
    return;
  }
  for (const auto& kv : parsed->get_object()) {
    const std::string where = "config file " + path + ": " + std::string(kv.key());
    const Field* f = FindField(kv.key());
    if (f == nullptr) {
      problems.push_back("config file " + path + ": unknown key " + Quote(kv.key()));
      continue;
    }
    // null means "as if absent": lets a file document a key without setting it.
    if (kv.value().is_null()) continue;
    ApplyJson(*f, kv.value(), where, config, problems);
  }
}

struct FlagValue {
  const Field* field;
  std::string value;
  std::string where;
};

// Parses the command line into the flags to apply last, plus --config and --print-config.
std::vector<FlagValue> ParseFlags(const std::vector<std::string>& args, Config& config,
                                  std::optional<std::string>& config_path, Problems& problems) {
  std::vector<FlagValue> flags;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (!arg.starts_with("--") || arg.size() == 2) {
      problems.push_back("unexpected argument " + Quote(arg));
      continue;
    }
    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    const std::string where = "flag --" + name;

    // Command-line switches: --name, --name=true or --name=false.
    bool* switch_flag = name == "print-config" ? &config.print_config
                        : name == "test-clock" ? &config.test_clock
                                               : nullptr;
    if (switch_flag != nullptr) {
      if (!value || *value == "true") {
        *switch_flag = true;
      } else if (*value == "false") {
        *switch_flag = false;
      } else {
        problems.push_back(where + ": " + Quote(*value) + " must be true or false");
      }
      continue;
    }

    const Field* field = nullptr;
    if (name != "config") {
      for (const Field& f : kFields) {
        if (FlagName(f.key) == name) field = &f;
      }
      if (field == nullptr) {
        std::string hint;
        if (name.find('_') != std::string::npos && FindField(name) != nullptr) {
          hint = " (did you mean --" + FlagName(name) + "?)";
        }
        problems.push_back("unknown flag --" + name + hint);
        // Skip a separate value so it is not reported as a stray argument too.
        if (!value && i + 1 < args.size() && !args[i + 1].starts_with("--")) ++i;
        continue;
      }
    }
    if (!value) {
      if (i + 1 < args.size() && !args[i + 1].starts_with("--")) {
        value = args[++i];
      } else {
        problems.push_back(where + ": needs a value");
        continue;
      }
    }
    if (field == nullptr) {
      config_path = *value;
    } else {
      flags.push_back({field, std::move(*value), where});
    }
  }
  return flags;
}

std::string MaskQuery(std::string_view query) {
  std::string out;
  size_t start = 0;
  while (start <= query.size()) {
    size_t amp = query.find('&', start);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view param = query.substr(start, amp - start);
    size_t eq = param.find('=');
    if (eq != std::string_view::npos && param.substr(0, eq) == "password") {
      out += "password=****";
    } else {
      out += param;
    }
    if (amp < query.size()) out.push_back('&');
    start = amp + 1;
  }
  return out;
}

}  // namespace

Result<Config> LoadConfig(const std::vector<std::string>& args,
                          const std::map<std::string, std::string>& env) {
  Config config;
  Problems problems;
  std::optional<std::string> config_path;
  std::vector<FlagValue> flags = ParseFlags(args, config, config_path, problems);

  if (!config_path) {
    auto it = env.find("EDDY_CONFIG");
    if (it != env.end() && !it->second.empty()) config_path = it->second;
  }
  if (config_path) {
    if (config_path->empty()) {
      problems.push_back("flag --config: needs a file name");
    } else {
      config.config_file = *config_path;
      ApplyFile(*config_path, config, problems);
    }
  }

  for (const Field& f : kFields) {
    const std::string name = EnvName(f.key);
    auto it = env.find(name);
    // An empty variable counts as unset, as shells make it easy to export one by accident.
    if (it == env.end() || it->second.empty()) continue;
    ApplyText(f, it->second, "environment " + name, config, problems);
  }

  for (const FlagValue& flag : flags) {
    ApplyText(*flag.field, flag.value, flag.where, config, problems);
  }

  if (!problems.empty()) {
    std::string message;
    for (const std::string& p : problems) {
      if (!message.empty()) message.push_back('\n');
      message += p;
    }
    return Error::Input(std::move(message));
  }
  return config;
}

std::string PrintConfig(const Config& config) {
  std::string out = "{\n";
  bool first = true;
  for (const Field& f : kFields) {
    json::value v;
    if (auto* s = std::get_if<std::string Config::*>(&f.member)) {
      v = MaskUrlPassword(config.*(*s));
    } else if (auto* i = std::get_if<int Config::*>(&f.member)) {
      v = config.*(*i);
    } else {
      v = static_cast<std::uint64_t>(config.*std::get<std::size_t Config::*>(f.member));
    }
    if (!first) out += ",\n";
    first = false;
    out += "  " + Quote(f.key) + ": " + json::serialize(v);
  }
  out += "\n}";
  return out;
}

std::string MaskUrlPassword(std::string_view url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  const size_t auth_begin = scheme_end + 3;
  // The password ends at the last '@' before the query: passwords are often not
  // percent-encoded, so '/' or '@' inside one must not end it early.
  size_t query = url.find('?', auth_begin);
  if (query == std::string_view::npos) query = url.size();
  const size_t at = url.substr(0, query).rfind('@');

  std::string out(url.substr(0, auth_begin));
  size_t rest = auth_begin;
  if (at != std::string_view::npos && at >= auth_begin) {
    std::string_view userinfo = url.substr(auth_begin, at - auth_begin);
    size_t colon = userinfo.find(':');
    if (colon != std::string_view::npos) {
      out += userinfo.substr(0, colon + 1);
      out += "****";
    } else {
      out += userinfo;
    }
    rest = at;
  }
  out += url.substr(rest, query - rest);
  if (query < url.size()) {
    size_t hash = url.find('#', query);
    if (hash == std::string_view::npos) hash = url.size();
    out.push_back('?');
    out += MaskQuery(url.substr(query + 1, hash - query - 1));
    out += url.substr(hash);
  }
  return out;
}

}  // namespace eddy::server
