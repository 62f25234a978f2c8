#!/usr/bin/env bash
# Builds test/argocd/gopher-lua (a small runner of Argo CD health scripts on gopher-lua, the Lua implementation Argo CD
# embeds) into a cache outside the repository and prints the binary's path. Rebuilt when its source changes.
#
# Environment:
#   MEDALLION_CACHE  cache root (default ~/.cache/medallion)
set -euo pipefail

SRC="$(cd "$(dirname "$0")/gopher-lua" && pwd)"
CACHE="${MEDALLION_CACHE:-$HOME/.cache/medallion}"
VERSION="$(sed -n 's/^require github.com\/yuin\/gopher-lua \(v[^ ]*\)$/\1/p' "$SRC/go.mod")"
HASH="$(cat "$SRC/go.mod" "$SRC/go.sum" "$SRC/main.go" | sha256sum | cut -c1-12)"
DIR="$CACHE/gopher-lua/$VERSION-$HASH"

log() { printf '[setup-gopher-lua] %s\n' "$*" >&2; }

if [[ -x "$DIR/gopher-health" ]]; then
  log "cached: $DIR/gopher-health"
  echo "$DIR/gopher-health"
  exit 0
fi
command -v go >/dev/null || { log "Go is required to build the gopher-lua runner"; exit 1; }
mkdir -p "$DIR"
log "building gopher-health with gopher-lua $VERSION"
(cd "$SRC" && CGO_ENABLED=0 nice -n 10 go build -trimpath -o "$DIR/gopher-health.tmp" .)
mv "$DIR/gopher-health.tmp" "$DIR/gopher-health"
echo "$DIR/gopher-health"
