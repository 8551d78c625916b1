#!/usr/bin/env bash
# Compares eddy builds the way BENCHMARKS.md does: every round runs one eddy-bench scenario
# against each given eddy binary in turn, each on a fresh server and data directory (server
# pinned to core 0 with one event loop, eddy-bench to core 1), so the machine's slower and
# faster periods fall on all of them alike. Prints each run's summary under its binary.
#
#   bench/compare.sh [-r ROUNDS] EDDY_BINARY... -- SCENARIO [FLAGS]
#   e.g. bench/compare.sh -r 5 /tmp/before/eddy build/release/eddy -- \
#          send --senders 32 --send-channels 32
#
# Copy a build's eddy aside before rebuilding to compare it with the next. Variables: BENCH
# (the eddy-bench to use, default build/release/bench/eddy-bench), SERVER_ENV (see server.sh).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
usage() {
  echo "usage: bench/compare.sh [-r ROUNDS] EDDY_BINARY... -- SCENARIO [FLAGS]" >&2
  exit 2
}
rounds=3
if [ "${1:-}" = -r ]; then
  [ $# -ge 2 ] && [ "$2" -ge 1 ] 2>/dev/null || usage
  rounds=$2
  shift 2
fi
binaries=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do
  [ -x "$1" ] || { echo "compare: $1 is not an executable" >&2; exit 2; }
  binaries+=("$1")
  shift
done
[ "${1:-}" = -- ] || usage
shift
[ ${#binaries[@]} -ge 1 ] && [ $# -ge 1 ] || usage
bench=${BENCH:-$root/build/release/bench/eddy-bench}
[ -x "$bench" ] || { echo "compare: $bench is missing (make bench builds it)" >&2; exit 2; }

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
# shellcheck source=bench/server.sh
source "$root/bench/server.sh"
work=
server_pid=
cleanup() {
  bench_server_stop
  [ -z "$work" ] || rm -rf "$work"
}
trap cleanup EXIT

for round in $(seq 1 "$rounds"); do
  for eddy in "${binaries[@]}"; do
    work=$(mktemp -d /tmp/eddy-compare.XXXXXX)
    bench_server_start "$eddy" "$work" || exit 1
    out=$(taskset -c 1 "$bench" "$@" --port "$port" --api-key "$api_key" --secret "$secret" \
      --server-pid "$server_pid") || true
    bench_server_stop
    rm -rf "$work"
    work=
    echo "round $round, $eddy:"
    tail -n +2 <<<"$out" | sed 's/^/  /'
  done
done
