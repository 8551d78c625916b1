// What a backend gives the conformance suites: a way to open a fresh, empty store, and to
// open it again over the same data (to prove writes survive a restart).
//
// A backend's test file includes the suite headers (once per test binary: they define tests)
// and instantiates them with its harness:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, AppStoreSuite,
//                            ::testing::Values(StoreBackend{"Sqlite", MakeSqliteHarness}),
//                            BackendName);
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "common/error.h"
#include "server/domain/store.h"

namespace eddy::server::storetest {

// Owns one test's storage (a temporary directory, a scratch database). Used from the test's
// thread only.
class StoreHarness {
 public:
  virtual ~StoreHarness() = default;
  // Opens a store over this harness's data: empty the first time, as left by the previous
  // store (closed first) after that.
  virtual Result<std::unique_ptr<Store>> Open() = 0;
};

struct StoreBackend {
  std::string name;  // letters, digits and '_' only: it becomes part of test names
  std::function<std::unique_ptr<StoreHarness>()> make_harness;
};

inline void PrintTo(const StoreBackend& b, std::ostream* os) { *os << b.name; }

inline std::string BackendName(const ::testing::TestParamInfo<StoreBackend>& info) {
  return info.param.name;
}

// The fixture every suite derives from: a fresh harness and an open store per test.
class StoreSuiteBase : public ::testing::TestWithParam<StoreBackend> {
 protected:
  void SetUp() override {
    harness_ = GetParam().make_harness();
    ASSERT_NE(harness_, nullptr);
    Reopen();
  }

  void TearDown() override {
    store_.reset();
    harness_.reset();
  }

  // Closes the store and opens it again over the same data, as a restart would.
  void Reopen() {
    store_.reset();
    auto opened = harness_->Open();
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(opened).value();
  }

  Store& store() { return *store_; }

  std::unique_ptr<StoreHarness> harness_;
  std::unique_ptr<Store> store_;
};

// A suite base with two apps from the start, so app isolation can be checked anywhere.
class TwoAppSuiteBase : public StoreSuiteBase {
 protected:
  static constexpr std::string_view kApp = "app1";
  static constexpr std::string_view kOtherApp = "app2";

  void SetUp() override {
    StoreSuiteBase::SetUp();
    if (HasFatalFailure()) return;
    for (std::string_view key : {kApp, kOtherApp}) {
      App app;
      app.api_key = key;
      app.api_secret = "secret";
      app.name = key;
      ASSERT_TRUE(store().apps().CreateApp(app).ok());
    }
  }
};

}  // namespace eddy::server::storetest
