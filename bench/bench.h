// eddy-bench's shared machinery: the options of a run, the app it runs in, tokens, the REST
// and WebSocket targets of the Stream protocol (§1.2, §1.3, §3.1) and the set-up calls every
// scenario makes (users, channels, connections). Used from the main thread; the REST calls
// and connections it makes run on the LoopPool.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "bench/net.h"
#include "bench/stats.h"
#include "common/json.h"

namespace eddy::bench {

struct Options {
  std::string scenario;
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string api_key;
  std::string secret;
  std::string eddy_binary;  // with data_dir: `eddy app create --json` makes the app
  std::string data_dir;
  pid_t server_pid = 0;
  int threads = 1;
  int source_addresses = 0;  // 0: one per 25,000 connections
  int concurrency = 64;      // set-up calls and connects in flight

  int connections = 1000;  // idle
  int receivers = 2000;    // fanout
  bool members = false;    // fanout: the receivers are the channel's members too
  bool mark_read = false;  // fanout: each receiver (a member) marks the channel read on each
                           // message, as a client showing the channel does
  // fanout: the channel's type; "messaging" counts each member's unread messages
  std::string channel_type = "gaming";
  std::vector<double> rates{5};  // fanout: messages/s per step
  double step_seconds = 5;       // fanout
  int text_bytes = 200;          // fanout, send, mixed
  int senders = 32;              // send
  int send_channels = 64;        // send
  double duration = 5;           // send, mixed
  double rate = 0;               // send (0: as fast as answered), mixed ops/s
  int member_channels = 1000;    // channels
  int queries = 200;             // channels
  int users = 200;               // mixed
  int frame_bytes = 2157;        // floor: eddy's message.new for 200 bytes of text
  int frames_per_write = 1;      // floor
  int writer_cpu = 0;            // floor: the writer thread's core (-1: not pinned)
  std::string label;             // free text copied into the result
  // send: what each request is. "message": a durable send (read back afterwards); "event": a
  // typing.start over REST (authenticated and checked, stored nowhere); "unrouted": a POST
  // no route takes (the dispatcher's 404: the transport and the hand-offs alone).
  std::string request = "message";
};

// One scenario's outcome: the JSON result line and the human summary.
struct Outcome {
  json::object result;
  std::string summary;
  bool ok = true;  // false: errors, lost or duplicated events
};

class Bench {
 public:
  explicit Bench(Options options);

  const Options& options() const { return options_; }
  LoopPool& pool() { return pool_; }
  const Target& target() const { return target_; }
  // A prefix unique to this run, so runs never collide in one server's data.
  const std::string& run_id() const { return run_id_; }

  std::string ServerToken() const;
  std::string UserToken(const std::string& user_id) const;
  // `path` with api_key (and user_id, connection_id when given) as the SDK sends them.
  std::string Rest(const std::string& path, const std::string& user_id = "",
                   const std::string& connection_id = "") const;
  std::string ConnectPath(const std::string& user_id) const;

  struct Call {
    std::string method;
    std::string target;
    std::string body;
    std::string token;
  };
  // Runs the calls with options().concurrency in flight; the replies in the same order.
  std::vector<HttpReply> RunCalls(const std::vector<Call>& calls);
  // RunCalls that reports the first failure; true if all were 2xx.
  bool RunAll(const std::vector<Call>& calls, std::string* error);

  bool UpsertUsers(const std::vector<std::string>& ids, std::string* error);
  // Server-side creation of type:id by `creator` with `members` (added 100 per call).
  bool CreateChannel(const std::string& type, const std::string& id, const std::string& creator,
                     const std::vector<std::string>& members, std::string* error);

  struct Connection {
    std::shared_ptr<WsConn> ws;
    size_t loop = 0;
  };
  struct Connected {
    std::vector<Connection> conns;  // index i is users[i]; ws null if it failed
    double seconds = 0;             // first upgrade to last health.check
    int failures = 0;
    std::string first_error;
  };
  // Opens one WebSocket per user; make_handler(i, loop) gives connection i its handler, which
  // runs on that loop.
  Connected ConnectUsers(const std::vector<std::string>& users,
                         const std::function<WsConn::Handler(size_t, size_t)>& make_handler);
  // Drops every connection (on its own loop).
  void Disconnect(Connected& connected);

  // {"server_cpu_s", "server_rss_bytes"} style fields of the run's header.
  json::object Header() const;
  ProcSample Server() const { return ReadProc(options_.server_pid); }

 private:
  Options options_;
  LoopPool pool_;
  Target target_;
  std::string run_id_;
  std::uint64_t next_conn_ = 0;
};

// "bench <seq> <nanos> xxxx..." padded to `bytes`: the sequence number and send time travel
// in the message text, so a receiver needs no lookup to measure latency.
std::string StampedText(std::uint64_t seq, std::int64_t nanos, int bytes);
// Finds a stamp in an event frame; false if the frame carries none.
bool ParseStamp(std::string_view frame, std::uint64_t* seq, std::int64_t* nanos);

// A JSON string literal for `s` (quotes included).
std::string Quote(std::string_view s);

}  // namespace eddy::bench
