#include "server/domain/user_query.h"

#include <string>

namespace eddy::server {

namespace {

using Op = FilterOp;

QuerySpec MakeUserQuerySpec() {
  const std::vector<Op> string_ops = {Op::kEq, Op::kNe,  Op::kGt, Op::kGte,
                                      Op::kLt, Op::kLte, Op::kIn, Op::kNin};
  const std::vector<Op> bool_ops = {Op::kEq, Op::kNe};
  const std::vector<Op> time_ops = {Op::kEq,  Op::kNe, Op::kGt,  Op::kGte,   Op::kLt,
                                    Op::kLte, Op::kIn, Op::kNin, Op::kExists};
  QuerySpec s;
  s.resource = "users";
  auto with = [](std::vector<Op> ops, std::initializer_list<Op> more) {
    ops.insert(ops.end(), more);
    return ops;
  };
  s.fields["id"] = {FieldType::kString, with(string_ops, {Op::kAutocomplete}), true};
  s.fields["role"] = {FieldType::kString, string_ops, true};
  s.fields["language"] = {FieldType::kString, string_ops, true};
  s.fields["banned"] = {FieldType::kBool, bool_ops, true};
  s.fields["shadow_banned"] = {FieldType::kBool, bool_ops, true};
  s.fields["invisible"] = {FieldType::kBool, bool_ops, true};
  s.fields["teams"] = {FieldType::kStringArray, {Op::kContains, Op::kEq, Op::kIn, Op::kNin}, false};
  s.fields["created_at"] = {FieldType::kTime, time_ops, true};
  s.fields["updated_at"] = {FieldType::kTime, time_ops, true};
  s.fields["last_active"] = {FieldType::kTime, time_ops, true};
  s.fields["deactivated_at"] = {FieldType::kTime, time_ops, true};
  s.fields["online"] = {FieldType::kBool, bool_ops, false};
  s.custom = FieldSpec{FieldType::kAny,
                       {Op::kEq, Op::kNe, Op::kGt, Op::kGte, Op::kLt, Op::kLte, Op::kIn, Op::kNin,
                        Op::kExists, Op::kContains, Op::kAutocomplete, Op::kQ},
                       true};
  return s;
}

Result<int> ReadBound(const json::object& p, std::string_view key, int fallback, int max) {
  EDDY_ASSIGN_OR_RETURN(std::optional<std::int64_t> v, GetInt(p, key));
  if (!v) return fallback;
  if (*v < 0 || *v > max) {
    return Error::Input(std::string(key) + " must be between 0 and " + std::to_string(max));
  }
  return static_cast<int>(*v);
}

// What an `online` condition requires: online (true) or offline (false).
bool OnlineWanted(const Filter& c) {
  bool v = c.value.as_bool();  // the parser guarantees a boolean for $eq/$ne on online
  return c.op == FilterOp::kNe ? !v : v;
}

bool MentionsOnline(const Filter& f) {
  if (f.kind == Filter::Kind::kCondition) return f.field == "online";
  for (const Filter& c : f.children) {
    if (MentionsOnline(c)) return true;
  }
  return false;
}

}  // namespace

const QuerySpec& UserQuerySpec() {
  static const QuerySpec spec = MakeUserQuerySpec();
  return spec;
}

Result<QueryUsersOptions> ParseQueryUsers(const json::object& payload) {
  QueryUsersOptions q;
  static const json::value kNull;
  const json::value* filter = payload.if_contains("filter_conditions");
  EDDY_ASSIGN_OR_RETURN(q.filter, ParseFilter(filter ? *filter : kNull, UserQuerySpec()));
  const json::value* sort = payload.if_contains("sort");
  EDDY_ASSIGN_OR_RETURN(q.sort, ParseSort(sort ? *sort : kNull, UserQuerySpec()));
  EDDY_ASSIGN_OR_RETURN(q.limit, ReadBound(payload, "limit", 0, kMaxUserQueryLimit));
  if (q.limit == 0) q.limit = kDefaultUserQueryLimit;
  EDDY_ASSIGN_OR_RETURN(q.offset, ReadBound(payload, "offset", 0, kMaxUserQueryOffset));
  EDDY_ASSIGN_OR_RETURN(std::optional<bool> presence, GetBool(payload, "presence"));
  q.presence = presence.value_or(false);
  EDDY_ASSIGN_OR_RETURN(std::optional<bool> deactivated,
                        GetBool(payload, "include_deactivated_users"));
  q.include_deactivated = deactivated.value_or(false);
  return q;
}

Result<std::optional<bool>> SplitOnlineFilter(Filter& filter) {
  std::optional<bool> wanted;
  auto take = [&](const Filter& c) -> Status {
    bool w = OnlineWanted(c);
    if (wanted && *wanted != w) return Error::Input("filter on 'online' contradicts itself");
    wanted = w;
    return {};
  };
  if (filter.kind == Filter::Kind::kCondition) {
    if (filter.field != "online") return wanted;
    EDDY_TRY(take(filter));
    filter = Filter{};
    return wanted;
  }
  if (filter.kind == Filter::Kind::kAnd) {
    std::vector<Filter> rest;
    for (Filter& c : filter.children) {
      if (c.kind == Filter::Kind::kCondition && c.field == "online") {
        EDDY_TRY(take(c));
      } else {
        rest.push_back(std::move(c));
      }
    }
    filter.children = std::move(rest);
  }
  if (MentionsOnline(filter)) {
    return Error::Input("'online' can only be used at the top level of a users filter");
  }
  return wanted;
}

}  // namespace eddy::server
