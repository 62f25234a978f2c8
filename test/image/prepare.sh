#!/usr/bin/env bash
# Everything the image group needs before its tests, none of which depends on the earlier test groups: the image
# (test/image/setup.sh: base, buildah build), the control plane's binaries with kubelet and kube-scheduler in one Go
# build (test/k8s/setup-apiserver.sh), and the image imported into the cached containerd store. Both builds run side
# by side, under `nice` so that tests running at the same time keep priority.
#
#   prepare.sh               does it in the foreground
#   prepare.sh --background  starts it detached and returns at once (.ci/run does this before `npm test`, so the
#                            cold setup overlaps the earlier groups); output goes to $CACHE/image/prepare.log
#   prepare.sh --wait        waits for a background run to end and prints its log (test/image/run.sh does this);
#                            returns 0 either way: the callers' own setup steps redo whatever it did not finish
#
# The setup scripts lock their caches, so a test group that needs the binaries or the image while the background run
# is still building them waits for it instead of building them a second time.
set -euo pipefail
cd "$(dirname "$0")/../.."
CACHE="${MEDALLION_CACHE:-$HOME/.cache/medallion}/image"
mkdir -p "$CACHE"
LOCK="$CACHE/.prepare.lock"
LOG="$CACHE/prepare.log"

case "${1:-}" in
  --background)
    # The lock is taken here and inherited by the detached child, so a --wait right after this returns already sees it.
    exec {lock}>"$LOCK"
    flock -n "$lock" || { echo "[prepare-image] already running in the background" >&2; exit 0; }
    echo "[prepare-image] started in the background; log: $LOG" >&2
    setsid nice -n 10 bash "$0" --locked </dev/null >"$LOG" 2>&1 &
    exit 0
    ;;
  --wait)
    exec {lock}>"$LOCK"
    if ! flock -n "$lock"; then
      echo "[prepare-image] waiting for the background preparation" >&2
      waited=$(date +%s)
      flock "$lock"
      echo "[prepare-image] waited $(($(date +%s) - waited)) s" >&2
    fi
    if [[ -f "$LOG" ]]; then
      echo "[prepare-image] --- background log ---" >&2
      cat "$LOG" >&2
      echo "[prepare-image] --- end of the background log ---" >&2
      mv "$LOG" "$LOG.last"
    fi
    exit 0
    ;;
  --locked) ;; # the detached child of --background: the lock is inherited
  "")
    exec {lock}>"$LOCK"
    flock "$lock"
    ;;
  *)
    echo "usage: $0 [--background|--wait]" >&2
    exit 2
    ;;
esac

started=$(date +%s)
log() { printf '[prepare-image +%ss] %s\n' "$(($(date +%s) - started))" "$*" >&2; }
log "building the image and the control plane's binaries (with kubelet, kube-scheduler) side by side"
bash test/k8s/setup-apiserver.sh kubelet kube-scheduler >/dev/null &
k8s=$!
image_rc=0
bash test/image/setup.sh >/dev/null || image_rc=$?
log "image: exit $image_rc"
if ((image_rc == 0)); then
  # Needs the repository's node_modules (tsx); .ci/run starts this after `npm ci`.
  node --import tsx test/image/import-images.ts || log "import into containerd failed; kubelet.image-test.ts will retry"
fi
k8s_rc=0
wait "$k8s" || k8s_rc=$?
log "binaries: exit $k8s_rc"
log "done in $(($(date +%s) - started)) s"
exit $((image_rc || k8s_rc))
