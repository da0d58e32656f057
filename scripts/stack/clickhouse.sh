#!/usr/bin/env bash
# A real ClickHouse server on 127.0.0.1 (Debian's package, 18.16.1 today), for
# integration tests and local use, with a config of our own: every path it
# writes is under $ACCRETE_STACK_DIR/clickhouse, nothing under /var/lib.
#
#   scripts/stack/clickhouse.sh install         # apt-get install clickhouse-server clickhouse-client if missing
#   scripts/stack/clickhouse.sh start           # start + wait for /ping (no-op when already up)
#   scripts/stack/clickhouse.sh status          # "clickhouse=http://127.0.0.1:18123 up|down", exit 0|1
#   scripts/stack/clickhouse.sh stop [--wipe]   # stop; --wipe also deletes the data
#
# Environment:
#   ACCRETE_STACK_DIR         data, config, logs (default /tmp/accrete-stack; ClickHouse uses ./clickhouse)
#   CLICKHOUSE_HTTP_PORT      HTTP interface     (default 18123)
#   CLICKHOUSE_TCP_PORT       native protocol    (default 19000)
#   CLICKHOUSE_START_TIMEOUT  seconds to wait    (default 30)
set -euo pipefail

me="clickhouse.sh"
stack="${ACCRETE_STACK_DIR:-/tmp/accrete-stack}"
dir="$stack/clickhouse"
http_port="${CLICKHOUSE_HTTP_PORT:-18123}"
tcp_port="${CLICKHOUSE_TCP_PORT:-19000}"
timeout_s="${CLICKHOUSE_START_TIMEOUT:-30}"
url="http://127.0.0.1:$http_port"
pidfile="$dir/clickhouse.pid"
pid_match='clickhouse'
# shellcheck source=lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

# --- helpers -----------------------------------------------------------------

# Sets server=(...) to the command that runs the server, if there is one.
# Debian puts it in /usr/sbin (not on a normal user's PATH); upstream builds
# ship one multi-call binary, "clickhouse server".
find_server() {
  local c
  for c in "$(command -v clickhouse-server 2>/dev/null)" /usr/sbin/clickhouse-server /usr/bin/clickhouse-server; do
    if [ -n "$c" ] && [ -x "$c" ]; then server=("$c"); return 0; fi
  done
  for c in "$(command -v clickhouse 2>/dev/null)" /usr/bin/clickhouse; do
    if [ -n "$c" ] && [ -x "$c" ]; then server=("$c" server); return 0; fi
  done
  return 1
}

pings() { curl -sf --max-time 2 "$url/ping" >/dev/null 2>&1; }

apt_install() {
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "need root (or sudo) to install: $*"
    sudo="sudo"
  fi
  # Only refresh the package lists when they do not know the packages yet.
  local p
  for p in "$@"; do
    if ! apt-cache show "$p" >/dev/null 2>&1; then
      $sudo apt-get update -qq >/dev/null
      break
    fi
  done
  say "installing $* from Debian's packages"
  # Without systemd the package's post-install start of its own service is
  # refused; that is harmless (we never use that service), so the exit code
  # is judged by whether the binaries are there afterwards.
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" \
    >"${TMPDIR:-/tmp}/accrete-apt-clickhouse.log" 2>&1 || true
}

# --- commands ----------------------------------------------------------------

cmd_install() {
  local server missing=()
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  find_server || missing+=(clickhouse-server clickhouse-client)
  [ ${#missing[@]} -eq 0 ] && return 0
  lock 8 "${TMPDIR:-/tmp}/accrete-clickhouse-install.lock"
  missing=()
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  find_server || missing+=(clickhouse-server clickhouse-client)
  [ ${#missing[@]} -eq 0 ] && return 0
  apt_install "${missing[@]}"
  command -v curl >/dev/null 2>&1 || die "curl is still missing (apt log: ${TMPDIR:-/tmp}/accrete-apt-clickhouse.log)"
  find_server || {
    tail -n 20 "${TMPDIR:-/tmp}/accrete-apt-clickhouse.log" >&2 2>/dev/null || true
    die "clickhouse-server is still missing after apt-get install"
  }
  say "installed ${server[*]} ($(clickhouse-client --version 2>/dev/null | grep -oE '[0-9]+(\.[0-9]+)+' | head -n 1 || true))"
}

write_config() {
  mkdir -p "$dir/data" "$dir/tmp" "$dir/user_files" "$dir/format_schemas" "$dir/logs"
  # Only settings ClickHouse 18.16 knows: no interserver port (one server),
  # no max_server_memory_usage (newer servers only); memory is bounded per
  # query in the default profile instead.
  cat >"$dir/config.xml" <<EOF
<?xml version="1.0"?>
<!-- Written by scripts/stack/clickhouse.sh -->
<yandex>
    <logger>
        <level>information</level>
        <log>$dir/logs/clickhouse-server.log</log>
        <errorlog>$dir/logs/clickhouse-server.err.log</errorlog>
        <size>100M</size>
        <count>3</count>
    </logger>

    <listen_host>127.0.0.1</listen_host>
    <http_port>$http_port</http_port>
    <tcp_port>$tcp_port</tcp_port>

    <max_connections>1024</max_connections>
    <keep_alive_timeout>3</keep_alive_timeout>
    <max_concurrent_queries>100</max_concurrent_queries>
    <uncompressed_cache_size>268435456</uncompressed_cache_size>
    <mark_cache_size>268435456</mark_cache_size>

    <path>$dir/data/</path>
    <tmp_path>$dir/tmp/</tmp_path>
    <user_files_path>$dir/user_files/</user_files_path>
    <format_schema_path>$dir/format_schemas/</format_schema_path>

    <users_config>$dir/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <mlock_executable>false</mlock_executable>

    <builtin_dictionaries_reload_interval>3600</builtin_dictionaries_reload_interval>
    <max_session_timeout>3600</max_session_timeout>
    <default_session_timeout>60</default_session_timeout>
</yandex>
EOF
  cat >"$dir/users.xml" <<'EOF'
<?xml version="1.0"?>
<!-- Written by scripts/stack/clickhouse.sh -->
<yandex>
    <profiles>
        <default>
            <max_memory_usage>4000000000</max_memory_usage>
            <use_uncompressed_cache>0</use_uncompressed_cache>
            <load_balancing>random</load_balancing>
        </default>
    </profiles>

    <users>
        <default>
            <password></password>
            <networks>
                <ip>::1</ip>
                <ip>127.0.0.1</ip>
            </networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
    </users>

    <quotas>
        <default>
            <interval>
                <duration>3600</duration>
                <queries>0</queries>
                <errors>0</errors>
                <result_rows>0</result_rows>
                <read_rows>0</read_rows>
                <execution_time>0</execution_time>
            </interval>
        </default>
    </quotas>
</yandex>
EOF
}

cmd_start() {
  cmd_install
  local server pid
  find_server || die "clickhouse-server not found"
  lock 9 "$stack/clickhouse.lock"
  if pid="$(live_pid)"; then
    if pings; then
      say "already running at $url (pid $pid)"
      return 0
    fi
    say "pid $pid is alive but $url does not answer yet; waiting for it"
  else
    rm -f "$pidfile"
    if port_open "$http_port" || port_open "$tcp_port"; then
      die "port $http_port or $tcp_port on 127.0.0.1 is taken by a process this script did not start"
    fi
    write_config
    # In the foreground of its own session (no --daemon), so $! is the
    # server; without the lock fds (it would hold the lock for its life).
    (cd "$dir" && exec nohup setsid "${server[@]}" --config-file="$dir/config.xml" \
      >"$dir/logs/stdout.log" 2>&1 </dev/null 8>&- 9>&-) &
    pid=$!
    echo "$pid" >"$pidfile"
  fi

  local deadline=$(( SECONDS + timeout_s ))
  until pings; do
    if ! kill -0 "$pid" 2>/dev/null; then
      say "the server exited during start; last lines of its logs:"
      tail -n 20 "$dir/logs/stdout.log" >&2 2>/dev/null || true
      tail -n 20 "$dir/logs/clickhouse-server.err.log" >&2 2>/dev/null || true
      rm -f "$pidfile"
      die "ClickHouse did not start (logs in $dir/logs)"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      tail -n 20 "$dir/logs/clickhouse-server.err.log" >&2 2>/dev/null || true
      die "no answer from $url/ping after ${timeout_s}s (pid $pid left running; '$0 stop' ends it)"
    fi
    sleep 0.1
  done
  say "started at $url, tcp 127.0.0.1:$tcp_port (pid $pid, data in $dir/data)"
}

cmd_stop() {
  lock 9 "$stack/clickhouse.lock"
  stop_server 30 server pings "$url" "$dir" "$@"
}

cmd_status() {
  if pings; then
    echo "clickhouse=$url up"
  else
    echo "clickhouse=$url down"
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
