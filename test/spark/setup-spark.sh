#!/usr/bin/env bash
# Installs Apache Spark for the Spark engine's tests and local runs: PyPI's pyspark wheel ships the full Spark
# distribution (jars, bin/spark-submit), installed into its own cached virtualenv. Idempotent and safe to run
# concurrently: an flock serialises installers, and a new venv is built aside and renamed into place, so a reader
# never sees a half-installed Spark. Prints the Spark home (SPARK_HOME) on stdout, progress on stderr.
set -euo pipefail
PYSPARK_VERSION="${PYSPARK_VERSION:-4.2.1}"
CACHE="${MEDALLION_CACHE_DIR:-$HOME/.cache/medallion}"
VENV="${MEDALLION_SPARK_VENV:-$CACHE/spark-venv}"
mkdir -p "$(dirname "$VENV")"

spark_home() {
  local d
  for d in "$VENV"/lib/python3*/site-packages/pyspark; do
    [ -x "$d/bin/spark-submit" ] && { echo "$d"; return 0; }
  done
  return 1
}

installed() { spark_home >/dev/null && [ "$(cat "$VENV/.pyspark-version" 2>/dev/null)" = "$PYSPARK_VERSION" ]; }

if ! installed; then
  command -v java >/dev/null || { echo "java missing: Spark $PYSPARK_VERSION needs Java 17+ (Debian: openjdk-17-jre-headless)" >&2; exit 1; }
  python3 -c 'import ensurepip' 2>/dev/null || { echo "python3-venv missing: install the Debian package python3-venv" >&2; exit 1; }
  exec 9>"$VENV.lock"
  flock 9
  if ! installed; then
    echo "installing pyspark $PYSPARK_VERSION into $VENV" >&2
    tmp="$VENV.tmp.$$"
    rm -rf "$tmp"
    # Build in place under the final name's sibling, then rename: a venv's scripts embed its path, so the python
    # launcher is called by absolute path below and spark-submit finds its home from its own location.
    python3 -m venv "$tmp"
    "$tmp/bin/pip" install --quiet --disable-pip-version-check "pyspark==$PYSPARK_VERSION" >&2
    echo "$PYSPARK_VERSION" >"$tmp/.pyspark-version"
    rm -rf "$VENV.old"
    [ -e "$VENV" ] && mv "$VENV" "$VENV.old"
    mv "$tmp" "$VENV"
    rm -rf "$VENV.old"
  fi
  exec 9>&-
fi
spark_home || { echo "pyspark installed but no bin/spark-submit under $VENV" >&2; exit 1; }
