// Test support: a scratch schema (and optionally a role of its own) on the PostgreSQL test
// server that scripts/test-postgres.sh starts (the CTest fixture `postgres`). Its URL comes
// from EDDY_TEST_POSTGRES_URL or the file the script writes to EDDY_TEST_SERVICES_DIR; the
// URL's user must be allowed to create schemas and roles (the script's is a superuser).
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <random>
#include <string>

#include "server/storage/postgres/pg_conn.h"

namespace eddy::server::pgtest {

inline std::string ServerUrl() {
  if (const char* env = std::getenv("EDDY_TEST_POSTGRES_URL"); env != nullptr && *env != '\0') {
    return env;
  }
  std::ifstream in(std::string(EDDY_TEST_SERVICES_DIR) + "/postgres.url");
  std::string url;
  std::getline(in, url);
  return url;
}

inline std::string WithParam(const std::string& url, const std::string& param) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + param;
}

// A fresh schema, dropped (with its role) by the destructor: each test starts from an empty
// database without paying for CREATE DATABASE. Its name doubles as the store connections'
// application_name, so a test can find (and cut) its own store's sessions. With
// own_role, the store logs in as a role of the same name that owns the schema, so a test can
// lock the store out (NOLOGIN) to play a server outage without disturbing other tests.
class ScratchSchema {
 public:
  explicit ScratchSchema(bool own_role = false) : own_role_(own_role) {
    std::random_device rd;
    name_ = "eddy_test_" + std::to_string(getpid()) + "_" + std::to_string(rd() % 1000000000);
    base_url_ = ServerUrl();
    if (base_url_.empty()) {
      error_ =
          "no PostgreSQL test server: run scripts/test-postgres.sh start (or ctest, whose "
          "`postgres` fixture does) or set EDDY_TEST_POSTGRES_URL";
      return;
    }
    auto admin = PgConn::Connect(base_url_);
    if (!admin.ok()) {
      error_ = admin.error().message;
      return;
    }
    admin_ = std::move(admin).value();
    std::string sql = "CREATE SCHEMA " + name_;
    if (own_role_) {
      sql = "CREATE ROLE " + name_ + " LOGIN PASSWORD '" + name_ + "'; " + sql + " AUTHORIZATION " +
            name_;
    }
    if (Status s = admin_->Exec(sql); !s.ok()) error_ = s.error().message;
  }
  ~ScratchSchema() {
    if (admin_ == nullptr) return;
    (void)admin_->Exec("DROP SCHEMA IF EXISTS " + name_ + " CASCADE");
    if (own_role_) {
      (void)admin_->QueryOnce(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1",
          PgParams().Add(name_));
      (void)admin_->Exec("DROP ROLE IF EXISTS " + name_);
    }
  }

  const std::string& error() const { return error_; }
  const std::string& name() const { return name_; }
  PgConn& admin() { return *admin_; }

  // The server's URL with this schema as the search path (and this role as the user).
  std::string url() const {
    std::string url = base_url_;
    size_t scheme = url.find("://");
    size_t at = url.find('@');
    if (own_role_ && scheme != std::string::npos && at != std::string::npos) {
      url = url.substr(0, scheme + 3) + name_ + ":" + name_ + url.substr(at);
    }
    return WithParam(WithParam(url, "options=-csearch_path%3D" + name_),
                     "application_name=" + name_);
  }

  // Ends every session of this schema's store, as a server restart does; returns how many.
  int TerminateSessions() {
    auto r = admin_->QueryOnce(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
        PgParams().Add(name_));
    return r.ok() ? r->rows() : -1;
  }

  // With own_role: refuses (false) or allows (true) new sessions of the store.
  Status AllowLogin(bool allow) {
    return admin_->Exec("ALTER ROLE " + name_ + (allow ? " LOGIN" : " NOLOGIN"));
  }

 private:
  bool own_role_;
  std::string name_, base_url_, error_;
  std::unique_ptr<PgConn> admin_;
};

}  // namespace eddy::server::pgtest
