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

if [ ! -x "$VENV/bin/schemathesis" ] || ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  echo "installing schemathesis $SCHEMATHESIS_VERSION into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi
echo "api test prerequisites ok (chromium $(/usr/bin/chromium --version 2>/dev/null | awk '{print $2}'), $("$VENV/bin/schemathesis" --version))"
