#!/usr/bin/env bash
# Render a dashboard URL in headless Chromium: dump the DOM after JavaScript ran
# and take a screenshot.
#
#   scripts/browser-check.sh URL OUTDIR
#   e.g. scripts/browser-check.sh 'http://127.0.0.1:7430/#/' /tmp/check
#
# Writes OUTDIR/dom.html (the serialized DOM after a 10 s virtual-time budget)
# and OUTDIR/screenshot.png (1280x900). Prints the body's data-ready marker.
# Exits 2 on bad usage or missing chromium, 1 if chromium failed or produced no
# output.
#
# Env: CHROMIUM (binary, default: chromium / chromium-browser / google-chrome),
#      WINDOW_SIZE (default 1280,900), BUDGET_MS (virtual time, default 10000),
#      TIMEOUT_S (wall-clock limit per chromium run, default 60).
set -euo pipefail

if [ "$#" -ne 2 ]; then
  echo "usage: $0 URL OUTDIR" >&2
  exit 2
fi
url=$1
outdir=$2

chromium=${CHROMIUM:-}
if [ -z "$chromium" ]; then
  for c in chromium chromium-browser google-chrome google-chrome-stable; do
    if command -v "$c" >/dev/null 2>&1; then chromium=$(command -v "$c"); break; fi
  done
fi
if [ -z "$chromium" ] || ! command -v "$chromium" >/dev/null 2>&1; then
  echo "error: chromium not found (set CHROMIUM=/path/to/chromium, or install it:" >&2
  echo "       apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)" >&2
  exit 2
fi

mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT

window=${WINDOW_SIZE:-1280,900}
budget=${BUDGET_MS:-10000}
limit=${TIMEOUT_S:-60}

flags=(
  --headless
  --no-sandbox
  --disable-gpu
  --disable-dev-shm-usage
  --disable-quic
  --no-first-run
  --no-default-browser-check
  --disable-background-networking
  --disable-component-update
  --disable-sync
  --disable-extensions
  --hide-scrollbars
  --mute-audio
  --user-data-dir="$profile"
  --window-size="$window"
  --virtual-time-budget="$budget"
)

run() {
  # chromium logs a lot of harmless noise on stderr; keep it for diagnosis.
  timeout "$limit" "$chromium" "${flags[@]}" "$@" 2>>"$outdir/chromium.log"
}

: >"$outdir/chromium.log"
rm -f "$outdir/dom.html" "$outdir/screenshot.png"

if ! run --dump-dom "$url" >"$outdir/dom.html"; then
  echo "error: chromium --dump-dom failed for $url (see $outdir/chromium.log)" >&2
  exit 1
fi
if ! run --screenshot="$outdir/screenshot.png" "$url" >/dev/null; then
  echo "error: chromium --screenshot failed for $url (see $outdir/chromium.log)" >&2
  exit 1
fi
if [ ! -s "$outdir/dom.html" ] || [ ! -s "$outdir/screenshot.png" ]; then
  echo "error: chromium produced no output for $url (see $outdir/chromium.log)" >&2
  exit 1
fi

ready=$(grep -o '<body[^>]*data-ready="[^"]*"' "$outdir/dom.html" | sed 's/.*data-ready="\([^"]*\)".*/\1/' | head -n1 || true)
echo "url:        $url"
echo "dom:        $outdir/dom.html ($(wc -c <"$outdir/dom.html") bytes)"
echo "screenshot: $outdir/screenshot.png"
echo "data-ready: ${ready:-<not set>}"
