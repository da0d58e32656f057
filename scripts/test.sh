#!/usr/bin/env bash
# Every test, on a fresh machine: installs what the tests need, builds
# everything (benchmarks included), runs unit and integration tests and the
# Helm chart's checks (scripts/helm-check.sh).
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
export ACCRETE_REQUIRE_BROWSER=1 ACCRETE_REQUIRE_CHDB=1 ACCRETE_REQUIRE_KCAT=1 ACCRETE_REQUIRE_OTELCOL=1
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

start=$(date +%s)
cargo build --workspace --all-targets --locked
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
cargo test --workspace --all-targets --locked -- "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
# The Helm chart: lint, render, Kubernetes API validation, wrong values refused.
if [ $# -eq 0 ]; then
  ACCRETE_BIN=target/debug/accrete ACCRETE_HELM_CHECK_REQUIRE_BIN=1 scripts/helm-check.sh 2>&1 | tee -a "$log"
  helm_rc=${PIPESTATUS[0]}
  [ "$helm_rc" -eq 0 ] || rc=$helm_rc
fi
set -e
# One closing line for the whole run, summed over every test binary.
passed=$(grep -oE '^(test result: .* |helm-check: )[0-9]+ passed' "$log" | grep -oE '[0-9]+ passed' | awk '{s+=$1} END {print s+0}')
failed=$(grep -oE '(; |^helm-check: [0-9]+ passed, )[0-9]+ failed' "$log" | grep -oE '[0-9]+ failed' | awk '{s+=$1} END {print s+0}')
if [ -f target/tmp/faults-report.txt ]; then
  echo "recovery figures (tests/faults.rs):"
  cat target/tmp/faults-report.txt
fi
echo "scripts/test.sh: $(( $(date +%s) - start )) s"
echo "$passed passed, $failed failed"
exit "$rc"
