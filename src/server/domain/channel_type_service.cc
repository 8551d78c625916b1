#include "server/domain/channel_type_service.h"

#include <array>
#include <string>
#include <vector>

namespace eddy::server {

namespace {

constexpr std::array<std::string_view, 20> kBoolKeys = {"typing_events",
                                                        "read_events",
                                                        "connect_events",
                                                        "delivery_events",
                                                        "search",
                                                        "reactions",
                                                        "replies",
                                                        "quotes",
                                                        "mutes",
                                                        "uploads",
                                                        "url_enrichment",
                                                        "custom_events",
                                                        "push_notifications",
                                                        "reminders",
                                                        "mark_messages_pending",
                                                        "polls",
                                                        "user_message_reminders",
                                                        "shared_locations",
                                                        "count_messages",
                                                        "skip_last_msg_update_for_system_msgs"};

struct EnumKey {
  std::string_view key;
  std::vector<std::string_view> values;
};

const std::vector<EnumKey>& EnumKeys() {
  static const std::vector<EnumKey> keys = {
      {"automod", {"disabled", "simple", "AI"}},
      {"automod_behavior", {"flag", "block", "shadow_block"}},
      {"blocklist_behavior", {"flag", "block", "shadow_block"}},
      {"push_level", {"all", "all_mentions", "mentions", "direct_mentions", "none"}},
  };
  return keys;
}

constexpr int kMaxMessageLengthLimit = 20000;
constexpr std::size_t kMaxCommands = 50;
constexpr std::size_t kMaxListItems = 32;
constexpr std::size_t kMaxNameLength = 64;

// Names of types and commands: [a-z0-9_-]{1,64}.
bool ValidName(std::string_view s) {
  if (s.empty() || s.size() > kMaxNameLength) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  }
  return true;
}

Error Bad(std::string_view key, std::string_view want) {
  return Error::Input("channel type setting '" + std::string(key) + "' must be " +
                      std::string(want));
}

bool IsShortString(const json::value& v) {
  return v.is_string() && v.get_string().size() <= kMaxNameLength;
}

// `commands`: names; "all" stands for every command eddy defines, and it defines none (it
// runs no slash commands), so only the other names are kept.
Result<json::array> ParseCommands(const json::value& v) {
  if (!v.is_array() || v.get_array().size() > kMaxCommands) {
    return Bad("commands", "an array of at most 50 command names");
  }
  json::array out;
  for (const json::value& c : v.get_array()) {
    if (!c.is_string() || !ValidName(c.get_string())) {
      return Bad("commands", "an array of names matching [a-z0-9_-]{1,64}");
    }
    if (c.get_string() == "all") continue;
    out.push_back(
        json::object{{"name", c.get_string()}, {"description", ""}, {"args", ""}, {"set", ""}});
  }
  return out;
}

// Checks one config key's value; Ok means it may be stored as given.
Status CheckConfigValue(std::string_view key, const json::value& v) {
  for (std::string_view k : kBoolKeys) {
    if (k == key) return v.is_bool() ? Status{} : Status{Bad(key, "a boolean")};
  }
  for (const EnumKey& e : EnumKeys()) {
    if (e.key != key) continue;
    for (std::string_view allowed : e.values) {
      if (v.is_string() && v.get_string() == allowed) return {};
    }
    std::string want = "one of";
    for (std::string_view allowed : e.values) want += " \"" + std::string(allowed) + "\"";
    return Bad(key, want);
  }
  if (key == "max_message_length") {
    if (!v.is_int64() || v.get_int64() < 1 || v.get_int64() > kMaxMessageLengthLimit) {
      return Bad(key, "an integer from 1 to " + std::to_string(kMaxMessageLengthLimit));
    }
    return {};
  }
  if (key == "message_retention") {
    bool ok = v.is_string() && !v.get_string().empty() && v.get_string().size() <= 6;
    if (ok && v.get_string() != "infinite") {
      for (char c : v.get_string()) ok = ok && c >= '0' && c <= '9';
    }
    return ok ? Status{} : Status{Bad(key, "\"infinite\" or a number of days")};
  }
  if (key == "blocklist" || key == "partition_ttl") {
    return IsShortString(v) ? Status{} : Status{Bad(key, "a string of at most 64 characters")};
  }
  if (key == "partition_size") {
    bool ok = v.is_int64() && v.get_int64() >= 0 && v.get_int64() <= 1'000'000;
    return ok ? Status{} : Status{Bad(key, "an integer from 0 to 1000000")};
  }
  if (key == "allowed_flag_reasons" || key == "blocklists") {
    if (!v.is_array() || v.get_array().size() > kMaxListItems) {
      return Bad(key, "an array of at most 32 items");
    }
    for (const json::value& e : v.get_array()) {
      bool ok = key == "blocklists" ? e.is_object() && json::serialize(e).size() <= 1024
                                    : IsShortString(e);
      if (!ok) return Bad(key, key == "blocklists" ? "an array of objects" : "an array of strings");
    }
    return {};
  }
  if (key == "created_at" || key == "updated_at") {
    return Error::Input("channel type setting '" + std::string(key) + "' is set by the server");
  }
  return Error::Input("unknown channel type setting '" + std::string(key) + "'");
}

// Applies `body` to `type`; changes nothing on error (works on a copy).
Status Apply(ChannelType& type, const json::object& body, Micros now) {
  ChannelType next = type;
  for (const auto& kv : body) {
    std::string_view key = kv.key();
    const json::value& v = kv.value();
    if (key == "name") {
      if (!v.is_string() || v.get_string() != next.name) {
        return Error::Input("a channel type cannot be renamed");
      }
    } else if (key == "grants") {
      EDDY_ASSIGN_OR_RETURN(Grants grants, ParseGrants(v));
      for (auto& [role, perms] : grants) next.grants[role] = std::move(perms);
    } else if (key == "commands") {
      EDDY_ASSIGN_OR_RETURN(next.config["commands"], ParseCommands(v));
    } else if (key == "permissions") {
      return Error::Input(
          "'permissions' (v1 policies) are not supported: eddy uses grants (permission_version "
          "v2)");
    } else {
      EDDY_TRY(CheckConfigValue(key, v));
      next.config[key] = v;
    }
  }
  next.config["updated_at"] = FormatTime(now);
  next.members_only = FromStored(ToStored(next)).members_only;
  type = std::move(next);
  return {};
}

json::object TypeJson(const ChannelType& t, bool command_names) {
  json::object out = t.config;
  out["grants"] = GrantsToJson(t.grants);
  out["permissions"] = json::array();
  if (command_names) {
    json::array names;
    if (const json::value* c = t.config.if_contains("commands"); c && c->is_array()) {
      for (const json::value& cmd : c->get_array()) {
        if (const json::value* n =
                cmd.is_object() ? cmd.get_object().if_contains("name") : nullptr) {
          names.push_back(*n);
        }
      }
    }
    out["commands"] = std::move(names);
  }
  return out;
}

Error NotDefined(std::string_view name) {
  return Error::NotFound(std::string(name) + " is not a defined channel type");
}

}  // namespace

Result<ChannelType> ChannelTypeService::Existing(const App& app, std::string_view name) const {
  std::shared_ptr<const ChannelType> t = types_.Find(app.api_key, name);
  if (!t) return NotDefined(name);
  return *t;
}

Status ChannelTypeService::Save(const App& app, const ChannelType& type) {
  Status saved = store_.channel_types().PutChannelType(app.api_key, ToStored(type));
  types_.Invalidate(app.api_key);
  return saved;
}

Result<json::object> ChannelTypeService::List(const App& app) {
  json::object out;
  std::shared_ptr<const ChannelTypes::TypeList> all = types_.List(app.api_key);
  for (const ChannelType& t : *all) out[t.name] = TypeJson(t, false);
  return json::object{{"channel_types", std::move(out)}};
}

Result<json::object> ChannelTypeService::Get(const App& app, std::string_view name) {
  EDDY_ASSIGN_OR_RETURN(ChannelType t, Existing(app, name));
  return TypeJson(t, false);
}

Result<json::object> ChannelTypeService::Create(const App& app, const json::object& body) {
  const json::value* name = body.if_contains("name");
  if (name == nullptr || !name->is_string() || !ValidName(name->get_string())) {
    return Error::Input("'name' is required: a channel type name matching [a-z0-9_-]{1,64}");
  }
  std::lock_guard lock(mutex_);
  std::shared_ptr<const ChannelTypes::TypeList> all = types_.List(app.api_key);
  std::size_t custom = 0;
  for (const ChannelType& t : *all) {
    if (t.name == name->get_string()) {
      return Error::Input("channel type '" + t.name + "' already exists");
    }
    if (!types_.Builtin(t.name)) ++custom;
  }
  if (custom >= kMaxCustomChannelTypes) {
    return Error::Input("an app may define at most " + std::to_string(kMaxCustomChannelTypes) +
                        " channel types of its own");
  }
  // New types start as a members-only messaging type without its member delete right.
  ChannelType t = *types_.Builtin("messaging");
  t.name = std::string(name->get_string());
  t.config["name"] = t.name;
  t.config["commands"] = json::array();
  t.grants = DefaultGrants(/*members_only=*/true, /*member_deletes=*/false);
  const Micros now = clock_.Now();
  t.config["created_at"] = FormatTime(now);
  EDDY_TRY(Apply(t, body, now));
  EDDY_TRY(Save(app, t));
  return TypeJson(t, true);
}

Result<json::object> ChannelTypeService::Update(const App& app, std::string_view name,
                                                const json::object& body) {
  std::lock_guard lock(mutex_);
  EDDY_ASSIGN_OR_RETURN(ChannelType t, Existing(app, name));
  EDDY_TRY(Apply(t, body, clock_.Now()));
  EDDY_TRY(Save(app, t));
  return TypeJson(t, true);
}

Status ChannelTypeService::Delete(const App& app, std::string_view name) {
  if (types_.Builtin(name)) {
    return Error::Input("channel type '" + std::string(name) +
                        "' is built in and cannot be deleted; change it with PUT instead");
  }
  std::lock_guard lock(mutex_);
  EDDY_ASSIGN_OR_RETURN(ChannelType t, Existing(app, name));
  ChannelQuery q;
  q.filter.kind = Filter::Kind::kCondition;
  q.filter.field = "type";
  q.filter.op = FilterOp::kEq;
  q.filter.value = json::string(name);
  q.include_deleted = true;
  q.limit = 1;
  EDDY_ASSIGN_OR_RETURN(std::vector<Channel> in_use,
                        store_.channels().QueryChannels(app.api_key, q));
  if (!in_use.empty()) {
    return Error::Input("channel type '" + t.name + "' still has channels (e.g. '" +
                        in_use.front().cid() + "'); hard delete them first");
  }
  EDDY_ASSIGN_OR_RETURN(bool deleted, store_.channel_types().DeleteChannelType(app.api_key, name));
  types_.Invalidate(app.api_key);
  if (!deleted) return NotDefined(name);
  return {};
}

}  // namespace eddy::server
