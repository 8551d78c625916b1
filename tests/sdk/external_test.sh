#!/bin/sh
# Installs the build into a temporary prefix, builds tests/sdk/external against it with
# find_package(eddy), and runs it against a fresh `eddy serve` and the token_server example.
# Usage: external_test.sh BUILD_DIR SOURCE_DIR EDDY TOKEN_SERVER
set -eu
build=$1 source=$2 eddy=$3 token_server=$4
work=$(mktemp -d /tmp/eddy-sdk-external-XXXXXX)
pids=""
cleanup() {
  for p in $pids; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

cmake --install "$build" --prefix "$work/prefix" >/dev/null
test -f "$work/prefix/include/eddy/client.h"
cmake -S "$source/tests/sdk/external" -B "$work/build" -G Ninja \
  -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_COMPILER_LAUNCHER="$(command -v ccache || true)" >/dev/null
cmake --build "$work/build" >/dev/null

# Port 0 everywhere: each server binds a free port and prints it.
"$eddy" serve --port 0 --data-dir "$work/data" --threads 2 >"$work/eddy.log" 2>&1 &
pids="$pids $!"
for _ in $(seq 1 300); do grep -q "listening on" "$work/eddy.log" && break; sleep 0.1; done
grep -q "listening on" "$work/eddy.log" || { cat "$work/eddy.log"; exit 1; }
port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/eddy.log" | head -1)
key=$(sed -n 's/^ *api key: *//p' "$work/eddy.log")
secret=$(sed -n 's/^ *api secret: *//p' "$work/eddy.log")
test -n "$key" && test -n "$secret"

"$token_server" --port 0 --key "$key" --secret "$secret" >"$work/token.log" 2>&1 &
pids="$pids $!"
for _ in $(seq 1 300); do grep -q "listening on" "$work/token.log" && break; sleep 0.1; done
grep -q "listening on" "$work/token.log" || { cat "$work/token.log"; exit 1; }
token_port=$(sed -n 's/^listening on \([0-9]*\)$/\1/p' "$work/token.log")

"$work/build/seed_flow" "http://127.0.0.1:$port" "$key" "$secret" \
  "http://127.0.0.1:$token_port/token"
