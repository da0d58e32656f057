#!/usr/bin/env bash
# API benchmark: a synthetic year of a 10,000-person organization loaded into
# a scratch ClickHouse by `accrete gen-org` (the aggregator's own write path),
# `accrete api` on it (or, with STORE=sqlite, the embedded store that
# `accrete up` serves), then per query a few warm-up requests and a bounded
# number of timed ones over one kept-alive loopback connection (curl's
# time_total: the whole request, well under 1 ms of it curl's own).
# Prints the machine and its load, the rows loaded, and per query count,
# p50, p99 and max in ms (target: p99 <= 300 ms).
#
#   bench/api.sh [PEOPLE] [DAYS]          # default 10000 365
#   STORE=sqlite bench/api.sh 1000 365    # the embedded store (SQLite)
#
# Env: BENCH_DIR (/tmp/accrete-bench), REQUESTS (100), WARMUP (5),
# MAX_SECONDS per query (60), BENCH_PORT (7492), CLICKHOUSE_HTTP_PORT (18223),
# CLICKHOUSE_TCP_PORT (19200), RELOAD=1 to load the data again, STORE
# (clickhouse or sqlite). The loaded data is kept in $BENCH_DIR/api-stack
# (ClickHouse) or $BENCH_DIR/sqlite-PEOPLE-DAYS between runs.
set -euo pipefail
cd "$(dirname "$0")/.."
people=${1:-10000}
days=${2:-365}
requests=${REQUESTS:-100}
warmup=${WARMUP:-5}
max_s=${MAX_SECONDS:-60}
work=${BENCH_DIR:-/tmp/accrete-bench}
port=${BENCH_PORT:-7492}
store=${STORE:-clickhouse}
case "$store" in clickhouse | sqlite) ;; *) echo "STORE must be clickhouse or sqlite" >&2; exit 2 ;; esac
export CLICKHOUSE_HTTP_PORT=${CLICKHOUSE_HTTP_PORT:-18223}
export CLICKHOUSE_TCP_PORT=${CLICKHOUSE_TCP_PORT:-19200}
export ACCRETE_STACK_DIR="$work/api-stack"
ch="http://127.0.0.1:$CLICKHOUSE_HTTP_PORT"
api="http://127.0.0.1:$port"

. bench/lib.sh
machine
cargo build --release --locked -q
bin=$PWD/target/release/accrete
mkdir -p "$work"

api_pid=""
cleanup() {
  if [ -n "$api_pid" ]; then kill "$api_pid" 2>/dev/null || true; wait "$api_pid" 2>/dev/null || true; fi
  [ "$store" = sqlite ] || scripts/stack/clickhouse.sh stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
gen=(gen-org --people "$people" --days "$days" --teams 40 --sessions-per-day 1.5 --seed 1 --start 2025-01-01)

wait_api() {
  for _ in $(seq 1 300); do
    curl -sf "$api/healthz" >/dev/null 2>&1 && return 0
    kill -0 "$api_pid" 2>/dev/null || { cat "$work/api-bench.log" >&2; exit 1; }
    sleep 0.1
  done
}

if [ "$store" = sqlite ]; then
  data="$work/sqlite-$people-$days"
  if [ ! -f "$data/loaded" ] || [ "${RELOAD:-0}" = 1 ]; then
    rm -rf "$data"
    "$bin" "${gen[@]}" --store sqlite --data-dir "$data" 2>&1 | grep -v 'so far' | tee "$work/gen-org-sqlite.log"
    touch "$data/loaded"
  else
    echo "data: loaded earlier ($(grep -o 'accrete gen-org: .*' "$work/gen-org-sqlite.log" 2>/dev/null || echo "see $data"))"
  fi
  echo "store: sqlite $data/accrete.db ($(du -h "$data/accrete.db" | cut -f1))"
  # `accrete up` serves the embedded store; its one source is an empty folder.
  mkdir -p "$work/empty-source"
  # The assignments of an earlier run would add up: start from none.
  python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute("DELETE FROM assignment_log"); c.commit()' \
    "$data/accrete.db" 2>/dev/null || true
  "$bin" up --data-dir "$data" --listen "127.0.0.1:$port" --source "bench=$work/empty-source" \
    >"$work/api-bench.out" 2>"$work/api-bench.log" &
  api_pid=$!
  wait_api
fi

if [ "$store" = clickhouse ]; then
scripts/stack/clickhouse.sh start 2>/dev/null
echo "clickhouse: $(curl -sf "$ch/?query=SELECT%20version()") at $ch"

cfg="$work/api-bench.toml"
cat >"$cfg" <<EOF
listen = "127.0.0.1:$port"
[kafka]
coaching_topic = ""   # no Kafka here: the API publishes no coaching events
[clickhouse]
url = "$ch"
database = "accrete_bench"
[log]
level = "warn"
EOF

marker="$ACCRETE_STACK_DIR/loaded-$people-$days"
if [ ! -f "$marker" ] || [ "${RELOAD:-0}" = 1 ]; then
  rm -f "$ACCRETE_STACK_DIR"/loaded-*
  curl -sf "$ch/" --data-binary "DROP DATABASE IF EXISTS accrete_bench" >/dev/null
  "$bin" --config "$cfg" "${gen[@]}" --store clickhouse 2>&1 | grep -v 'so far' | tee "$ACCRETE_STACK_DIR/gen-org.log"
  touch "$marker"
else
  echo "data: loaded earlier ($(grep -o 'accrete gen-org: .*' "$ACCRETE_STACK_DIR/gen-org.log" 2>/dev/null || echo "see $marker"))"
fi
# What the aggregator keeps up to date (data loaded before the roll-ups
# existed becomes stale on first start and is compacted here).
"$bin" --config "$cfg" compact
echo "rows loaded (active parts):"
curl -sf "$ch/" --data-binary "SELECT table, sum(rows), count(), formatReadableSize(sum(bytes_on_disk)) FROM system.parts
  WHERE active AND database = 'accrete_bench' GROUP BY table ORDER BY table FORMAT TSV" |
  awk -F'\t' '{printf "  %-10s %12s rows in %3s parts, %s on disk\n", $1, $2, $3, $4}'

# The assignments of an earlier run would add up: the API creates the table again.
curl -sf "$ch/" --data-binary "DROP TABLE IF EXISTS accrete_bench.assignment_log" >/dev/null
"$bin" --config "$cfg" api >"$work/api-bench.out" 2>"$work/api-bench.log" &
api_pid=$!
wait_api
fi

person=person00042
team=team07
# (sed reads to the end: with `head`, grep could die of SIGPIPE under pipefail)
sid=$(curl -sf "$api/v1/people/$person/sessions" | grep -o '"session_id":"[^"]*"' | sed -n '1s/.*:"\(.*\)"/\1/p')
[ -n "$sid" ] || { echo "no session of $person" >&2; exit 1; }

# Times one path: warm-up, then up to $requests requests (or $max_s
# seconds), ten per curl call on one kept-alive connection (one per call
# when a request takes over a second, so the time bound holds).
# BENCH_CODE (200) is the status every request must get; BENCH_ARGS are
# extra curl arguments (a POST body).
bench() {
  local name=$1 path=$2 times="$work/api-bench.times" urls=() i code=${BENCH_CODE:-200}
  local -a extra=()
  [ -z "${BENCH_ARGS:-}" ] || read -r -a extra <<<"$BENCH_ARGS"
  # (given once: curl joins repeated -d bodies with '&')
  for i in $(seq 1 10); do urls+=(-o/dev/null "$api$path"); done
  local step=2
  local per=10 slow
  slow=$(curl -s "${extra[@]}" -w '%{time_total}\n' "${urls[@]:0:$step}" | awk '$1 > 1 {print 1; exit}')
  if [ -n "$slow" ]; then per=1; else curl -s "${extra[@]}" "${urls[@]:0:$((step * warmup))}"; fi
  : >"$times"
  local deadline=$((SECONDS + max_s)) n=0 want=${BENCH_REQUESTS:-$requests}
  while [ "$n" -lt "$want" ] && [ "$SECONDS" -lt "$deadline" ]; do
    local k=$((want - n < per ? want - n : per))
    curl -s "${extra[@]}" -w '%{http_code} %{time_total} %{size_download}\n' "${urls[@]:0:$((step * k))}" >>"$times"
    n=$((n + k))
  done
  if awk -v c="$code" '$1 != c {bad = 1} END {exit !bad}' "$times"; then
    echo "$name: HTTP $(awk -v c="$code" '$1 != c {print $1; exit}' "$times") from $path" >&2
    exit 1
  fi
  awk '{print $2 * 1000, $3}' "$times" | sort -n | awk -v name="$name" '
    { t[NR] = $1; b = $2 }
    END {
      p50 = t[int((NR * 50 + 99) / 100)]; p99 = t[int((NR * 99 + 99) / 100)]
      printf "%-34s %5d %9.1f %9.1f %9.1f %10.0f\n", name, NR, p50, p99, t[NR], b / 1000
    }'
}

echo "load average before the queries: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-34s %5s %9s %9s %9s %10s\n' query count "p50 ms" "p99 ms" "max ms" "resp. kB"
bench "adoption-matrix (org)" "/v1/adoption-matrix"
bench "adoption-matrix ?team" "/v1/adoption-matrix?team=$team"
bench "adoption-matrix ?from&to (Q2)" "/v1/adoption-matrix?from=2025-04-01&to=2025-07-01"
bench "adoption-matrix ?from&to (days)" "/v1/adoption-matrix?from=2025-03-17&to=2025-08-12"
bench "people/{p}/sessions" "/v1/people/$person/sessions"
bench "sessions/{id}?person (drill-down)" "/v1/sessions/$sid?person=$person"
bench "rollups/quarterly (org)" "/v1/rollups/quarterly"
bench "rollups/quarterly ?team" "/v1/rollups/quarterly?team=$team"
bench "coaching/suggestions (Q2, org)" "/v1/coaching/suggestions?from=2025-04-01&to=2025-07-01"
bench "coaching/suggestions ?team" "/v1/coaching/suggestions?from=2025-04-01&to=2025-07-01&team=$team"
bench "coaching/trends ?person (26 wk)" "/v1/coaching/trends?person=$person&from=2025-07-01&to=2025-12-30"
bench "coaching/trends ?team (26 wk)" "/v1/coaching/trends?team=$team&from=2025-07-01&to=2025-12-30"
bench "coaching/examples (Q2, org)" "/v1/coaching/examples?practice=plan_mode&from=2025-04-01&to=2025-07-01"
bench "coaching/examples ?team" "/v1/coaching/examples?practice=task_tracking&team=$team&from=2025-04-01&to=2025-07-01"
bench "coaching/cohorts (6 months, org)" "/v1/coaching/cohorts?from=2025-07-01&to=2026-01-01"
bench "coaching/cohorts ?team" "/v1/coaching/cohorts?team=$team&from=2025-07-01&to=2026-01-01"
bench "coaching/cohorts quarter (year, org)" "/v1/coaching/cohorts?bucket=quarter&from=2025-01-01&to=2026-01-01"
# Assignments: one to each of (up to) 40 people of $team (not timed), then the
# routes, each POST a new row (the log is append-only).
members=$(((people - 7 + 39) / 40))
[ "$members" -le 40 ] || members=40
for i in $(seq 0 $((members - 1))); do
  p=$(printf 'person%05d' $((7 + 40 * i)))
  curl -sf -o /dev/null -H 'Content-Type: application/json' \
    -d "{\"person\":\"$p\",\"practice\":\"task_tracking\",\"start\":\"2025-10-06\"}" "$api/v1/coaching/assignments"
done
posts=$((requests < 30 ? requests : 30))
BENCH_REQUESTS=$posts BENCH_CODE=201 \
  BENCH_ARGS='-H Content-Type:application/json -d {"person":"person00047","practice":"plan_mode","start":"2025-11-03"}' \
  bench "coaching/assignments POST" "/v1/coaching/assignments"
bench "coaching/assignments ?person ($((posts + warmup + 2)))" "/v1/coaching/assignments?person=person00047"
bench "coaching/assignments ?team ($((members + posts + warmup + 1)))" "/v1/coaching/assignments?team=$team"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
