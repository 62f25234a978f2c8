#!/usr/bin/env bash
# `npm run test:alerts`: checks the Prometheus rules with promtool and runs the alert unit tests in test/alerts/*.yaml,
# then the vitest checks (every alert has a runbook, every alert's tests fail when its expression is broken).
#
# promtool comes from Debian's prometheus package (installed when missing; it needs root or sudo). Installing the
# package may start a Prometheus server through systemd or init.d; this script stops it again if it did.
# Environment: MEDALLION_PROMTOOL  a promtool binary to use instead of the one on PATH.
set -euo pipefail
cd "$(dirname "$0")/../.."

log() { printf '[test:alerts] %s\n' "$*" >&2; }

install_promtool() {
  local sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  local was_running=0
  pgrep -x prometheus >/dev/null && was_running=1
  log "promtool not found: installing Debian's prometheus package (for /usr/bin/promtool)"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  if [[ $was_running -eq 0 ]] && pgrep -x prometheus >/dev/null; then
    log "the package started a Prometheus server; stopping it (only promtool is needed)"
    if command -v systemctl >/dev/null && systemctl is-active --quiet prometheus 2>/dev/null; then
      "${sudo[@]}" systemctl disable --now prometheus
    else
      "${sudo[@]}" service prometheus stop
    fi
  fi
}

PROMTOOL="${MEDALLION_PROMTOOL:-}"
if [[ -z "$PROMTOOL" ]]; then
  command -v promtool >/dev/null || install_promtool
  PROMTOOL="$(command -v promtool)"
fi
export MEDALLION_PROMTOOL="$PROMTOOL"
"$PROMTOOL" --version 2>&1 | head -1 >&2

"$PROMTOOL" check rules charts/medallion/files/prometheus/medallion-rules.yaml
"$PROMTOOL" test rules test/alerts/*.yaml
npx vitest run --config test/alerts/vitest.config.ts
