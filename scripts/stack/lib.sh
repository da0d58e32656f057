# Helpers shared by the server scripts beside this file (kafka.sh,
# clickhouse.sh, otelcol.sh). The sourcing script sets `me` (its name in
# messages), `pidfile`, and `pid_match` (a pattern its server's command line
# matches, so that a recycled pid is never taken for ours).

say() { echo "$me: $*" >&2; }
die() { echo "$me: error: $*" >&2; exit 1; }

# Holds an exclusive lock on file $2 through fd $1 until the script exits
# (waiting up to $3 s, default 300), so that test binaries starting the
# stack side by side do not race.
lock() {
  local wait=${3:-300}
  mkdir -p "$(dirname "$2")"
  eval "exec $1>\"\$2\""
  flock -w "$wait" "$1" || die "could not lock $2 within $wait s"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The pid from the pid file, if that process is alive and is our server.
live_pid() {
  [ -f "$pidfile" ] || return 1
  local pid
  pid="$(cat "$pidfile" 2>/dev/null)" || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "$pid_match" || return 1
  echo "$pid"
}

# `stop [--wipe]` for a server: TERM, then KILL after GRACE seconds; with
# --wipe also deletes DIR. A server of someone else's answering at WHERE
# (ANSWERS succeeds) is left alone.
#   stop_server GRACE WHAT ANSWERS WHERE DIR [--wipe]
stop_server() {
  local grace=$1 what=$2 answers=$3 where=$4 dir=$5 wipe=0 pid _
  case "${6:-}" in
    "") ;;
    --wipe) wipe=1 ;;
    *) die "usage: $0 stop [--wipe]" ;;
  esac
  if pid="$(live_pid)"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 $((grace * 10))); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      say "pid $pid still running after ${grace}s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    fi
    rm -f "$pidfile"
    say "stopped (pid $pid)"
  else
    rm -f "$pidfile"
    if $answers; then
      say "no $what of ours is running, but $where answers: left alone"
    else
      say "not running"
    fi
  fi
  if [ "$wipe" -eq 1 ]; then
    rm -rf "$dir"
    say "wiped $dir"
  fi
}
