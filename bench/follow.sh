#!/usr/bin/env bash
# Follow benchmark for `accrete up`: the collector following ~1,000
# transcript files (peak and idle RSS, CPU while idle), then the lag from a
# line written to a transcript to its session visible in the API (p50, p99).
#
#   bench/follow.sh [FILES] [SAMPLES]     # default 1000 files, 100 samples
#
# Env: ACCRETE_CORPUS (default ../shared/corpus), BENCH_DIR (/tmp/accrete-bench).
set -euo pipefail
cd "$(dirname "$0")/.."
files=${1:-1000}
samples=${2:-100}
corpus=${ACCRETE_CORPUS:-$(cd .. && pwd)/shared/corpus}
work=${BENCH_DIR:-/tmp/accrete-bench}
port=${BENCH_PORT:-7491}

. bench/lib.sh
machine
cargo build --release --locked -q
bin=$PWD/target/release/accrete
mkdir -p "$work"
unpack_corpus "$corpus" "$work/corpus"
data="$work/follow-$files"
gen_files "$data" "$files"
claude="$data/person00000/.claude"
rm -rf "$claude/projects/-bench-lag"   # lag samples of an earlier run
echo "data: $(find "$claude" -name '*.jsonl' | wc -l) files, $(du -sb "$claude" | awk '{printf "%.0f MB", $1/1e6}')"

rm -rf "$work/follow-data"
"$bin" up --data-dir "$work/follow-data" --listen "127.0.0.1:$port" --source "me=$claude" >/dev/null 2>"$work/follow.log" &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
start=$(date +%s.%N)
until curl -sf "http://127.0.0.1:$port/v1/status" 2>/dev/null | grep -q '"caught_up":true,'; do sleep 0.02; done
echo "caught up in $(echo "$(date +%s.%N) - $start" | bc | awk '{printf "%.2f s", $1}')"

echo "idle for 30 s following $files files: $(idle_usage "$pid")"

python3 bench/lag.py "$claude" "http://127.0.0.1:$port/v1/sessions/{sid}" "$samples"
