#!/usr/bin/env bash
# Prepares a machine for the API tests. Idempotent: installs only what is missing.
#  - Chromium (Debian package `chromium`) for the docs-page test, driven by playwright-core.
#  - schemathesis (PyPI) in a cached virtualenv under ~/.cache/medallion/venv for the OpenAPI fuzzing test.
# The embedded PostgreSQL prerequisites are test/warehouse/setup.sh's.
set -euo pipefail
SCHEMATHESIS_VERSION="${SCHEMATHESIS_VERSION:-4.32.5}"
VENV="${MEDALLION_VENV:-$HOME/.cache/medallion/venv}"

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing chromium (apt-get)"
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends chromium >/dev/null
  else
    echo "chromium missing: install the Debian package chromium (sudo apt-get install chromium)" >&2
    exit 1
  fi
fi

# CPython 3.11 (up to 3.11.7, Debian's 3.11.2 included) can raise "SystemError: AST constructor recursion depth
# mismatch" inside hypothesis while schemathesis generates cases (CPython gh-106905, fixed in 3.12): prefer a newer
# interpreter when the machine has one (pyenv or python3.1x on PATH).
pick_python() {
  for v in 3.13 3.12; do
    for p in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$v".*/bin/python3 "$(command -v "python$v" || true)"; do
      # pyenv shims exist for every installed version but fail unless it is selected: run it to know.
      [ -n "$p" ] && [ -x "$p" ] && "$p" -c 'import venv' 2>/dev/null && { echo "$p"; return; }
    done
  done
  command -v python3
}
PYTHON="$(pick_python)"
PY_VERSION="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"

if [ ! -x "$VENV/bin/schemathesis" ] || ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION" ||
  [ "$("$VENV/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" != "$PY_VERSION" ]; then
  echo "installing schemathesis $SCHEMATHESIS_VERSION into $VENV (Python $PY_VERSION: $PYTHON)"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi
echo "api test prerequisites ok (chromium $(/usr/bin/chromium --version 2>/dev/null | awk '{print $2}'), $("$VENV/bin/schemathesis" --version), Python $PY_VERSION)"
