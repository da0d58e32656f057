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
# Chromium was just installed: the browser test must run, not skip.
export ACCRETE_REQUIRE_BROWSER=1
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

start=$(date +%s)
cargo build --workspace --all-targets --locked
cargo test --workspace --locked -- "$@"
echo "scripts/test.sh: all tests passed in $(( $(date +%s) - start )) s"
