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
