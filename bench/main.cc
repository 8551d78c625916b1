// eddy-bench: the load generator of issue #7. Creates its own app (or takes one), users,
// channels and tokens on a running eddy, runs one scenario and prints one JSON result line
// followed by a human summary. See BENCHMARKS.md for the method and `make bench`.
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>

#include "bench/scenarios.h"
#include "common/json.h"

namespace {

using eddy::bench::Options;

constexpr const char* kUsage = R"(usage: eddy-bench SCENARIO [flags]
scenarios: idle | fanout | send | channels | mixed | floor (no server: the kernel's floor)
server:    --host 127.0.0.1 --port 8080 --server-pid PID (for CPU time and RSS)
app:       --api-key K --secret S, or --eddy PATH --data-dir DIR (runs `eddy app create --json`)
client:    --threads 1 --source-addresses 0 (0: one per 25,000 connections) --concurrency 64
idle:      --connections 1000 --duration 5 (seconds held)
fanout:    --receivers 2000 --rates 5,50,200 (messages/s, one step each) --step-seconds 5
           --members 0 (1: the receivers are members of the channel, not only watchers)
           --channel-type gaming (messaging: read events on, each member's unread counted)
           --mark-read 0 (1: each receiver, a member, marks the channel read after each message)
send:      --senders 32 --send-channels 64 --duration 5 --rate 0 (0: as fast as answered)
           --request message | event (typing.start, stored nowhere) | unrouted (answered 404)
channels:  --member-channels 1000 --queries 200
mixed:     --users 200 --duration 5 --rate 200 (operations/s)
floor:     --receivers --rates --step-seconds as fanout, --frame-bytes 2157
           --frames-per-write 1 --writer-cpu 0 (-1: not pinned)
all:       --text-bytes 200 --label TEXT
)";

// Runs `eddy app create --json` on the data directory and reads the key and secret.
bool CreateApp(Options& o, std::string* error) {
  std::string cmd = "'" + o.eddy_binary + "' app create --json --name eddy-bench --data-dir '" +
                    o.data_dir + "' 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) {
    *error = "cannot run " + o.eddy_binary;
    return false;
  }
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) text.append(buf, n);
  int rc = pclose(p);
  auto parsed = eddy::ParseJsonObject(text.substr(0, text.find('\n')), "eddy app create");
  if (rc != 0 || !parsed.ok() || !parsed->contains("api_key")) {
    *error = "eddy app create failed: " + text;
    return false;
  }
  o.api_key = parsed->at("api_key").as_string().c_str();
  o.secret = parsed->at("api_secret").as_string().c_str();
  return true;
}

// Raises the open-file limit as far as the hard limit allows: every connection is a file.
void RaiseFileLimit() {
  rlimit l{};
  if (getrlimit(RLIMIT_NOFILE, &l) == 0 && l.rlim_cur < l.rlim_max) {
    l.rlim_cur = l.rlim_max;
    setrlimit(RLIMIT_NOFILE, &l);
  }
}

bool ParseArgs(int argc, char** argv, Options& o, std::string* error) {
  if (argc < 2) {
    *error = "no scenario";
    return false;
  }
  o.scenario = argv[1];
  std::map<std::string, std::string> flags;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) != 0) {
      *error = "unexpected argument " + a;
      return false;
    }
    size_t eq = a.find('=');
    if (eq != std::string::npos) {
      flags[a.substr(2, eq - 2)] = a.substr(eq + 1);
    } else if (i + 1 < argc) {
      flags[a.substr(2)] = argv[++i];
    } else {
      *error = "flag " + a + " needs a value";
      return false;
    }
  }
  try {
    for (const auto& [k, v] : flags) {
      if (k == "host")
        o.host = v;
      else if (k == "port")
        o.port = std::stoi(v);
      else if (k == "api-key")
        o.api_key = v;
      else if (k == "secret")
        o.secret = v;
      else if (k == "eddy")
        o.eddy_binary = v;
      else if (k == "data-dir")
        o.data_dir = v;
      else if (k == "server-pid")
        o.server_pid = std::stoi(v);
      else if (k == "threads")
        o.threads = std::stoi(v);
      else if (k == "source-addresses")
        o.source_addresses = std::stoi(v);
      else if (k == "concurrency")
        o.concurrency = std::stoi(v);
      else if (k == "connections")
        o.connections = std::stoi(v);
      else if (k == "receivers")
        o.receivers = std::stoi(v);
      else if (k == "members")
        o.members = std::stoi(v) != 0;
      else if (k == "channel-type")
        o.channel_type = v;
      else if (k == "mark-read")
        o.mark_read = std::stoi(v) != 0;
      else if (k == "step-seconds")
        o.step_seconds = std::stod(v);
      else if (k == "text-bytes")
        o.text_bytes = std::stoi(v);
      else if (k == "senders")
        o.senders = std::stoi(v);
      else if (k == "send-channels")
        o.send_channels = std::stoi(v);
      else if (k == "duration")
        o.duration = std::stod(v);
      else if (k == "rate")
        o.rate = std::stod(v);
      else if (k == "member-channels")
        o.member_channels = std::stoi(v);
      else if (k == "queries")
        o.queries = std::stoi(v);
      else if (k == "users")
        o.users = std::stoi(v);
      else if (k == "frame-bytes")
        o.frame_bytes = std::stoi(v);
      else if (k == "frames-per-write")
        o.frames_per_write = std::stoi(v);
      else if (k == "writer-cpu")
        o.writer_cpu = std::stoi(v);
      else if (k == "request")
        o.request = v;
      else if (k == "label")
        o.label = v;
      else if (k == "rates") {
        o.rates.clear();
        std::stringstream ss(v);
        std::string item;
        while (std::getline(ss, item, ',')) o.rates.push_back(std::stod(item));
      } else {
        *error = "unknown flag --" + k;
        return false;
      }
    }
  } catch (const std::exception&) {
    *error = "a flag value is not a number";
    return false;
  }
  if (o.threads < 1 || o.threads > 64 || o.concurrency < 1 || o.connections < 1 ||
      o.receivers < 1 || o.senders < 1 || o.send_channels < 1 || o.member_channels < 1 ||
      o.queries < 1 || o.users < 3 || o.duration <= 0 || o.step_seconds <= 0 || o.rate < 0 ||
      o.text_bytes < 40 || o.text_bytes > 4000 || o.rates.empty() || o.frame_bytes < 126 ||
      o.frame_bytes > 65535 || o.frames_per_write < 1 || o.frames_per_write > 64 ||
      o.writer_cpu < -1) {
    *error = "a flag is out of range";
    return false;
  }
  if (o.request != "message" && o.request != "event" && o.request != "unrouted") {
    *error = "--request must be message, event or unrouted";
    return false;
  }
  if (o.mark_read && !o.members) {
    *error = "--mark-read needs --members 1 (only members mark a channel read)";
    return false;
  }
  for (double r : o.rates) {
    if (r <= 0) {
      *error = "--rates must be positive";
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  std::string error;
  if (!ParseArgs(argc, argv, o, &error)) {
    std::fprintf(stderr, "eddy-bench: %s\n%s", error.c_str(), kUsage);
    return 2;
  }
  RaiseFileLimit();
  auto print = [](eddy::bench::Outcome& outcome) {
    outcome.result["ok"] = outcome.ok;
    std::printf("%s\n%s\n", eddy::json::serialize(outcome.result).c_str(), outcome.summary.c_str());
    std::fflush(stdout);
    return outcome.ok ? 0 : 1;
  };
  if (o.scenario == "floor") {  // no server, no app
    eddy::bench::Outcome outcome = eddy::bench::RunFloor(o);
    return print(outcome);
  }
  if (o.api_key.empty() && !o.eddy_binary.empty() && !CreateApp(o, &error)) {
    std::fprintf(stderr, "eddy-bench: %s\n", error.c_str());
    return 2;
  }
  if (o.api_key.empty() || o.secret.empty()) {
    std::fprintf(stderr, "eddy-bench: give --api-key and --secret, or --eddy and --data-dir\n");
    return 2;
  }
  using Run = eddy::bench::Outcome (*)(eddy::bench::Bench&);
  const std::map<std::string, Run> scenarios{{"idle", eddy::bench::RunIdle},
                                             {"fanout", eddy::bench::RunFanout},
                                             {"send", eddy::bench::RunSend},
                                             {"channels", eddy::bench::RunChannels},
                                             {"mixed", eddy::bench::RunMixed}};
  auto it = scenarios.find(o.scenario);
  if (it == scenarios.end()) {
    std::fprintf(stderr, "eddy-bench: unknown scenario %s\n%s", o.scenario.c_str(), kUsage);
    return 2;
  }
  eddy::bench::Bench bench(o);
  eddy::bench::Outcome outcome = it->second(bench);
  return print(outcome);
}
