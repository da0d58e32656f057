#!/usr/bin/env bash
# Every test, on a fresh machine: installs what the tests need, builds
# everything (benchmarks included), runs unit and integration tests.
#
#   scripts/test.sh            # all tests
#   scripts/test.sh corpus     # only tests whose name matches
#
# The real transcripts come from ACCRETE_CORPUS (default ../shared/corpus);
# tests that need them say so clearly when they are absent.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-test-deps.sh
export ACCRETE_CORPUS="${ACCRETE_CORPUS:-$(cd .. && pwd)/shared/corpus}"
# Everything was just installed: those tests must run, not skip.
export ACCRETE_REQUIRE_BROWSER=1 ACCRETE_REQUIRE_CHDB=1 ACCRETE_REQUIRE_KCAT=1
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

start=$(date +%s)
cargo build --workspace --all-targets --locked
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
cargo test --workspace --all-targets --locked -- "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
# One closing line for the whole run, summed over every test binary.
passed=$(grep -oE '^test result: .* ([0-9]+) passed' "$log" | grep -oE '[0-9]+ passed' | awk '{s+=$1} END {print s+0}')
failed=$(grep -oE '; ([0-9]+) failed' "$log" | grep -oE '[0-9]+' | awk '{s+=$1} END {print s+0}')
if [ -f target/tmp/faults-report.txt ]; then
  echo "recovery figures (tests/faults.rs):"
  cat target/tmp/faults-report.txt
fi
echo "scripts/test.sh: $(( $(date +%s) - start )) s"
echo "$passed passed, $failed failed"
exit "$rc"
