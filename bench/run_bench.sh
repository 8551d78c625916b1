#!/usr/bin/env bash
# `make bench`: the standard benchmark set of issue #7 against a fresh release eddy. The server
# runs pinned to core 0 with one event loop, eddy-bench pinned to core 1, so the figures
# compare with one-core peers. Prints every run and writes bench/results/<YYYY-MM-DD>.json.
# Takes about 3 minutes. Variables: BUILD (default build/release), QUICK=1 (smaller set).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build/release}
eddy=$build/eddy
bench=$build/bench/eddy-bench
microbench=$build/bench/eddy-microbench
for f in "$eddy" "$bench" "$microbench"; do
  [ -x "$f" ] || { echo "run_bench: $f is missing (make bench builds it)" >&2; exit 2; }
done

# Every connection is an open file, on both sides.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# shellcheck source=bench/server.sh
source "$root/bench/server.sh"
work=$(mktemp -d /tmp/eddy-bench.XXXXXX)
server_pid=
cleanup() {
  bench_server_stop
  rm -rf "$work"
}
trap cleanup EXIT

bench_server_start "$eddy" "$work" || exit 1

common=(--port "$port" --api-key "$api_key" --secret "$secret" --server-pid "$server_pid")
if [ "${QUICK:-0}" = 1 ]; then
  runs=(
    "idle --connections 500 --duration 2"
    "fanout --receivers 200 --rates 5,50 --step-seconds 2"
    "send --senders 8 --duration 2"
    "send --senders 8 --duration 1 --request event"
    "channels --member-channels 100 --queries 50"
    "mixed --users 50 --duration 3 --rate 50"
    "floor --receivers 200 --rates 5,50 --step-seconds 1"
  )
else
  runs=(
    "idle --connections 5000 --duration 5"
    "fanout --receivers 2000 --rates 5,50,200,400 --step-seconds 5"
    "send --senders 32 --send-channels 32 --duration 5"
    "send --senders 32 --send-channels 32 --duration 5 --rate 2000"
    # The same senders' requests when they store nothing: a typing event (authenticated,
    # checked) and a POST no route takes (the transport and the hand-offs alone).
    "send --senders 32 --send-channels 32 --duration 5 --request event"
    "send --senders 32 --send-channels 32 --duration 5 --request unrouted"
    "channels --member-channels 1000 --queries 200"
    "mixed --users 200 --duration 20 --rate 200"
    # The kernel's floor under the fan-out above (no server: a writer on core 0 and
    # loopback sockets): one frame per write, then 9 (about what eddy's writes carry at
    # 200 msg/s).
    "floor --receivers 2000 --rates 5,200 --step-seconds 5"
    "floor --receivers 2000 --rates 200,400 --frames-per-write 9 --step-seconds 5"
  )
fi

# CPU ticks (utime + stime) of the server so far.
server_ticks() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }
# Waits (up to 60 s) until the server used under 5% of a core for half a second, so a run
# does not start while the server still works off the previous one's backlog (a saturated
# fan-out step leaves queued sends and frames behind).
wait_server_idle() {
  local hz before after waited=0
  hz=$(getconf CLK_TCK)
  while [ "$waited" -lt 120 ]; do
    before=$(server_ticks)
    sleep 0.5
    after=$(server_ticks)
    [ $(((after - before) * 100)) -lt $((hz * 5 / 2)) ] && break
    waited=$((waited + 1))
  done
  [ "$waited" -gt 0 ] && echo "(waited $((waited / 2)).$((waited % 2 * 5)) s for the server to go idle)"
  return 0
}

results=()
echo "eddy-bench: server pid $server_pid on core 0, port $port; eddy-bench on core 1"
for run in "${runs[@]}"; do
  echo
  wait_server_idle
  echo "\$ eddy-bench $run"
  # shellcheck disable=SC2086
  out=$(taskset -c 1 "$bench" $run --label "$run" "${common[@]}") || true
  echo "$out" | tail -n +2
  line=$(head -1 <<<"$out")
  [ -n "$line" ] && results+=("$line")
done

echo
echo "\$ eddy-microbench"
taskset -c 1 "$microbench" --benchmark_min_time=0.2 --benchmark_out="$work/micro.json" \
  --benchmark_out_format=json 2>/dev/null | grep -E '^(BM_|---|Benchmark)' || true
micro=$(tr -d '\n' <"$work/micro.json" 2>/dev/null || true)

bench_server_stop

day=$(date -u +%Y-%m-%d)
mkdir -p "$root/bench/results"
file="$root/bench/results/$day.json"
{
  echo "{"
  echo "  \"date\": \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\","
  echo "  \"commit\": \"$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)\","
  echo "  \"machine\": {\"nproc\": $(nproc), \"mem_total_kb\": $(awk '/MemTotal/ {print $2}' /proc/meminfo),"
  echo "    \"kernel\": \"$(uname -srm)\", \"cpu\": \"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')\","
  echo "    \"open_files\": $(ulimit -n), \"loadavg\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"},"
  echo "  \"runs\": ["
  for i in "${!results[@]}"; do
    sep=","
    [ "$i" -eq $((${#results[@]} - 1)) ] && sep=""
    echo "    ${results[$i]}$sep"
  done
  echo "  ],"
  echo "  \"microbench\": ${micro:-null}"
  echo "}"
} >"$file"
echo
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {print $2}' /proc/meminfo) kB, $(uname -srm), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "wrote $file"
