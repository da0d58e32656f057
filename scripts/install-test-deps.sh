#!/usr/bin/env bash
# Installs what the test suite needs beyond Rust, if missing: Debian's
# Chromium (the dashboard is tested in a real headless browser), kcat (a
# third-party Kafka client reading our topics), the servers of
# scripts/local-stack.sh (ClickHouse from Debian, Kafka's jars from Maven
# Central, for Java 17), and an OpenTelemetry Collector built with Go from
# the Go module proxy, and playwright-core from the npm registry (it drives
# Debian's chromium). (helm and the Kubernetes validator are built by
# scripts/helm-check.sh itself.)
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v tar >/dev/null 2>&1 || need+=(tar)
command -v kcat >/dev/null 2>&1 || need+=(kcat)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
command -v java >/dev/null 2>&1 || need+=(openjdk-17-jre-headless)
command -v mvn >/dev/null 2>&1 || need+=(maven)
command -v pip3 >/dev/null 2>&1 || python3 -m pip --version >/dev/null 2>&1 || need+=(python3-pip)
here=$(cd "$(dirname "$0")" && pwd)
install_servers() {
  "$here/stack/clickhouse.sh" install
  "$here/stack/kafka.sh" install
  # A real OpenTelemetry Collector for the trace export test (Go build, once).
  "$here/stack/otelcol.sh" install
  # A current ClickHouse engine, in-process, for the SQL dialect check.
  if ! python3 -c 'import chdb' >/dev/null 2>&1; then
    echo "install-test-deps: installing chdb-core from PyPI" >&2
    python3 -m pip install -q --disable-pip-version-check chdb-core
  fi
  # Playwright's driver (no browser download: it drives Debian's chromium)
  # for the dashboard's click-through test.
  local node_dir="${HOME}/.cache/accrete/node"
  if [ ! -f "$node_dir/node_modules/playwright-core/package.json" ]; then
    echo "install-test-deps: installing playwright-core from the npm registry into $node_dir" >&2
    mkdir -p "$node_dir"
    [ -f "$node_dir/package.json" ] || echo '{"private": true}' >"$node_dir/package.json"
    (cd "$node_dir" && npm install --no-audit --no-fund --silent playwright-core@1.64.1)
  fi
}
if [ ${#need[@]} -eq 0 ]; then
  install_servers
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "install-test-deps: need root (or sudo) to install: ${need[*]}" >&2
    exit 1
  fi
fi
echo "install-test-deps: installing ${need[*]} from Debian's packages" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
install_servers
