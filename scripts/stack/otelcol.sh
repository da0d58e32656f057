#!/usr/bin/env bash
# A real OpenTelemetry Collector (core 0.161.0 / stable 1.67.0, contrib
# fileexporter 0.161.0) on 127.0.0.1, for integration tests that check what
# our services export over OTLP. No Docker, no prebuilt download: the binary
# is built from scripts/stack/otelcol/ (main.go + go.mod/go.sum) with the Go
# toolchain, modules from the Go module proxy.
#
#   scripts/stack/otelcol.sh install         # go build into $ACCRETE_CACHE/otelcol-0.161.0/otelcol (once)
#   scripts/stack/otelcol.sh start           # start + wait for the OTLP ports; prints otlp=, traces=, ...
#   scripts/stack/otelcol.sh status          # "otelcol=http://127.0.0.1:14317 up|down", exit 0|1
#   scripts/stack/otelcol.sh stop [--wipe]   # stop; --wipe also deletes $OTELCOL_DIR
#
# What it receives lands as OTLP JSON, one export request per line
# (ExportTraceServiceRequest-shaped: {"resourceSpans":[...]}), in
#   $OTELCOL_DIR/traces.jsonl  metrics.jsonl  logs.jsonl
# flushed every 100 ms. A fresh start truncates them; a start while it is
# already running leaves them alone.
#
# Environment:
#   ACCRETE_CACHE            binary cache            (default $HOME/.cache/accrete)
#   ACCRETE_STACK_DIR        config, output, logs    (default /tmp/accrete-stack)
#   OTELCOL_DIR              this collector's dir    (default $ACCRETE_STACK_DIR/otelcol)
#   OTELCOL_GRPC_PORT        OTLP/gRPC receiver      (default 14317)
#   OTELCOL_HTTP_PORT        OTLP/HTTP receiver      (default 14318)
#   OTELCOL_METRICS_PORT     the collector's own Prometheus metrics; unset = none
#   OTELCOL_START_TIMEOUT    seconds to wait         (default 30)
#   GO                       the go command          (default: go on PATH, else /usr/local/go/bin/go)
set -euo pipefail

me="otelcol.sh"
OTELCOL_VERSION="0.161.0"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$here/otelcol"
cache="${ACCRETE_CACHE:-$HOME/.cache/accrete}"
home="$cache/otelcol-$OTELCOL_VERSION"
bin="$home/otelcol"
stack="${ACCRETE_STACK_DIR:-/tmp/accrete-stack}"
dir="${OTELCOL_DIR:-$stack/otelcol}"
grpc_port="${OTELCOL_GRPC_PORT:-14317}"
http_port="${OTELCOL_HTTP_PORT:-14318}"
metrics_port="${OTELCOL_METRICS_PORT:-}"
timeout_s="${OTELCOL_START_TIMEOUT:-30}"
url="http://127.0.0.1:$grpc_port"
pidfile="$dir/otelcol.pid"
pid_match='otelcol.*--config'
# shellcheck source=lib.sh
. "$here/lib.sh"

# --- helpers -----------------------------------------------------------------

src_sum() { cat "$src/go.mod" "$src/go.sum" "$src/main.go" | cksum | cut -d' ' -f1; }

# Installed = a binary built from the current sources.
installed() {
  [ -x "$bin" ] && [ -f "$home/.complete" ] && [ "$(cat "$home/.complete")" = "$(src_sum)" ]
}

find_go() {
  local c
  for c in "${GO:-}" "$(command -v go 2>/dev/null)" /usr/local/go/bin/go; do
    if [ -n "$c" ] && [ -x "$c" ]; then go_cmd="$c"; return 0; fi
  done
  return 1
}

print_endpoints() {
  echo "otlp=$url"
  echo "otlp_http=http://127.0.0.1:$http_port"
  echo "traces=$dir/traces.jsonl"
  echo "metrics=$dir/metrics.jsonl"
  echo "logs=$dir/logs.jsonl"
}

# --- commands ----------------------------------------------------------------

cmd_install() {
  if installed; then say "already built: $bin (from the current sources)"; return 0; fi
  lock 8 "$cache/otelcol-$OTELCOL_VERSION.lock" 900   # a first Go build takes minutes
  if installed; then say "already built: $bin (from the current sources)"; return 0; fi
  local go_cmd
  find_go || die "no Go toolchain found (PATH, /usr/local/go/bin/go or \$GO); Go >= 1.26 is needed"
  command -v flock >/dev/null 2>&1 || die "flock (util-linux) is missing"
  say "building the collector $OTELCOL_VERSION with $("$go_cmd" version | cut -d' ' -f3) into $bin (modules from the Go module proxy; minutes on a cold cache)"
  mkdir -p "$home"
  rm -f "$home/.complete"
  local log="$home/build.log" start=$SECONDS
  # -mod=readonly: go.sum is committed, the build must not rewrite it.
  # -buildvcs=false: the module sits inside our git checkout.
  if ! (cd "$src" && GOFLAGS="${GOFLAGS:-} -mod=readonly -buildvcs=false" CGO_ENABLED=0 \
      "$go_cmd" build -trimpath -ldflags="-s -w" -o "$bin.tmp.$$" . ) >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    rm -f "$bin.tmp.$$"
    die "go build failed (full log: $log)"
  fi
  mv -f "$bin.tmp.$$" "$bin"
  src_sum >"$home/.complete"
  say "built $bin ($(du -h "$bin" | cut -f1)) in $(( SECONDS - start ))s"
}

write_config() {
  mkdir -p "$dir/logs"
  local telemetry_metrics
  if [ -n "$metrics_port" ]; then
    telemetry_metrics="    metrics:
      level: basic
      readers:
        - pull:
            exporter:
              prometheus:
                host: 127.0.0.1
                port: $metrics_port"
  else
    telemetry_metrics="    metrics:
      level: none"
  fi
  cat >"$dir/config.yaml" <<EOF
# Written by scripts/stack/otelcol.sh
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:$grpc_port
      http:
        endpoint: 127.0.0.1:$http_port

exporters:
  file/traces:
    path: $dir/traces.jsonl
    format: json
    flush_interval: 100ms
  file/metrics:
    path: $dir/metrics.jsonl
    format: json
    flush_interval: 100ms
  file/logs:
    path: $dir/logs.jsonl
    format: json
    flush_interval: 100ms

service:
  telemetry:
    logs:
      level: info
$telemetry_metrics
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [file/traces]
    metrics:
      receivers: [otlp]
      exporters: [file/metrics]
    logs:
      receivers: [otlp]
      exporters: [file/logs]
EOF
}

cmd_start() {
  cmd_install
  lock 9 "$stack/otelcol.lock"
  local pid
  if pid="$(live_pid)"; then
    if port_open "$grpc_port" && port_open "$http_port"; then
      say "already running at $url (pid $pid)"
      print_endpoints
      return 0
    fi
    say "pid $pid is alive but its ports do not answer yet; waiting for it"
  else
    rm -f "$pidfile"
    local p
    for p in "$grpc_port" "$http_port" $metrics_port; do
      if port_open "$p"; then
        die "port $p on 127.0.0.1 is taken by a process this script did not start"
      fi
    done
    write_config
    # Its own session, no terminal, and not the lock fds (it would hold the
    # lock for its whole life).
    nohup setsid "$bin" --config="$dir/config.yaml" \
      >"$dir/logs/otelcol.log" 2>&1 </dev/null 8>&- 9>&- &
    pid=$!
    echo "$pid" >"$pidfile"
  fi

  local deadline=$(( SECONDS + timeout_s ))
  until port_open "$grpc_port" && port_open "$http_port"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      say "the collector exited during start; last lines of its log:"
      tail -n 30 "$dir/logs/otelcol.log" >&2 2>/dev/null || true
      rm -f "$pidfile"
      die "the collector did not start (log: $dir/logs/otelcol.log)"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      tail -n 30 "$dir/logs/otelcol.log" >&2 2>/dev/null || true
      die "ports $grpc_port/$http_port not open after ${timeout_s}s (pid $pid left running; '$0 stop' ends it)"
    fi
    sleep 0.1
  done
  say "started at $url (grpc), http://127.0.0.1:$http_port (http) (pid $pid, log $dir/logs/otelcol.log)"
  print_endpoints
}

otlp_port_open() { port_open "$grpc_port"; }

cmd_stop() {
  lock 9 "$stack/otelcol.lock"
  stop_server 10 collector otlp_port_open "127.0.0.1:$grpc_port" "$dir" "$@"
}

cmd_status() {
  if port_open "$grpc_port"; then
    echo "otelcol=$url up"
  else
    echo "otelcol=$url down"
    return 1
  fi
}

case "${1:-}" in
  install) shift; cmd_install "$@" ;;
  start)   shift; cmd_start "$@" ;;
  stop)    shift; cmd_stop "$@" ;;
  status)  shift; cmd_status "$@" ;;
  *) echo "usage: $0 {install|start|stop [--wipe]|status}" >&2; exit 2 ;;
esac
