#!/usr/bin/env bash
# Catch-up benchmark: `accrete analyze` (the one-shot path of `accrete up`)
# over SIZE of realistic transcripts made by `accrete gen` from the shared
# corpus, warm cache, side by side with `ccusage daily` on the same folders.
# Prints the machine, MB/s, lines/s, peak RSS, both wall times and the ratio.
#
#   bench/catchup.sh [SIZE]        # default 1G
#
# Env: ACCRETE_CORPUS (default ../shared/corpus), RUNS (default 3),
# CCUSAGE_VERSION (default 20.0.24: the newest with a linux-x64 native build).
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-1G}
runs=${RUNS:-3}
corpus=${ACCRETE_CORPUS:-$(cd .. && pwd)/shared/corpus}
ccv=${CCUSAGE_VERSION:-20.0.24}
work=${BENCH_DIR:-/tmp/accrete-bench}

. bench/lib.sh
machine
cargo build --release --locked -q
bin=target/release/accrete

mkdir -p "$work"
unpack_corpus "$corpus" "$work/corpus"
if [ ! -f "$work/gen-$size/.done" ]; then
  rm -rf "$work/gen-$size"
  "$bin" gen --from "$work/corpus" --out "$work/gen-$size" --people 50 --days 120 --max-bytes "$size"
  touch "$work/gen-$size/.done"
fi
data="$work/gen-$size"
sources=()
dirs=()
for p in "$data"/person*; do
  sources+=(--source "$(basename "$p")=$p/.claude")
  dirs+=("$p/.claude")
done
# Warm cache: both tools read from memory.
cat "$data"/*/.claude/projects/*/*.jsonl >/dev/null

best() { sort -n | head -1; }
echo "data: $(du -sb "$data" | cut -f1 | awk '{printf "%.0f MB", $1/1e6}') in ${#dirs[@]} people"

acc_times=()
for _ in $(seq 1 "$runs"); do
  /usr/bin/time -f "%e %M" -o "$work/time" "$bin" analyze --json "${sources[@]}" >/dev/null 2>"$work/analyze.log"
  acc_times+=("$(cat "$work/time")")
done
acc=$(printf '%s\n' "${acc_times[@]}" | best)
echo "accrete analyze: best of $runs: $(echo "$acc" | awk '{printf "%.2f s wall, peak RSS %.0f MB", $1, $2/1024}')"
grep 'accrete: analyzed' "$work/analyze.log" | sed 's/^/  /'

if [ ! -x "$work/ccusage/node_modules/.bin/ccusage" ]; then
  mkdir -p "$work/ccusage"
  (cd "$work/ccusage" && npm install --silent --no-audit --no-fund "ccusage@$ccv" >/dev/null)
fi
cc_times=()
for _ in $(seq 1 "$runs"); do
  /usr/bin/time -f "%e %M" -o "$work/time" env CLAUDE_CONFIG_DIR="$(IFS=,; echo "${dirs[*]}")" \
    "$work/ccusage/node_modules/.bin/ccusage" daily --json >/dev/null 2>&1
  cc_times+=("$(cat "$work/time")")
done
cc=$(printf '%s\n' "${cc_times[@]}" | best)
echo "ccusage $ccv daily: best of $runs: $(echo "$cc" | awk '{printf "%.2f s wall, peak RSS %.0f MB", $1, $2/1024}')"
echo "ratio (ccusage / accrete): $(awk -v a="${acc%% *}" -v c="${cc%% *}" 'BEGIN {printf "%.2f", c/a}')"
