#!/usr/bin/env bash
# Fetches the prometheus-operator CRDs (ServiceMonitor, PodMonitor, PrometheusRule) from the published Go module
# github.com/prometheus-operator/prometheus-operator (example/prometheus-operator-crd/ at a pinned release) through the
# Go module proxy, copies the two the chart uses into a cache outside the repository, and prints that directory.
# The test apiserver installs them so the chart's monitoring objects are dry-run against their published schemas.
#
# Environment:
#   MEDALLION_CACHE                       cache root (default ~/.cache/medallion)
#   MEDALLION_PROMETHEUS_OPERATOR_VERSION release (default v0.85.0)
set -euo pipefail

VERSION="${MEDALLION_PROMETHEUS_OPERATOR_VERSION:-v0.85.0}"
CACHE="${MEDALLION_CACHE:-$HOME/.cache/medallion}"
DIR="$CACHE/prometheus-operator/$VERSION"
FILES=(monitoring.coreos.com_servicemonitors.yaml monitoring.coreos.com_podmonitors.yaml monitoring.coreos.com_prometheusrules.yaml)

log() { printf '[setup-prometheus-crds] %s\n' "$*" >&2; }

have_all() {
  local f
  for f in "${FILES[@]}"; do [[ -s "$DIR/$f" ]] || return 1; done
}
if have_all; then
  log "cached: $DIR"
  echo "$DIR"
  exit 0
fi
command -v go >/dev/null || { log "Go is required to fetch the prometheus-operator module"; exit 1; }
mod=github.com/prometheus-operator/prometheus-operator
src="$(cd /tmp && go mod download -json "$mod@$VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
[[ -d "$src/example/prometheus-operator-crd" ]] || { log "no example/prometheus-operator-crd in $mod@$VERSION"; exit 1; }
mkdir -p "$DIR"
for f in "${FILES[@]}"; do cp "$src/example/prometheus-operator-crd/$f" "$DIR/$f.tmp" && mv "$DIR/$f.tmp" "$DIR/$f"; done
log "copied ${FILES[*]} from $mod@$VERSION to $DIR"
echo "$DIR"
