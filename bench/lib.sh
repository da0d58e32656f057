# Shared by the benchmark scripts beside this file.

# The machine the figures come from, with its load (other work skews them).
machine() {
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GiB; load average $(cut -d' ' -f1-3 /proc/loadavg)"
}

# Unpacks the shared corpus ($1: the folder of its tarballs) into $2, once.
unpack_corpus() {
  if [ ! -d "$2" ]; then
    mkdir -p "$2"
    tar xzf "$1/claude-code-sessions.tar.gz" -C "$2"
    tar xzf "$1/spotter-sessions.tar.gz" -C "$2"
  fi
}

# One person's transcripts in $1, the first $2 files `accrete gen` writes
# ($3...: more gen options), made once. Uses $bin and $work.
gen_files() {
  local out=$1 n=$2
  shift 2
  if [ ! -f "$out/.done" ]; then
    rm -rf "$out"
    "$bin" gen --from "$work/corpus" --out "$out" --people 1 --days $((n * 2)) --sessions-per-day 0.9 --seed 3 "$@" >/dev/null
    find "$out" -name '*.jsonl' | sort | tail -n +$((n + 1)) | xargs -r rm -f
    touch "$out/.done"
  fi
}

# Process $1 while idle: 5 s to settle, then its CPU share over 30 s, RSS and peak RSS.
idle_usage() {
  local pid=$1 t0 t1 s0 s1
  sleep 5
  t0=$(awk '{print $14 + $15}' "/proc/$pid/stat"); s0=$(date +%s.%N)
  sleep 30
  t1=$(awk '{print $14 + $15}' "/proc/$pid/stat"); s1=$(date +%s.%N)
  echo "CPU $(echo "($t1 - $t0) / $(getconf CLK_TCK) / ($s1 - $s0) * 100" | bc -l | awk '{printf "%.2f %%", $1}'), RSS $(awk '/VmRSS/ {printf "%.0f MB", $2/1024}' "/proc/$pid/status"), peak RSS $(awk '/VmHWM/ {printf "%.0f MB", $2/1024}' "/proc/$pid/status")"
}
