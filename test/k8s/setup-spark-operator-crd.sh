#!/usr/bin/env bash
# Fetches the Kubeflow Spark Operator's SparkApplication CRD from its published Go module
# github.com/kubeflow/spark-operator/v2 (config/crd/bases/ at a pinned release) through the Go module proxy, copies it
# into a cache outside the repository, and prints that directory. The k8s tests install it so every SparkApplication
# the operator builds is validated by the real schema.
#
# Environment:
#   MEDALLION_CACHE                  cache root (default ~/.cache/medallion)
#   MEDALLION_SPARK_OPERATOR_VERSION release (default v2.4.0)
set -euo pipefail

VERSION="${MEDALLION_SPARK_OPERATOR_VERSION:-v2.4.0}"
CACHE="${MEDALLION_CACHE:-$HOME/.cache/medallion}"
DIR="$CACHE/spark-operator/$VERSION"
FILE=sparkoperator.k8s.io_sparkapplications.yaml

log() { printf '[setup-spark-operator-crd] %s\n' "$*" >&2; }

if [[ -s "$DIR/$FILE" ]]; then
  log "cached: $DIR"
  echo "$DIR"
  exit 0
fi
command -v go >/dev/null || { log "Go is required to fetch the spark-operator module"; exit 1; }
mod=github.com/kubeflow/spark-operator/v2
src="$(cd /tmp && go mod download -json "$mod@$VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
[[ -s "$src/config/crd/bases/$FILE" ]] || { log "no config/crd/bases/$FILE in $mod@$VERSION"; exit 1; }
mkdir -p "$DIR"
# Copy then rename: a concurrent run sees the whole file or none.
cp "$src/config/crd/bases/$FILE" "$DIR/$FILE.tmp.$$" && mv "$DIR/$FILE.tmp.$$" "$DIR/$FILE"
log "copied $FILE from $mod@$VERSION to $DIR"
echo "$DIR"
