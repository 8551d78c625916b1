#!/usr/bin/env bash
# A throw-away Redis server for the tests.
#
#   scripts/test-redis.sh start [STATE_DIR]   install if missing, start, write URL
#   scripts/test-redis.sh stop  [STATE_DIR]   stop it and remove its directory
#
# STATE_DIR (default build/debug/test-services) receives redis.url, which the tests read
# (EDDY_TEST_REDIS_URL overrides it), and the server's directory and log. The server listens
# on 127.0.0.1 only, on a free port (never 6379), and persists nothing: test data only.
set -euo pipefail

cmd=${1:-}
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=test-services-lib.sh
source "$root/scripts/test-services-lib.sh"
state=$(realpath -m "${2:-$root/build/debug/test-services}")
dir=$state/redis
url_file=$state/redis.url

ensure_installed() { "$root/scripts/install-deps.sh" redis-server libhiredis-dev; }


start() {
  ensure_installed
  # A server left over from an interrupted run is replaced, not reused.
  stop_server
  mkdir -p "$dir"
  local port
  for attempt in 1 2 3; do
    port=$(free_port)
    if redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" --save "" \
      --appendonly no --daemonize yes --pidfile "$dir/redis.pid" \
      --logfile "$dir/redis.log" >/dev/null; then
      for _ in $(seq 1 50); do
        if redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; then
          echo "redis://127.0.0.1:$port" >"$url_file"
          echo "redis test server: $(cat "$url_file")"
          return 0
        fi
        sleep 0.1
      done
    fi
    [ "$attempt" -eq 3 ] && { cat "$dir/redis.log" >&2 || true; exit 1; }
  done
}

stop_server() {
  if [ -f "$dir/redis.pid" ]; then
    local pid
    pid=$(cat "$dir/redis.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
  fi
  rm -rf "$dir" "$url_file"
}

case "$cmd" in
  start) start ;;
  stop) stop_server ;;
  *)
    echo "usage: $0 start|stop [STATE_DIR]" >&2
    exit 2
    ;;
esac
