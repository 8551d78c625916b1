#!/usr/bin/env bash
# A throw-away PostgreSQL server for the tests.
#
#   scripts/test-postgres.sh start [STATE_DIR]   install if missing, initdb, start, write URL
#   scripts/test-postgres.sh stop  [STATE_DIR]   stop it and remove its data directory
#
# STATE_DIR (default build/debug/test-services) receives postgres.url, which the tests read
# (EDDY_TEST_POSTGRES_URL overrides it), and the server's data directory and log. The server
# listens on 127.0.0.1 only, on a free port (never 5432), runs as the `postgres` OS user
# (initdb refuses root), and trades durability for speed (fsync off): test data only.
set -euo pipefail

cmd=${1:-}
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=test-services-lib.sh
source "$root/scripts/test-services-lib.sh"
state=$(realpath -m "${2:-$root/build/debug/test-services}")
data=$state/postgres-data
url_file=$state/postgres.url
log_file=$state/postgres.log

pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$dir" ] && echo "$dir"
}

ensure_installed() { "$root/scripts/install-deps.sh" postgresql libpq-dev; }

# Runs a server binary as the postgres user when we are root, as ourselves otherwise.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}


start() {
  ensure_installed
  local bin
  bin=$(pg_bin) || { echo "no PostgreSQL server binaries under /usr/lib/postgresql" >&2; exit 1; }
  # A server left over from an interrupted run is replaced, not reused.
  stop_server
  mkdir -p "$state"
  rm -f "$url_file"
  mkdir -p "$data"
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$data" "$state"; fi
  chmod 700 "$data"
  as_pg "$bin/initdb" -D "$data" -U eddy --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
    >"$state/initdb.log" 2>&1 || { cat "$state/initdb.log" >&2; exit 1; }

  local port
  for attempt in 1 2 3; do
    port=$(free_port)
    if as_pg "$bin/pg_ctl" -D "$data" -l "$log_file" -w -t 60 start -o \
      "-c listen_addresses=127.0.0.1 -p $port -k $data -c fsync=off -c synchronous_commit=off \
       -c full_page_writes=off -c max_connections=200" >/dev/null; then
      break
    fi
    [ "$attempt" -eq 3 ] && { cat "$log_file" >&2; exit 1; }
  done
  as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U eddy eddy
  echo "postgresql://eddy@127.0.0.1:$port/eddy" >"$url_file"
  echo "postgres test server: $(cat "$url_file")"
}

stop_server() {
  local bin
  bin=$(pg_bin) || return 0
  if [ -f "$data/postmaster.pid" ]; then
    as_pg "$bin/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$data" "$url_file"
}

case "$cmd" in
  start) start ;;
  stop) stop_server ;;
  *)
    echo "usage: $0 start|stop [STATE_DIR]" >&2
    exit 2
    ;;
esac
