# Shared by the test-service scripts (test-postgres.sh, test-redis.sh); sourced, not run.

# A TCP port on 127.0.0.1 that nothing listens on (the caller retries if it loses the race).
free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  return 1
}
