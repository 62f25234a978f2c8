#!/usr/bin/env bash
# Builds Helm from its published Go module (helm.sh/helm/v3, cmd/helm) into a cache outside the repository and prints
# the path of the binary on stdout. Idempotent: a binary already in the cache is reused.
#
# `go install helm.sh/helm/v3/cmd/helm@VERSION` works directly (Helm's go.mod has no replace directives). The -ldflags
# are the ones Helm's Makefile sets: the release version, and the Kubernetes version that `helm template` and
# `helm lint` assume (from the k8s.io/client-go Helm is built with; without it they assume v1.20).
#
# Environment:
#   MEDALLION_HELM             an existing helm binary to use instead (skips the build)
#   MEDALLION_CACHE            cache root (default ~/.cache/medallion)
#   MEDALLION_HELM_VERSION     Helm release (default v3.22.0)
#   MEDALLION_GO_BUILD_JOBS    parallel compile jobs (default 2); the build runs under `nice` so it yields to others
set -euo pipefail

VERSION="${MEDALLION_HELM_VERSION:-v3.22.0}"
CACHE="${MEDALLION_CACHE:-$HOME/.cache/medallion}"
JOBS="${MEDALLION_GO_BUILD_JOBS:-2}"
DIR="$CACHE/helm/$VERSION"

log() { printf '[setup-helm] %s\n' "$*" >&2; }

if [[ -n "${MEDALLION_HELM:-}" ]]; then
  [[ -x "$MEDALLION_HELM" ]] || { log "MEDALLION_HELM=$MEDALLION_HELM is not executable"; exit 1; }
  echo "$MEDALLION_HELM"
  exit 0
fi
if [[ -x "$DIR/helm" ]]; then
  log "cached: $DIR/helm"
  echo "$DIR/helm"
  exit 0
fi

command -v go >/dev/null || { log "Go >= 1.26 is required to build Helm $VERSION (or set MEDALLION_HELM)"; exit 1; }
mkdir -p "$DIR"
start=$(date +%s)
log "building helm $VERSION from helm.sh/helm/v3 (a few minutes the first time)"
major="${VERSION#v}"
major="${major%%.*}"
mod="helm.sh/helm/v$major"
(
  export CGO_ENABLED=0 GOBIN="$DIR/.tmp" GOFLAGS="-trimpath -buildvcs=false"
  go mod download "$mod@$VERSION"
  gomod="$(go env GOMODCACHE)/$mod@$VERSION/go.mod"
  k8s_minor="$(sed -n 's#^[[:space:]]*k8s.io/client-go v0\.\([0-9]*\)\..*#\1#p' "$gomod")"
  [[ -n "$k8s_minor" ]] || { log "cannot read the k8s.io/client-go version from $gomod"; exit 1; }
  ldflags="-s -w -X $mod/internal/version.version=$VERSION -X $mod/internal/version.gitTreeState=clean"
  for p in pkg/lint/rules pkg/chartutil; do
    ldflags+=" -X $mod/$p.k8sVersionMajor=1 -X $mod/$p.k8sVersionMinor=$k8s_minor"
  done
  nice -n 10 go install -p "$JOBS" -ldflags="$ldflags" "$mod/cmd/helm@$VERSION"
)
mv "$DIR/.tmp/helm" "$DIR/helm"
rmdir "$DIR/.tmp"
log "done in $(($(date +%s) - start)) s: $DIR/helm"
echo "$DIR/helm"
