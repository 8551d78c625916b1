// ModerationService: flags of messages and users, and the review list (protocol §6.9).
#include <utility>

#include "server/domain/channel_access.h"
#include "server/domain/filter_parser.h"
#include "server/domain/moderation_service.h"

namespace eddy::server {

namespace {

const QuerySpec& FlagQuerySpec() {
  static const QuerySpec spec = [] {
    using Op = FilterOp;
    const std::vector<Op> ids = {Op::kEq, Op::kNe, Op::kIn, Op::kNin};
    QuerySpec s;
    s.resource = "flags";
    s.fields["user_id"] = {FieldType::kString, ids, false};
    s.fields["target_message_id"] = {FieldType::kString, ids, false};
    s.fields["target_user_id"] = {FieldType::kString, ids, false};
    s.fields["channel_cid"] = {FieldType::kString, ids, false};
    s.fields["reason"] = {FieldType::kString, {Op::kEq, Op::kNe, Op::kAutocomplete}, false};
    s.fields["created_at"] = {FieldType::kTime, {Op::kGt, Op::kGte, Op::kLt, Op::kLte}, false};
    return s;
  }();
  return spec;
}

Status CheckOneTarget(const FlagRequest& in) {
  if (in.target_message_id.empty() == in.target_user_id.empty()) {
    return Error::Input("set exactly one of target_message_id and target_user_id");
  }
  if (in.reason.size() > kMaxReasonBytes) {
    return Error::Input("reason is longer than " + std::to_string(kMaxReasonBytes) + " bytes");
  }
  return {};
}

}  // namespace

Result<json::object> ModerationService::AddFlag(const Actor& actor, const App& app,
                                                const FlagRequest& in) {
  EDDY_ASSIGN_OR_RETURN(std::string flagger_id, ActingUser(actor, in.user_id, "user_id"));
  EDDY_TRY(CheckOneTarget(in));
  EDDY_ASSIGN_OR_RETURN(User flagger, MustFindUser(app, flagger_id));
  const Micros now = clock_.Now();
  Flag f;
  f.user_id = flagger.id;
  f.reason = in.reason;
  f.created_at = now;
  f.updated_at = now;
  if (!in.target_message_id.empty()) {
    EDDY_ASSIGN_OR_RETURN(std::optional<Message> m,
                          store_.messages().GetMessage(app.api_key, in.target_message_id));
    // A shadowed message exists only for its author.
    if (!m || (m->shadowed && m->user_id != flagger.id)) {
      return Error::NotFound("message '" + in.target_message_id + "' does not exist");
    }
    if (m->user_id == flagger.id) return Error::Input("a user cannot flag their own message");
    EDDY_ASSIGN_OR_RETURN(ChannelScope c, LoadChannel(app, m->cid()));
    Actor as_flagger = actor;
    as_flagger.user_id = flagger.id;
    EDDY_TRY(CheckInChannel(as_flagger, app, c, ChannelAction::kFlagMessage));
    f.target_message_id = m->id;
    f.target_user_id = m->user_id;
    f.channel_cid = m->cid();
  } else {
    if (in.target_user_id == flagger.id) return Error::Input("a user cannot flag themself");
    EDDY_ASSIGN_OR_RETURN(User target, MustFindUser(app, in.target_user_id));
    f.target_user_id = target.id;
  }
  EDDY_TRY(store_.moderation().UpsertFlag(app.api_key, f));
  FlagQuery q;  // re-read: a repeated flag keeps its created_at
  q.filter.kind = Filter::Kind::kAnd;
  for (auto [field, value] :
       {std::pair{"user_id", f.user_id}, std::pair{"target_user_id", f.target_user_id}}) {
    Filter c;
    c.kind = Filter::Kind::kCondition;
    c.field = field;
    c.value = value;
    q.filter.children.push_back(std::move(c));
  }
  EDDY_ASSIGN_OR_RETURN(std::vector<Flag> stored, store_.moderation().QueryFlags(app.api_key, q));
  std::erase_if(stored, [&](const Flag& s) { return s.target_message_id != f.target_message_id; });
  if (stored.empty()) stored.push_back(f);
  EDDY_ASSIGN_OR_RETURN(json::array rendered, FlagsJson(app, stored));
  return json::object{{"flag", rendered.empty() ? json::object() : rendered.front()}};
}

Status ModerationService::RemoveFlag(const Actor& actor, const App& app, const FlagRequest& in) {
  EDDY_ASSIGN_OR_RETURN(std::string flagger_id, ActingUser(actor, in.user_id, "user_id"));
  EDDY_TRY(CheckOneTarget(in));
  std::string target_user = in.target_user_id;
  if (!in.target_message_id.empty()) {
    EDDY_ASSIGN_OR_RETURN(std::optional<Message> m,
                          store_.messages().GetMessage(app.api_key, in.target_message_id));
    if (!m) return Error::NotFound("message '" + in.target_message_id + "' does not exist");
    target_user = m->user_id;
  }
  EDDY_TRY(
      store_.moderation().DeleteFlag(app.api_key, flagger_id, in.target_message_id, target_user));
  return {};
}

Result<json::array> ModerationService::QueryFlags(const Actor& actor, const App& app,
                                                  const json::object& payload, bool messages_only) {
  EDDY_TRY(CheckModerator(actor, app, "query flags"));
  FlagQuery q;
  q.messages_only = messages_only;
  const json::value* filter = payload.if_contains("filter_conditions");
  EDDY_ASSIGN_OR_RETURN(q.filter, ParseFilter(filter ? *filter : json::value(), FlagQuerySpec()));
  EDDY_TRY(ReadPage(payload, &q.limit, &q.offset));
  EDDY_ASSIGN_OR_RETURN(std::vector<Flag> flags, store_.moderation().QueryFlags(app.api_key, q));
  return FlagsJson(app, flags);
}

// {user, created_at, updated_at, created_by_automod, reason?, target_user, target_message_id?,
// message?, channel_cid?}; `message` as a server-side reader sees it.
Result<json::array> ModerationService::FlagsJson(const App& app, const std::vector<Flag>& flags) {
  std::vector<std::string> ids, message_ids;
  for (const Flag& f : flags) {
    ids.push_back(f.user_id);
    ids.push_back(f.target_user_id);
    if (!f.target_message_id.empty()) message_ids.push_back(f.target_message_id);
  }
  EDDY_ASSIGN_OR_RETURN(auto users, UsersJson(app, std::move(ids)));
  EDDY_ASSIGN_OR_RETURN(std::vector<Message> messages,
                        store_.messages().GetMessages(app.api_key, message_ids));
  EDDY_ASSIGN_OR_RETURN(json::array rendered, message_views_.Render(app, "", messages));
  std::map<std::string, json::value> by_id;
  for (size_t i = 0; i < messages.size(); ++i) by_id[messages[i].id] = rendered[i];
  json::array out;
  for (const Flag& f : flags) {
    json::object o{{"created_at", FormatTime(f.created_at)},
                   {"updated_at", FormatTime(f.updated_at)},
                   {"created_by_automod", f.user_id.empty()},
                   {"target_user_id", f.target_user_id}};
    if (auto u = users.find(f.user_id); u != users.end()) o["user"] = u->second;
    if (auto t = users.find(f.target_user_id); t != users.end()) o["target_user"] = t->second;
    if (!f.reason.empty()) o["reason"] = f.reason;
    if (!f.target_message_id.empty()) {
      o["target_message_id"] = f.target_message_id;
      o["channel_cid"] = f.channel_cid;
      if (auto m = by_id.find(f.target_message_id); m != by_id.end()) o["message"] = m->second;
    }
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace eddy::server
