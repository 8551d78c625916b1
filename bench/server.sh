# Sourced by the benchmark scripts: a fresh eddy with its own app and data, pinned to core 0
# with one event loop (the method of BENCHMARKS.md).
#
# bench_server_start EDDY WORKDIR: creates an app in WORKDIR/data, starts `eddy serve` on it
#   (with the variables of SERVER_ENV, e.g. "MALLOC_ARENA_MAX=4", if set) and waits for its
#   port. Sets server_pid, port, api_key and secret; returns 1 if the server did not start.
# bench_server_stop: stops that server and waits for it.

bench_server_start() {
  local eddy=$1 work=$2 creds
  if ! creds=$("$eddy" app create --json --name eddy-bench --data-dir "$work/data" \
    2>"$work/create.err"); then
    echo "eddy app create failed: $eddy" >&2
    cat "$work/create.err" >&2
    return 1
  fi
  api_key=$(sed -n 's/.*"api_key":"\([^"]*\)".*/\1/p' <<<"$creds")
  secret=$(sed -n 's/.*"api_secret":"\([^"]*\)".*/\1/p' <<<"$creds")
  # shellcheck disable=SC2086
  env ${SERVER_ENV:-} taskset -c 0 "$eddy" serve --port 0 --threads 1 --log-level warn \
    --data-dir "$work/data" >"$work/serve.out" 2>"$work/serve.err" &
  server_pid=$!
  port=
  for _ in $(seq 1 100); do
    port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/serve.out" |
      head -1)
    [ -n "$port" ] && return 0
    sleep 0.1
  done
  echo "eddy did not start: $eddy" >&2
  cat "$work/serve.err" >&2
  return 1
}

bench_server_stop() {
  if [ -n "${server_pid:-}" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid"
    wait "$server_pid" 2>/dev/null || true
  fi
  server_pid=
}
