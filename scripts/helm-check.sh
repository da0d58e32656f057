#!/usr/bin/env bash
# Checks the Helm chart helm/accrete offline, on a machine with only Go:
#   - builds `helm` and tools/k8s-validate from the Go module proxy into a
#     cache (once; rebuilt only when tools/k8s-validate changes);
#   - `helm lint --strict` and `helm template` with several value sets, each
#     render validated strictly against the Kubernetes API types
#     (tools/k8s-validate) and its object kinds compared with the expected ones;
#   - the rendered accrete.toml + secret.toml checked by the binary itself
#     (`accrete --config a,b check-config`) when a built binary is found;
#   - wrong values must be refused, with a message naming the value.
#
#   scripts/helm-check.sh
#
# Environment: ACCRETE_TOOLS_DIR (cache, default ~/.cache/accrete-tools),
# GO (the go command), ACCRETE_BIN (the accrete binary; default the newest
# of target/debug/accrete and target/release/accrete),
# ACCRETE_HELM_CHECK_REQUIRE_BIN=1 (fail instead of skipping the binary's
# check when there is no binary).
# Ends with "helm-check: N passed, M failed"; exits 1 on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
chart=helm/accrete
mod=tools/k8s-validate

go=${GO:-$(command -v go || true)}
[ -n "$go" ] || { [ -x /usr/local/go/bin/go ] && go=/usr/local/go/bin/go; }
if [ -z "$go" ] || ! "$go" version >/dev/null 2>&1; then
  echo "helm-check: go is needed (set GO=/path/to/go)" >&2
  echo "helm-check: 0 passed, 1 failed"
  exit 1
fi

cache=${ACCRETE_TOOLS_DIR:-$HOME/.cache/accrete-tools}
# One build per version of the tool module and of Go.
key=$( (cat "$mod/go.mod" "$mod/go.sum" "$mod"/*.go; "$go" version) | sha256sum | cut -c1-16)
bin="$cache/helm-check-$key"
if [ ! -x "$bin/helm" ] || [ ! -x "$bin/k8s-validate" ]; then
  echo "helm-check: building helm and k8s-validate into $bin (first run only)"
  t0=$(date +%s)
  mkdir -p "$cache"
  tmp=$(mktemp -d "$cache/build.XXXXXX")
  (
    cd "$mod"
    helm_version=$("$go" list -m -f '{{.Version}}' helm.sh/helm/v3)
    k8s=$("$go" list -m -f '{{.Version}}' k8s.io/client-go)   # v0.M.P -> Kubernetes 1.M
    k8s_minor=$(echo "$k8s" | cut -d. -f2)
    ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$helm_version"
    for p in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
      ldflags="$ldflags -X $p.k8sVersionMajor=1 -X $p.k8sVersionMinor=$k8s_minor"
    done
    CGO_ENABLED=0 "$go" build -trimpath -ldflags "$ldflags" -o "$tmp/helm" helm.sh/helm/v3/cmd/helm
    CGO_ENABLED=0 "$go" build -trimpath -o "$tmp/k8s-validate" .
    echo "1.$k8s_minor.0" > "$tmp/kube-version"
  )
  rm -rf "$bin"
  mv "$tmp" "$bin"
  # Builds of older versions of the tool module are of no more use.
  find "$cache" -maxdepth 1 -name 'helm-check-*' ! -name "helm-check-$key" -exec rm -rf {} +
  echo "helm-check: built in $(( $(date +%s) - t0 )) s"
fi
helm="$bin/helm"
validate="$bin/k8s-validate"
kube_version=$(cat "$bin/kube-version")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Keep helm away from the user's repositories and plugins.
export HELM_CACHE_HOME="$work/helm/cache" HELM_CONFIG_HOME="$work/helm/config" HELM_DATA_HOME="$work/helm/data"

# The accrete binary, for its own check of the rendered config.
accrete=${ACCRETE_BIN:-}
if [ -z "$accrete" ]; then
  for b in target/debug/accrete target/release/accrete; do
    if [ -x "$b" ] && { [ -z "$accrete" ] || [ "$b" -nt "$accrete" ]; }; then accrete=$b; fi
  done
fi
if [ -n "$accrete" ] && ! "$accrete" check-config --help >/dev/null 2>&1; then
  echo "helm-check: $accrete does not run \`check-config\` (missing, or an old build): not using it"
  accrete=
fi

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "helm-check: ok   $1"; }
bad() {
  failed=$((failed + 1))
  echo "helm-check: FAIL $1"
  [ -s "$work/out" ] && sed 's/^/    | /' "$work/out" | head -40
  return 0
}

# The validator itself must refuse broken manifests (each file's "# want:" line).
for f in "$mod"/testdata/*.yaml; do
  want=$(sed -n '1s/^# want: //p' "$f")
  if "$validate" "$f" >"$work/out" 2>&1; then
    bad "k8s-validate refuses $(basename "$f"): it passed"
  elif grep -qF -- "$want" "$work/out"; then
    ok "k8s-validate refuses $(basename "$f" .yaml): $want"
  else
    echo "expected: $want" >>"$work/out"
    bad "k8s-validate refuses $(basename "$f"), but not for the expected reason"
  fi
done

# name | helm arguments | the kinds the render must hold, as k8s-validate counts them
sets=(
  "default||ConfigMap=1 Deployment=4 HorizontalPodAutoscaler=1 PodDisruptionBudget=3 Secret=1 Service=4 ServiceAccount=1"
  "full (ingress, TLS, ServiceMonitor, tokens, OTLP)|-f $chart/ci/full-values.yaml|ConfigMap=1 Deployment=4 HorizontalPodAutoscaler=1 Ingress=2 PodDisruptionBudget=4 Secret=1 Service=4 ServiceAccount=1 ServiceMonitor=1"
  "existingSecret, HPA off|-f $chart/ci/existing-secret-values.yaml|ConfigMap=1 Deployment=4 PodDisruptionBudget=3 Service=4 ServiceAccount=1"
  "api and aggregator only|-f $chart/ci/minimal-values.yaml|ConfigMap=1 Deployment=2 Secret=1 Service=2"
  "gateway TLS only|--set gateway.tls.enabled=true --set gateway.tls.secretName=accrete-gateway-tls|ConfigMap=1 Deployment=4 HorizontalPodAutoscaler=1 PodDisruptionBudget=3 Secret=1 Service=4 ServiceAccount=1"
  "api ingress only|--set api.ingress.enabled=true|ConfigMap=1 Deployment=4 HorizontalPodAutoscaler=1 Ingress=1 PodDisruptionBudget=3 Secret=1 Service=4 ServiceAccount=1"
  "ServiceMonitor only|--set serviceMonitor.enabled=true|ConfigMap=1 Deployment=4 HorizontalPodAutoscaler=1 PodDisruptionBudget=3 Secret=1 Service=4 ServiceAccount=1 ServiceMonitor=1"
)

# What an existingSecret must hold (docs/deploy.md shows the same shape).
cat > "$work/existing-secret.toml" <<'EOF'
[clickhouse]
password = "from-an-existing-secret"
[[gateway.tokens]]
team = "platform"
token = "platform-token-0123456789abcdef"
[[api.tokens]]
token = "admin-token-0123456789abcdef"
role = "admin"
EOF

# NOTES.txt is not rendered by `helm template`: a copy of the chart renders
# it into a ConfigMap through tpl, the same engine and values.
notes_chart="$work/notes-chart"
cp -r "$chart" "$notes_chart"
mv "$notes_chart/templates/NOTES.txt" "$notes_chart/notes-source.txt"
cat > "$notes_chart/templates/notes-check.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata:
  name: notes-check
data:
  NOTES.txt: |
{{ tpl (.Files.Get "notes-source.txt") . | indent 4 }}
EOF

i=0
for s in "${sets[@]}"; do
  i=$((i + 1))
  IFS='|' read -r name args kinds <<<"$s"
  # shellcheck disable=SC2086
  if "$helm" lint --strict "$chart" $args >"$work/out" 2>&1; then ok "lint --strict: $name"; else bad "lint --strict: $name"; fi

  # shellcheck disable=SC2086
  if ! "$helm" template accrete "$chart" --namespace accrete --kube-version "$kube_version" $args >"$work/render-$i.yaml" 2>"$work/out"; then
    bad "template: $name"
    continue
  fi
  mkdir -p "$work/cfg-$i"
  if "$validate" -write-config "$work/cfg-$i" "$work/render-$i.yaml" >"$work/out" 2>&1; then
    got=$(sed -n 's/^k8s-validate: [0-9]* objects (\(.*\)), 0 errors$/\1/p' "$work/out")
    if [ "$got" = "$kinds" ]; then
      ok "template + Kubernetes API validation: $name ($(tail -1 "$work/out" | sed 's/^k8s-validate: //'))"
    else
      echo "expected kinds: $kinds" >>"$work/out"
      bad "template: $name renders other kinds than expected"
    fi
  else
    bad "template + Kubernetes API validation: $name"
    continue
  fi

  # shellcheck disable=SC2086
  if "$helm" template accrete "$notes_chart" --namespace accrete --kube-version "$kube_version" $args \
      --show-only templates/notes-check.yaml >"$work/out" 2>&1 \
    && grep -qE 'accrete collect --gateway|/v1/adoption-matrix' "$work/out"; then
    ok "NOTES.txt renders: $name ($(grep -cE 'accrete collect --gateway|/v1/' "$work/out") lines with commands)"
  else
    bad "NOTES.txt: $name"
  fi

  files="$work/cfg-$i/accrete.toml"
  if [ -f "$work/cfg-$i/secret.toml" ]; then files="$files,$work/cfg-$i/secret.toml"; else files="$files,$work/existing-secret.toml"; fi
  if [ -n "$accrete" ]; then
    if ACCRETE__CLICKHOUSE__PASSWORD=from-env "$accrete" --config "$files" check-config >"$work/out" 2>&1; then
      ok "accrete check-config accepts the rendered config: $name"
    else
      bad "accrete check-config refuses the rendered config: $name"
    fi
  elif [ "${ACCRETE_HELM_CHECK_REQUIRE_BIN:-0}" = 1 ]; then
    : >"$work/out"
    bad "accrete check-config: no accrete binary (ACCRETE_BIN, target/debug/accrete)"
  fi
done
[ -n "$accrete" ] || echo "helm-check: skip accrete check-config of the rendered config (no accrete binary: set ACCRETE_BIN or cargo build)"

# docs/deploy.md's values example and its existingSecret file must work too.
awk '/^```yaml$/ {n++; if (n == 1) {on = 1; next}} on && /^```$/ {exit} on' docs/deploy.md >"$work/docs-values.yaml"
awk '/^ *cat > secret.toml <<.EOF.$/ {on = 1; next} on && /^ *EOF$/ {exit} on {sub(/^   /, ""); print}' docs/deploy.md >"$work/docs-secret.toml"
if [ ! -s "$work/docs-values.yaml" ] || [ ! -s "$work/docs-secret.toml" ]; then
  : >"$work/out"
  bad "docs/deploy.md: its values example or secret.toml example is not where expected"
elif "$helm" template accrete "$chart" --kube-version "$kube_version" -f "$work/docs-values.yaml" >"$work/docs.yaml" 2>"$work/out" \
  && mkdir -p "$work/docs-cfg" && "$validate" -write-config "$work/docs-cfg" "$work/docs.yaml" >"$work/out" 2>&1; then
  ok "docs/deploy.md values example renders and validates ($(tail -1 "$work/out" | sed 's/^k8s-validate: //'))"
  if [ -n "$accrete" ]; then
    if "$accrete" --config "$work/docs-cfg/accrete.toml,$work/docs-secret.toml" check-config >"$work/out" 2>&1; then
      ok "accrete check-config accepts docs/deploy.md's config and secret.toml"
    else
      bad "accrete check-config refuses docs/deploy.md's config and secret.toml"
    fi
  fi
else
  bad "docs/deploy.md values example"
fi

# Wrong values: helm must refuse them, naming the value.
# name | helm arguments | a fixed string the error must contain
wrong=(
  "negative replicas|--set classifier.replicas=-1|/classifier/replicas': minimum"
  "unknown pullPolicy|--set image.pullPolicy=Sometimes|/image/pullPolicy"
  "misspelled top-level key|--set imagee.tag=1.0|imagee"
  "misspelled key in a role|--set gateway.replica=3|replica"
  "HPA minReplicas > maxReplicas|--set classifier.autoscaling.minReplicas=5 --set classifier.autoscaling.maxReplicas=3|classifier.autoscaling.minReplicas (5) must be <= classifier.autoscaling.maxReplicas (3)"
  "log format not text|json|--set log.format=yaml|/log/format"
  "empty Kafka brokers|--set kafka.brokers=|/kafka/brokers"
  "ClickHouse url not http(s)|--set clickhouse.url=clickhouse:8123|/clickhouse/url"
  "trace sample ratio above 1|--set-json telemetry.traceSampleRatio=1.5|/telemetry/traceSampleRatio': maximum"
  "short gateway token|--set gateway.tokens[0].team=web --set gateway.tokens[0].token=short|/gateway/tokens/0/token"
  "manager token without teams|--set api.tokens[0].token=manager-token-0123456789 --set api.tokens[0].role=manager|missing property 'teams'"
  "unknown API role|--set api.tokens[0].token=root-token-0123456789 --set api.tokens[0].role=root|/api/tokens/0/role"
  "TLS without a Secret|--set gateway.tls.enabled=true|gateway.tls.secretName is required"
  "duplicate API tokens|--set api.tokens[0].token=same-token-0123456789 --set api.tokens[0].role=admin --set api.tokens[1].token=same-token-0123456789 --set api.tokens[1].role=admin|api.tokens[1].token is the same as an earlier token"
)
for w in "${wrong[@]}"; do
  # The name may hold a "|" (log format); split from the right.
  want=${w##*|}
  rest=${w%|*}
  args=${rest##*|}
  name=${rest%|*}
  # shellcheck disable=SC2086
  if "$helm" template accrete "$chart" --kube-version "$kube_version" $args >"$work/out" 2>&1; then
    bad "refuses $name ($args): it rendered"
  elif grep -qF -- "$want" "$work/out"; then
    ok "refuses $name: $(grep -F -- "$want" "$work/out" | head -1 | sed 's/^ *//; s/^Error: //' | cut -c1-140)"
  else
    echo "expected the message to contain: $want" >>"$work/out"
    bad "refuses $name, but the message does not name the value"
  fi
done

echo "helm-check: $passed passed, $failed failed"
[ "$failed" = 0 ]
