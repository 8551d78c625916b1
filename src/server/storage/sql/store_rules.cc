#include "server/storage/sql/store_rules.h"

#include <algorithm>
#include <initializer_list>
#include <iterator>
#include <string_view>

namespace eddy::server::sql {

namespace {

int CountSet(std::initializer_list<bool> flags) {
  return static_cast<int>(std::count(flags.begin(), flags.end(), true));
}

constexpr std::string_view kPerUserFields[] = {"hidden", "pinned", "archived",
                                               "joined", "invite", "pinned_at"};

// The first per-user field the filter uses, if any.
std::string_view PerUserField(const Filter& f) {
  if (f.kind == Filter::Kind::kCondition) {
    for (std::string_view field : kPerUserFields) {
      if (f.field == field) return field;
    }
    return {};
  }
  for (const Filter& child : f.children) {
    std::string_view field = PerUserField(child);
    if (!field.empty()) return field;
  }
  return {};
}

}  // namespace

Status CheckMessagePage(const MessagePage& p) {
  if (p.limit < 0) return Error::Input("message limit must not be negative");
  const int id_bounds = CountSet({!p.id_lt.empty(), !p.id_lte.empty(), !p.id_gt.empty(),
                                  !p.id_gte.empty(), !p.id_around.empty()});
  const int time_bounds =
      CountSet({p.created_at_before.has_value(), p.created_at_before_or_equal.has_value(),
                p.created_at_after.has_value(), p.created_at_after_or_equal.has_value(),
                p.created_at_around.has_value()});
  if (id_bounds > 1) {
    return Error::Input("use at most one of id_lt, id_lte, id_gt, id_gte, id_around");
  }
  if (time_bounds > 1) return Error::Input("use at most one created_at_* pagination option");
  if (IsAroundPage(p) && id_bounds + time_bounds > 1) {
    return Error::Input("id_around and created_at_around cannot be combined with other bounds");
  }
  return {};
}

bool IsAroundPage(const MessagePage& p) {
  return !p.id_around.empty() || p.created_at_around.has_value();
}

bool PagesForward(const MessagePage& p) {
  return !p.id_gt.empty() || !p.id_gte.empty() || p.created_at_after.has_value() ||
         p.created_at_after_or_equal.has_value();
}

std::vector<Message> MergeAround(std::vector<Message> before, std::vector<Message> after,
                                 int limit_in) {
  const size_t limit = static_cast<size_t>(std::max(limit_in, 0));
  size_t take_before =
      std::min(before.size(), std::max(limit - limit / 2, limit - std::min(limit, after.size())));
  size_t take_after = std::min(after.size(), limit - take_before);
  std::vector<Message> out(std::make_move_iterator(before.end() - take_before),
                           std::make_move_iterator(before.end()));
  out.insert(out.end(), std::make_move_iterator(after.begin()),
             std::make_move_iterator(after.begin() + take_after));
  return out;
}

Status CheckLimitOffset(int limit, int offset) {
  if (limit < 0 || offset < 0) return Error::Input("limit and offset must not be negative");
  return {};
}

Status CheckChannelQuery(const ChannelQuery& q) {
  EDDY_TRY(CheckLimitOffset(q.limit, q.offset));
  if (!q.user_id.empty()) return {};
  std::string_view field = PerUserField(q.filter);
  for (const SortField& s : q.sort) {
    if (field.empty() && s.field == "pinned_at") field = "pinned_at";
  }
  if (q.member_only) field = "member_only";
  if (!field.empty()) return Error::Input(std::string(field) + " requires a valid user");
  return {};
}

}  // namespace eddy::server::sql
