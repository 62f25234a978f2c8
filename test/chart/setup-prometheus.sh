#!/usr/bin/env bash
# The Prometheus server for the dashboards end-to-end test (dashboards-prometheus.chart-test.ts): Debian's prometheus
# package (/usr/bin/prometheus; the same package gives test:alerts its promtool), installed when missing. Prints the
# binary's path on stdout. Installing the package may start a Prometheus service; this stops it again (the test runs
# its own server on 127.0.0.1 with a temporary storage directory).
# Environment: MEDALLION_PROMETHEUS  a prometheus binary to use instead.
set -euo pipefail
log() { printf '[setup-prometheus] %s\n' "$*" >&2; }

if [[ -n "${MEDALLION_PROMETHEUS:-}" ]]; then
  [[ -x "$MEDALLION_PROMETHEUS" ]] || { log "MEDALLION_PROMETHEUS=$MEDALLION_PROMETHEUS is not executable"; exit 1; }
  echo "$MEDALLION_PROMETHEUS"
  exit 0
fi
if [[ ! -x /usr/bin/prometheus ]]; then
  sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  was_running=0
  pgrep -x prometheus >/dev/null && was_running=1
  log "installing Debian's prometheus package (apt-get)"
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=900 update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends prometheus >/dev/null
  if [[ $was_running -eq 0 ]] && pgrep -x prometheus >/dev/null; then
    log "the package started a Prometheus service; stopping it"
    if command -v systemctl >/dev/null && systemctl is-active --quiet prometheus 2>/dev/null; then
      "${sudo[@]}" systemctl disable --now prometheus
    else
      "${sudo[@]}" service prometheus stop
    fi
  fi
fi
log "$(/usr/bin/prometheus --version 2>&1 | head -1)"
echo /usr/bin/prometheus
