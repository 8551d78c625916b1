// Strings kept for the life of the process, one copy each: a few distinct values (an app's
// API key) repeated in many long-lived records are held there as views.
#pragma once

#include <string_view>

namespace eddy {

// A view of the process's one copy of `text`, valid until the process ends. Thread-safe. For
// values from a small, bounded set only (what is interned is never freed).
std::string_view Interned(std::string_view text);

// A field that holds such a view: whatever is assigned is interned, so the view never
// dangles (a std::string_view field would silently keep a view of a temporary).
class InternedView {
 public:
  InternedView() = default;
  InternedView& operator=(std::string_view text) {
    view_ = Interned(text);
    return *this;
  }
  std::string_view view() const { return view_; }
  operator std::string_view() const { return view_; }  // NOLINT: read like a string
  friend bool operator==(const InternedView& a, std::string_view b) { return a.view_ == b; }

 private:
  std::string_view view_;
};

}  // namespace eddy
