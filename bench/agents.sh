#!/usr/bin/env bash
# Catch-up speed per agent format: `accrete analyze` over SIZE of each
# agent's session files, warm cache, best of RUNS. Claude Code transcripts
# are made by `accrete gen` from the shared corpus; Codex rollouts and
# Gemini chats (JSON and JSONL) are the fixtures of tests/fixtures/agents,
# copied with new session ids until SIZE. Prints MB/s, files and peak RSS.
#
#   bench/agents.sh [SIZE]         # default 200M per format
#
# Env: ACCRETE_CORPUS (default ../shared/corpus), RUNS (default 3).
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-200M}
runs=${RUNS:-3}
corpus=${ACCRETE_CORPUS:-$(cd .. && pwd)/shared/corpus}
work=${BENCH_DIR:-/tmp/accrete-bench}

. bench/lib.sh
machine
cargo build --release --locked -q
bin=target/release/accrete
bytes=$(numfmt --from=iec "$size")
mkdir -p "$work"

# Copies of one fixture tree until `bytes`, every UUID in it made unique per
# copy (session ids, a sub-agent's parent, Gemini's session folders).
replicate() {
  local src=$1 out=$2 only=$3
  [ -f "$out/.done" ] && return
  rm -rf "$out"
  local files uuids n=0 total=0 per
  files=$(cd "$src" && find . -type f -path "$only" | sort)
  uuids=$(cd "$src" && grep -ohE '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}' $files | sort -u)
  per=$(cd "$src" && cat $files | wc -c)
  while [ "$total" -lt "$bytes" ]; do
    local expr="" u
    for u in $uuids; do expr+="s/${u:0:24}${u:24:12}/${u:0:24}$(printf '%012x' $((0x${u:24:12} ^ n)))/g;"; done
    local f
    for f in $files; do
      local dst
      # Rollouts are named by their (new) id; Gemini chats go to a project
      # folder per copy (their names hold the id's first 8 digits only).
      dst="$out/$(echo "${f#./}" | sed "$expr" | sed "s#^tmp/\([^/]*\)/#tmp/\1-c$n/#")"
      mkdir -p "$(dirname "$dst")"
      sed "$expr" "$src/$f" >"$dst"
    done
    n=$((n + 1))
    total=$((total + per))
  done
  touch "$out/.done"
}

unpack_corpus "$corpus" "$work/corpus"
if [ ! -f "$work/agents-claude-$size/.done" ]; then
  rm -rf "$work/agents-claude-$size"
  "$bin" gen --from "$work/corpus" --out "$work/agents-claude-$size" --people 10 --days 120 --max-bytes "$size" >/dev/null
  touch "$work/agents-claude-$size/.done"
fi
replicate tests/fixtures/agents/codex "$work/agents-codex-$size" './sessions/*'
replicate tests/fixtures/agents/gemini "$work/agents-gemini-json-$size" './tmp/*/chats/*.json'
replicate tests/fixtures/agents/gemini "$work/agents-gemini-jsonl-$size" './tmp/*/chats/*.jsonl'

run() {
  local name=$1 dir=$2
  shift 2
  local mb files times=() t
  files=$(find "$dir" -type f ! -name .done | wc -l)
  find "$dir" -type f -exec cat {} + >/dev/null
  for _ in $(seq 1 "$runs"); do
    /usr/bin/time -f "%e %M" -o "$work/time" "$bin" analyze --json "$@" >/dev/null 2>"$work/analyze.log"
    times+=("$(cat "$work/time")")
  done
  t=$(printf '%s\n' "${times[@]}" | sort -n | head -1)
  # Lines (Gemini JSON: messages) as the run counted them: formats differ
  # in bytes per line, so MB/s alone does not compare them.
  lines=$(grep -oE '[0-9]+ lines of' "$work/analyze.log" | grep -oE '^[0-9]+' || echo 0)
  # The bytes the run read (a folder's size would count its folders too).
  mb=$(grep -oE 'analyzed [0-9.]+ MB' "$work/analyze.log" | grep -oE '[0-9.]+' | awk '{print $1 * 1e6}')
  awk -v n="$name" -v b="$mb" -v f="$files" -v l="$lines" -v t="${t%% *}" -v r="${t##* }" \
    'BEGIN {printf "%-20s %5.0f MB %6d files %7d lines  %5.2f s  %5.0f MB/s %7.0f lines/s  peak RSS %4.0f MB\n", n, b/1e6, f, l, t, b/1e6/t, l/t, r/1024}'
}

echo "format (best of $runs runs)"
claude_sources=()
for p in "$work/agents-claude-$size"/person*; do claude_sources+=(--source "$(basename "$p")=$p/.claude"); done
run "claude code (jsonl)" "$work/agents-claude-$size" "${claude_sources[@]}"
run "codex cli (jsonl)" "$work/agents-codex-$size" --source "codex:dev=$work/agents-codex-$size"
for v in json jsonl; do
  run "gemini cli ($v)" "$work/agents-gemini-$v-$size" --source "gemini:dev=$work/agents-gemini-$v-$size"
done
