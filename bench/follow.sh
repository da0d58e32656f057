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
if [ ! -f "$data/.done" ]; then
  rm -rf "$data"
  # One person, sessions until about `files` transcript files exist.
  "$bin" gen --from "$work/corpus" --out "$data" --people 1 --days $((files * 2)) --sessions-per-day 0.9 --seed 3 >/dev/null
  n=0
  for f in $(find "$data" -name '*.jsonl' | sort); do
    n=$((n + 1))
    if [ "$n" -gt "$files" ]; then rm -f "$f"; fi
  done
  touch "$data/.done"
fi
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

ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
sleep 5
t0=$(ticks); s0=$(date +%s.%N)
sleep 30
t1=$(ticks); s1=$(date +%s.%N)
hz=$(getconf CLK_TCK)
echo "idle for 30 s following $files files: CPU $(echo "($t1 - $t0) / $hz / ($s1 - $s0) * 100" | bc -l | awk '{printf "%.2f %%", $1}'), RSS $(awk '/VmRSS/ {printf "%.0f MB", $2/1024}' "/proc/$pid/status"), peak RSS $(awk '/VmHWM/ {printf "%.0f MB", $2/1024}' "/proc/$pid/status")"

python3 - "$claude" "$port" "$samples" <<'PY'
import json, os, sys, time, urllib.request, uuid
claude, port, samples = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
proj = os.path.join(claude, "projects", "-bench-lag")
os.makedirs(proj, exist_ok=True)
lags = []
for _ in range(samples):
    sid = str(uuid.uuid4())
    line = json.dumps({"type": "assistant", "sessionId": sid, "timestamp": "2026-03-02T10:00:05.000Z",
                       "message": {"content": [{"type": "tool_use", "name": "TodoWrite", "input": {}}]}})
    t0 = time.monotonic()
    with open(os.path.join(proj, sid + ".jsonl"), "w") as f:
        f.write(line + "\n")
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/sessions/{sid}") as r:
                if r.status == 200:
                    break
        except Exception:
            pass
        time.sleep(0.005)
    lags.append(time.monotonic() - t0)
    time.sleep(0.05)
lags.sort()
p = lambda q: lags[min(len(lags) - 1, int(q * len(lags)))]
print(f"line written -> visible in the API over {samples} samples: p50 {p(0.5)*1000:.0f} ms, p99 {p(0.99)*1000:.0f} ms, max {lags[-1]*1000:.0f} ms")
PY
