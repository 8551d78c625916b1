#include "server/domain/channel_query.h"

#include <set>
#include <string>

#include "protocol/channel_json.h"
#include "protocol/user_json.h"

namespace eddy::server {

namespace {

using Op = FilterOp;

const std::vector<Op> kStringOps = {Op::kEq, Op::kNe, Op::kIn, Op::kNin};
const std::vector<Op> kBoolOps = {Op::kEq, Op::kNe};
const std::vector<Op> kOrderedOps = {Op::kEq, Op::kNe,  Op::kGt, Op::kGte,
                                     Op::kLt, Op::kLte, Op::kIn, Op::kNin};
const std::vector<Op> kTimeOps = {Op::kEq,  Op::kNe, Op::kGt,  Op::kGte,   Op::kLt,
                                  Op::kLte, Op::kIn, Op::kNin, Op::kExists};
const std::vector<Op> kCustomOps = {Op::kEq,     Op::kNe,       Op::kGt,           Op::kGte,
                                    Op::kLt,     Op::kLte,      Op::kIn,           Op::kNin,
                                    Op::kExists, Op::kContains, Op::kAutocomplete, Op::kQ};

QuerySpec MakeChannelQuerySpec() {
  QuerySpec s;
  s.resource = "channels";
  s.fields["type"] = {FieldType::kString, kStringOps, false};
  s.fields["id"] = {FieldType::kString, kStringOps, true};
  s.fields["cid"] = {FieldType::kString, kStringOps, true};
  s.fields["created_by_id"] = {FieldType::kString, kStringOps, false};
  s.fields["team"] = {FieldType::kString, kStringOps, false};
  s.fields["frozen"] = {FieldType::kBool, kBoolOps, false};
  s.fields["disabled"] = {FieldType::kBool, kBoolOps, false};
  s.fields["members"] = {FieldType::kStringArray, {Op::kIn, Op::kEq}, false};
  s.fields["created_at"] = {FieldType::kTime, kTimeOps, true};
  s.fields["updated_at"] = {FieldType::kTime, kTimeOps, true};
  s.fields["last_message_at"] = {FieldType::kTime, kTimeOps, true};
  s.fields["deleted_at"] = {FieldType::kTime, kTimeOps, false};
  s.fields["member_count"] = {FieldType::kNumber, kOrderedOps, true};
  s.fields["message_count"] = {FieldType::kNumber, kOrderedOps, true};
  s.fields["hidden"] = {FieldType::kBool, kBoolOps, false};
  s.fields["joined"] = {FieldType::kBool, kBoolOps, false};
  s.fields["pinned"] = {FieldType::kBool, kBoolOps, false};
  s.fields["archived"] = {FieldType::kBool, kBoolOps, false};
  s.fields["invite"] = {FieldType::kString, {Op::kEq, Op::kNe, Op::kIn}, false};
  s.fields["last_updated"] = {FieldType::kTime, {}, true};
  s.fields["pinned_at"] = {FieldType::kTime, {}, true};
  s.fields["muted"] = {FieldType::kBool, kBoolOps, false};
  // Known to the protocol, not answerable by a store query: refused with a clear error.
  s.fields["unread_count"] = {FieldType::kNumber, {}, false};
  s.fields["has_unread"] = {FieldType::kBool, {}, false};
  s.custom = FieldSpec{FieldType::kAny, kCustomOps, true};
  return s;
}

QuerySpec MakeMemberQuerySpec() {
  QuerySpec s;
  s.resource = "members";
  s.fields["id"] = {FieldType::kString, {Op::kEq, Op::kNe, Op::kIn, Op::kNin}, false};
  s.fields["user_id"] = {FieldType::kString, {Op::kEq, Op::kNe, Op::kIn, Op::kNin}, true};
  s.fields["name"] = {FieldType::kString, {Op::kEq, Op::kIn, Op::kAutocomplete, Op::kQ}, true};
  s.fields["channel_role"] = {FieldType::kString, kStringOps, false};
  s.fields["is_moderator"] = {FieldType::kBool, kBoolOps, false};
  s.fields["banned"] = {FieldType::kBool, kBoolOps, false};
  s.fields["shadow_banned"] = {FieldType::kBool, kBoolOps, false};
  s.fields["notifications_muted"] = {FieldType::kBool, kBoolOps, false};
  s.fields["joined"] = {FieldType::kBool, kBoolOps, false};
  s.fields["invite"] = {FieldType::kString, {Op::kEq, Op::kNe, Op::kIn}, false};
  s.fields["created_at"] = {FieldType::kTime, kTimeOps, true};
  s.fields["updated_at"] = {FieldType::kTime, kTimeOps, true};
  s.fields["last_active"] = {FieldType::kTime, kTimeOps, true};
  s.custom = FieldSpec{FieldType::kAny, kCustomOps, false};
  return s;
}

Result<int> ReadBound(const json::object& o, std::string_view key, int fallback, int max) {
  EDDY_ASSIGN_OR_RETURN(std::optional<std::int64_t> v, GetInt(o, key));
  if (!v) return fallback;
  if (*v < 0 || *v > max) {
    return Error::Input(std::string(key) + " must be between 0 and " + std::to_string(max));
  }
  return static_cast<int>(*v);
}

const json::value& Field(const json::object& o, std::string_view key) {
  static const json::value kNull;
  const json::value* v = o.if_contains(key);
  return v != nullptr ? *v : kNull;
}

}  // namespace

const QuerySpec& ChannelQuerySpec() {
  static const QuerySpec spec = MakeChannelQuerySpec();
  return spec;
}

const QuerySpec& MemberQuerySpec() {
  static const QuerySpec spec = MakeMemberQuerySpec();
  return spec;
}

bool FilterMentions(const Filter& filter, std::string_view field) {
  if (filter.kind == Filter::Kind::kCondition) return filter.field == field;
  for (const Filter& c : filter.children) {
    if (FilterMentions(c, field)) return true;
  }
  return false;
}

void RewriteMuted(Filter& f, const std::set<std::string>& muted_cids) {
  if (f.kind != Filter::Kind::kCondition) {
    for (Filter& c : f.children) RewriteMuted(c, muted_cids);
    return;
  }
  if (f.field != "muted") return;
  const bool wants_muted = f.value.as_bool() != (f.op == FilterOp::kNe);
  json::array cids;
  for (const std::string& cid : muted_cids) cids.emplace_back(cid);
  f.field = "cid";
  f.op = wants_muted ? FilterOp::kIn : FilterOp::kNin;
  f.value = std::move(cids);
}

Result<QueryChannelsOptions> ParseQueryChannels(const json::object& body, bool has_connection) {
  QueryChannelsOptions q;
  EDDY_ASSIGN_OR_RETURN(q.filter,
                        ParseFilter(Field(body, "filter_conditions"), ChannelQuerySpec()));
  q.filter_names_hidden = FilterMentions(q.filter, "hidden");
  q.filter_names_muted = FilterMentions(q.filter, "muted");
  EDDY_ASSIGN_OR_RETURN(q.sort, ParseSort(Field(body, "sort"), ChannelQuerySpec()));
  for (SortField& s : q.sort) {
    if (s.field == "last_updated") s.field = "last_message_at";
  }
  EDDY_ASSIGN_OR_RETURN(q.limit, ReadBound(body, "limit", 0, kMaxChannelQueryLimit));
  if (q.limit == 0) q.limit = kDefaultChannelQueryLimit;
  EDDY_ASSIGN_OR_RETURN(q.offset, ReadBound(body, "offset", 0, kMaxChannelQueryOffset));
  EDDY_ASSIGN_OR_RETURN(
      q.message_limit,
      ReadBound(body, "message_limit", kDefaultChannelMessageLimit, kMaxChannelMessageLimit));
  EDDY_ASSIGN_OR_RETURN(q.member_limit, ReadBound(body, "member_limit", kDefaultChannelMemberLimit,
                                                  kMaxChannelMemberLimit));
  EDDY_ASSIGN_OR_RETURN(std::optional<bool> state, GetBool(body, "state"));
  q.state = state.value_or(true);
  EDDY_ASSIGN_OR_RETURN(std::optional<bool> watch, GetBool(body, "watch"));
  q.watch = watch.value_or(has_connection);
  EDDY_ASSIGN_OR_RETURN(std::optional<bool> presence, GetBool(body, "presence"));
  q.presence = presence.value_or(false);
  EDDY_ASSIGN_OR_RETURN(std::optional<std::string> user_id, GetString(body, "user_id"));
  if (user_id && !user_id->empty()) {
    EDDY_TRY(protocol::ValidateUserId(*user_id));
    q.user_id = std::move(*user_id);
  }
  return q;
}

Result<QueryMembersOptions> ParseQueryMembers(const json::object& payload) {
  QueryMembersOptions q;
  EDDY_ASSIGN_OR_RETURN(std::optional<std::string> type, GetString(payload, "type"));
  if (!type) return Error::Input("'type' is a required field");
  EDDY_TRY(protocol::ValidateChannelType(*type));
  q.type = std::move(*type);
  EDDY_ASSIGN_OR_RETURN(std::optional<std::string> id, GetString(payload, "id"));
  if (id && !id->empty()) {
    EDDY_TRY(protocol::ValidateChannelId(*id));
    q.id = std::move(*id);
  } else if (const json::value* members = payload.if_contains("members");
             members != nullptr && !members->is_null()) {
    EDDY_ASSIGN_OR_RETURN(std::vector<protocol::MemberInput> list,
                          protocol::MemberListFromJson(*members, "members"));
    std::vector<std::string> ids;
    for (const protocol::MemberInput& m : list) ids.push_back(m.user_id);
    if (ids.size() < 2) {
      return Error::Input("When using member based IDs specify at least 2 members");
    }
    q.id = protocol::DistinctChannelId(std::move(ids));
  } else {
    return Error::Input("either 'id' or 'members' is required");
  }
  const json::value& filter = Field(payload, "filter_conditions");
  if (filter.is_object() && filter.get_object().contains("cid")) {
    return Error::Input(
        "cid cannot be used in a member query: it covers one channel, named by "
        "type and id");
  }
  EDDY_ASSIGN_OR_RETURN(q.query.filter, ParseFilter(filter, MemberQuerySpec()));
  if (FilterMentions(q.query.filter, "cid")) {
    return Error::Input("cid cannot be used in a member query: it covers one channel");
  }
  EDDY_ASSIGN_OR_RETURN(q.query.sort, ParseSort(Field(payload, "sort"), MemberQuerySpec()));
  EDDY_ASSIGN_OR_RETURN(q.query.limit, ReadBound(payload, "limit", 0, kMaxMemberQueryLimit));
  if (q.query.limit == 0) q.query.limit = kDefaultMemberQueryLimit;
  EDDY_ASSIGN_OR_RETURN(q.query.offset, ReadBound(payload, "offset", 0, kMaxMemberQueryOffset));
  return q;
}

}  // namespace eddy::server
