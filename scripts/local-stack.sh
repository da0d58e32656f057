#!/usr/bin/env bash
# The whole distributed stack on this machine, on 127.0.0.1: real Kafka
# (KRaft) and real ClickHouse, installed if missing, plus Accrete's gateway,
# two classifier workers, the aggregator and the query API.
#
#   scripts/local-stack.sh up       # install, start everything, print gateway=URL api=URL token=...
#   scripts/local-stack.sh ready    # waits until every role's /readyz answers 200
#   scripts/local-stack.sh status   # the same lines, and which processes run
#   scripts/local-stack.sh down [--wipe]
#   scripts/local-stack.sh stop-role NAME | start-role NAME
#       NAME: gateway classify-1 classify-2 aggregate api (aggregate-2 with two
#       aggregators), or kafka / clickhouse (the servers)
#
# Then collect into it:
#   accrete collect --gateway "$gateway" --token "$token" --source dev1=$HOME/.claude
#
# Env: ACCRETE_STACK_DIR (default /tmp/accrete-stack), KAFKA_PORT (19092),
# KAFKA_CONTROLLER_PORT (19093), CLICKHOUSE_HTTP_PORT (18123),
# CLICKHOUSE_TCP_PORT (19000), ACCRETE_GATEWAY_PORT (17440),
# ACCRETE_API_PORT (17430), ACCRETE_ADMIN_PORT (17450: the roles' admin
# ports /healthz /readyz /metrics, one each from there on, in the order of
# `roles`), ACCRETE_OTLP_ENDPOINT (empty: no trace export), ACCRETE_TOKEN,
# ACCRETE_BIN (default: a release build of this checkout), ACCRETE_AGGREGATORS
# (1, or 2 for a second aggregator replica in the same consumer group),
# ACCRETE_MARKS_PARTITIONS (4; another count than the events topic's puts a
# session's events and marks on partitions of different replicas).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)

export ACCRETE_STACK_DIR=${ACCRETE_STACK_DIR:-/tmp/accrete-stack}
export KAFKA_PORT=${KAFKA_PORT:-19092}
export KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-19093}
export CLICKHOUSE_HTTP_PORT=${CLICKHOUSE_HTTP_PORT:-18123}
export CLICKHOUSE_TCP_PORT=${CLICKHOUSE_TCP_PORT:-19000}
gateway_port=${ACCRETE_GATEWAY_PORT:-17440}
api_port=${ACCRETE_API_PORT:-17430}
admin_port=${ACCRETE_ADMIN_PORT:-17450}
otlp=${ACCRETE_OTLP_ENDPOINT:-}
token=${ACCRETE_TOKEN:-local-stack-token-0123456789}
procs="$ACCRETE_STACK_DIR/procs"
config="$ACCRETE_STACK_DIR/accrete.toml"
roles=(gateway classify-1 classify-2 aggregate api)
case "${ACCRETE_AGGREGATORS:-1}" in
  1) ;;
  2) roles+=(aggregate-2) ;;
  *) echo "local-stack: ACCRETE_AGGREGATORS must be 1 or 2" >&2; exit 2 ;;
esac

say() { echo "local-stack: $*" >&2; }

binary() {
  if [ -n "${ACCRETE_BIN:-}" ]; then echo "$ACCRETE_BIN"; return; fi
  say "building accrete (release)"
  (cd "$root" && cargo build --release --locked -q)
  echo "$root/target/release/accrete"
}

write_config() {
  mkdir -p "$procs"
  cat > "$config" <<TOML
listen = "127.0.0.1:$api_port"
data_dir = "$ACCRETE_STACK_DIR/data"

[kafka]
brokers = "127.0.0.1:$KAFKA_PORT"
batch_max_wait_ms = 20

[clickhouse]
url = "http://127.0.0.1:$CLICKHOUSE_HTTP_PORT"
database = "accrete"

[gateway]
listen = "127.0.0.1:$gateway_port"

[[gateway.tokens]]
team = "engineering"
token = "$token"

[log]
level = "info"

[telemetry]
otlp_endpoint = "$otlp"
metrics_interval_ms = 1000
TOML
}

# The admin port of a role: ACCRETE_ADMIN_PORT plus its place in `roles`.
role_admin_port() {
  local i
  for i in "${!roles[@]}"; do
    if [ "${roles[$i]}" = "$1" ]; then echo $((admin_port + i)); return; fi
  done
  return 1
}

# Running, and not a zombie: a role killed with SIGKILL whose parent (not
# this script, which has exited) has not reaped it yet is dead.
alive() {
  [ -f "$procs/$1.pid" ] || return 1
  local pid; pid=$(cat "$procs/$1.pid")
  kill -0 "$pid" 2>/dev/null || return 1
  [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != "Z" ]
}

start_role() {
  local name=$1 bin
  if alive "$name"; then return; fi
  bin=$(cat "$procs/bin")
  local cmd=${name%-[0-9]*}
  ACCRETE__TELEMETRY__ADMIN_LISTEN="127.0.0.1:$(role_admin_port "$name")" \
    nohup "$bin" --config "$config" "$cmd" >>"$procs/$name.log" 2>&1 &
  echo $! >"$procs/$name.pid"
}

stop_role() {
  local name=$1
  alive "$name" || { rm -f "$procs/$name.pid"; return 0; }
  local pid; pid=$(cat "$procs/$name.pid")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$procs/$name.pid"
}

wait_http() {
  local what=$1 url=$2
  for _ in $(seq 1 300); do
    curl -sf "$url" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  say "$what did not answer at $url; last log lines:"
  tail -n 20 "$procs/$what.log" >&2 || true
  return 1
}

print_addresses() {
  echo "gateway=http://127.0.0.1:$gateway_port"
  echo "api=http://127.0.0.1:$api_port"
  echo "token=$token"
  echo "kafka=127.0.0.1:$KAFKA_PORT"
  echo "clickhouse=http://127.0.0.1:$CLICKHOUSE_HTTP_PORT"
  local r
  for r in "${roles[@]}"; do echo "admin-$r=http://127.0.0.1:$(role_admin_port "$r")"; done
}

case "${1:-}" in
  up)
    "$here/stack/kafka.sh" install
    "$here/stack/clickhouse.sh" install
    "$here/stack/kafka.sh" start
    "$here/stack/clickhouse.sh" start
    if [ -n "${ACCRETE_MARKS_PARTITIONS:-}" ]; then
      # Made first, so the default line below finds it (creation is
      # --if-not-exists); "topics" quoted keeps the default line the one
      # tests/compose.rs reads.
      "$here/stack/kafka.sh" "topics" "accrete.marks.v1:$ACCRETE_MARKS_PARTITIONS"
    fi
    "$here/stack/kafka.sh" topics accrete.events.v1:4 accrete.marks.v1:4
    write_config
    binary >"$procs/bin"
    for r in "${roles[@]}"; do start_role "$r"; done
    wait_http gateway "http://127.0.0.1:$gateway_port/healthz"
    wait_http api "http://127.0.0.1:$api_port/healthz"
    print_addresses
    ;;
  ready)
    # Every role's /readyz: Kafka and ClickHouse reachable, consumer lag known.
    for r in "${roles[@]}"; do
      url="http://127.0.0.1:$(role_admin_port "$r")/readyz"
      for _ in $(seq 1 600); do curl -sf "$url" >/dev/null 2>&1 && break; sleep 0.1; done
      curl -sf "$url" >/dev/null 2>&1 || { say "$r not ready: $(curl -s "$url")"; exit 1; }
    done
    echo "ready"
    ;;
  status)
    print_addresses
    "$here/stack/kafka.sh" status || true
    "$here/stack/clickhouse.sh" status || true
    for r in "${roles[@]}"; do
      if alive "$r"; then echo "$r=up pid $(cat "$procs/$r.pid")"; else echo "$r=down"; fi
    done
    ;;
  down)
    for r in "${roles[@]}"; do stop_role "$r"; done
    "$here/stack/kafka.sh" stop ${2:-}
    "$here/stack/clickhouse.sh" stop ${2:-}
    if [ "${2:-}" = "--wipe" ]; then rm -rf "$procs" "$config"; fi
    ;;
  stop-role)
    case "$2" in
      kafka | clickhouse) "$here/stack/$2.sh" stop ;;
      *) stop_role "$2" ;;
    esac
    ;;
  start-role)
    case "$2" in
      kafka | clickhouse) "$here/stack/$2.sh" start; exit 0 ;;
    esac
    start_role "$2"
    case "$2" in
      gateway) wait_http gateway "http://127.0.0.1:$gateway_port/healthz" ;;
      api) wait_http api "http://127.0.0.1:$api_port/healthz" ;;
    esac
    ;;
  *)
    sed -n '2,20p' "$0" >&2
    exit 2
    ;;
esac
