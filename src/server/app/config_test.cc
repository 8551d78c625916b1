#include "server/app/config.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "common/json.h"

namespace eddy::server {
namespace {

using Env = std::map<std::string, std::string>;
using Args = std::vector<std::string>;

// A private directory for config files, removed with the test.
class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "eddy-config-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    for (const std::string& f : files_) unlink(f.c_str());
    rmdir(dir_.c_str());
  }

  std::string WriteFile(const std::string& name, const std::string& content) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << content;
    files_.push_back(path);
    return path;
  }

  std::string dir_;
  std::vector<std::string> files_;
};

std::vector<std::string> Problems(const Result<Config>& r) {
  std::vector<std::string> lines;
  if (r.ok()) return lines;
  std::istringstream in(r.error().message);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Fails unless exactly one problem line contains fragment.
void ExpectProblem(const std::vector<std::string>& problems, std::string_view fragment) {
  int n = 0;
  for (const std::string& p : problems) n += p.find(fragment) != std::string::npos;
  EXPECT_EQ(n, 1) << "fragment: " << fragment << "\nproblems:\n"
                  << ::testing::PrintToString(problems);
}

TEST_F(ConfigTest, Defaults) {
  auto r = LoadConfig({}, {});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->host, "127.0.0.1");
  EXPECT_EQ(r->port, 8080);
  EXPECT_EQ(r->data_dir, "./eddy-data");
  EXPECT_EQ(r->threads, 0);
  EXPECT_EQ(r->max_body_bytes, 10u * 1024 * 1024);
  EXPECT_EQ(r->max_header_bytes, 16u * 1024);
  EXPECT_EQ(r->ws_idle_timeout_seconds, 70);
  EXPECT_EQ(r->http_idle_timeout_seconds, 60);
  EXPECT_EQ(r->log_format, "text");
  EXPECT_EQ(r->log_level, "info");
  EXPECT_EQ(r->store, "sqlite");
  EXPECT_EQ(r->bus, "local");
  EXPECT_EQ(r->node_id, "");
  EXPECT_FALSE(r->print_config);
  EXPECT_EQ(r->config_file, "");
}

TEST_F(ConfigTest, PrecedenceDefaultsFileEnvFlags) {
  std::string file = WriteFile("eddy.json", R"({"host":"0.0.0.0","port":1000,"threads":2,
                                                "log_level":"debug"})");
  Env env = {{"EDDY_PORT", "2000"}, {"EDDY_THREADS", "3"}};
  auto r = LoadConfig({"--config", file, "--port", "3000"}, env);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->port, 3000);               // flag beats env and file
  EXPECT_EQ(r->threads, 3);               // env beats file
  EXPECT_EQ(r->host, "0.0.0.0");          // file beats default
  EXPECT_EQ(r->log_level, "debug");       // file
  EXPECT_EQ(r->data_dir, "./eddy-data");  // default
  EXPECT_EQ(r->config_file, file);
}

TEST_F(ConfigTest, EveryKeyFromFlagsAndEnvironment) {
  const std::vector<std::tuple<std::string, std::string, std::string>> keys = {
      {"host", "--host", "EDDY_HOST"},
      {"port", "--port", "EDDY_PORT"},
      {"data_dir", "--data-dir", "EDDY_DATA_DIR"},
      {"threads", "--threads", "EDDY_THREADS"},
      {"max_body_bytes", "--max-body-bytes", "EDDY_MAX_BODY_BYTES"},
      {"max_header_bytes", "--max-header-bytes", "EDDY_MAX_HEADER_BYTES"},
      {"ws_idle_timeout_seconds", "--ws-idle-timeout-seconds", "EDDY_WS_IDLE_TIMEOUT_SECONDS"},
      {"http_idle_timeout_seconds", "--http-idle-timeout-seconds",
       "EDDY_HTTP_IDLE_TIMEOUT_SECONDS"},
      {"log_format", "--log-format", "EDDY_LOG_FORMAT"},
      {"log_level", "--log-level", "EDDY_LOG_LEVEL"},
      {"store", "--store", "EDDY_STORE"},
      {"bus", "--bus", "EDDY_BUS"},
      {"node_id", "--node-id", "EDDY_NODE_ID"},
  };
  const std::map<std::string, std::string> values = {
      {"host", "::1"},
      {"port", "9001"},
      {"data_dir", "/var/lib/eddy"},
      {"threads", "7"},
      {"max_body_bytes", "2048"},
      {"max_header_bytes", "4096"},
      {"ws_idle_timeout_seconds", "90"},
      {"http_idle_timeout_seconds", "5"},
      {"log_format", "json"},
      {"log_level", "warn"},
      {"store", "postgres://eddy:pw@db/eddy"},
      {"bus", "redis://cache:6379"},
      {"node_id", "node-1"},
  };
  auto json_of = [](const Config& c) { return ParseJsonObject(PrintConfig(c)).value(); };
  for (const auto& [key, flag, env] : keys) {
    const std::string& v = values.at(key);
    for (int mode = 0; mode < 3; ++mode) {
      Result<Config> r = mode == 0   ? LoadConfig({flag, v}, {})
                         : mode == 1 ? LoadConfig({flag + "=" + v}, {})
                                     : LoadConfig({}, {{env, v}});
      ASSERT_TRUE(r.ok()) << key << " mode " << mode << ": " << r.error().message;
      json::value got = json_of(*r).at(key);
      std::string text = got.is_string() ? std::string(got.as_string()) : json::serialize(got);
      EXPECT_EQ(text, MaskUrlPassword(v)) << key << " mode " << mode;
    }
  }
}

TEST_F(ConfigTest, EnvironmentNamesTheConfigFile) {
  std::string a = WriteFile("a.json", R"({"port":1111})");
  std::string b = WriteFile("b.json", R"({"port":2222})");
  EXPECT_EQ(LoadConfig({}, {{"EDDY_CONFIG", a}})->port, 1111);
  EXPECT_EQ(LoadConfig({"--config=" + b}, {{"EDDY_CONFIG", a}})->port, 2222);
}

TEST_F(ConfigTest, LastFlagWinsAndEmptyEnvIsUnset) {
  EXPECT_EQ(LoadConfig({"--port", "1", "--port=2"}, {})->port, 2);
  auto r = LoadConfig({}, {{"EDDY_PORT", ""}, {"EDDY_NODE_ID", ""}, {"UNRELATED", "x"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->port, 8080);
}

TEST_F(ConfigTest, PrintConfigFlag) {
  EXPECT_TRUE(LoadConfig({"--print-config"}, {})->print_config);
  EXPECT_TRUE(LoadConfig({"--print-config=true", "--port", "1"}, {})->print_config);
  EXPECT_FALSE(LoadConfig({"--print-config", "--print-config=false"}, {})->print_config);
  ExpectProblem(Problems(LoadConfig({"--print-config=yes"}, {})), "must be true or false");
}

TEST_F(ConfigTest, TestClockIsOffUnlessTheCommandLineAsks) {
  EXPECT_FALSE(LoadConfig({}, {})->test_clock);
  EXPECT_FALSE(LoadConfig({}, {{"EDDY_TEST_CLOCK", "true"}})->test_clock);
  EXPECT_TRUE(LoadConfig({"--test-clock"}, {})->test_clock);
  EXPECT_FALSE(LoadConfig({"--test-clock=false"}, {})->test_clock);
  ExpectProblem(Problems(LoadConfig({"--test-clock=1"}, {})), "must be true or false");
}

TEST_F(ConfigTest, NullInFileMeansAbsent) {
  auto r = LoadConfig({"--config", WriteFile("n.json", R"({"node_id":null,"port":null})")}, {});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->port, 8080);
}

TEST_F(ConfigTest, PortRange) {
  EXPECT_EQ(LoadConfig({"--port", "0"}, {})->port, 0);
  EXPECT_EQ(LoadConfig({"--port", "65535"}, {})->port, 65535);
  ExpectProblem(Problems(LoadConfig({"--port", "65536"}, {})),
                "flag --port: 65536 is out of range");
  ExpectProblem(Problems(LoadConfig({"--port=-1"}, {})), "flag --port: -1 is out of range");
  ExpectProblem(Problems(LoadConfig({"--port=99999999999999999999999"}, {})), "out of range");
  for (std::string bad : {"80a", " 80", "+80", "0x50", "1e3", "8080.0", "eighty"}) {
    auto problems = Problems(LoadConfig({"--port=" + bad}, {}));
    ASSERT_EQ(problems.size(), 1u) << bad;
    EXPECT_NE(problems[0].find("is not an integer"), std::string::npos) << problems[0];
  }
}

TEST_F(ConfigTest, FileValuesMustHaveTheRightType) {
  std::string file = WriteFile("types.json", R"({"port":"8080","host":5,"threads":2.5,
      "max_body_bytes":18446744073709551615,"log_level":["info"]})");
  auto problems = Problems(LoadConfig({"--config", file}, {}));
  EXPECT_EQ(problems.size(), 5u) << ::testing::PrintToString(problems);
  ExpectProblem(problems, "port: must be an integer");
  ExpectProblem(problems, "host: must be a string");
  ExpectProblem(problems, "threads: must be an integer");
  ExpectProblem(problems, "max_body_bytes: 18446744073709551615 is out of range");
  ExpectProblem(problems, "log_level: must be a string");
}

TEST_F(ConfigTest, EveryProblemIsReportedAtOnce) {
  std::string file =
      WriteFile("bad.json", R"({"prot":1,"log_format":"xml","store":"mysql://root:hunter2@db"})");
  Env env = {{"EDDY_PORT", "70000"}, {"EDDY_THREADS", "many"}, {"EDDY_BUS", "kafka://x"}};
  Args args = {"--config",
               file,
               "--bogus",
               "1",
               "--port",
               "abc",
               "--threads=-4",
               "--log-level",
               "verbose",
               "stray",
               "--data_dir=x",
               "--max-header-bytes=10",
               "--ws-idle-timeout-seconds=0",
               "--host"};
  auto r = LoadConfig(args, env);
  ASSERT_FALSE(r.ok());
  auto problems = Problems(r);
  ExpectProblem(problems, "unknown key \"prot\"");
  ExpectProblem(problems, "log_format: \"xml\" must be text or json");
  ExpectProblem(problems, "store: \"mysql://root:****@db\" must be sqlite or a postgres:// URL");
  ExpectProblem(problems, "environment EDDY_PORT: 70000 is out of range (0..65535)");
  ExpectProblem(problems, "environment EDDY_THREADS: \"many\" is not an integer");
  ExpectProblem(problems, "environment EDDY_BUS: \"kafka://x\" must be local or a redis:// URL");
  ExpectProblem(problems, "unknown flag --bogus");
  ExpectProblem(problems, "flag --port: \"abc\" is not an integer");
  ExpectProblem(problems, "flag --threads: -4 is out of range (0..1024)");
  ExpectProblem(problems, "flag --log-level: \"verbose\" must be one of debug, info, warn, error");
  ExpectProblem(problems, "unexpected argument \"stray\"");
  ExpectProblem(problems, "unknown flag --data_dir (did you mean --data-dir?)");
  ExpectProblem(problems, "flag --max-header-bytes: 10 is out of range");
  ExpectProblem(problems, "flag --ws-idle-timeout-seconds: 0 is out of range");
  ExpectProblem(problems, "flag --host: needs a value");
  EXPECT_EQ(problems.size(), 15u) << r.error().message;
  EXPECT_EQ(r.error().message.find("hunter2"), std::string::npos);
}

TEST_F(ConfigTest, UnreadableAndInvalidFilesAreReportedWithOtherProblems) {
  auto missing = Problems(LoadConfig({"--config", dir_ + "/nope.json", "--port=x"}, {}));
  ASSERT_EQ(missing.size(), 2u);
  ExpectProblem(missing, "nope.json: cannot be read: No such file or directory");
  ExpectProblem(missing, "flag --port");

  ExpectProblem(Problems(LoadConfig({"--config", dir_}, {})), "cannot be read");
  ExpectProblem(Problems(LoadConfig({"--config", WriteFile("j.json", "{\"port\":")}, {})),
                "invalid JSON in config file");
  ExpectProblem(Problems(LoadConfig({"--config", WriteFile("c.json", "{} // note")}, {})),
                "invalid JSON in config file");
  ExpectProblem(Problems(LoadConfig({"--config", WriteFile("a.json", "[1]")}, {})),
                "must be a JSON object");
  ExpectProblem(Problems(LoadConfig({"--config"}, {})), "flag --config: needs a value");
  ExpectProblem(Problems(LoadConfig({"--config="}, {})), "needs a file name");
}

TEST_F(ConfigTest, FlagWithoutValueBeforeAnotherFlag) {
  auto r = LoadConfig({"--port", "--host", "h"}, {});
  auto problems = Problems(r);
  ASSERT_EQ(problems.size(), 1u);
  ExpectProblem(problems, "flag --port: needs a value");
  EXPECT_FALSE(LoadConfig({"--host="}, {}).ok());
  EXPECT_TRUE(LoadConfig({"--node-id="}, {}).ok());
}

TEST_F(ConfigTest, StringValidation) {
  ExpectProblem(Problems(LoadConfig({"--host=a b"}, {})), "must not contain spaces");
  ExpectProblem(Problems(LoadConfig({"--data-dir="}, {})), "data-dir: \"\" must not be empty");
  ExpectProblem(Problems(LoadConfig({"--node-id=a/b"}, {})), "may contain only");
  ExpectProblem(Problems(LoadConfig({"--node-id=" + std::string(65, 'n')}, {})), "at most 64");
  EXPECT_TRUE(LoadConfig({"--store=postgresql://u@h/d", "--bus=rediss://h"}, {}).ok());
}

// --- printing and masking ---

TEST_F(ConfigTest, PrintConfigIsPrettyJsonWithEveryKey) {
  std::string out = PrintConfig(Config{});
  EXPECT_EQ(out.substr(0, 24), "{\n  \"host\": \"127.0.0.1\",");
  auto parsed = ParseJsonObject(out);
  ASSERT_TRUE(parsed.ok()) << out;
  EXPECT_EQ(parsed->size(), 14u);
  EXPECT_EQ(parsed->at("port").as_int64(), 8080);
  EXPECT_EQ(parsed->at("max_body_bytes").to_number<std::int64_t>(), 10 * 1024 * 1024);
  EXPECT_EQ(parsed->at("node_id").as_string(), "");
  EXPECT_EQ(parsed->count("print_config"), 0u);
}

TEST_F(ConfigTest, PrintConfigMasksPasswords) {
  Config c;
  c.store = "postgres://eddy:s3cret@db.internal:5432/eddy";
  c.bus = "redis://:r3dis@cache:6379/0";
  std::string out = PrintConfig(c);
  EXPECT_EQ(out.find("s3cret"), std::string::npos);
  EXPECT_EQ(out.find("r3dis"), std::string::npos);
  EXPECT_NE(out.find("\"postgres://eddy:****@db.internal:5432/eddy\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"redis://:****@cache:6379/0\""), std::string::npos) << out;
}

TEST_F(ConfigTest, PrintedConfigLoadsBack) {
  auto r = LoadConfig({"--port=9", "--threads=3", "--log-format=json", "--node-id=n1",
                       "--max-body-bytes=12345", "--bus=redis://cache"},
                      {});
  ASSERT_TRUE(r.ok());
  std::string file = WriteFile("printed.json", PrintConfig(*r));
  auto again = LoadConfig({"--config", file}, {});
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(PrintConfig(*again), PrintConfig(*r));
}

TEST(MaskUrlPasswordTest, Cases) {
  EXPECT_EQ(MaskUrlPassword("postgres://user:secret@host/db"), "postgres://user:****@host/db");
  EXPECT_EQ(MaskUrlPassword("redis://:pw@localhost:6379"), "redis://:****@localhost:6379");
  EXPECT_EQ(MaskUrlPassword("postgres://u:p@ss/w@rd@host/db"), "postgres://u:****@host/db");
  EXPECT_EQ(MaskUrlPassword("postgres://u:@host"), "postgres://u:****@host");
  EXPECT_EQ(MaskUrlPassword("postgres://user@host/db"), "postgres://user@host/db");
  EXPECT_EQ(MaskUrlPassword("redis://localhost"), "redis://localhost");
  EXPECT_EQ(MaskUrlPassword("postgres://u@h/db?sslmode=require&password=x#f"),
            "postgres://u@h/db?sslmode=require&password=****#f");
  EXPECT_EQ(MaskUrlPassword("postgres://u:a@h/db?password=b&x=1"),
            "postgres://u:****@h/db?password=****&x=1");
  EXPECT_EQ(MaskUrlPassword("sqlite"), "sqlite");
  EXPECT_EQ(MaskUrlPassword("local"), "local");
  EXPECT_EQ(MaskUrlPassword(""), "");
}

}  // namespace
}  // namespace eddy::server
