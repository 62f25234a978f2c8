#!/usr/bin/env bash
# `npm run test:argocd`: runs every Argo CD health_test.yaml case of the Medallion kinds with the real Lua 5.1
# interpreter and with gopher-lua (the Lua 5.1 implementation Argo CD embeds, built from its Go module by
# setup-gopher-lua.sh), and checks that deploy/argocd/argocd-cm-snippet.yaml matches the scripts.
#
# Lua 5.1 comes from Debian's lua5.1 package (installed when missing; it needs root or sudo); Go builds gopher-lua.
# Environment: MEDALLION_LUA            a Lua 5.1 interpreter to use instead of lua5.1 on PATH
#              MEDALLION_GOPHER_HEALTH  a gopher-health binary to use instead of building one
set -euo pipefail
cd "$(dirname "$0")/../.."

log() { printf '[test:argocd] %s\n' "$*" >&2; }

LUA="${MEDALLION_LUA:-}"
if [[ -z "$LUA" ]]; then
  if ! command -v lua5.1 >/dev/null; then
    sudo=()
    [[ $(id -u) -eq 0 ]] || sudo=(sudo)
    log "lua5.1 not found: installing Debian's lua5.1 package"
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends lua5.1 >/dev/null
  fi
  LUA="$(command -v lua5.1)"
fi
"$LUA" -v 2>&1 | head -1 >&2
case "$("$LUA" -e 'io.write(_VERSION)')" in
  "Lua 5.1") ;;
  *) log "$LUA is not Lua 5.1 (Argo CD's gopher-lua implements 5.1)"; exit 1 ;;
esac
export MEDALLION_LUA="$LUA"
export MEDALLION_GOPHER_HEALTH="${MEDALLION_GOPHER_HEALTH:-$(bash test/argocd/setup-gopher-lua.sh)}"
npx vitest run --config test/argocd/vitest.config.ts
