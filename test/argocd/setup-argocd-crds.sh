#!/usr/bin/env bash
# Fetches Argo CD's Application CRD from the published Go module github.com/argoproj/argo-cd/v3 (manifests/crds/ at a
# pinned release, about 25 MB once) through the Go module proxy, copies it into a cache outside the repository and
# prints that directory. test/k8s/examples.k8s-test.ts installs it so examples/argocd/application.yaml is dry-run
# against Argo CD's published schema.
#
# Environment:
#   MEDALLION_CACHE           cache root (default ~/.cache/medallion)
#   MEDALLION_ARGOCD_VERSION  Argo CD release (default v3.2.0)
set -euo pipefail

VERSION="${MEDALLION_ARGOCD_VERSION:-v3.2.0}"
CACHE="${MEDALLION_CACHE:-$HOME/.cache/medallion}"
DIR="$CACHE/argocd/$VERSION"
FILE=application-crd.yaml

log() { printf '[setup-argocd-crds] %s\n' "$*" >&2; }

if [[ -s "$DIR/$FILE" ]]; then
  log "cached: $DIR"
  echo "$DIR"
  exit 0
fi
command -v go >/dev/null || { log "Go is required to fetch the argo-cd module (or put $FILE in $DIR)"; exit 1; }
mod=github.com/argoproj/argo-cd/v3
src="$(cd /tmp && go mod download -json "$mod@$VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
[[ -s "$src/manifests/crds/$FILE" ]] || { log "no manifests/crds/$FILE in $mod@$VERSION"; exit 1; }
mkdir -p "$DIR"
cp "$src/manifests/crds/$FILE" "$DIR/$FILE.tmp" && mv "$DIR/$FILE.tmp" "$DIR/$FILE"
log "copied $FILE from $mod@$VERSION to $DIR"
echo "$DIR"
