#!/usr/bin/env bash
# Distributed-stack benchmark, everything on this machine over loopback:
# real Kafka (KRaft) and ClickHouse from scripts/local-stack.sh, the gateway,
# two classifier workers, the aggregator and the API.
#
# 1. Throughput: COLLECTORS collector daemons ship SIZE of transcripts made
#    by `accrete gen` (`accrete collect --once`); prints events/s from the
#    first collector's start until the API shows every session, the events
#    counted by the gateway and the aggregator, and how long after the last
#    event was shipped the roll-ups were exact (nobody stale; target 60 s).
# 2. Lag: a following collector, and a line written to a new transcript
#    until its session answers in the API's drill-down (p50, p99).
# 3. The collector daemon alone following FILES transcript files (one
#    person, about 1.1 GB): its RSS once caught up and its CPU while idle.
#
#   bench/distributed.sh [SIZE] [SAMPLES] [FILES]   # default 1G, 100 samples, 1000 files
#
# Env: ACCRETE_CORPUS (default ../shared/corpus), BENCH_DIR (/tmp/accrete-bench),
# COLLECTORS (4), PEOPLE (80). The stack runs on the ports of
# scripts/local-stack.sh, moved by +1000, and is taken down at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-1G}
samples=${2:-100}
files=${3:-1000}
collectors=${COLLECTORS:-4}
people=${PEOPLE:-80}
corpus=${ACCRETE_CORPUS:-$(cd .. && pwd)/shared/corpus}
work=${BENCH_DIR:-/tmp/accrete-bench}

. bench/lib.sh
machine
cargo build --release --locked -q
bin=$PWD/target/release/accrete
mkdir -p "$work"
unpack_corpus "$corpus" "$work/corpus"
data="$work/dist-$size-$people"
if [ ! -f "$data/.done" ]; then
  rm -rf "$data"
  "$bin" gen --from "$work/corpus" --out "$data" --people "$people" --days 60 --max-bytes "$size" >/dev/null
  touch "$data/.done"
fi
mapfile -t homes < <(find "$data" -mindepth 1 -maxdepth 1 -name 'person*' | sort)
expected=$("$bin" analyze --json $(for h in "${homes[@]}"; do echo "--source $(basename "$h")=$h/.claude"; done) 2>/dev/null |
  python3 -c 'import json,sys; print(sum(p["sessions"] for p in json.load(sys.stdin)["people"]))')
echo "data: $(du -sb "$data" | awk '{printf "%.0f MB", $1/1e6}') in ${#homes[@]} people, $expected sessions"

export ACCRETE_STACK_DIR="$work/dist-stack" ACCRETE_BIN="$bin"
export KAFKA_PORT=20092 KAFKA_CONTROLLER_PORT=20093 CLICKHOUSE_HTTP_PORT=19123 CLICKHOUSE_TCP_PORT=20000
export ACCRETE_GATEWAY_PORT=18440 ACCRETE_API_PORT=18430 ACCRETE_ADMIN_PORT=18450
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  scripts/local-stack.sh down --wipe >/dev/null 2>&1 || true
}
trap cleanup EXIT
scripts/local-stack.sh down --wipe >/dev/null 2>&1 || true
t=$(date +%s.%N)
eval "$(scripts/local-stack.sh up 2>/dev/null | grep -E '^(gateway|api|token)=')"
scripts/local-stack.sh ready >/dev/null
echo "stack up and ready in $(echo "$(date +%s.%N) - $t" | bc | awk '{printf "%.1f s", $1}')"

sessions_visible() {
  curl -sf "$api/v1/adoption-matrix" | python3 -c 'import json,sys; print(sum(p["sessions"] for p in json.load(sys.stdin)["people"]))' 2>/dev/null || echo 0
}
metric() { # ADMIN_PORT NAME: the sum of a counter's series on a role's admin port
  curl -sf "http://127.0.0.1:$1/metrics" | awk -v n="$2" '$1 == n || index($1, n "{") == 1 {s += $2} END {printf "%.0f", s}'
}

# 1. Throughput.
start=$(date +%s.%N)
for i in $(seq 0 $((collectors - 1))); do
  srcs=()
  for j in "${!homes[@]}"; do
    if [ $((j % collectors)) -eq "$i" ]; then srcs+=(--source "$(basename "${homes[$j]}")=${homes[$j]}/.claude"); fi
  done
  rm -rf "$work/dist-spool-$i"
  RUST_LOG=warn "$bin" collect --once --gateway "$gateway" --token "$token" --data-dir "$work/dist-spool-$i" "${srcs[@]}" \
    >/dev/null 2>"$work/dist-collector-$i.log" &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
pids=()
shipped=$(echo "$(date +%s.%N) - $start" | bc)
until [ "$(sessions_visible)" -ge "$expected" ]; do
  sleep 0.05
  if [ "$(echo "$(date +%s.%N) - $start > 600" | bc)" = 1 ]; then echo "not every session visible after 600 s" >&2; exit 1; fi
done
visible=$(echo "$(date +%s.%N) - $start" | bc)
gw=$(metric 18450 accrete_gateway_events_total)
agg=$(metric 18453 accrete_aggregator_events_total)
echo "throughput: $collectors collectors shipped $gw events in $(printf '%.2f' "$shipped") s; every session visible in the API after $(printf '%.2f' "$visible") s"
echo "  end to end: $(echo "$gw / $visible" | bc | awk '{printf "%d", $1}') events/s (collector -> gateway -> Kafka -> 2 classifiers -> aggregator -> ClickHouse -> API)"
echo "  aggregator stored $agg events (at least once: >= $gw)"
# The roll-ups exact: nobody stale at a compaction round counted after that.
vis_ms=$(date +%s%3N)
until [ "$(metric 18453 accrete_rollups_checked_at_ms)" -gt "$vis_ms" ] && [ "$(metric 18453 accrete_rollups_stale_people)" -eq 0 ]; do
  sleep 0.05
  if [ "$(echo "$(date +%s.%N) - $start > 900" | bc)" = 1 ]; then echo "roll-ups still stale after 900 s" >&2; exit 1; fi
done
settled=$(echo "$(date +%s.%N) - $start" | bc)
echo "  roll-ups exact (nobody stale) $(echo "$settled - $shipped" | bc | awk '{printf "%.2f", $1}') s after the last event was shipped (target <= 60 s)"

# 2. Lag: a collector following a folder; a new session's first line until its drill-down answers.
lagdir="$work/dist-lag/.claude"
rm -rf "$work/dist-lag" "$work/dist-lag-spool"
mkdir -p "$lagdir/projects/-bench-lag"
RUST_LOG=warn ACCRETE__COLLECTOR__BATCH_MAX_DELAY_MS=20 \
  "$bin" collect --gateway "$gateway" --token "$token" --data-dir "$work/dist-lag-spool" --source "lagger=$lagdir" \
  >/dev/null 2>"$work/dist-lag-collector.log" &
pids+=($!)
sleep 2
python3 bench/lag.py "$lagdir" "$api/v1/sessions/{sid}?person=lagger" "$samples" "lag: "

kill "${pids[@]}" 2>/dev/null || true
pids=()

# 3. The collector daemon alone, following FILES files (made as bench/follow.sh makes them).
# (Dated in the past: the gateway refuses events from the future.)
fdata="$work/follow-past-$files"
gen_files "$fdata" "$files" --start "$(date -u -d "-$((files * 2 + 2)) days" +%F)"
fclaude="$fdata/person00000/.claude"
rm -rf "$fclaude/projects/-bench-lag"
fexpected=$("$bin" analyze --json --source "follower=$fclaude" 2>/dev/null |
  python3 -c 'import json,sys; print(sum(p["sessions"] for p in json.load(sys.stdin)["people"]))')
rm -rf "$work/dist-follow-spool"
RUST_LOG=warn "$bin" collect --gateway "$gateway" --token "$token" --data-dir "$work/dist-follow-spool" --source "follower=$fclaude" \
  >/dev/null 2>"$work/dist-follow-collector.log" &
cpid=$!
pids+=($cpid)
start=$(date +%s.%N)
follower_sessions() {
  curl -sf "$api/v1/adoption-matrix?person=follower" | python3 -c 'import json,sys; print(sum(p["sessions"] for p in json.load(sys.stdin)["people"]))' 2>/dev/null || echo 0
}
# Caught up: the spool is empty and the API's count has stopped moving. (A
# cut-down folder can hold subagent files whose session file was removed:
# `analyze` and the distributed store count those differently.)
seen=-1
while true; do
  sleep 1
  now=$(follower_sessions)
  if [ -z "$(find "$work/dist-follow-spool/spool" -maxdepth 1 -name '*.batch' -print -quit)" ] && [ "$now" -gt 0 ] && [ "$now" = "$seen" ]; then break; fi
  seen=$now
done
echo "collector daemon: $(find "$fclaude" -name '*.jsonl' | wc -l) files ($(du -sb "$fclaude" | awk '{printf "%.0f MB", $1/1e6}')) shipped in $(echo "$(date +%s.%N) - $start - 1" | bc | awk '{printf "%.1f s", $1}'); $seen sessions visible (analyze counts $fexpected)"
echo "  idle for 30 s following them: $(idle_usage "$cpid")"
