#!/usr/bin/env bash
# A real Apache Kafka 4.4.0 broker (KRaft, one combined broker+controller) on
# 127.0.0.1, for integration tests and local use. No Docker, no download
# besides Maven Central: the jars come from scripts/stack/kafka/pom.xml.
#
#   scripts/stack/kafka.sh install            # jars into $ACCRETE_CACHE/kafka-4.4.0/{libs,tools}
#   scripts/stack/kafka.sh start              # format (first time) + start + wait until it answers
#   scripts/stack/kafka.sh topics a.b:4 c.d:1 # create topics (name[:partitions]), idempotent
#   scripts/stack/kafka.sh status             # "kafka=127.0.0.1:19092 up|down", exit 0|1
#   scripts/stack/kafka.sh stop [--wipe]      # stop; --wipe also deletes the data
#
# Environment:
#   ACCRETE_CACHE          jar cache              (default $HOME/.cache/accrete)
#   ACCRETE_STACK_DIR      data, config, logs     (default /tmp/accrete-stack; Kafka uses ./kafka)
#   KAFKA_PORT             PLAINTEXT listener     (default 19092)
#   KAFKA_CONTROLLER_PORT  CONTROLLER listener    (default 19093)
#   KAFKA_START_TIMEOUT    seconds to wait        (default 60)
#   KAFKA_HEAP_OPTS        JVM heap               (default "-Xmx512m -Xms256m")
#   ACCRETE_MAVEN_REPO     Maven local repository (default: Maven's own, ~/.m2/repository)
set -euo pipefail

me="kafka.sh"
KAFKA_VERSION="4.4.0"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${ACCRETE_CACHE:-$HOME/.cache/accrete}"
home="$cache/kafka-$KAFKA_VERSION"
libs="$home/libs"     # broker 4.4.0: kafka.Kafka, kafka.tools.StorageTool
tools="$home/tools"   # kafka-tools 4.3.1 + its own 4.3.1 libs: org.apache.kafka.tools.TopicCommand
pom="$here/kafka/pom.xml"
stack="${ACCRETE_STACK_DIR:-/tmp/accrete-stack}"
dir="$stack/kafka"
port="${KAFKA_PORT:-19092}"
cport="${KAFKA_CONTROLLER_PORT:-19093}"
timeout_s="${KAFKA_START_TIMEOUT:-60}"
heap="${KAFKA_HEAP_OPTS:--Xmx512m -Xms256m}"
addr="127.0.0.1:$port"
pidfile="$dir/kafka.pid"
pid_match='kafka\.Kafka'
# shellcheck source=lib.sh
. "$here/lib.sh"

# --- helpers -----------------------------------------------------------------

pom_sum() { cksum <"$pom" | cut -d' ' -f1; }

# Installed = both jar folders filled by the current pom.
installed() {
  [ -f "$home/.complete" ] && [ "$(cat "$home/.complete")" = "$(pom_sum)" ] &&
    [ -f "$libs/kafka_2.13-$KAFKA_VERSION.jar" ] && compgen -G "$tools/kafka-tools-*.jar" >/dev/null
}

need_root_apt() {
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "need root (or sudo) to install: $*"
    sudo="sudo"
  fi
  say "installing $* from Debian's packages"
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Runs a Kafka tool class from jar folder $1 quietly (its logs go to stderr,
# ERROR only). A short-lived JVM: small heap, C1 only, serial GC.
tool() {
  local cp="$1" cls="$2"; shift 2
  java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -Dlog4j2.configurationFile="$dir/tools-log4j2.properties" \
    -cp "$cp/*" "$cls" "$@"
}

write_tool_configs() {
  mkdir -p "$dir"
  cat >"$dir/tools-log4j2.properties" <<'EOF'
status = error
appender.err.type = Console
appender.err.name = ERR
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = %p %m (%c)%n
rootLogger.level = ERROR
rootLogger.appenderRef.err.ref = ERR
EOF
  cat >"$dir/admin.properties" <<'EOF'
request.timeout.ms=5000
default.api.timeout.ms=10000
retry.backoff.ms=200
EOF
}

# A real Kafka round trip: the Admin API lists topics.
kafka_answers() {
  tool "$tools" org.apache.kafka.tools.TopicCommand --bootstrap-server "$addr" \
    --command-config "$dir/admin.properties" --list >/dev/null 2>&1
}

# --- commands ----------------------------------------------------------------

cmd_install() {
  if installed; then return 0; fi
  lock 8 "$cache/kafka-$KAFKA_VERSION.lock"
  if installed; then return 0; fi
  local missing=()
  command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
  command -v mvn >/dev/null 2>&1 || missing+=(maven)
  [ ${#missing[@]} -eq 0 ] || need_root_apt "${missing[@]}"
  say "installing Kafka $KAFKA_VERSION jars into $home (Maven Central)"
  mkdir -p "$home"
  rm -f "$home/.complete"
  local log="$home/maven.log" repo=() set folder profile
  [ -z "${ACCRETE_MAVEN_REPO:-}" ] || repo=("-Dmaven.repo.local=$ACCRETE_MAVEN_REPO")
  : >"$log"
  # Two jar sets from one pom (see its header): the broker, then the tools.
  for set in broker:libs tools:tools; do
    profile="${set%%:*}" folder="$home/${set#*:}"
    rm -rf "$folder.tmp.$$"
    if ! mvn -B -q -Dstyle.color=never "${repo[@]}" -f "$pom" -P "$profile" \
        dependency:copy-dependencies -DincludeScope=runtime \
        -DoutputDirectory="$folder.tmp.$$" >>"$log" 2>&1; then
      tail -n 30 "$log" >&2
      rm -rf "$folder.tmp.$$"
      die "Maven could not fetch the Kafka jars (profile $profile; full log: $log)"
    fi
    rm -rf "$folder"
    mv "$folder.tmp.$$" "$folder"
  done
  pom_sum >"$home/.complete"
  say "installed $(find "$libs" "$tools" -name '*.jar' | wc -l) jars"
}

write_server_config() {
  mkdir -p "$dir/data" "$dir/logs"
  cat >"$dir/server.properties" <<EOF
# Written by scripts/stack/kafka.sh: one combined broker+controller (KRaft).
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$dir/data
num.partitions=4
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
# After a crash (kill -9) the restarted broker waits for its old session to
# expire before it may register again: 9 s by default, 4 s here.
broker.session.timeout.ms=4000
broker.heartbeat.interval.ms=1000
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
background.threads=4
log.retention.hours=168
log.segment.bytes=268435456
log.cleaner.dedupe.buffer.size=16777216
delete.topic.enable=true
EOF
  cat >"$dir/log4j2.properties" <<EOF
status = error
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = $dir/logs/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.cleaner.name = kafka.log.LogCleaner
logger.cleaner.level = WARN
EOF
}

cmd_start() {
  cmd_install
  lock 9 "$stack/kafka.lock"
  local pid
  if pid="$(live_pid)"; then
    if port_open "$port"; then
      say "already running at $addr (pid $pid)"
      return 0
    fi
    say "pid $pid is alive but $addr does not answer yet; waiting for it"
  else
    rm -f "$pidfile"
    if port_open "$port" || port_open "$cport"; then
      die "port $port or $cport on 127.0.0.1 is taken by a process this script did not start"
    fi
    write_tool_configs
    # The controller's address is stored in the formatted metadata log: data
    # formatted for other ports cannot be reused.
    local ports="$port $cport"
    if [ -f "$dir/data/meta.properties" ] && [ "$(cat "$dir/ports" 2>/dev/null)" != "$ports" ]; then
      die "data in $dir was formatted for ports '$(cat "$dir/ports" 2>/dev/null)', not '$ports': run '$0 stop --wipe' first"
    fi
    write_server_config
    if [ ! -f "$dir/data/meta.properties" ]; then
      local id
      # A Kafka Uuid: 16 random bytes, base64url without padding; the
      # broker's own generator avoids a leading '-', so do we.
      while :; do
        id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
        [ "${id:0:1}" != "-" ] && break
      done
      if ! tool "$libs" kafka.tools.StorageTool format --standalone --cluster-id "$id" \
          --config "$dir/server.properties" >"$dir/logs/format.log" 2>&1; then
        cat "$dir/logs/format.log" >&2
        die "formatting the storage in $dir/data failed"
      fi
      echo "$ports" >"$dir/ports"
    fi
    # Its own session, no terminal, and not the lock fds (it would hold the
    # lock for its whole life).
    # shellcheck disable=SC2086
    nohup setsid java $heap -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
      -Djava.awt.headless=true \
      -Dlog4j2.configurationFile="$dir/log4j2.properties" \
      -Dkafka.logs.dir="$dir/logs" \
      -cp "$libs/*" kafka.Kafka "$dir/server.properties" \
      >"$dir/logs/kafka.out" 2>&1 </dev/null 8>&- 9>&- &
    pid=$!
    echo "$pid" >"$pidfile"
  fi

  local deadline=$(( SECONDS + timeout_s ))
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      say "the broker exited during start; last lines of its logs:"
      tail -n 20 "$dir/logs/kafka.out" >&2 2>/dev/null || true
      tail -n 40 "$dir/logs/server.log" >&2 2>/dev/null || true
      rm -f "$pidfile"
      die "Kafka did not start (logs in $dir/logs)"
    fi
    if port_open "$port" && kafka_answers; then
      break
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      say "no answer from $addr after ${timeout_s}s; last lines of $dir/logs/server.log:"
      tail -n 40 "$dir/logs/server.log" >&2 2>/dev/null || true
      die "Kafka did not answer in time (pid $pid left running; '$0 stop' ends it)"
    fi
    sleep 0.3
  done
  say "started at $addr (pid $pid, data in $dir/data)"
}

cmd_topics() {
  [ $# -gt 0 ] || die "usage: $0 topics NAME[:PARTITIONS]..."
  installed || die "not installed: run '$0 install' (or start) first"
  port_open "$port" || die "no broker at $addr: run '$0 start' first"
  write_tool_configs
  local spec name parts pids=() names=() errs=() i rc=0
  for spec in "$@"; do
    name="${spec%%:*}"
    parts=4
    [ "$name" = "$spec" ] || parts="${spec#*:}"
    [[ "$name" =~ ^[A-Za-z0-9._-]{1,249}$ ]] || die "bad topic name in '$spec'"
    [[ "$parts" =~ ^[1-9][0-9]*$ ]] || die "bad partition count in '$spec'"
    # One JVM per topic (TopicCommand creates one at a time); run them side by side.
    local err
    err="$(mktemp)"
    tool "$tools" org.apache.kafka.tools.TopicCommand --bootstrap-server "$addr" \
      --command-config "$dir/admin.properties" \
      --create --if-not-exists --topic "$name" \
      --partitions "$parts" --replication-factor 1 >"$err" 2>&1 &
    pids+=("$!"); names+=("$name:$parts"); errs+=("$err")
  done
  for i in "${!pids[@]}"; do
    if wait "${pids[$i]}"; then
      say "topic ${names[$i]} ready"
    else
      rc=1
      say "creating topic ${names[$i]} failed:"
      cat "${errs[$i]}" >&2
    fi
    rm -f "${errs[$i]}"
  done
  return "$rc"
}

kafka_port_open() { port_open "$port"; }

cmd_stop() {
  lock 9 "$stack/kafka.lock"
  stop_server 30 broker kafka_port_open "$addr" "$dir" "$@"
}

cmd_status() {
  if port_open "$port"; then
    echo "kafka=$addr up"
  else
    echo "kafka=$addr down"
    return 1
  fi
}

case "${1:-}" in
  install) shift; cmd_install "$@" ;;
  start)   shift; cmd_start "$@" ;;
  topics)  shift; cmd_topics "$@" ;;
  stop)    shift; cmd_stop "$@" ;;
  status)  shift; cmd_status "$@" ;;
  *) echo "usage: $0 {install|start|topics NAME[:PARTITIONS]...|stop [--wipe]|status}" >&2; exit 2 ;;
esac
